package main

import (
	"context"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"time"

	"outcomereg/registry"
	"outcomereg/views"
)

const sessionCookie = "registry_session"

type userKey struct{}

// userOf returns the signed-in user of a request, or nil.
func userOf(r *http.Request) *registry.User {
	u, _ := r.Context().Value(userKey{}).(*registry.User)
	return u
}

// route is one registered route and who may use it.
type route struct {
	pattern string
	roles   []string // empty: anyone, signed in or not
}

// public and signedIn describe who may use a route.
var (
	public   []string
	signedIn = registry.Roles
)

// handle registers a route with the roles allowed; the check runs on the server for every
// request, whatever the pages show.
func (a *app) handle(mux *http.ServeMux, pattern string, roles []string, h http.HandlerFunc) {
	a.table = append(a.table, route{pattern: pattern, roles: roles})
	var next http.Handler = h
	if len(roles) > 0 {
		next = a.requireRole(roles, h)
	}
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if sw, ok := w.(*statusWriter); ok {
			sw.pattern = pattern // for the request log, which sits outside the mux
		}
		next.ServeHTTP(w, r)
	})
}

func (a *app) requireRole(roles []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := userOf(r)
		if u == nil {
			if a.holdSignedOutForm(w, r) {
				return
			}
			a.fail(w, r, registry.Errorf(registry.EUNAUTHORIZED, "not signed in"))
			return
		}
		if !slices.Contains(roles, u.Role) {
			a.fail(w, r, registry.Errorf(registry.EFORBIDDEN, "role %s may not use %s", u.Role, r.URL.Path))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// withSession loads the session's user, if any, and the UI language.
func (a *app) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var u *registry.User
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			u, err = a.store.SessionUser(r.Context(), c.Value, a.cfg.sessionIdle)
			switch registry.ErrorCode(err) {
			case "":
			case registry.EUNAUTHORIZED:
				a.clearSessionCookie(w, r)
			default:
				a.fail(w, r, err)
				return
			}
		}
		var userLang, cookieLang string
		if u != nil {
			userLang = u.Language
		}
		if c, err := r.Cookie("lang"); err == nil {
			cookieLang = c.Value
		}
		lang := views.MatchLanguage(userLang, cookieLang, r.Header.Get("Accept-Language"))
		if sw := statusWriterOf(w); sw != nil && u != nil {
			sw.userID = u.ID
		}
		ctx := views.WithLanguage(context.WithValue(r.Context(), userKey{}, u), lang)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// secureHeaders sets headers every answer carries (and hsts, over TLS).
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic into a logged internal error rather than a dropped connection.
func (a *app) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.logger.Error("panic", append(a.requestLog(w, r), "panic", v, "stack", string(debug.Stack()))...)
				a.fail(w, r, registry.Errorf(registry.EINTERNAL, "panic"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// logRequests logs method, route pattern, user id, status and duration; never the path, the
// query or the body, which may hold study numbers.
func (a *app) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		a.logger.Info("request", append(a.requestLog(sw, r), "status", sw.status, "ms", time.Since(start).Milliseconds())...)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status  int
	pattern string
	userID  int64 // the signed-in user, 0 for none
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
