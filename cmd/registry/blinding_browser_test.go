package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The blinded knee-oa study in the browser: a nurse enrols a patient with the registry's
// allocation, reaches no page that shows an arm, breaks the code (first without a reason,
// refused), sees that patient's arm; an administrator finds the code break listed.
func TestBrowserBlindedStudyCodeBreak(t *testing.T) {
	tr := newTestRegistry(t)
	ctx := newBrowser(t)
	const number = "KOA-BLIND-B1"
	patientURL := "/studies/knee-oa/patients/" + number
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	noArm := func(where string) {
		t.Helper()
		html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
		if err != nil {
			t.Fatal(err)
		}
		if s := leaksArm(html); s != "" {
			t.Fatalf("%s shows %q to the nurse", where, s)
		}
		for _, k := range []string{"block_size", "&#34;arm&#34;", `"arm":`} {
			if strings.Contains(html, k) {
				t.Fatalf("%s shows %s to the nurse", where, k)
			}
		}
	}

	tr.browserLogin(t, ctx, "nurse.copenhagen@demo.registry")
	step("open the enrolment form from the worklist",
		chromedp.Navigate(tr.URL+"/worklist"),
		chromedp.Click(chromedp.CSS(`a[href="/studies/knee-oa/enrol"]`)),
		chromedp.WaitVisible(chromedp.ID("number")),
	)
	noArm("the enrolment form")
	if text := bodyText(t, ctx); !strings.Contains(text, "This study is blinded: the registry allocates the arm and does not show it.") {
		t.Fatalf("the enrolment form does not say the study is blinded: %q", text)
	}
	step("enrol with the registry's allocation",
		chromedp.SetValue(chromedp.ID("site"), "copenhagen"),
		chromedp.SendKeys(chromedp.ID("number"), number),
		chromedp.Click(chromedp.ID("sex-f")),
		chromedp.SendKeys(chromedp.ID("birth_year"), "1958"),
		chromedp.SetValue(chromedp.ID("enrolled_on"), "2026-11-20"),
		chromedp.SetValue(chromedp.ID("treated_on"), "2026-11-20"),
		chromedp.Click(chromedp.ID("allocation-registry")),
		chromedp.Submit(chromedp.ID("number")),
		chromedp.WaitVisible(chromedp.ID("schedule")),
	)
	if arm, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("arm"))); !strings.Contains(arm, "blinded") {
		t.Fatalf("the patient page's arm reads %q", arm)
	}
	noArm("the patient page")
	for _, link := range []string{"/audit", "/status", "/events/new", "/adverse-events/new", "/visits/baseline", "/code-break"} {
		step("open "+link, chromedp.Navigate(tr.URL+patientURL),
			chromedp.Click(chromedp.CSS(`a[href="`+patientURL+link+`"]`)), chromedp.WaitVisible(chromedp.CSS("h1")))
		noArm(link)
	}
	step("the worklist", chromedp.Navigate(tr.URL+"/worklist?q="+number), chromedp.WaitVisible(chromedp.CSS("h1")))
	noArm("the worklist")
	step("the study list", chromedp.Navigate(tr.URL+"/studies"), chromedp.WaitVisible(chromedp.CSS("h1")))
	noArm("the study list")

	step("break the code without a reason",
		chromedp.Navigate(tr.URL+patientURL),
		chromedp.Click(chromedp.ID("code-break")),
		chromedp.WaitVisible(chromedp.ID("break-code")),
		chromedp.Click(chromedp.ID("break-code")),
		chromedp.WaitVisible(chromedp.ID("reason-error")),
	)
	if msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("reason-error"))); msg != "Give the reason for breaking the code." {
		t.Fatalf("message at the reason: %q", msg)
	}
	noArm("the refused code break")
	step("break the code with a reason",
		chromedp.SendKeys(chromedp.ID("reason"), "Severe allergic reaction, emergency physician asks"),
		chromedp.Click(chromedp.ID("break-code")),
		chromedp.WaitVisible(chromedp.ID("schedule")),
	)
	arm, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("arm")))
	if !strings.Contains(arm, "Adipose-derived stem cells") && !strings.Contains(arm, "Placebo (saline)") {
		t.Fatalf("after the code break the arm reads %q", arm)
	}

	step("sign out", chromedp.Click(chromedp.CSS("form.signout button")), chromedp.WaitVisible(chromedp.ID("email")))
	tr.browserLogin(t, ctx, "admin@demo.registry")
	step("the administrator opens the study's blinding page from the patient",
		chromedp.Navigate(tr.URL+patientURL),
		chromedp.Click(chromedp.CSS(`a[href="/studies/knee-oa/blinding"]`)),
		chromedp.WaitVisible(chromedp.ID("code-breaks")),
	)
	list, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("code-breaks")))
	if !strings.Contains(list, number) || !strings.Contains(list, "nurse.copenhagen@demo.registry") ||
		!strings.Contains(list, "Severe allergic reaction, emergency physician asks") {
		t.Fatalf("the code break is not listed: %q", list)
	}
}
