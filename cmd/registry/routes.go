package main

import (
	"context"
	"io/fs"
	"net/http"
	"time"

	"outcomereg/registry"
	"outcomereg/views"
)

// routes builds every route of the registry. Each is registered with the roles that may use
// it; the route test enumerates a.table so that no route is added without that decision.
// The routes of each part of the work are listed in a file of their own: routes_nurse.go
// (data entry), routes_dashboard.go (analysis), routes_export.go (CSV export and import), routes_admin.go (administration and accounts).
func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	a.mux = mux
	static, _ := fs.Sub(views.Static, "static")

	a.handle(mux, "GET /healthz", public, a.healthz)
	a.handle(mux, "GET /static/", public, http.StripPrefix("/static/", http.FileServerFS(static)).ServeHTTP)
	a.handle(mux, "GET /login", public, a.loginForm)
	a.handle(mux, "POST /login", public, a.login)
	a.handle(mux, "POST /logout", public, a.logout)
	a.handle(mux, "POST /language", public, a.setLanguage)
	a.handle(mux, "GET /{$}", signedIn, a.home)
	a.nurseRoutes(mux)
	a.dashboardRoutes(mux)
	a.exportRoutes(mux)
	a.adminRoutes(mux)
	a.blindingRoutes(mux)
	a.treatRoutes(mux)
	a.patientHomeRoutes(mux)
	a.handle(mux, "/", public, a.notFound)

	var h http.Handler = mux
	h = a.withSession(h)
	h = a.cleanInput(h)
	h = http.NewCrossOriginProtection().Handler(h)
	h = a.hsts(secureHeaders(h))
	h = a.recoverPanics(h)
	h = a.logRequests(h)
	return h
}

// healthz answers 200 when the database answers, 503 when it does not.
func (a *app) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := a.store.DB.Ping(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unavailable\n"))
		return
	}
	w.Write([]byte("ok\n"))
}

// home sends each role to where its work is.
func (a *app) home(w http.ResponseWriter, r *http.Request) {
	switch userOf(r).Role {
	case registry.RoleNurse:
		http.Redirect(w, r, "/worklist", http.StatusSeeOther)
	case registry.RoleResearcher, registry.RoleStatistician:
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/studies", http.StatusSeeOther)
	}
}

func (a *app) notFound(w http.ResponseWriter, r *http.Request) {
	a.fail(w, r, registry.Errorf(registry.ENOTFOUND, "There is no page at this address."))
}
