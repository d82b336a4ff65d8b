package main

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"outcomereg/registry"
	"outcomereg/views"
)

func (a *app) setSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: a.overTLS(r),
	})
}

func (a *app) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: a.overTLS(r),
	})
}

// safeNext keeps a post-login redirect on this site: a path on this server, never another
// host. Only printable ASCII is allowed (the registry's own addresses are escaped): browsers
// drop tabs and line breaks from a Location and read a backslash as a slash, so "/\t/evil"
// and "/\\evil" would lead away; "//evil" is another host outright.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/login") ||
		strings.ContainsFunc(next, func(r rune) bool { return r <= ' ' || r >= 0x7f || r == '\\' }) {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	return next
}

// waitText says how long to wait, in seconds or, from two minutes, in minutes.
func waitText(ctx context.Context, seconds int) string {
	if seconds <= 1 {
		return views.T(ctx, "a second")
	}
	if seconds < 120 {
		return views.T(ctx, "%d seconds", seconds)
	}
	return views.T(ctx, "%d minutes", (seconds+59)/60)
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
	address := a.clientAddress(r)
	u, err := a.store.Authenticate(ctx, email, password, address)
	if err == nil {
		token, err := a.store.NewSession(ctx, u, registry.SessionLimits{Idle: a.cfg.sessionIdle, Absolute: a.cfg.sessionAbsolute},
			address, r.UserAgent())
		if err != nil {
			a.fail(w, r, err)
			return
		}
		a.setSessionCookie(w, r, token)
		next = a.heldFormAfterLogin(w, r, u, next)
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	var status int
	var message string
	switch registry.ErrorCode(err) {
	case registry.EUNAUTHORIZED:
		status, message = http.StatusUnauthorized, views.T(ctx, "The email or password is wrong.")
	case registry.ETOOMANY:
		var e *registry.Error
		errors.As(err, &e)
		seconds := max(1, int(math.Ceil(e.RetryAfter.Seconds())))
		w.Header().Set("Retry-After", strconv.Itoa(seconds))
		status, message = http.StatusTooManyRequests, views.T(ctx, e.Message)+" "+views.T(ctx, "Try again in %s.", waitText(ctx, seconds))
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
