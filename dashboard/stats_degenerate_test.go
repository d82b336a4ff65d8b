package dashboard

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// Degenerate input must come back flagged as not estimable, with a reason,
// never as NaN, Inf or a panic, and every result must encode as JSON.

// wantJSON fails if v cannot be encoded (encoding/json refuses NaN and Inf).
func wantJSON(t *testing.T, name string, v any) {
	t.Helper()
	if _, err := json.Marshal(v); err != nil {
		t.Errorf("%s: %v", name, err)
	}
}

// wantFlag checks the estimable flag and that a missing estimate is explained.
func wantFlag(t *testing.T, name string, estimable, want bool, reason string) {
	t.Helper()
	if estimable != want {
		t.Errorf("%s: estimable = %v, want %v (reason %q)", name, estimable, want, reason)
	}
	if !estimable && reason == "" {
		t.Errorf("%s: not estimable without a reason", name)
	}
}

func TestDescribeDegenerate(t *testing.T) {
	tests := []struct {
		name      string
		values    []float64
		estimable bool
	}{
		{"no patients", nil, false},
		{"one patient", []float64{5}, false},
		{"missing value", []float64{1, math.NaN(), 3}, false},
		{"infinite value", []float64{1, math.Inf(1)}, false},
		{"all equal", []float64{3, 3, 3}, true},
	}
	for _, tt := range tests {
		s := Describe(tt.values)
		wantFlag(t, tt.name, s.Estimable, tt.estimable, s.Reason)
		wantJSON(t, tt.name, s)
		if s.N != len(tt.values) {
			t.Errorf("%s: N = %d, want %d", tt.name, s.N, len(tt.values))
		}
	}
	// No variation is still a summary, as R reports it: SD 0, the interval
	// collapsed onto the mean.
	if s := Describe([]float64{3, 3, 3}); s.Mean != 3 || s.SD != 0 || s.Lower != 3 || s.Upper != 3 {
		t.Errorf("all equal: %+v", s)
	}
}

func TestSummaryOfRejectsInvalidFigures(t *testing.T) {
	tests := []struct {
		name     string
		n        int
		mean, sd float64
	}{
		{"one patient", 1, -1.2, 1.5},
		{"no patients", 0, 0, 0},
		{"missing mean", 40, math.NaN(), 1.5},
		{"infinite SD", 40, -1.2, math.Inf(1)},
		{"negative SD", 40, -1.2, -1.5},
	}
	for _, tt := range tests {
		s := SummaryOf(tt.n, tt.mean, tt.sd)
		wantFlag(t, tt.name, s.Estimable, false, s.Reason)
		wantJSON(t, tt.name, s)
	}
}

func TestWelchDegenerate(t *testing.T) {
	ok := Describe([]float64{-1, -2, -3, -2.5})
	tests := []struct {
		name               string
		treatment, control Summary
		estimable          bool
		reason             string
	}{
		{"one treated patient", Describe([]float64{-2}), ok, false, "treatment:"},
		{"empty placebo arm", ok, Describe(nil), false, "control:"},
		{"no variation in either arm", Describe([]float64{1, 1, 1}), Describe([]float64{2, 2}), false, "no variation"},
		{"literature figures not built with SummaryOf", ok, Summary{N: 120, Mean: -1.1, SD: 1.6}, false, "SummaryOf"},
		{"literature figures", ok, SummaryOf(120, -1.1, 1.6), true, ""},
	}
	for _, tt := range tests {
		c := Welch(tt.treatment, tt.control)
		wantFlag(t, tt.name, c.Estimable, tt.estimable, c.Reason)
		if !strings.Contains(c.Reason, tt.reason) {
			t.Errorf("%s: reason %q does not mention %q", tt.name, c.Reason, tt.reason)
		}
		wantJSON(t, tt.name, c)
	}
}

// One arm without variation is fine for Welch: the degrees of freedom fall
// back to the other arm's n - 1. Values from R:
// t.test(c(1,1,1), c(1,2,3,4)).
func TestWelchOneArmWithoutVariation(t *testing.T) {
	c := Welch(Describe([]float64{1, 1, 1}), Describe([]float64{1, 2, 3, 4}))
	if !c.Estimable {
		t.Fatalf("not estimable: %s", c.Reason)
	}
	for _, f := range []struct {
		name      string
		got, want float64
	}{
		{"t", c.T, -2.323790007724450},
		{"df", c.DF, 3},
		{"p", c.P, 0.102728078858399},
		{"ci_low", c.Lower, -3.554260256760521},
		{"ci_high", c.Upper, 0.554260256760521},
	} {
		if !agrees(f.got, f.want) {
			t.Errorf("%s = %.15g, R says %.15g", f.name, f.got, f.want)
		}
	}
}

func TestRespondersDegenerate(t *testing.T) {
	some := Responders([]float64{-3, -1, -2.5, 0}, -2, LowerIsBetter)
	tests := []struct {
		name               string
		treatment, control ResponderRate
		estimable          bool
	}{
		{"empty placebo arm", some, Responders(nil, -2, LowerIsBetter), false},
		{"missing change", Responders([]float64{-3, math.NaN()}, -2, LowerIsBetter), some, false},
		{"everyone responded in both arms", Responders([]float64{-3, -4}, -2, LowerIsBetter), Responders([]float64{-2, -5}, -2, LowerIsBetter), false},
		{"all versus none", Responders([]float64{-3, -4}, -2, LowerIsBetter), Responders([]float64{0, 1}, -2, LowerIsBetter), false},
		{"rate built by hand", some, ResponderRate{Responders: 1, N: 4}, false},
		{"ordinary", some, Responders([]float64{-3, 0, 1}, -2, LowerIsBetter), true},
	}
	for _, tt := range tests {
		rd := CompareResponders(tt.treatment, tt.control)
		wantFlag(t, tt.name, rd.Estimable, tt.estimable, rd.Reason)
		wantJSON(t, tt.name, rd)
	}
}

// Float subtraction must not cost a patient their responder status:
// 4.1 - 6.1 is -1.9999999999999996 in binary floating point.
func TestRespondersAtThreshold(t *testing.T) {
	tests := []struct {
		name      string
		change    float64
		threshold float64
		better    Direction
		responder bool
	}{
		{"pain drop of exactly 2", 4.1 - 6.1, -2, LowerIsBetter, true},
		{"pain drop of 1.9", 4.2 - 6.1, -2, LowerIsBetter, false},
		{"function gain of exactly 2", 6.1 - 4.1, 2, HigherIsBetter, true},
		{"function gain of 1.9", 6.0 - 4.1, 2, HigherIsBetter, false},
		{"pain worse", 1, -2, LowerIsBetter, false},
	}
	for _, tt := range tests {
		r := Responders([]float64{tt.change}, tt.threshold, tt.better)
		if got := r.Responders == 1; got != tt.responder {
			t.Errorf("%s (change %.17g): responder = %v, want %v", tt.name, tt.change, got, tt.responder)
		}
	}
}

func TestKaplanMeierDegenerate(t *testing.T) {
	tests := []struct {
		name      string
		obs       []SurvivalTime
		estimable bool
	}{
		{"no patients", nil, false},
		{"negative time", []SurvivalTime{{Time: -1, Event: true}, {Time: 5}}, false},
		{"missing time", []SurvivalTime{{Time: math.NaN(), Event: true}}, false},
		{"infinite time", []SurvivalTime{{Time: math.Inf(1)}}, false},
		{"all censored", []SurvivalTime{{Time: 3}, {Time: 5}}, true},
		{"everyone relapsed", []SurvivalTime{{Time: 3, Event: true}, {Time: 5, Event: true}}, true},
		{"one patient", []SurvivalTime{{Time: 3, Event: true}}, true},
	}
	for _, tt := range tests {
		c := KaplanMeier(tt.obs)
		wantFlag(t, tt.name, c.Estimable, tt.estimable, c.Reason)
		wantJSON(t, tt.name, c)
		// The chart helper must cope with any curve.
		if n := c.AtRisk([]float64{0, 4, math.NaN()}); len(n) != 3 {
			t.Errorf("%s: AtRisk gave %v", tt.name, n)
		}
		if c.Steps == nil {
			t.Errorf("%s: Steps is nil, would encode as null", tt.name)
		}
	}

	c := KaplanMeier([]SurvivalTime{{Time: 3}, {Time: 5}})
	if c.MedianReached || c.Events != 0 {
		t.Errorf("all censored: median reached %v, events %d", c.MedianReached, c.Events)
	}
	for _, s := range c.Steps {
		if s.Survival != 1 || s.LogLogCI.Estimable || !s.LogCI.Estimable {
			t.Errorf("all censored step %+v: want S = 1, log CI [1, 1], no log(-log) CI", s)
		}
	}

	c = KaplanMeier([]SurvivalTime{{Time: 3, Event: true}, {Time: 5, Event: true}})
	last := c.Steps[len(c.Steps)-1]
	if last.Survival != 0 || last.StdErrEstimable || last.LogCI.Estimable || last.LogLogCI.Estimable {
		t.Errorf("everyone relapsed, last step %+v: want S = 0 with nothing else estimable", last)
	}
}

func TestLogRankDegenerate(t *testing.T) {
	a := []SurvivalTime{{Time: 10, Event: true}, {Time: 20}, {Time: 30, Event: true}}
	b := []SurvivalTime{{Time: 15, Event: true}, {Time: 25, Event: true}, {Time: 40}}
	tests := []struct {
		name      string
		groups    [][]SurvivalTime
		estimable bool
		reason    string
	}{
		{"no groups", nil, false, "at least 2 groups"},
		{"one group", [][]SurvivalTime{a}, false, "at least 2 groups"},
		{"empty placebo group", [][]SurvivalTime{a, nil}, false, "fewer than 2 groups"},
		{"both groups empty", [][]SurvivalTime{nil, nil}, false, "fewer than 2 groups"},
		{"no events", [][]SurvivalTime{{{Time: 5}, {Time: 9}}, {{Time: 7}}}, false, "no events"},
		{"placebo out of follow-up before the first event", [][]SurvivalTime{{{Time: 5, Event: true}}, {{Time: 0.5}}}, false, "fewer than 2 groups"},
		{"single tied event, nobody left", [][]SurvivalTime{{{Time: 5, Event: true}}, {{Time: 5, Event: true}}}, false, "singular"},
		{"invalid time", [][]SurvivalTime{a, {{Time: math.NaN(), Event: true}}}, false, "follow-up time"},
		{"ordinary", [][]SurvivalTime{a, b}, true, ""},
	}
	for _, tt := range tests {
		lr := LogRank(tt.groups...)
		wantFlag(t, tt.name, lr.Estimable, tt.estimable, lr.Reason)
		if !strings.Contains(lr.Reason, tt.reason) {
			t.Errorf("%s: reason %q does not mention %q", tt.name, lr.Reason, tt.reason)
		}
		wantJSON(t, tt.name, lr)
		if lr.Reason == "" && len(lr.Groups) != len(tt.groups) {
			t.Errorf("%s: %d groups reported, %d given", tt.name, len(lr.Groups), len(tt.groups))
		}
	}
}

// Like survdiff, a group without expected events drops out of the test and
// its degrees of freedom, and the order of the groups does not matter.
func TestLogRankGroupsLeftOutAndOrder(t *testing.T) {
	byArm := readRelapse(t)
	active, placebo := byArm["active"], byArm["placebo"]
	two := LogRank(active, placebo)
	withEmpty := LogRank(active, nil, placebo)
	if !withEmpty.Estimable || withEmpty.DF != 1 || !agrees(withEmpty.ChiSq, two.ChiSq) {
		t.Errorf("with an empty group: %+v, want chi-square %g on 1 df", withEmpty, two.ChiSq)
	}
	swapped := LogRank(placebo, active)
	if !agrees(swapped.ChiSq, two.ChiSq) || !agrees(swapped.Groups[0].Expected, two.Groups[1].Expected) {
		t.Errorf("swapped groups: chi-square %g, want %g", swapped.ChiSq, two.ChiSq)
	}
	var odd, even []SurvivalTime
	for i, o := range placebo {
		if i%2 == 0 {
			even = append(even, o)
		} else {
			odd = append(odd, o)
		}
	}
	three, rotated := LogRank(active, odd, even), LogRank(even, active, odd)
	if !three.Estimable || three.DF != 2 || !agrees(rotated.ChiSq, three.ChiSq) {
		t.Errorf("three groups: %g on %d df, rotated %g", three.ChiSq, three.DF, rotated.ChiSq)
	}
}

// TestResultsEncodeAsJSON encodes results of the reference data too, since
// they are what researchers are served.
func TestResultsEncodeAsJSON(t *testing.T) {
	fu := readFollowups(t)
	byArm := readRelapse(t)
	for name, v := range map[string]any{
		"summary":          Describe(fu.values("active", "m12")),
		"comparison":       Welch(Describe(fu.changes("active", "m12")), Describe(fu.changes("placebo", "m12"))),
		"risk difference":  CompareResponders(Responders(fu.changes("active", "m12"), -2, LowerIsBetter), Responders(fu.changes("placebo", "m12"), -2, LowerIsBetter)),
		"placebo curve":    KaplanMeier(byArm["placebo"]), // ends at survival 0
		"log-rank":         LogRank(byArm["active"], byArm["placebo"]),
		"empty comparison": Welch(Describe(nil), Describe(nil)),
	} {
		wantJSON(t, name, v)
	}
	out, _ := json.Marshal(Describe([]float64{1}))
	if got := string(out); !strings.Contains(got, `"estimable":false`) || !strings.Contains(got, `"reason":`) {
		t.Errorf("not estimable summary encodes as %s", got)
	}
}
