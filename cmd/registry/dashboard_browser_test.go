package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// TestDashboardsDrawOffline opens the dashboards in headless Chromium with every request
// outside 127.0.0.1 blocked: the charts must draw their canvases from the registry's own
// echarts.min.js, no request may fail and no script may throw.
func TestDashboardsDrawOffline(t *testing.T) {
	tr := newTestRegistry(t)
	ctx := newBrowser(t)

	var mu sync.Mutex
	var problems []string
	report := func(s string) {
		mu.Lock()
		problems = append(problems, s)
		mu.Unlock()
	}
	// Every request is paused; only those to 127.0.0.1 go on.
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			u, _ := url.Parse(ev.Request.URL)
			if u != nil && u.Hostname() == "127.0.0.1" {
				chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
				continue
			}
			report("request outside 127.0.0.1 (blocked): " + ev.Request.URL)
			chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
		}
	}()
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *network.EventLoadingFailed:
			go report("request failed: " + ev.ErrorText)
		case *network.EventResponseReceived:
			if ev.Response.Status >= 400 && !strings.HasSuffix(ev.Response.URL, "/favicon.ico") {
				go report("request answered " + ev.Response.StatusText + ": " + ev.Response.URL)
			}
		case *runtime.EventExceptionThrown:
			go report("script error: " + ev.ExceptionDetails.Text + " " + exceptionText(ev.ExceptionDetails))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}

	tr.browserLogin(t, ctx, researcher)
	for _, page := range []struct {
		path   string
		charts []string
	}{
		{"/studies/knee-oa/dashboard", []string{"chart_means_pain_nrs", "chart_means_koos_pain", "chart_survival"}},
		{"/studies/ssc-ahsct/dashboard?sex=F", []string{"chart_means_mrss", "chart_survival"}},
		{"/dashboard", []string{"chart_forest", "chart_forest_single_arm"}},
		// No patient of the study at this site: no chart, and no script error either.
		{"/studies/knee-oa/dashboard?site=madrid", nil},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(tr.URL+page.path), chromedp.WaitReady(chromedp.CSS("footer, main"))); err != nil {
			t.Fatalf("%s: %v", page.path, err)
		}
		for _, id := range page.charts {
			n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#`+id+` canvas").length`))
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Errorf("%s: chart %s has no canvas", page.path, id)
			}
		}
		text := bodyText(t, ctx)
		if strings.Contains(text, "NaN") {
			t.Errorf("%s shows NaN", page.path)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil {
		return d.Exception.Description
	}
	return ""
}

// TestDashboardsFitTheWindow: no page of the dashboards is wider than the window at 1280
// and 768 px; wide tables scroll in their own box.
func TestDashboardsFitTheWindow(t *testing.T) {
	tr := newTestRegistry(t)
	shots := os.Getenv("REGISTRY_SCREENSHOTS")
	paths := []string{"/studies", "/dashboard", "/studies/knee-oa/dashboard", "/studies/ssc-ahsct/dashboard",
		"/studies/ms-ahsct/dashboard", "/studies/liver-msc/dashboard", "/studies/knee-oa/dashboard?site=madrid"}
	// The statistician in English, and a researcher (disclosure control, pooled blinded
	// arms) in Swedish.
	for _, who := range []struct{ email, lang string }{{statistician, "en"}, {researcher, "sv"}} {
		ctx := newBrowser(t)
		tr.browserLogin(t, ctx, who.email)
		if who.lang != "en" {
			if err := chromedp.Do(ctx, chromedp.Navigate(tr.URL+"/studies"), chromedp.WaitReady(chromedp.CSS("#lang-select")),
				chromedp.SetValue(chromedp.ID("lang-select"), who.lang), chromedp.Submit(chromedp.ID("lang-select")),
				chromedp.WaitReady(chromedp.CSS(`html[lang="`+who.lang+`"]`))); err != nil {
				t.Fatalf("language %s: %v", who.lang, err)
			}
		}
		for _, width := range []int64{1280, 768} {
			for _, path := range paths {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(tr.URL+path),
					chromedp.WaitReady(chromedp.CSS("footer, main"))); err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				got, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
				if err != nil {
					t.Fatal(err)
				}
				if got > width {
					t.Errorf("%s (%s) is %d px wide in a %d px window", path, who.email, got, width)
				}
				if shots != "" {
					png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
					if err != nil {
						t.Fatal(err)
					}
					name := strings.NewReplacer("/", "_", "?", "_", "=", "-").Replace(strings.Trim(path, "/"))
					file := filepath.Join(shots, fmt.Sprintf("dashboard-%s-%s-%d.png", name, who.lang, width))
					if err := os.WriteFile(file, png, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
}
