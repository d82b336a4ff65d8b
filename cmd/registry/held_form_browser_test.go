package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The session-expiry round trip in Chromium: a nurse types an adverse event, her session
// times out before she saves, she signs in again on the page she is sent to, and the form
// is back with everything typed and the message saying why; saving it then saves it once.
func TestBrowserHeldFormAfterTimeOut(t *testing.T) {
	tr := newTestRegistry(t)
	e := dueVisit(t, tr)
	const nurse = "nurse.copenhagen@demo.registry"
	ctx := newBrowser(t)
	tr.browserLogin(t, ctx, nurse)
	patientURL := "/studies/knee-oa/patients/" + e.Number
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	value := func(id string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID(id)))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	step("type an adverse event",
		chromedp.Navigate(tr.URL+patientURL+"/adverse-events/new"),
		chromedp.WaitVisible(chromedp.ID("term")),
		chromedp.SendKeys(chromedp.ID("term"), "Knee effusion after the time-out"),
		chromedp.SendKeys(chromedp.ID("onset_on"), "11202026"),
		chromedp.SetValue(chromedp.ID("grade"), "2"),
		chromedp.SetValue(chromedp.ID("relatedness"), "possible"),
		chromedp.SetValue(chromedp.ID("outcome"), "recovering"),
		chromedp.SendKeys(chromedp.ID("notes"), "Typed slowly over lunch"),
	)
	onset := value("onset_on")
	endSessions(t, tr, nurse)
	step("save after the time-out, and sign in again",
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), nurse),
		chromedp.SendKeys(chromedp.ID("password"), tr.logins[nurse]),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("form-error")),
	)
	if text := bodyText(t, ctx); !strings.Contains(text, "Your session had ended, so nothing was saved.") {
		t.Fatalf("no message saying why: %q", text)
	}
	if value("term") != "Knee effusion after the time-out" || value("onset_on") != onset || value("grade") != "2" ||
		value("relatedness") != "possible" || value("outcome") != "recovering" || value("notes") != "Typed slowly over lunch" {
		t.Fatal("the form after signing in again lost what was typed")
	}
	step("save it", chromedp.Click(chromedp.ID("save")), chromedp.WaitVisible(chromedp.ID("schedule")))
	var n int
	if err := tr.store.DB.QueryRow(t.Context(), `SELECT count(*) FROM adverse_events WHERE term = 'Knee effusion after the time-out'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d adverse events saved, want 1", n)
	}
}
