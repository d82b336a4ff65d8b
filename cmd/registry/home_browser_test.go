package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The whole round trip in Chromium on a phone (375 × 812): the nurse invites, the patient
// opens the link, answers one question out of range, sees the message at it with her other
// answers kept, fixes it and sends; the link then says answered; the nurse finds the visit
// to review on the worklist and confirms it. With REGISTRY_SCREENSHOTS=DIR it also saves
// the answering page at 375, 768 and 1280 px in en, sv, da and es, and the invitation's
// page at 1280 and 768 px.
func TestBrowserPatientAnswersFromHome(t *testing.T) {
	tr := newTestRegistry(t)
	tr.app.links.min = time.Millisecond
	homeStudy(t, tr)
	number, visit := homeVisit(t, tr, "due")
	ctx := newBrowser(t)
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	fits := func(what string, width int64) {
		t.Helper()
		var got int64
		for try := 0; try < 10; try++ { // a page still laying out after the viewport changed
			var err error
			if got, err = chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`)); err != nil {
				t.Fatal(err)
			}
			if got <= width {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if got > width {
			wide, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("body *")).
				filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5).
				map(e => e.tagName + "#" + e.id + "." + e.className + " " + Math.round(e.getBoundingClientRect().right)).join(", ")`))
			t.Errorf("%s is %d px wide in a %d px window: %s", what, got, width, wide)
		}
	}
	shots := os.Getenv("REGISTRY_SCREENSHOTS")
	shoot := func(name string, widths ...int64) {
		t.Helper()
		for _, width := range widths {
			step("viewport", chromedp.EmulateViewport(width, 812))
			fits(name, width)
			if shots == "" {
				continue
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot %s: %v", name, err)
			}
			os.MkdirAll(shots, 0o755)
			os.WriteFile(filepath.Join(shots, name+"-"+strconv.FormatInt(width, 10)+".png"), png, 0o644)
		}
		step("phone", chromedp.EmulateViewport(375, 812))
	}

	step("a phone's window", chromedp.EmulateViewport(375, 812))
	tr.browserLogin(t, ctx, "nurse.copenhagen@demo.registry")
	patientURL := "/studies/knee-oa/patients/" + number
	step("the patient page", chromedp.Navigate(tr.URL+patientURL), chromedp.WaitVisible(chromedp.ID("home")))
	shoot("invite-panel", 1280, 768)
	step("invite from the patient page",
		chromedp.Click(chromedp.ID("invite-"+visit)),
		chromedp.WaitVisible(chromedp.ID("language")),
	)
	shoot("invite-form", 1280, 768)
	step("choose Spanish",
		chromedp.SetValue(chromedp.ID("language"), "es"),
		chromedp.Click(chromedp.ID("make-link")),
		chromedp.WaitVisible(chromedp.ID("patient-link")),
	)
	link := text("#patient-link")
	if !strings.HasPrefix(link, tr.URL+"/p/") {
		t.Fatalf("the link shown is %q", link)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#qr svg rect").length`)); err != nil || n < 50 {
		t.Fatalf("the QR code has %d rects (%v)", n, err)
	}
	fits("the invitation's page", 375)
	shoot("invite-link", 1280, 768)

	// The patient's page in each language, before answering.
	for _, lang := range []string{"en", "sv", "da", "es"} {
		step("open the link in "+lang, chromedp.Navigate(link+"?lang="+lang), chromedp.WaitVisible(chromedp.ID("send")))
		body := text("body")
		if lang != "en" {
			for _, english := range []string{"Questions from your clinic", "Send my answers", "Please answer", "You can answer until", "Write a number", "How often", "Never"} {
				if strings.Contains(body, english) {
					t.Errorf("the %s page shows English %q", lang, english)
				}
			}
		}
		if strings.Contains(body, number) {
			t.Errorf("the %s page shows the study number", lang)
		}
		shoot("answer-"+lang, 375, 768, 1280)
	}

	step("the patient answers one question out of range",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.ID("m_pain_nrs")),
		chromedp.SendKeys(chromedp.ID("m_pain_nrs"), "12"),
		chromedp.Click(chromedp.ID("m_koos_pain__p1-2")),
		chromedp.Click(chromedp.ID("m_koos_pain__p2-1")),
		chromedp.Click(chromedp.ID("m_koos_pain__p4-3")),
		chromedp.Click(chromedp.ID("send")),
		chromedp.WaitVisible(chromedp.ID("e-m_pain_nrs")),
	)
	if msg := text("#e-m_pain_nrs"); msg != "12 está fuera del intervalo permitido (0-10)." {
		t.Errorf("the message at the question: %q", msg)
	}
	shoot("answer-es-error", 375)
	kept, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("m_pain_nrs").value === "12" &&
		document.getElementById("m_koos_pain__p1-2").checked && document.getElementById("m_koos_pain__p2-1").checked &&
		document.getElementById("m_koos_pain__p4-3").checked && !document.getElementById("m_koos_pain__p3-0").checked`))
	if err != nil || !kept {
		t.Fatalf("the other answers were not kept (%v)", err)
	}
	step("fix it and send",
		chromedp.Clear(chromedp.ID("m_pain_nrs")),
		chromedp.SendKeys(chromedp.ID("m_pain_nrs"), "5"),
		chromedp.Click(chromedp.ID("send")),
		chromedp.WaitVisible(chromedp.CSS(`#state[data-state="thanks"]`)),
	)
	step("the link again", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("state")))
	if s := text("#state"); !strings.Contains(s, "Ya ha respondido") {
		t.Fatalf("the link after answering says %q", s)
	}

	step("the nurse's worklist",
		chromedp.Navigate(tr.URL+"/worklist"),
		chromedp.WaitVisible(chromedp.ID("review-list")),
	)
	if list := text("#review-list"); !strings.Contains(list, number) {
		t.Fatalf("the review list: %q", list)
	}
	step("review and confirm",
		chromedp.Click(chromedp.CSS(`#review-list a[href="`+patientURL+`/visits/`+visit+`"]`)),
		chromedp.WaitVisible(chromedp.ID("confirm-answers")),
	)
	if v, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("m_pain_nrs"))); err != nil || v != "5" {
		t.Fatalf("the visit form shows pain %q (%v), want the patient's 5", v, err)
	}
	step("confirm",
		chromedp.Click(chromedp.ID("confirm-answers")),
		chromedp.WaitVisible(chromedp.ID("schedule")),
		chromedp.Navigate(tr.URL+"/worklist"),
		chromedp.WaitVisible(chromedp.ID("counts")),
	)
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#review-list").length`)); n != 0 {
		t.Fatal("the visit is still to review after the confirmation")
	}
	var reviewed bool
	tr.store.DB.QueryRow(context.Background(), `SELECT reviewed_at IS NOT NULL FROM invitations ORDER BY id DESC LIMIT 1`).Scan(&reviewed)
	if !reviewed {
		t.Fatal("the invitation is not marked reviewed")
	}
}
