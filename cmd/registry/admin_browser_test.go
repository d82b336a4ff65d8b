package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// An administrator creates a site and a nurse in the browser; the nurse sets her password
// by the one-time link in a browser of her own and signs in; the administrator disables
// her, and the nurse's open page is signed out at her next request.
//
// With REGISTRY_SCREENSHOTS=DIR the pages are also saved there at 1280 and 768 pixels.
func TestBrowserAdminCreatesANurse(t *testing.T) {
	tr := newTestRegistry(t)
	admin := newBrowser(t)
	tr.browserLogin(t, admin, "admin@demo.registry")
	step := func(ctx context.Context, name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	text := func(ctx context.Context, id string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
		if err != nil {
			t.Fatalf("text of #%s: %v", id, err)
		}
		return s
	}
	shots := os.Getenv("REGISTRY_SCREENSHOTS")
	shoot := func(ctx context.Context, name string) {
		t.Helper()
		if shots == "" {
			return
		}
		for _, width := range []int64{1280, 768} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
				t.Fatalf("viewport: %v", err)
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot %s: %v", name, err)
			}
			os.MkdirAll(shots, 0o755)
			os.WriteFile(filepath.Join(shots, name+"-"+strconv.FormatInt(width, 10)+".png"), png, 0o644)
		}
		chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900))
	}

	step(admin, "add a site with a wrong time zone",
		chromedp.Click(chromedp.ID("nav-admin")),
		chromedp.WaitVisible(chromedp.ID("users")),
		chromedp.Navigate(tr.URL+"/admin/sites"),
		chromedp.WaitVisible(chromedp.ID("site-form")),
		chromedp.SendKeys(chromedp.ID("code"), "malmo"),
		chromedp.SendKeys(chromedp.ID("name"), "Skåne University Hospital, Malmö"),
		chromedp.Clear(chromedp.ID("time_zone")),
		chromedp.SendKeys(chromedp.ID("time_zone"), "Europe/Malmo"),
		chromedp.Submit(chromedp.ID("time_zone")),
		chromedp.WaitVisible(chromedp.ID("time_zone-error")),
	)
	shoot(admin, "admin-sites-error")
	step(admin, "correct the time zone",
		chromedp.Clear(chromedp.ID("time_zone")),
		chromedp.SendKeys(chromedp.ID("time_zone"), "Europe/Stockholm"),
		chromedp.Submit(chromedp.ID("time_zone")),
		chromedp.WaitVisible(chromedp.ID("notice")),
	)
	if s := text(admin, "sites"); !strings.Contains(s, "Skåne University Hospital, Malmö") {
		t.Fatalf("sites: %q", s)
	}
	shoot(admin, "admin-sites")

	step(admin, "add a nurse at the new site",
		chromedp.Navigate(tr.URL+"/admin/users"),
		chromedp.WaitVisible(chromedp.ID("user-form")),
		chromedp.SendKeys(chromedp.ID("email"), "sara@malmo.example"),
		chromedp.SendKeys(chromedp.ID("name"), "Sara Nurse"),
		chromedp.SetValue(chromedp.ID("role"), "nurse"),
		chromedp.Click(chromedp.CSS(`input[name="site"][value="malmo"]`)),
		chromedp.Submit(chromedp.ID("email")),
		chromedp.WaitVisible(chromedp.ID("password-link")),
	)
	link, err := chromedp.Run(admin, chromedp.Value(chromedp.ID("password-link")))
	if err != nil || !strings.HasPrefix(link, tr.URL+"/password/") {
		t.Fatalf("link %q %v", link, err)
	}
	shoot(admin, "admin-user-link")

	nurse := newBrowser(t)
	step(nurse, "the nurse opens the link and sets her password",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.ID("set-password-form")),
	)
	shoot(nurse, "set-password")
	step(nurse, "",
		chromedp.SendKeys(chromedp.ID("password"), "Sara's own long password"),
		chromedp.SendKeys(chromedp.ID("again"), "Sara's own long password"),
		chromedp.Submit(chromedp.ID("again")),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "sara@malmo.example"),
		chromedp.SendKeys(chromedp.ID("password"), "Sara's own long password"),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("nav-account")),
	)
	if s := bodyText(t, nurse); !strings.Contains(s, "Signed in as sara@malmo.example") {
		t.Fatalf("the nurse is not signed in: %q", s)
	}
	step(nurse, "the nurse opens her account page", chromedp.Click(chromedp.ID("nav-account")), chromedp.WaitVisible(chromedp.ID("sessions")))
	shoot(nurse, "account")

	step(admin, "the administrator disables her",
		chromedp.Navigate(tr.URL+"/admin/users"),
		chromedp.WaitVisible(chromedp.ID("users")),
	)
	shoot(admin, "admin-users")
	step(admin, "",
		chromedp.Click(chromedp.CSS(`tr[data-email="sara@malmo.example"] a`)),
		chromedp.WaitVisible(chromedp.ID("disable-user")),
		chromedp.Click(chromedp.ID("disable-user")),
		chromedp.WaitVisible(chromedp.ID("enable-user")),
	)
	if s := text(admin, "user-state"); s != "disabled" {
		t.Fatalf("state after disabling: %q", s)
	}
	shoot(admin, "admin-user")

	step(nurse, "the nurse's next request is signed out",
		chromedp.Click(chromedp.CSS(`nav[aria-label="main"] a[href="/worklist"]`)),
		chromedp.WaitVisible(chromedp.ID("email")),
	)
	if s := bodyText(t, nurse); strings.Contains(s, "sara@malmo.example") || !strings.Contains(s, "Sign in") {
		t.Fatalf("after being disabled the nurse sees: %q", s)
	}

	step(admin, "the studies page", chromedp.Navigate(tr.URL+"/admin/studies"), chromedp.WaitVisible(chromedp.ID("studies")))
	shoot(admin, "admin-studies")
}
