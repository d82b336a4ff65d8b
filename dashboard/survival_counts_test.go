package dashboard

import (
	"testing"
)

// sqlCounts groups patients the way the dashboard's SQL does (one row per time, in no
// particular order, sometimes split in two rows) to check the counts variants against R.
func sqlCounts(obs []SurvivalTime) []TimeCount {
	byTime := map[float64]*TimeCount{}
	var out []TimeCount
	for _, o := range obs {
		tc, ok := byTime[o.Time]
		if !ok {
			tc = &TimeCount{Time: o.Time}
			byTime[o.Time] = tc
		}
		if o.Event {
			tc.Events++
		} else {
			tc.Censored++
		}
	}
	for _, tc := range byTime {
		// Split each time in two rows to exercise merging.
		out = append(out, TimeCount{Time: tc.Time, Events: tc.Events}, TimeCount{Time: tc.Time, Censored: tc.Censored})
	}
	return out
}

func TestKaplanMeierCountsMatchesR(t *testing.T) {
	curves := map[string]KMCurve{}
	for arm, obs := range readRelapse(t) {
		curves[arm] = KaplanMeierCounts(sqlCounts(obs))
	}
	wantSteps(t, readExpected(t, "expected_km.csv"), "arm", curves)

	edges := map[string]KMCurve{}
	for name, obs := range readEdgeCases(t) {
		edges[name] = KaplanMeierCounts(sqlCounts(obs))
	}
	wantSteps(t, readExpected(t, "expected_km_edge.csv"), "case", edges)
}

func TestKaplanMeierCountsMedianMatchesR(t *testing.T) {
	e := readExpected(t, "expected_km_median.csv")
	byArm := readRelapse(t)
	for i := range e.rows {
		r := e.row(i, "")
		arm := r.text("arm")
		r.label = arm
		c := KaplanMeierCounts(sqlCounts(byArm[arm]))
		r.wantInt("n", c.N)
		r.wantInt("events", c.Events)
		r.wantMaybe("median_days", c.Median, c.MedianReached)
	}
}

func TestLogRankCountsMatchesR(t *testing.T) {
	byArm := readRelapse(t)
	r := readExpected(t, "expected_logrank.csv").row(0, "active vs placebo")
	lr := LogRankCounts(sqlCounts(byArm["active"]), sqlCounts(byArm["placebo"]))
	if !lr.Estimable {
		t.Fatalf("not estimable: %s", lr.Reason)
	}
	r.want("chisq", lr.ChiSq)
	r.wantInt("df", lr.DF)
	r.want("p_value", lr.P)
	r.wantInt("observed_active", lr.Groups[0].Observed)
	r.want("expected_active", lr.Groups[0].Expected)
	r.wantInt("observed_placebo", lr.Groups[1].Observed)
	r.want("expected_placebo", lr.Groups[1].Expected)
}

func TestSurvivalCountsDegenerate(t *testing.T) {
	if c := KaplanMeierCounts(nil); c.Estimable || c.Reason == "" {
		t.Errorf("no patients: %+v", c)
	}
	if c := KaplanMeierCounts([]TimeCount{{Time: -1, Events: 1}}); c.Estimable {
		t.Errorf("negative time accepted: %+v", c)
	}
	lr := LogRankCounts([]TimeCount{{Time: 5, Censored: 3}}, []TimeCount{{Time: 7, Censored: 2}})
	if lr.Estimable || lr.Reason != "no events" {
		t.Errorf("no events: %+v", lr)
	}
	if lr := LogRankCounts(nil, nil); lr.Estimable {
		t.Errorf("empty groups: %+v", lr)
	}
}

func TestSurvivalAtReadsTheCurve(t *testing.T) {
	c := KaplanMeierCounts([]TimeCount{{Time: 10, Events: 2, Censored: 1}, {Time: 20, Events: 1}, {Time: 30, Censored: 4}})
	got := survivalAt(c, []float64{0, 10, 15, 30, 31})
	want := []float64{1, c.Steps[0].Survival, c.Steps[0].Survival, c.Steps[2].Survival}
	for i, w := range want {
		if !got[i].Estimable || got[i].Survival != w {
			t.Errorf("at %v: %+v, want %v", got[i].Time, got[i], w)
		}
	}
	if got[1].CI != c.Steps[0].LogCI {
		t.Errorf("at 10: interval %+v, want %+v", got[1].CI, c.Steps[0].LogCI)
	}
	if got[4].Estimable {
		t.Errorf("past the end of follow-up: %+v", got[4])
	}
}
