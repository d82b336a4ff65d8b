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

// TestBrowserInstrumentForm: the visit form shows the KOOS pain items as radio buttons; too
// few answered comes back with the message at the instrument and the answers kept; the
// saved visit shows the computed score. The HAQ-DI form shows its twenty questions and eight
// aid questions under their categories. Neither form is wider than a 768-pixel window.
// With REGISTRY_SCREENSHOTS=dir the forms are saved as PNG at 1280 and 768 pixels.
func TestBrowserInstrumentForm(t *testing.T) {
	tr := newTestRegistry(t)
	e := dueVisit(t, tr)
	ctx := newBrowser(t)
	tr.browserLogin(t, ctx, "nurse.copenhagen@demo.registry")
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	shots := os.Getenv("REGISTRY_SCREENSHOTS")
	look := func(name string) {
		t.Helper()
		for _, width := range []int64{1280, 768} {
			step("viewport", chromedp.EmulateViewport(width, 900))
			over, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
			if err != nil || over {
				t.Errorf("%s at %d px: wider than the window (%v)", name, width, err)
			}
			if shots != "" {
				png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
				if err != nil {
					t.Fatalf("screenshot %s: %v", name, err)
				}
				os.MkdirAll(shots, 0o755)
				os.WriteFile(filepath.Join(shots, name+"-"+strconv.FormatInt(width, 10)+".png"), png, 0o644)
			}
		}
		step("viewport", chromedp.EmulateViewport(1280, 900))
	}

	form := tr.URL + "/studies/knee-oa/patients/" + e.Number + "/visits/" + e.VisitCode
	step("answer four KOOS pain items of nine",
		chromedp.Navigate(form),
		chromedp.WaitVisible(chromedp.ID("m_koos_pain")),
		chromedp.SendKeys(chromedp.ID("m_pain_nrs"), "5"),
		chromedp.Click(chromedp.CSS(`input[name="m_koos_pain__p1"][value="2"]`)),
		chromedp.Click(chromedp.CSS(`input[name="m_koos_pain__p2"][value="1"]`)),
		chromedp.Click(chromedp.CSS(`input[name="m_koos_pain__p3"][value="1"]`)),
		chromedp.Click(chromedp.CSS(`input[name="m_koos_pain__p4"][value="2"]`)),
		chromedp.SendKeys(chromedp.ID("m_koos_adl"), "70"),
		chromedp.SendKeys(chromedp.ID("m_koos_qol"), "40"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("m_koos_pain-error")),
	)
	msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("m_koos_pain-error")))
	if msg != "Too few questions answered to compute the score: answer at least 5 of them, or choose why the score is missing." {
		t.Errorf("message at KOOS pain: %q", msg)
	}
	kept, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('input[name^="m_koos_pain__"]:checked:not([value=""])').length`))
	if kept != 4 {
		t.Errorf("%d answers kept, want 4", kept)
	}
	look("instrument-koos-error")

	step("answer a fifth and save",
		chromedp.Click(chromedp.CSS(`input[name="m_koos_pain__p5"][value="0"]`)),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("schedule")),
	)
	// 2,1,1,2,0: mean 1.2, score 70.
	row, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("visit-"+e.VisitCode)))
	if !strings.Contains(row, "70 points") {
		t.Errorf("the schedule row shows %q, want the KOOS pain score 70", row)
	}
	step("open the saved visit", chromedp.Navigate(form), chromedp.WaitVisible(chromedp.ID("m_koos_pain-score")))
	if score, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("m_koos_pain-score"))); score != "70" {
		t.Errorf("the saved visit's form shows the score %q, want 70", score)
	}
	look("instrument-koos-saved")

	// The HAQ-DI of a systemic sclerosis patient at Copenhagen.
	var number string
	if err := tr.store.DB.QueryRow(context.Background(), `SELECT p.study_number FROM patients p
		JOIN studies s ON s.id = p.study_id AND s.code = 'ssc-ahsct' JOIN sites si ON si.id = p.site_id AND si.code = 'copenhagen'
		WHERE p.status = 'active' ORDER BY p.study_number LIMIT 1`).Scan(&number); err != nil {
		t.Fatal(err)
	}
	step("open a HAQ-DI form", chromedp.Navigate(tr.URL+"/studies/ssc-ahsct/patients/"+number+"/visits/m3"), chromedp.WaitVisible(chromedp.ID("m_haq_di")))
	counts, _ := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[document.querySelectorAll('#m_haq_di h3.category').length,
		document.querySelectorAll('#m_haq_di .item').length, document.querySelectorAll('#m_haq_di .item.aid').length]`))
	if len(counts) != 3 || counts[0] != 8 || counts[1] != 28 || counts[2] != 8 {
		t.Errorf("HAQ-DI form: categories, questions, aid questions = %v, want 8, 28, 8", counts)
	}
	look("instrument-haq")
}
