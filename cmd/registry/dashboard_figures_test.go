package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
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
