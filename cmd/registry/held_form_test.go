package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// endSessions makes every session of a user time out, as thirty idle minutes would.
func endSessions(t *testing.T, tr *testRegistry, email string) {
	t.Helper()
	if _, err := tr.store.DB.Exec(context.Background(), `UPDATE sessions SET expires_at = now() - interval '1 second'
		WHERE user_id = (SELECT id FROM users WHERE email = $1)`, email); err != nil {
		t.Fatal(err)
	}
}

// signInAgain signs a client in again and returns where the sign-in led.
func signInAgain(t *testing.T, tr *testRegistry, c *http.Client, email, next string) string {
	t.Helper()
	resp, err := c.PostForm(tr.URL+"/login", url.Values{"email": {email}, "password": {tr.logins[email]}, "next": {next}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %s", email, resp.Status)
	}
	return resp.Header.Get("Location")
}

// TestHeldFormAfterTimeOut: a visit posted after the session timed out saves nothing, and
// after signing in again the visit form shows everything typed with a message saying why,
// once. Another user signing in on that browser gets nothing, and the form is dropped.
func TestHeldFormAfterTimeOut(t *testing.T) {
	tr := newTestRegistry(t)
	e := dueVisit(t, tr)
	const nurse = "nurse.copenhagen@demo.registry"
	const why = "Your session had ended, so nothing was saved."
	visitPage := "/studies/knee-oa/patients/" + e.Number + "/visits/" + e.VisitCode
	c := tr.client(t, nurse)
	if _, page := get(t, c, tr.URL+visitPage); strings.Contains(page, why) {
		t.Fatal("a fresh form shows the time-out message")
	}
	endSessions(t, tr, nurse)
	form := kneeVisitForm("7")
	form.Set("notes", "Typed before the time-out: knee swollen")
	form.Set("form_token", "stale-token")
	status, _, loc := post(t, c, tr.URL+visitPage, form)
	if status != http.StatusSeeOther || loc != "/login?next="+url.QueryEscape(visitPage) {
		t.Fatalf("post after time-out: %d to %q", status, loc)
	}
	var saved int
	if err := tr.store.DB.QueryRow(context.Background(), `SELECT count(*) FROM visits WHERE notes LIKE 'Typed before%'`).Scan(&saved); err != nil {
		t.Fatal(err)
	}
	if saved != 0 {
		t.Fatal("a post without a live session saved the visit")
	}
	if got := signInAgain(t, tr, c, nurse, "/"); got != visitPage {
		t.Fatalf("signing in again led to %q, want the visit form %q", got, visitPage)
	}
	_, page := get(t, c, tr.URL+visitPage)
	for _, want := range []string{why, "Typed before the time-out: knee swollen", `value="7"`, `name="m_koos_pain__p7" value="3" checked`} {
		if !strings.Contains(page, want) {
			t.Errorf("the visit form after signing in again lacks %q", want)
		}
	}
	if strings.Contains(page, "stale-token") {
		t.Error("the held form kept its used one-time token")
	}
	// Held once: a reload shows the plain form.
	if _, again := get(t, c, tr.URL+visitPage); strings.Contains(again, why) || strings.Contains(again, "knee swollen") {
		t.Error("the held form came back twice")
	}

	// Another user on that browser: nothing, and the nurse signing in after gets nothing either.
	aePage := "/studies/knee-oa/patients/" + e.Number + "/adverse-events/new"
	endSessions(t, tr, nurse)
	status, _, loc = post(t, c, tr.URL+"/studies/knee-oa/patients/"+e.Number+"/adverse-events",
		url.Values{"term": {"Private typed term"}, "onset_on": {"2026-11-20"}, "grade": {"1"}})
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Fatalf("adverse event after time-out: %d to %q", status, loc)
	}
	const admin = "admin@demo.registry"
	if got := signInAgain(t, tr, c, admin, aePage); got != aePage {
		t.Fatalf("the other user was led to %q", got)
	}
	if _, page := get(t, c, tr.URL+aePage); strings.Contains(page, "Private typed term") || strings.Contains(page, why) {
		t.Error("another user signing in on the browser got the nurse's held form")
	}
	signInAgain(t, tr, c, nurse, "/")
	if _, page := get(t, c, tr.URL+aePage); strings.Contains(page, "Private typed term") {
		t.Error("the held form survived another user's sign-in")
	}

	// A browser without a session holds nothing: the post just asks to sign in.
	anon := tr.client(t, "")
	status, _, loc = post(t, anon, tr.URL+visitPage, form)
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Fatalf("anonymous post: %d to %q", status, loc)
	}
	tr.app.held.mu.Lock()
	n := len(tr.app.held.held)
	tr.app.held.mu.Unlock()
	if n != 0 {
		t.Errorf("%d forms held after an anonymous post", n)
	}
}
