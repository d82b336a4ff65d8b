package main

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"outcomereg/registry"
	"outcomereg/views"
)

// adminHome: the administration starts at the users.
func (a *app) adminHome(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

// doneNotices are the texts a page shows after the change a redirect names in ?done=; the
// changed thing's code or email comes in ?what=.
var doneNotices = map[string]string{
	"site-added":     "The site %s was added.",
	"site-saved":     "The site %s was saved.",
	"site-deleted":   "The site %s was deleted.",
	"user-saved":     "The role and sites of %s were saved.",
	"user-disabled":  "%s is disabled; her sessions have ended.",
	"user-enabled":   "%s is enabled.",
	"throttle-clear": "The sign-in throttle of %s was cleared.",
	"study-applied":  "The study %s was applied.",
	"study-sites":    "The sites of %s were saved.",
	"password":       "Your password was changed; your other sessions have ended.",
	"session-ended":  "The session was ended.",
}

// doneNotice is the notice for a request's ?done= and ?what=.
func doneNotice(r *http.Request) views.AdminNotice {
	q := r.URL.Query()
	key, ok := doneNotices[q.Get("done")]
	if !ok {
		return views.AdminNotice{}
	}
	if strings.Contains(key, "%s") {
		return views.AdminNotice{Text: views.T(r.Context(), key, q.Get("what"))}
	}
	return views.AdminNotice{Text: views.T(r.Context(), key)}
}

// redirectDone answers a successful change with a redirect to page, which names it.
func redirectDone(w http.ResponseWriter, r *http.Request, page, done, what string) {
	http.Redirect(w, r, page+"?done="+done+"&what="+url.QueryEscape(what), http.StatusSeeOther)
}

// adminFormErrors turns a registry error into the form's messages, also a conflict or an
// error without fields (a code taken, a wrong password); ok is false for an error that is
// not about the input (then the caller fails the request).
func adminFormErrors(err error) (views.FormErrors, bool) {
	var e *registry.Error
	if !errors.As(err, &e) || (e.Code != registry.EINVALID && e.Code != registry.ECONFLICT) {
		return views.FormErrors{}, false
	}
	return views.FormErrors{Message: e.Message, Fields: e.Fields}, true
}

func (a *app) adminSites(w http.ResponseWriter, r *http.Request) {
	a.renderSites(w, r, http.StatusOK, views.SiteForm{TimeZone: registry.DefaultTimeZone}, doneNotice(r))
}

func (a *app) renderSites(w http.ResponseWriter, r *http.Request, status int, form views.SiteForm, notice views.AdminNotice) {
	sites, err := a.store.Sites(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.render(w, r, status, views.AdminSitesPage(a.page(r, views.T(r.Context(), "Sites")), sites, form, notice))
}

func siteFormOf(r *http.Request) (views.SiteForm, registry.Site) {
	f := views.SiteForm{
		Code:     strings.TrimSpace(cleanText(r.PostFormValue("code"))),
		Name:     strings.TrimSpace(cleanText(r.PostFormValue("name"))),
		TimeZone: strings.TrimSpace(cleanText(r.PostFormValue("time_zone"))),
	}
	return f, registry.Site{Code: f.Code, Name: f.Name, TimeZone: f.TimeZone}
}

func (a *app) adminSiteAdd(w http.ResponseWriter, r *http.Request) {
	form, site := siteFormOf(r)
	if err := a.store.AddSite(r.Context(), actorOf(r), site); err != nil {
		var ok bool
		if form.Errors, ok = adminFormErrors(err); !ok {
			a.fail(w, r, err)
			return
		}
		a.renderSites(w, r, http.StatusBadRequest, form, views.AdminNotice{})
		return
	}
	redirectDone(w, r, "/admin/sites", "site-added", site.Code)
}

func (a *app) findSite(r *http.Request, code string) (*registry.Site, error) {
	sites, err := a.store.Sites(r.Context())
	if err != nil {
		return nil, err
	}
	for _, s := range sites {
		if s.Code == code {
			return &s, nil
		}
	}
	return nil, registry.Errorf(registry.ENOTFOUND, "There is no site %q.", code)
}

func (a *app) adminSite(w http.ResponseWriter, r *http.Request) {
	s, err := a.findSite(r, r.PathValue("code"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, views.AdminSitePage(a.page(r, views.T(r.Context(), "Site %s", s.Code)), s.Code,
		views.SiteForm{Code: s.Code, Name: s.Name, TimeZone: s.TimeZone}, doneNotice(r)))
}

func (a *app) adminSiteSave(w http.ResponseWriter, r *http.Request) {
	oldCode := r.PathValue("code")
	form, site := siteFormOf(r)
	if err := a.store.UpdateSite(r.Context(), actorOf(r), oldCode, site); err != nil {
		var ok bool
		if form.Errors, ok = adminFormErrors(err); !ok {
			a.fail(w, r, err)
			return
		}
		a.render(w, r, http.StatusBadRequest, views.AdminSitePage(a.page(r, views.T(r.Context(), "Site %s", oldCode)), oldCode, form, views.AdminNotice{}))
		return
	}
	redirectDone(w, r, "/admin/sites", "site-saved", site.Code)
}

func (a *app) adminSiteDelete(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	code := r.PathValue("code")
	if err := a.store.DeleteSite(ctx, actorOf(r), code); err != nil {
		if registry.ErrorCode(err) != registry.ECONFLICT {
			a.fail(w, r, err)
			return
		}
		s, ferr := a.findSite(r, code)
		if ferr != nil {
			a.fail(w, r, ferr)
			return
		}
		patients, users, studies, uerr := a.store.SiteUse(ctx, code)
		if uerr != nil {
			a.fail(w, r, uerr)
			return
		}
		why := views.T(ctx, "The site %s cannot be deleted: it has %d patients and %d users and takes part in %d studies.", code, patients, users, studies)
		a.render(w, r, http.StatusConflict, views.AdminSitePage(a.page(r, views.T(ctx, "Site %s", code)), code,
			views.SiteForm{Code: s.Code, Name: s.Name, TimeZone: s.TimeZone}, views.AdminNotice{Text: why, Error: true}))
		return
	}
	redirectDone(w, r, "/admin/sites", "site-deleted", code)
}

// translatedError is a registry error's message in the request's language.
func translatedError(r *http.Request, err error) string {
	return views.T(r.Context(), registry.ErrorMessage(err))
}
