package main

import (
	"net/http"

	"outcomereg/registry"
)

// dashboardReaders may open the dashboards: researchers (with small cells suppressed),
// statisticians and administrators. Nurses see the study list but no dashboard.
var dashboardReaders = []string{registry.RoleResearcher, registry.RoleStatistician, registry.RoleAdmin}

// dashboardRoutes: what researchers read.
func (a *app) dashboardRoutes(mux *http.ServeMux) {
	a.handle(mux, "GET /studies", signedIn, a.studyList)
	a.handle(mux, "GET /studies/{code}/dashboard", dashboardReaders, a.studyDashboard)
	a.handle(mux, "GET /studies/{code}/dashboard.json", dashboardReaders, a.studyDashboardJSON)
	a.handle(mux, "GET /dashboard", dashboardReaders, a.overview)
	a.handle(mux, "GET /dashboard.json", dashboardReaders, a.overviewJSON)
	a.handle(mux, "GET /static/echarts.min.js", public, a.echartsJS)
}
