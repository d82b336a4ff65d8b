package main

import (
	"net/http"

	"outcomereg/registry"
)

// exportRoutes: CSV exports and imports for statisticians.
func (a *app) exportRoutes(mux *http.ServeMux) {
	analysts := []string{registry.RoleStatistician, registry.RoleAdmin}
	a.handle(mux, "GET /studies/{code}/export", analysts, a.exportPage)
	a.handle(mux, "GET /studies/{code}/export/{file}", analysts, a.exportDownload)
	a.handle(mux, "GET /studies/{code}/export.zip", analysts, a.exportZip)
	a.handle(mux, "GET /studies/{code}/import", analysts, a.importPage)
	a.handle(mux, "POST /studies/{code}/import", analysts, a.importUpload)
}
