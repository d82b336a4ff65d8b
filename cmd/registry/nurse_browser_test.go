package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A nurse's day in the browser: the worklist, a due visit recorded with one value out of
// range (the message at that field, every other value kept), fixed and saved; a value
// corrected with a reason that shows in the audit trail; an adverse event recorded; the
// patient's withdrawal; and a nurse of another site who cannot open that patient.
func TestBrowserNurseRecordsAVisit(t *testing.T) {
	tr := newTestRegistry(t)
	e := dueVisit(t, tr)
	ctx := newBrowser(t)
	tr.browserLogin(t, ctx, "nurse.copenhagen@demo.registry")
	patientURL := "/studies/knee-oa/patients/" + e.Number
	visitLink := `a[href="` + patientURL + `/visits/` + e.VisitCode + `"]`

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

	step("open the worklist", chromedp.Navigate(tr.URL+"/worklist"), chromedp.WaitVisible(chromedp.ID("counts")))
	if text := bodyText(t, ctx); !strings.Contains(text, "Due: ") || !strings.Contains(text, e.Number) {
		t.Fatalf("the worklist does not list the due visit of %s", e.Number)
	}
	step("record the due visit with one value out of range",
		chromedp.Click(chromedp.CSS(visitLink)),
		chromedp.WaitVisible(chromedp.ID("m_pain_nrs")),
		chromedp.SendKeys(chromedp.ID("m_pain_nrs"), "11"),
		answerKOOSPain(),
		chromedp.SendKeys(chromedp.ID("m_koos_adl"), "70"),
		chromedp.SetValue(chromedp.ID("mm_koos_qol"), "not_done"),
		chromedp.SendKeys(chromedp.ID("notes"), "Walked in without a stick"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("m_pain_nrs-error")),
	)
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("m_pain_nrs-error")))
	if err != nil || msg != "11 is outside the allowed range (0-10)." {
		t.Fatalf("message at the pain field: %q %v", msg, err)
	}
	if value("m_pain_nrs") != "11" || value("m_koos_adl") != "70" ||
		value("mm_koos_qol") != "not_done" || value("notes") != "Walked in without a stick" {
		t.Fatal("the form did not keep what was typed")
	}
	// The KOOS pain answers are kept, and the form shows the score they give.
	checked, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('input[name^="m_koos_pain__"]:checked:not([value=""])').length`))
	if err != nil || checked != 9 {
		t.Fatalf("%d KOOS pain answers kept, want 9 (%v)", checked, err)
	}
	if score, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("m_koos_pain-score"))); score != "63.89" {
		t.Fatalf("the form shows the KOOS pain score %q, want 63.89", score)
	}
	step("fix the value and save",
		chromedp.Clear(chromedp.ID("m_pain_nrs")),
		chromedp.SendKeys(chromedp.ID("m_pain_nrs"), "7"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("schedule")),
	)
	row, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("visit-"+e.VisitCode)))
	if !strings.Contains(row, "7 points") || !strings.Contains(row, "63.89 points") || !strings.Contains(row, "not done") {
		t.Fatalf("the schedule row shows %q", row)
	}

	step("correct the pain value with a reason",
		chromedp.Click(chromedp.CSS(visitLink)),
		chromedp.WaitVisible(chromedp.ID("reason")),
		chromedp.Clear(chromedp.ID("m_pain_nrs")),
		chromedp.SendKeys(chromedp.ID("m_pain_nrs"), "6"),
		chromedp.SendKeys(chromedp.ID("reason"), "Typing error on paper form"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("schedule")),
		chromedp.Click(chromedp.CSS(`a[href="`+patientURL+`/audit"]`)),
		chromedp.WaitVisible(chromedp.ID("audit")),
	)
	audit, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("audit")))
	if !strings.Contains(audit, "Typing error on paper form") || !strings.Contains(audit, `{"value": 7}`) || !strings.Contains(audit, `{"value": 6}`) {
		t.Fatalf("the audit trail does not show the correction: %q", audit)
	}

	step("record an adverse event",
		chromedp.Navigate(tr.URL+patientURL),
		chromedp.Click(chromedp.CSS(`a[href="`+patientURL+`/adverse-events/new"]`)),
		chromedp.WaitVisible(chromedp.ID("term")),
		chromedp.SendKeys(chromedp.ID("term"), "Knee effusion"),
		chromedp.SetValue(chromedp.ID("onset_on"), "2026-11-20"),
		chromedp.SetValue(chromedp.ID("grade"), "2"),
		chromedp.SetValue(chromedp.ID("relatedness"), "possible"),
		chromedp.SetValue(chromedp.ID("outcome"), "recovering"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("adverse-events")),
	)
	aes, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("adverse-events")))
	if !strings.Contains(aes, "Knee effusion") || !strings.Contains(aes, "2026-11-20") {
		t.Fatalf("adverse events: %q", aes)
	}

	step("the patient withdraws: without a reason the form comes back, with one the status changes",
		chromedp.Click(chromedp.CSS(`a[href="`+patientURL+`/status"]`)),
		chromedp.WaitVisible(chromedp.ID("status-withdrawn")),
		chromedp.Click(chromedp.ID("status-withdrawn")),
		chromedp.Click(chromedp.ID("save-status")),
		chromedp.WaitVisible(chromedp.ID("reason-error")),
		chromedp.SendKeys(chromedp.ID("reason"), "Moved abroad"),
		chromedp.Click(chromedp.ID("save-status")),
		chromedp.WaitVisible(chromedp.ID("schedule")),
	)
	if status, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("status"))); !strings.Contains(status, "withdrawn") || !strings.Contains(status, "2026-11-23") {
		t.Fatalf("status after withdrawing: %q", status)
	}

	step("sign out", chromedp.Click(chromedp.CSS("form.signout button")), chromedp.WaitVisible(chromedp.ID("email")))
	tr.browserLogin(t, ctx, "nurse.madrid@demo.registry")
	step("a nurse of another site opens the patient", chromedp.Navigate(tr.URL+patientURL), chromedp.WaitVisible(chromedp.CSS("h1")))
	if text := bodyText(t, ctx); !strings.Contains(text, "Page not found") || strings.Contains(text, "Knee effusion") || strings.Contains(text, "Visit schedule") {
		t.Fatalf("a nurse of another site sees: %q", text)
	}
}

// answerKOOSPain clicks the KOOS pain answers of kneeKOOSPain on the visit form.
func answerKOOSPain() chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, _ *chromedp.Target) (chromedp.Void, error) {
		for _, item := range []string{"p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"} {
			css := `input[name="m_koos_pain__` + item + `"][value="` + kneeKOOSPain[item] + `"]`
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(css))); err != nil {
				return chromedp.Void{}, err
			}
		}
		return chromedp.Void{}, nil
	}
}
