package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"outcomereg/dashboard"
	"outcomereg/registry"
	"outcomereg/seed"
)

// figureKeys are the JSON keys of figures that exist only when their result is estimable.
var figureKeys = []string{"sd", "ci_low", "ci_high", "difference", "welch_t", "welch_df", "p_value",
	"cohens_d", "hedges_g", "risk_difference", "proportion", "chisq", "df", "survival", "std_err"}

// walkJSON calls visit for every object in a decoded JSON document, with its path.
func walkJSON(path string, v any, visit func(path string, obj map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		visit(path, v)
		for k, x := range v {
			walkJSON(path+"."+k, x, visit)
		}
	case []any:
		for _, x := range v {
			walkJSON(path+"[]", x, visit)
		}
	}
}

// TestUndefinedFiguresAreNull: in every dashboard's JSON, a figure that is not defined (SD
// or CI of fewer than 2 values, a test with an empty arm, a median not reached) is null,
// never 0, and the mean of one value is given.
func TestUndefinedFiguresAreNull(t *testing.T) {
	tr := newTestRegistry(t)
	c := tr.client(t, statistician)
	oneValue := 0
	for _, path := range []string{
		"/studies/ssc-ahsct/dashboard.json", "/studies/ssc-ahsct/dashboard.json?site=madrid",
		"/studies/knee-oa/dashboard.json?site=madrid", "/studies/liver-msc/dashboard.json?age=under-40",
		"/studies/ms-ahsct/dashboard.json?sex=M&age=70-plus", "/dashboard.json?site=madrid",
	} {
		status, body := get(t, c, tr.URL+path)
		if status != http.StatusOK {
			t.Fatalf("%s: %d", path, status)
		}
		var doc any
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatal(err)
		}
		walkJSON("", doc, func(at string, obj map[string]any) {
			if obj["estimable"] == false {
				for _, k := range figureKeys {
					if x, ok := obj[k]; ok && x != nil {
						t.Errorf("%s%s: %s is %v in a result that is not estimable (%v)", path, at, k, x, obj["reason"])
					}
				}
				mean, hasMean := obj["mean"]
				reason, _ := obj["reason"].(string)
				if n, _ := obj["n"].(float64); hasMean && n == 1 && !strings.Contains(reason, "choice") {
					if mean == nil {
						t.Errorf("%s%s: the mean of one value is null", path, at)
					}
					oneValue++
				} else if hasMean && mean != nil {
					t.Errorf("%s%s: mean %v of %v values", path, at, mean, obj["n"])
				}
			}
			if reached, ok := obj["median_reached"]; ok && reached == false && obj["median"] != nil {
				t.Errorf("%s%s: median %v not reached", path, at, obj["median"])
			}
		})
	}
	if oneValue == 0 {
		t.Error("no summary of one value was checked")
	}
}

// TestDashboardJSONErrorsAreJSON: a .json route answers every error as JSON with its
// status (unknown study, bad filter, a nurse, nobody signed in); the pages answer HTML.
func TestDashboardJSONErrorsAreJSON(t *testing.T) {
	tr := newTestRegistry(t)
	researcherC, nurseC, nobody := tr.client(t, researcher), tr.client(t, "nurse.lund@demo.registry"), tr.client(t, "")
	for _, tc := range []struct {
		c      *http.Client
		path   string
		status int
	}{
		{researcherC, "/studies/no-such-study/dashboard.json", http.StatusNotFound},
		{researcherC, "/studies/knee-oa/dashboard.json?sex=X", http.StatusBadRequest},
		{researcherC, "/dashboard.json?age=12", http.StatusBadRequest},
		{nurseC, "/studies/knee-oa/dashboard.json", http.StatusForbidden},
		{nurseC, "/dashboard.json", http.StatusForbidden},
		{nobody, "/studies/knee-oa/dashboard.json", http.StatusUnauthorized},
	} {
		resp, err := tc.c.Get(tr.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Error string `json:"error"`
		}
		decodeErr := json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != "application/json" || decodeErr != nil || body.Error == "" {
			t.Errorf("%s: %d %s %q (%v), want %d with a JSON error", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), body.Error, decodeErr, tc.status)
		}
	}
	if status, body := get(t, nurseC, tr.URL+"/studies/knee-oa/dashboard"); status != http.StatusForbidden || !strings.Contains(body, "<html") {
		t.Errorf("the page for a nurse: %d, want an HTML 403", status)
	}
}

// TestMainResultAtAGlance: the knee study's page says its main result (pain at its main
// visit, 12 months, against placebo) in one plain sentence with the CI and the MCID, and
// draws the difference from placebo over the visits; the CI crosses 0 and nothing says
// "significant". A study file's main_visit moves it; a baseline main visit is refused.
func TestMainResultAtAGlance(t *testing.T) {
	tr := newTestRegistry(t)
	c := tr.client(t, statistician)
	var d dashboard.StudyDashboard
	if status := getJSON(t, c, tr.URL+"/studies/knee-oa/dashboard.json", &d); status != http.StatusOK {
		t.Fatal(status)
	}
	m := d.Main
	if m == nil || m.Measure != "pain_nrs" || m.Visit != "m12" || m.Comparator != "control" || !m.Effect.Estimable || m.VisitsCompared < 3 {
		t.Fatalf("main result: %+v", m)
	}
	if !(m.Effect.Lower < 0 && m.Effect.Upper > 0) {
		t.Errorf("the knee study's null result: CI %v to %v", m.Effect.Lower, m.Effect.Upper)
	}
	v := measureVisit(t, &d, "pain_nrs", "m12")
	if m.Effect.Difference != v.VsControl.Difference {
		t.Errorf("main result %v, the table %v", m.Effect.Difference, v.VsControl.Difference)
	}
	_, html := get(t, c, tr.URL+"/studies/knee-oa/dashboard")
	want := fmt.Sprintf("At 12 months, the change in Knee pain (NRS 0-10) with Adipose-derived stem cells differed from Placebo (saline) by %s points (95%% CI %s to %s). The MCID is 2 points.",
		numForTest(m.Effect.Difference), numForTest(m.Effect.Lower), numForTest(m.Effect.Upper))
	if !strings.Contains(html, want) || !strings.Contains(html, `id="main-result"`) || !strings.Contains(html, `id="chart_difference_pain_nrs"`) {
		t.Errorf("the page lacks the main result %q or its chart", want)
	}
	if strings.Contains(strings.ToLower(html), "significan") {
		t.Error("the page speaks of significance")
	}

	// main_visit in the study file.
	file, err := seed.StudyFile("knee-oa")
	if err != nil {
		t.Fatal(err)
	}
	moved := strings.Replace(string(file), "main_visit: m12", "main_visit: m6", 1)
	st, err := registry.ParseStudyFile("knee-oa.yaml", []byte(moved))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.store.ApplyStudy(context.Background(), registry.CLI, st); err != nil {
		t.Fatal(err)
	}
	if getJSON(t, c, tr.URL+"/studies/knee-oa/dashboard.json", &d); d.Main == nil || d.Main.Visit != "m6" || d.Flow.AnalysedVisit != "m6" {
		t.Errorf("main_visit m6: %+v", d.Main)
	}
	if _, err := registry.ParseStudyFile("knee-oa.yaml", []byte(strings.Replace(string(file), "main_visit: m12", "main_visit: baseline", 1))); err == nil || !strings.Contains(err.Error(), "main_visit") {
		t.Errorf("a baseline main visit: %v", err)
	}
}

// TestDashboardsInSwedishAndDanish: the dashboards in Swedish and Danish show none of the
// English texts of their catalog.
func TestDashboardsInSwedishAndDanish(t *testing.T) {
	tr := newTestRegistry(t)
	english := []string{"Follow-up flow", "over the visits", "Change from baseline", "Time to first event", "Adverse events",
		"Main result", "Event-free survival", "Number at risk", "Responders", "Patients in each category", "lower is better",
		"months after treatment", "days after treatment", "The same figures as JSON", "Difference from the comparator", "Visit"}
	for _, lang := range []string{"sv", "da"} {
		c := tr.client(t, researcher)
		for _, path := range []string{"/studies/knee-oa/dashboard", "/studies/liver-msc/dashboard", "/studies/ssc-ahsct/dashboard", "/dashboard", "/studies"} {
			req, _ := http.NewRequest("GET", tr.URL+path, nil)
			req.Header.Set("Accept-Language", lang)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			html := string(b)
			if !strings.Contains(html, `lang="`+lang+`"`) {
				t.Fatalf("%s %s: not in %s", lang, path, lang)
			}
			for _, en := range english {
				if strings.Contains(html, ">"+en) || strings.Contains(html, en+"<") || strings.Contains(html, "\""+en) {
					t.Errorf("%s %s shows %q in English", lang, path, en)
				}
			}
		}
	}
}

// TestForestKeepsDesignsApart: the cross-study page plots randomised comparisons (knee,
// liver: against their control arm) apart from single-arm ones (systemic and multiple
// sclerosis: against a placebo baseline), each row as Hedges' g with its CI and n.
func TestForestKeepsDesignsApart(t *testing.T) {
	tr := newTestRegistry(t)
	c := tr.client(t, statistician)
	var o dashboard.Overview
	if status := getJSON(t, c, tr.URL+"/dashboard.json", &o); status != http.StatusOK {
		t.Fatal(status)
	}
	want := map[string]bool{"knee-oa": true, "liver-msc": true, "ssc-ahsct": false, "ms-ahsct": false}
	for _, r := range o.Rows {
		if r.Randomised != want[r.Study] || !r.Effect.Estimable || !r.HedgesGCI.Estimable ||
			!(r.HedgesGCI.Lower < r.Effect.HedgesG && r.Effect.HedgesG < r.HedgesGCI.Upper) {
			t.Errorf("%s: randomised %v, g %v (%+v)", r.Study, r.Randomised, r.Effect.HedgesG, r.HedgesGCI)
		}
	}
	_, html := get(t, c, tr.URL+"/dashboard")
	script := func(id string) string {
		i := strings.Index(html, "getElementById('"+id+"')")
		if i < 0 {
			t.Fatalf("no chart %s", id)
		}
		return html[strings.LastIndex(html[:i], "<script"):i]
	}
	randomised, single := script("chart_forest"), script("chart_forest_single_arm")
	for _, r := range o.Rows {
		label := fmt.Sprintf("(n %d vs %d)", r.Effect.Treatment.N, r.Effect.Control.N)
		in, out := randomised, single
		if !r.Randomised {
			in, out = single, randomised
		}
		if !strings.Contains(in, r.Indication) || strings.Contains(out, r.Indication) || !strings.Contains(strings.ReplaceAll(in, `\n`, " "), label) {
			t.Errorf("%s is not plotted on its own forest plot with %s", r.Study, label)
		}
	}
}
