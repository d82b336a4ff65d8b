package main

import "net/http"

// dashboardRoutes: what researchers read.
func (a *app) dashboardRoutes(mux *http.ServeMux) {
}
