package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestLoginLogoutAndThrottle(t *testing.T) {
	tr := newTestRegistry(t)
	anon := tr.client(t, "")

	// A page that needs a login redirects there and comes back after.
	resp, err := anon.Get(tr.URL + "/?x=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2F%3Fx%3D1" {
		t.Fatalf("signed out /: %s -> %q", resp.Status, resp.Header.Get("Location"))
	}

	email := "nurse.lund@demo.registry"
	wrong := url.Values{"email": {email}, "password": {"not the password"}}
	for i := range 5 {
		resp, err := anon.PostForm(tr.URL+"/login", wrong)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failed login %d: %s, want 401", i+1, resp.Status)
		}
	}
	// Locked now, even with the right password.
	resp, err = anon.PostForm(tr.URL+"/login", url.Values{"email": {email}, "password": {tr.logins[email]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("sixth login: %s, want 429 with Retry-After", resp.Status)
	}
	var fails, logins int
	tr.store.DB.QueryRow(t.Context(), `SELECT count(*) FILTER (WHERE action = 'login_failed'), count(*) FILTER (WHERE action = 'login')
		FROM audit_log`).Scan(&fails, &logins)
	if fails != 5 || logins != 0 {
		t.Fatalf("audit: %d failed logins, %d logins; want 5 and 0", fails, logins)
	}

	// Another account still signs in; its cookie is HttpOnly and SameSite=Lax.
	c := tr.client(t, "admin@demo.registry")
	u, _ := url.Parse(tr.URL)
	if len(c.Jar.Cookies(u)) == 0 {
		t.Fatal("no session cookie")
	}
	if status, _ := get(t, c, tr.URL+"/healthz"); status != http.StatusOK {
		t.Fatalf("healthz: %d", status)
	}

	// Logout ends the session on the server: the old cookie no longer works.
	cookies := c.Jar.Cookies(u)
	resp, err = c.PostForm(tr.URL+"/logout", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	replay, _ := http.NewRequest("GET", tr.URL+"/", nil)
	for _, ck := range cookies {
		replay.AddCookie(ck)
	}
	resp, err = tr.client(t, "").Do(replay)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("old session cookie after logout: %s, want a redirect to login", resp.Status)
	}
}

func TestSessionCookieFlags(t *testing.T) {
	tr := newTestRegistry(t)
	c := tr.client(t, "")
	resp, err := c.PostForm(tr.URL+"/login", url.Values{"email": {"admin@demo.registry"}, "password": {tr.logins["admin@demo.registry"]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sc := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"registry_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %s", sc, want)
		}
	}
}

func TestCrossSiteFormPostRefused(t *testing.T) {
	tr := newTestRegistry(t)
	req, _ := http.NewRequest("POST", tr.URL+"/login", strings.NewReader("email=a%40b.se&password=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST: %s, want 403", resp.Status)
	}
}

func TestBrowserLoginAndLanguage(t *testing.T) {
	tr := newTestRegistry(t)
	ctx := newBrowser(t)
	tr.browserLogin(t, ctx, "admin@demo.registry")
	if text := bodyText(t, ctx); !strings.Contains(text, "Signed in as admin@demo.registry") {
		t.Fatalf("after login the page says: %q", text)
	}
	err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("lang-select"), "sv"),
		chromedp.Click(chromedp.CSS("form.lang button")),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="sv"]`)),
	)
	if err != nil {
		t.Fatalf("switch to Swedish: %v", err)
	}
	lang, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("html"), "lang"))
	if err != nil || lang.Value != "sv" {
		t.Fatalf(`<html lang=%q> (%v), want "sv"`, lang.Value, err)
	}
	// Remembered for the user: a new session starts in Swedish.
	var remembered string
	tr.store.DB.QueryRow(t.Context(), `SELECT language FROM users WHERE email = 'admin@demo.registry'`).Scan(&remembered)
	if remembered != "sv" {
		t.Fatalf("language remembered = %q", remembered)
	}
}
