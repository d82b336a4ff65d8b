package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A nurse enrols a patient whose treatment is still to come, leaving the treatment date
// empty: the patient page and the worklist show the patient awaiting treatment, nothing
// overdue; on the day of treatment she records the date on the patient's page and the
// visits are scheduled from it. The pages fit a 768-pixel window.
//
// With REGISTRY_SCREENSHOTS=DIR the pages are also saved there at 1280 and 768 pixels, in
// English and Swedish.
func TestBrowserNurseEnrolsThenRecordsTheTreatmentDate(t *testing.T) {
	tr := newTestRegistry(t)
	ctx := newBrowser(t)
	tr.browserLogin(t, ctx, "nurse.lund@demo.registry")
	day := func(d time.Time) string { return d.Format(time.DateOnly) }
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	text := func(id string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
		if err != nil {
			t.Fatalf("text of #%s: %v", id, err)
		}
		return strings.Join(strings.Fields(s), " ")
	}
	shots := os.Getenv("REGISTRY_SCREENSHOTS")
	// fits checks that the page is no wider than the window, at 1280 and 768 pixels, and
	// saves it when asked to.
	fits := func(name string) {
		t.Helper()
		for _, width := range []int64{1280, 768} {
			// Laid out afresh at this width, as a browser of that size opens it (charts size
			// themselves when drawn).
			step("viewport", chromedp.EmulateViewport(width, 900), chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("footer, main")))
			w, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
			if err != nil || w > width {
				t.Errorf("%s at %d pixels is %d wide (%v)", name, width, w, err)
			}
			if shots != "" {
				png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatalf("screenshot %s: %v", name, err)
				}
				os.MkdirAll(shots, 0o755)
				os.WriteFile(filepath.Join(shots, name+"-"+strconv.FormatInt(width, 10)+".png"), png, 0o644)
			}
		}
		step("viewport", chromedp.EmulateViewport(1280, 900), chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("footer, main")))
	}

	enrolled := demoToday.AddDate(0, 0, -10)
	step("open the enrolment of the MS study",
		chromedp.Navigate(tr.URL+"/studies/ms-ahsct/enrol"),
		chromedp.WaitVisible(chromedp.ID("treated_on")),
	)
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("treated_on"))); v != "" {
		t.Errorf("the treatment date is filled in (%q): it stays empty until the treatment", v)
	}
	fits("enrol")
	step("enrol without a treatment date",
		chromedp.SendKeys(chromedp.ID("number"), "MS-B-0001"),
		chromedp.Click(chromedp.ID("sex-f")),
		chromedp.SendKeys(chromedp.ID("birth_year"), "1979"),
		chromedp.SetValue(chromedp.ID("enrolled_on"), day(enrolled)),
		chromedp.Submit(chromedp.ID("birth_year")),
		chromedp.WaitVisible(chromedp.ID("record-treatment")),
	)
	if got := text("treated"); !strings.Contains(got, "awaiting treatment") {
		t.Fatalf("the patient page says %q about the treatment", got)
	}
	if row := text("visit-m6"); !strings.Contains(row, "awaiting treatment") || strings.Contains(row, "Record") {
		t.Errorf("m6 before treatment: %q", row)
	}
	if row := text("visit-baseline"); !strings.Contains(row, "Record") {
		t.Errorf("the baseline cannot be recorded before treatment: %q", row)
	}
	fits("patient-awaiting")
	step("the worklist", chromedp.Navigate(tr.URL+"/worklist?q=MS-B-0001"), chromedp.WaitVisible(chromedp.ID("counts")))
	if body := bodyText(t, ctx); !strings.Contains(body, "Awaiting treatment: 1") || !strings.Contains(body, "enrolled 10 days ago") ||
		!strings.Contains(body, "Overdue: 0") {
		t.Errorf("the worklist: %q", body)
	}
	fits("worklist-awaiting")

	step("record the treatment date from the worklist",
		chromedp.Click(chromedp.CSS(`a[href="/studies/ms-ahsct/patients/MS-B-0001/treatment"]`)),
		chromedp.WaitVisible(chromedp.ID("save-treatment")),
	)
	fits("treatment-form")
	step("a date in the future is refused",
		chromedp.SetValue(chromedp.ID("treated_on"), day(demoToday.AddDate(0, 0, 2))),
		chromedp.Click(chromedp.ID("save-treatment")),
		chromedp.WaitVisible(chromedp.ID("treated_on-error")),
	)
	if msg := text("treated_on-error"); msg != day(demoToday.AddDate(0, 0, 2))+" is after today ("+day(demoToday)+")." {
		t.Errorf("message at the treatment date: %q", msg)
	}
	step("yesterday is saved",
		chromedp.SetValue(chromedp.ID("treated_on"), day(demoToday.AddDate(0, 0, -1))),
		chromedp.Click(chromedp.ID("save-treatment")),
		chromedp.WaitVisible(chromedp.ID("correct-treatment")),
	)
	if got := text("treated"); !strings.Contains(got, day(demoToday.AddDate(0, 0, -1))) {
		t.Errorf("the patient page shows the treatment date as %q", got)
	}
	if row := text("visit-baseline"); !strings.Contains(row, "overdue") {
		t.Errorf("the baseline's window closed yesterday: %q", row)
	}
	if row := text("visit-m6"); !strings.Contains(row, "upcoming") || !strings.Contains(row, day(demoToday.AddDate(0, 0, 181))) {
		t.Errorf("m6 is not scheduled 182 days after treatment: %q", row)
	}
	fits("patient-treated")

	if shots != "" {
		// The same pages in Swedish, and a Swedish dashboard, to look at.
		step("Swedish", chromedp.SetValue(chromedp.ID("lang-select"), "sv"), chromedp.Submit(chromedp.ID("lang-select")),
			chromedp.WaitVisible(chromedp.ID("correct-treatment")))
		fits("patient-treated-sv")
		step("sv worklist", chromedp.Navigate(tr.URL+"/worklist"), chromedp.WaitVisible(chromedp.ID("counts")))
		fits("worklist-sv")
		step("sv treatment form", chromedp.Navigate(tr.URL+"/studies/ms-ahsct/patients/MS-B-0001/treatment"), chromedp.WaitVisible(chromedp.ID("save-treatment")))
		fits("treatment-form-sv")
		step("sv enrol", chromedp.Navigate(tr.URL+"/studies/ssc-ahsct/enrol"), chromedp.WaitVisible(chromedp.ID("treated_on")))
		fits("enrol-sv")
		admin := newBrowser(t)
		tr.browserLogin(t, admin, statistician)
		ctx = admin
		step("da dashboard", chromedp.Navigate(tr.URL+"/studies/knee-oa/dashboard"), chromedp.WaitVisible(chromedp.ID("lang-select")),
			chromedp.SetValue(chromedp.ID("lang-select"), "da"), chromedp.Submit(chromedp.ID("lang-select")),
			chromedp.WaitVisible(chromedp.ID("lang-select")), chromedp.Sleep(time.Second))
		fits("dashboard-da")
	}
}
