package dashboard

import "testing"

// TestHedgesGIntervalMatchesR: g and its interval for the reference follow-ups' change
// from baseline, active against placebo, as testdata/make_hedges.R computes them.
func TestHedgesGIntervalMatchesR(t *testing.T) {
	fu := readFollowups(t)
	e := readExpected(t, "expected_hedges.csv")
	for i := range e.rows {
		r := e.row(i, "")
		visit := r.text("visit")
		r.label = visit
		c := Welch(Describe(fu.changes("active", visit)), Describe(fu.changes("placebo", visit)))
		ci := HedgesGInterval(c)
		if !ci.Estimable {
			t.Fatalf("%s: not estimable", visit)
		}
		r.wantInt("n_active", c.Treatment.N)
		r.wantInt("n_placebo", c.Control.N)
		r.want("hedges_g", c.HedgesG)
		r.want("ci_low", ci.Lower)
		r.want("ci_high", ci.Upper)
	}
	if HedgesGInterval(Welch(Describe(nil), Describe([]float64{1, 2}))).Estimable {
		t.Error("an interval for a comparison that could not be made")
	}
}
