package main

import (
	"net/http"
	"strconv"
	"strings"

	"outcomereg/registry"
	"outcomereg/views"
)

func (a *app) setSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil || a.cfg.secureCookies,
	})
}

func (a *app) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil || a.cfg.secureCookies,
	})
}

// safeNext keeps a post-login redirect on this site: a local path, never another host.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.HasPrefix(next, "/login") {
		return "/"
	}
	return next
}

func (a *app) loginForm(w http.ResponseWriter, r *http.Request) {
	if userOf(r) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	a.render(w, r, http.StatusOK, views.Login(a.page(r, views.T(r.Context(), "Sign in")), "", safeNext(r.URL.Query().Get("next")), ""))
}

func (a *app) login(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	email, password := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	u, err := a.store.Authenticate(ctx, email, password, clientAddress(r))
	if err == nil {
		token, err := a.store.NewSession(ctx, u, a.cfg.sessionIdle, clientAddress(r))
		if err != nil {
			a.fail(w, r, err)
			return
		}
		a.setSessionCookie(w, r, token)
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	var status int
	var message string
	switch registry.ErrorCode(err) {
	case registry.EUNAUTHORIZED:
		status, message = http.StatusUnauthorized, views.T(ctx, "The email or password is wrong.")
	case registry.ETOOMANY:
		minutes, _ := strconv.Atoi(registry.ErrorMessage(err))
		w.Header().Set("Retry-After", strconv.Itoa(minutes*60))
		status, message = http.StatusTooManyRequests, views.T(ctx, "Too many failed sign-ins. Try again in %d minutes.", minutes)
	default:
		a.fail(w, r, err)
		return
	}
	a.render(w, r, status, views.Login(a.page(r, views.T(ctx, "Sign in")), email, next, message))
}

func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if u := userOf(r); u != nil {
			if err := a.store.EndSession(r.Context(), c.Value, u); err != nil {
				a.fail(w, r, err)
				return
			}
		}
	}
	a.clearSessionCookie(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// setLanguage switches the UI language: remembered for the user, and in a cookie.
func (a *app) setLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.PostFormValue("lang")
	if _, ok := views.LanguageNames[lang]; !ok {
		a.fail(w, r, registry.Errorf(registry.EINVALID, "unknown language %q: use en, sv or da", lang))
		return
	}
	if u := userOf(r); u != nil {
		if err := a.store.SetLanguage(r.Context(), u.ID, lang); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, HttpOnly: true})
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}
