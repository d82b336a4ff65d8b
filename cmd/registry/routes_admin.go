package main

import (
	"net/http"

	"outcomereg/registry"
)

// adminRoutes: administration in the browser (sites, users, studies; administrators only,
// every change audited by the store), every user's own account page, and the one-time
// links with which a user sets her password (signed out: the token is the credential).
func (a *app) adminRoutes(mux *http.ServeMux) {
	admins := []string{registry.RoleAdmin}
	a.handle(mux, "GET /admin", admins, a.adminHome)
	a.handle(mux, "GET /admin/sites", admins, a.adminSites)
	a.handle(mux, "POST /admin/sites", admins, a.adminSiteAdd)
	a.handle(mux, "GET /admin/sites/{code}", admins, a.adminSite)
	a.handle(mux, "POST /admin/sites/{code}", admins, a.adminSiteSave)
	a.handle(mux, "POST /admin/sites/{code}/delete", admins, a.adminSiteDelete)
	a.handle(mux, "GET /admin/users", admins, a.adminUsers)
	a.handle(mux, "POST /admin/users", admins, a.adminUserAdd)
	a.handle(mux, "GET /admin/users/{id}", admins, a.adminUser)
	a.handle(mux, "POST /admin/users/{id}", admins, a.adminUserSave)
	a.handle(mux, "POST /admin/users/{id}/disable", admins, a.adminUserDisable)
	a.handle(mux, "POST /admin/users/{id}/enable", admins, a.adminUserEnable)
	a.handle(mux, "POST /admin/users/{id}/reset-password", admins, a.adminUserReset)
	a.handle(mux, "POST /admin/throttles/clear", admins, a.adminThrottleClear)
	a.handle(mux, "GET /admin/studies", admins, a.adminStudies)
	a.handle(mux, "POST /admin/studies/preview", admins, a.adminStudyPreview)
	a.handle(mux, "POST /admin/studies/apply", admins, a.adminStudyApply)
	a.handle(mux, "GET /admin/studies/{code}/definition.yaml", admins, a.adminStudyDefinition)
	a.handle(mux, "POST /admin/studies/{code}/sites", admins, a.adminStudySiteAdd)
	a.handle(mux, "POST /admin/studies/{code}/sites/{site}/delete", admins, a.adminStudySiteRemove)

	a.handle(mux, "GET /account", signedIn, a.accountPage)
	a.handle(mux, "POST /account/password", signedIn, a.accountPassword)
	a.handle(mux, "POST /account/sessions/{id}/end", signedIn, a.accountEndSession)

	a.handle(mux, "GET /password/{token}", public, a.passwordLinkForm)
	a.handle(mux, "POST /password/{token}", public, a.passwordLinkSave)
}
