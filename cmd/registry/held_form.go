package main

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"outcomereg/registry"
	"outcomereg/views"
)

// A session that times out never loses what was typed. A nurse form posted after the
// session ended is held here, in memory, for heldFormTTL, bound to the user whose session
// it was (the expired session's owner); the browser gets a short-lived cookie naming it
// and is sent to sign in. Signing in as that user leads back to the form page, which shows
// everything typed with a message saying why; anyone else signing in on that browser gets
// nothing, and the held form is dropped.

const (
	heldFormTTL    = 15 * time.Minute
	heldFormCookie = "registry_held_form"
	// heldFormMessage is shown above a form filled in again from a held post.
	heldFormMessage = "Your session had ended, so nothing was saved. You have signed in again and what you typed is back: check it and save."
)

type heldForm struct {
	email  string     // whose it is
	page   string     // the form page to show it on
	values url.Values // what was typed
	at     time.Time
}

type heldForms struct {
	mu   sync.Mutex
	held map[string]*heldForm
}

// heldFormPages maps each nurse form's POST route to the page that shows the form.
var heldFormPages = map[string]func(r *http.Request) string{
	"POST /studies/{code}/patients": func(r *http.Request) string {
		return "/studies/" + url.PathEscape(r.PathValue("code")) + "/enrol"
	},
	"POST /studies/{code}/patients/{number}/visits/{visit}": func(r *http.Request) string {
		return patientPath(r) + "/visits/" + url.PathEscape(r.PathValue("visit"))
	},
	"POST /studies/{code}/patients/{number}/status": func(r *http.Request) string { return patientPath(r) + "/status" },
	"POST /studies/{code}/patients/{number}/events": func(r *http.Request) string { return patientPath(r) + "/events/new" },
	"POST /studies/{code}/patients/{number}/adverse-events": func(r *http.Request) string {
		return patientPath(r) + "/adverse-events/new"
	},
	"POST /studies/{code}/patients/{number}/adverse-events/{ae}": func(r *http.Request) string {
		return patientPath(r) + "/adverse-events/" + url.PathEscape(r.PathValue("ae"))
	},
}

func (h *heldForms) expire(now time.Time) {
	for id, f := range h.held {
		if now.Sub(f.at) > heldFormTTL {
			delete(h.held, id)
		}
	}
}

// holdSignedOutForm holds a nurse form posted without a live session, when the browser's
// (expired) session names its user, and sends the browser to sign in. It reports whether it
// answered the request.
func (a *app) holdSignedOutForm(w http.ResponseWriter, r *http.Request) bool {
	pageOf, ok := heldFormPages[r.Pattern]
	if !ok || r.Method != http.MethodPost {
		return false
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return false
	}
	email, err := a.store.SessionOwner(r.Context(), c.Value)
	if err != nil {
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return false
	}
	values := url.Values{}
	for k, v := range r.PostForm {
		if k != "form_token" {
			values[k] = v
		}
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return false
	}
	id := base64.RawURLEncoding.EncodeToString(raw)
	page := pageOf(r)
	now := time.Now()
	a.held.mu.Lock()
	a.held.expire(now)
	// One held form per user: the browser's cookie names only the latest, and the map stays
	// bounded by the number of users.
	for other, f := range a.held.held {
		if strings.EqualFold(f.email, email) {
			delete(a.held.held, other)
		}
	}
	a.held.held[id] = &heldForm{email: email, page: page, values: values, at: now}
	a.held.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: heldFormCookie, Value: id, Path: "/", MaxAge: int(heldFormTTL.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: a.overTLS(r)})
	http.Redirect(w, r, "/login?next="+urlQueryEscape(page), http.StatusSeeOther)
	return true
}

func (a *app) clearHeldFormCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: heldFormCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: a.overTLS(r)})
}

// heldFormAfterLogin is where a sign-in leads when the browser holds a form: the form's page
// when the form is the user's. A form of another user is dropped.
func (a *app) heldFormAfterLogin(w http.ResponseWriter, r *http.Request, u *registry.User, next string) string {
	c, err := r.Cookie(heldFormCookie)
	if err != nil {
		return next
	}
	a.held.mu.Lock()
	defer a.held.mu.Unlock()
	a.held.expire(time.Now())
	f, ok := a.held.held[c.Value]
	if !ok || !strings.EqualFold(f.email, u.Email) {
		delete(a.held.held, c.Value)
		a.clearHeldFormCookie(w, r)
		return next
	}
	return f.page
}

// takeHeldForm returns, once, the form held for the signed-in user on this page, and a
// request that reads it as posted: the form handlers' own reading of a post fills the form.
func (a *app) takeHeldForm(w http.ResponseWriter, r *http.Request) (*http.Request, views.FormErrors, bool) {
	c, err := r.Cookie(heldFormCookie)
	u := userOf(r)
	if err != nil || u == nil {
		return r, views.FormErrors{}, false
	}
	a.held.mu.Lock()
	defer a.held.mu.Unlock()
	a.held.expire(time.Now())
	f, ok := a.held.held[c.Value]
	if !ok || !strings.EqualFold(f.email, u.Email) || !samePath(f.page, r.URL.Path) {
		return r, views.FormErrors{}, false
	}
	delete(a.held.held, c.Value)
	a.clearHeldFormCookie(w, r)
	r2 := r.Clone(r.Context())
	r2.PostForm, r2.Form = f.values, f.values
	return r2, views.FormErrors{Message: heldFormMessage}, true
}

// samePath reports whether an escaped path names the (unescaped) path of a request.
func samePath(escaped, path string) bool {
	u, err := url.Parse(escaped)
	return err == nil && u.Path == path
}
