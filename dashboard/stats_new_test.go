package dashboard

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// The tests in this file check the statistics of testdata/stats_new.R against
// the values R wrote.

// parseCounts reads "12 8 5 2" as counts per category.
func parseCounts(t *testing.T, s string) []int {
	t.Helper()
	var out []int
	for _, f := range strings.Fields(s) {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("bad count %q", f)
		}
		out = append(out, n)
	}
	return out
}

func TestWilcoxonRankSumCountsMatchesR(t *testing.T) {
	e := readExpected(t, "expected_wilcoxon_categories.csv")
	for i := range e.rows {
		r := e.row(i, "")
		r.label = r.text("case")
		tr, co := parseCounts(t, r.text("treatment")), parseCounts(t, r.text("control"))
		better := LowerIsBetter
		if r.text("better") == "higher" {
			better = HigherIsBetter
		}
		w := WilcoxonRankSumCounts(tr, co)
		if !w.Estimable {
			t.Fatalf("%s: not estimable: %s", r.label, w.Reason)
		}
		r.want("w", w.W)
		r.want("p_value", w.P)

		// The same patients as raw category numbers give the same test.
		var x, y []float64
		for c := range tr {
			for range tr[c] {
				x = append(x, float64(c+1))
			}
			for range co[c] {
				y = append(y, float64(c+1))
			}
		}
		raw := WilcoxonRankSum(x, y)
		if raw != w {
			t.Errorf("%s: raw values give %+v, counts %+v", r.label, raw, w)
		}

		d := BestCategoryDifference(tr, co, better)
		if !d.Estimable {
			t.Fatalf("%s: share difference not estimable: %s", r.label, d.Reason)
		}
		r.wantInt("best_treatment", d.Treatment.Count)
		r.wantInt("best_control", d.Control.Count)
		r.want("share_difference", d.Difference)
		r.want("ci_low", d.Lower)
		r.want("ci_high", d.Upper)
	}
}

func TestWilcoxonRankSumRawMatchesR(t *testing.T) {
	fu := readFollowups(t)
	e := readExpected(t, "expected_wilcoxon_raw.csv")
	for i := range e.rows {
		r := e.row(i, "")
		visit := r.text("visit")
		r.label = visit
		w := WilcoxonRankSum(fu.values("active", visit), fu.values("placebo", visit))
		if !w.Estimable {
			t.Fatalf("%s: not estimable: %s", visit, w.Reason)
		}
		r.wantInt("n_active", w.NTreatment)
		r.wantInt("n_placebo", w.NControl)
		r.want("w", w.W)
		r.want("p_value", w.P)
	}
}

func TestWilcoxonAndShareDegenerate(t *testing.T) {
	for name, w := range map[string]RankSumTest{
		"empty treatment":    WilcoxonRankSumCounts([]int{0, 0}, []int{1, 2}),
		"empty control":      WilcoxonRankSum([]float64{1}, nil),
		"all in one":         WilcoxonRankSumCounts([]int{0, 3}, []int{0, 4}),
		"negative count":     WilcoxonRankSumCounts([]int{-1, 3}, []int{2, 4}),
		"category mismatch":  WilcoxonRankSumCounts([]int{1, 3}, []int{2}),
		"infinite raw value": WilcoxonRankSum([]float64{1, 2}, []float64{math.Inf(1)}),
	} {
		if w.Estimable || w.Reason == "" || w.P != 0 || w.W != 0 {
			t.Errorf("%s: %+v, want not estimable with a reason and zero figures", name, w)
		}
	}
	for name, d := range map[string]ShareDifference{
		"empty control":  CategoryDifference([]int{1, 2}, []int{0, 0}, 0),
		"no category":    CategoryDifference([]int{1, 2}, []int{1, 1}, 2),
		"negative count": BestCategoryDifference([]int{1, -2}, []int{1, 1}, HigherIsBetter),
	} {
		if d.Estimable || d.Reason == "" || d.Difference != 0 || d.Lower != 0 || d.Upper != 0 {
			t.Errorf("%s: %+v, want not estimable with a reason and zero figures", name, d)
		}
	}
	// Every patient in the best category in both arms: Newcombe still has a width.
	d := BestCategoryDifference([]int{5, 0}, []int{4, 0}, LowerIsBetter)
	if !d.Estimable || d.Difference != 0 || !(d.Lower < 0 && d.Upper > 0) {
		t.Errorf("all best in both arms: %+v, want 0 inside a real interval", d)
	}
}

func TestPairwiseLogRankMatchesR(t *testing.T) {
	groups, order := relapseThreeGroups(t)
	counts := make([][]TimeCount, len(order))
	index := map[string]int{}
	for i, name := range order {
		counts[i] = countsOf(groups[name])
		index[name] = i
	}
	e := readExpected(t, "expected_logrank_pairwise.csv")
	check := func(p PairwiseLogRank) {
		t.Helper()
		for i := range e.rows {
			r := e.row(i, "")
			g, v := index[r.text("group")], index[r.text("versus")]
			if g != p.Group && g != p.Versus || v != p.Group && v != p.Versus {
				continue
			}
			r.label = order[p.Group] + " vs " + order[p.Versus]
			if !p.Test.Estimable {
				t.Fatalf("%s: not estimable: %s", r.label, p.Test.Reason)
			}
			// Test.Groups is in the order Group, Versus; R's row may be the other way.
			first, second := p.Test.Groups[0], p.Test.Groups[1]
			if g != p.Group {
				first, second = second, first
			}
			r.wantInt("n_group", first.N)
			r.wantInt("n_versus", second.N)
			r.wantInt("observed_group", first.Observed)
			r.wantInt("observed_versus", second.Observed)
			r.want("expected_group", first.Expected)
			r.want("expected_versus", second.Expected)
			r.want("chisq", p.Test.ChiSq)
			r.wantInt("df", p.Test.DF)
			r.want("p_value", p.Test.P)
			return
		}
		t.Errorf("no R row for %s vs %s", order[p.Group], order[p.Versus])
	}

	all := PairwiseLogRanks(NoControl, counts...)
	if len(all) != 3 {
		t.Fatalf("every pair of 3 groups: %d tests, want 3", len(all))
	}
	for _, p := range all {
		if p.Group >= p.Versus {
			t.Errorf("pair (%d, %d) out of order", p.Group, p.Versus)
		}
		check(p)
	}
	control := index["placebo_even"]
	vs := PairwiseLogRanks(control, counts...)
	if len(vs) != 2 || vs[0].Group != index["active"] || vs[1].Group != index["placebo_odd"] {
		t.Fatalf("against placebo_even: %+v, want active then placebo_odd", vs)
	}
	for _, p := range vs {
		if p.Versus != control {
			t.Errorf("pair (%d, %d) is not against the control", p.Group, p.Versus)
		}
		check(p)
	}
	if got := PairwiseLogRanks(0, counts[0]); len(got) != 0 {
		t.Errorf("one group: %d tests, want none", len(got))
	}
}

func TestSurvivalAtMatchesR(t *testing.T) {
	// The times of stats_new.R, in its (unsorted) order.
	times := []float64{3650, 0, 30, 365, 500, 730, 1000, 1014, 1825}
	byArm := readRelapse(t)
	curves := map[string]KMCurve{
		"active":  KaplanMeier(byArm["active"]),
		"placebo": KaplanMeier(byArm["placebo"]),
		"to_zero": KaplanMeier([]SurvivalTime{{10, false}, {200, true}, {365, true}, {365, false}, {1000, true}}),
	}
	e := readExpected(t, "expected_survival_at.csv")
	next := map[string]int{}
	got := map[string][]SurvivalAtTime{}
	for name, c := range curves {
		got[name] = c.SurvivalAt(times)
	}
	for i := range e.rows {
		r := e.row(i, "")
		name := r.text("curve")
		at := got[name]
		// R leaves out the times after the last follow-up; they must be
		// the ones flagged here.
		for next[name] < len(at) && !at[next[name]].Estimable {
			if at[next[name]].Reason != "after the last follow-up" {
				t.Errorf("%s day %g: %s", name, at[next[name]].Time, at[next[name]].Reason)
			}
			next[name]++
		}
		if next[name] >= len(at) {
			t.Fatalf("%s: R has more times than estimated", name)
		}
		a := at[next[name]]
		next[name]++
		r.label = name + " day " + r.text("day")
		r.want("day", a.Time)
		r.wantInt("n_risk", a.AtRisk)
		r.wantInt("n_event", a.Events)
		r.wantInt("n_censor", a.Censored)
		r.want("survival", a.Survival)
		r.wantMaybe("std_err", a.StdErr, a.StdErrEstimable)
		r.wantMaybe("ci_low_log", a.LogCI.Lower, a.LogCI.Estimable)
		r.wantMaybe("ci_high_log", a.LogCI.Upper, a.LogCI.Estimable)
		r.wantMaybe("ci_low_loglog", a.LogLogCI.Lower, a.LogLogCI.Estimable)
		r.wantMaybe("ci_high_loglog", a.LogLogCI.Upper, a.LogLogCI.Estimable)
	}
	for name, at := range got {
		for _, a := range at[next[name]:] {
			if a.Estimable {
				t.Errorf("%s day %g: estimable, R leaves it out", name, a.Time)
			}
		}
	}
}

func TestSurvivalAtDegenerate(t *testing.T) {
	c := KaplanMeier([]SurvivalTime{{5, true}, {9, false}})
	for _, a := range c.SurvivalAt([]float64{-1, math.NaN(), 10}) {
		if a.Estimable || a.Reason == "" || a.Survival != 0 {
			t.Errorf("day %g: %+v, want not estimable with a reason", a.Time, a)
		}
	}
	bad := KaplanMeier([]SurvivalTime{{-5, true}})
	if a := bad.SurvivalAt([]float64{1})[0]; a.Estimable || a.Reason == "" {
		t.Errorf("curve not estimable: %+v", a)
	}
	if got := (KMCurve{Estimable: true}).SurvivalAt([]float64{1}); got[0].Estimable {
		t.Errorf("curve without steps: %+v", got[0])
	}
}

// relapseThreeGroups splits relapse.csv as stats_new.R does: active, and
// placebo by odd or even patient number.
func relapseThreeGroups(t *testing.T) (map[string][]SurvivalTime, []string) {
	t.Helper()
	groups := map[string][]SurvivalTime{}
	_, records := readCSV(t, "relapse.csv")
	for _, rec := range records {
		num, err := strconv.Atoi(strings.TrimPrefix(rec[0], "P"))
		days, err2 := strconv.ParseFloat(rec[2], 64)
		if err != nil || err2 != nil {
			t.Fatalf("relapse.csv: bad row %q", rec)
		}
		name := rec[1]
		if name == "placebo" {
			name = "placebo_even"
			if num%2 == 1 {
				name = "placebo_odd"
			}
		}
		groups[name] = append(groups[name], SurvivalTime{Time: days, Event: rec[3] == "1"})
	}
	return groups, []string{"active", "placebo_odd", "placebo_even"}
}
