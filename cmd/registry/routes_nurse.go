package main

import "net/http"

// nurseRoutes: the write side, what study nurses do every day.
func (a *app) nurseRoutes(mux *http.ServeMux) {
}
