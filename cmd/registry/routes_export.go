package main

import "net/http"

// exportRoutes: CSV exports and imports for statisticians.
func (a *app) exportRoutes(mux *http.ServeMux) {
}
