package dashboard

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// The tests in this file recompute R's reference figures (testdata/
// make_reference.R and make_edge_cases.R) from the raw follow-ups and relapse
// data, the way the dashboard does, and compare every column.

func TestDescribeMatchesR(t *testing.T) {
	fu := readFollowups(t)
	e := readExpected(t, "expected_descriptive.csv")
	for i := range e.rows {
		r := e.row(i, fmt.Sprint("row ", i+1))
		arm, visit := r.text("arm"), r.text("visit")
		r.label = arm + " " + visit
		s := Describe(fu.values(arm, visit))
		if !s.Estimable {
			t.Fatalf("%s: not estimable: %s", r.label, s.Reason)
		}
		r.wantInt("n", s.N)
		r.want("mean", s.Mean)
		r.want("sd", s.SD)
		r.want("ci_low", s.Lower)
		r.want("ci_high", s.Upper)
	}
}

func TestChangeVsPlaceboMatchesR(t *testing.T) {
	fu := readFollowups(t)
	e := readExpected(t, "expected_change_vs_placebo.csv")
	for i := range e.rows {
		r := e.row(i, "")
		visit := r.text("visit")
		r.label = visit
		c := Welch(Describe(fu.changes("active", visit)), Describe(fu.changes("placebo", visit)))
		if !c.Estimable {
			t.Fatalf("%s: not estimable: %s", visit, c.Reason)
		}
		wantComparison(r, c)
	}
}

// TestExternalBaselineMatchesR compares the active arm with the placebo arm
// given only as published summary statistics (n, mean, SD), the single-arm
// study case: it must reproduce R's two-sample Welch test.
func TestExternalBaselineMatchesR(t *testing.T) {
	fu := readFollowups(t)
	e := readExpected(t, "expected_change_vs_placebo.csv")
	for i := range e.rows {
		r := e.row(i, "")
		visit := r.text("visit")
		r.label = visit + " (external baseline)"
		placebo := SummaryOf(int(r.number("n_placebo")), r.number("mean_change_placebo"), r.number("sd_change_placebo"))
		c := Welch(Describe(fu.changes("active", visit)), placebo)
		if !c.Estimable {
			t.Fatalf("%s: not estimable: %s", r.label, c.Reason)
		}
		wantComparison(r, c)
	}
}

func wantComparison(r row, c Comparison) {
	r.wantInt("n_active", c.Treatment.N)
	r.want("mean_change_active", c.Treatment.Mean)
	r.want("sd_change_active", c.Treatment.SD)
	r.wantInt("n_placebo", c.Control.N)
	r.want("mean_change_placebo", c.Control.Mean)
	r.want("sd_change_placebo", c.Control.SD)
	r.want("difference", c.Difference)
	r.want("ci_low", c.Lower)
	r.want("ci_high", c.Upper)
	r.want("welch_t", c.T)
	r.want("welch_df", c.DF)
	r.want("p_value", c.P)
	r.want("cohens_d", c.CohensD)
	r.want("hedges_g", c.HedgesG)
}

func TestRespondersMatchesR(t *testing.T) {
	fu := readFollowups(t)
	e := readExpected(t, "expected_responders.csv")
	for i := range e.rows {
		r := e.row(i, "")
		visit := r.text("visit")
		r.label = visit
		threshold := r.number("threshold")
		rd := CompareResponders(
			Responders(fu.changes("active", visit), threshold, LowerIsBetter),
			Responders(fu.changes("placebo", visit), threshold, LowerIsBetter),
		)
		if !rd.Estimable {
			t.Fatalf("%s: not estimable: %s", visit, rd.Reason)
		}
		r.wantInt("responders_active", rd.Treatment.Responders)
		r.wantInt("n_active", rd.Treatment.N)
		r.wantInt("responders_placebo", rd.Control.Responders)
		r.wantInt("n_placebo", rd.Control.N)
		r.want("risk_difference", rd.Difference)
		r.want("ci_low", rd.Lower)
		r.want("ci_high", rd.Upper)
	}
}

func TestKaplanMeierMatchesR(t *testing.T) {
	byArm := readRelapse(t)
	curves := map[string]KMCurve{}
	for arm, obs := range byArm {
		curves[arm] = KaplanMeier(obs)
	}
	wantSteps(t, readExpected(t, "expected_km.csv"), "arm", curves)
}

// TestKaplanMeierEdgesMatchR covers what the trial data does not: survival
// of exactly 0.5, censoring before the first event (S = 1), ties between
// events and censoring, and curves without events.
func TestKaplanMeierEdgesMatchR(t *testing.T) {
	curves := map[string]KMCurve{}
	for name, obs := range readEdgeCases(t) {
		curves[name] = KaplanMeier(obs)
	}
	wantSteps(t, readExpected(t, "expected_km_edge.csv"), "case", curves)
}

// wantSteps checks curves step by step against R's rows, which are grouped
// by the key column in time order.
func wantSteps(t *testing.T, e *expected, key string, curves map[string]KMCurve) {
	t.Helper()
	next := map[string]int{}
	for i := range e.rows {
		r := e.row(i, "")
		name := r.text(key)
		c, ok := curves[name]
		if !ok || !c.Estimable {
			t.Fatalf("%s: no estimable curve for %q", e.name, name)
		}
		j := next[name]
		next[name]++
		if j >= len(c.Steps) {
			t.Fatalf("%s %s: R has more than %d steps", e.name, name, len(c.Steps))
		}
		s := c.Steps[j]
		r.label = fmt.Sprintf("%s step %d", name, j+1)
		r.want("day", s.Time)
		r.wantInt("n_risk", s.AtRisk)
		r.wantInt("n_event", s.Events)
		r.wantInt("n_censor", s.Censored)
		r.want("survival", s.Survival)
		r.wantMaybe("std_err_log", s.StdErr, s.StdErrEstimable)
		r.wantMaybe("ci_low_log", s.LogCI.Lower, s.LogCI.Estimable)
		r.wantMaybe("ci_high_log", s.LogCI.Upper, s.LogCI.Estimable)
		r.wantMaybe("ci_low_loglog", s.LogLogCI.Lower, s.LogLogCI.Estimable)
		r.wantMaybe("ci_high_loglog", s.LogLogCI.Upper, s.LogLogCI.Estimable)
	}
	for name, c := range curves {
		if next[name] != len(c.Steps) {
			t.Errorf("%s %s: %d steps, R has %d", e.name, name, len(c.Steps), next[name])
		}
	}
}

func TestKaplanMeierMedianMatchesR(t *testing.T) {
	byArm := readRelapse(t)
	e := readExpected(t, "expected_km_median.csv")
	for i := range e.rows {
		r := e.row(i, "")
		arm := r.text("arm")
		r.label = arm
		c := KaplanMeier(byArm[arm])
		if !c.MedianReached {
			t.Fatalf("%s: median not reached", arm)
		}
		r.wantInt("n", c.N)
		r.wantInt("events", c.Events)
		r.want("median_days", c.Median)
	}
}

// TestKaplanMeierMedianEdgesMatchR pins R's median rule: the first time
// survival is <= 0.5, except that a curve lying exactly on 0.5 gives the
// midpoint to the time it next drops (R's survmean), and NA when the curve
// never reaches 0.5.
func TestKaplanMeierMedianEdgesMatchR(t *testing.T) {
	cases := readEdgeCases(t)
	e := readExpected(t, "expected_km_median_edge.csv")
	for i := range e.rows {
		r := e.row(i, "")
		name := r.text("case")
		r.text("data") // parsed by readEdgeCases
		r.label = name
		c := KaplanMeier(cases[name])
		r.wantMaybe("median", c.Median, c.MedianReached)
	}
}

func TestLogRankMatchesR(t *testing.T) {
	byArm := readRelapse(t)
	e := readExpected(t, "expected_logrank.csv")
	r := e.row(0, "active vs placebo")
	lr := LogRank(byArm["active"], byArm["placebo"])
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

func TestLogRankThreeGroupsMatchesR(t *testing.T) {
	byArm := readRelapse(t)
	// Split placebo by odd/even patient number, as make_edge_cases.R does.
	groups := map[string][]SurvivalTime{"active": byArm["active"]}
	_, records := readCSV(t, "relapse.csv")
	for _, rec := range records {
		if rec[1] != "placebo" {
			continue
		}
		num, err := strconv.Atoi(strings.TrimPrefix(rec[0], "P"))
		if err != nil {
			t.Fatal(err)
		}
		days, _ := strconv.ParseFloat(rec[2], 64)
		name := "placebo_even"
		if num%2 == 1 {
			name = "placebo_odd"
		}
		groups[name] = append(groups[name], SurvivalTime{Time: days, Event: rec[3] == "1"})
	}
	e := readExpected(t, "expected_logrank_3groups.csv")
	order := make([]string, len(e.rows))
	for i := range e.rows {
		order[i] = e.row(i, "").text("group")
	}
	var in [][]SurvivalTime
	for _, name := range order {
		in = append(in, groups[name])
	}
	lr := LogRank(in...)
	if !lr.Estimable {
		t.Fatalf("not estimable: %s", lr.Reason)
	}
	for i, name := range order {
		r := e.row(i, name)
		r.wantInt("n", lr.Groups[i].N)
		r.wantInt("observed", lr.Groups[i].Observed)
		r.want("expected", lr.Groups[i].Expected)
		r.want("chisq", lr.ChiSq)
		r.wantInt("df", lr.DF)
		r.want("p_value", lr.P)
	}
}

func TestAtRiskCountsPatientsStillFollowed(t *testing.T) {
	byArm := readRelapse(t)
	times := []float64{-1, 0, 40, 90, 180, 365, 730, 1014, 1015, 5000}
	for arm, obs := range byArm {
		c := KaplanMeier(obs)
		got := c.AtRisk(times)
		for i, at := range times {
			want := 0
			for _, o := range obs {
				if o.Time >= at {
					want++
				}
			}
			if got[i] != want {
				t.Errorf("%s: at risk at day %g = %d, want %d", arm, at, got[i], want)
			}
		}
		// At every step time it is R's n.risk.
		for _, s := range c.Steps {
			if n := c.AtRisk([]float64{s.Time})[0]; n != s.AtRisk {
				t.Errorf("%s: at risk at day %g = %d, step says %d", arm, s.Time, n, s.AtRisk)
			}
		}
	}
}

// readEdgeCases parses the survival data of make_edge_cases.R ("time:event"
// pairs) from its median file.
func readEdgeCases(t *testing.T) map[string][]SurvivalTime {
	t.Helper()
	_, records := readCSV(t, "expected_km_median_edge.csv")
	cases := map[string][]SurvivalTime{}
	for _, rec := range records {
		obs := []SurvivalTime{}
		for _, pair := range strings.Fields(rec[1]) {
			tm, ev, ok := strings.Cut(pair, ":")
			days, err := strconv.ParseFloat(tm, 64)
			if !ok || err != nil {
				t.Fatalf("edge case %s: bad pair %q", rec[0], pair)
			}
			obs = append(obs, SurvivalTime{Time: days, Event: ev == "1"})
		}
		cases[rec[0]] = obs
	}
	return cases
}
