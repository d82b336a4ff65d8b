package dashboard

import (
	"maps"
	"math"
	"slices"
)

// Summary describes one arm's outcome: n, mean, SD (n-1 denominator) and the
// Student t 95% confidence interval of the mean. When Estimable is false only
// N and Reason are meaningful.
//
// An arm whose patients all have the same value is estimable: SD is 0 and the
// interval collapses onto the mean, as R reports it. Comparisons flag it.
type Summary struct {
	N         int     `json:"n"`
	Mean      float64 `json:"mean"`
	SD        float64 `json:"sd"`
	Lower     float64 `json:"ci_low"`
	Upper     float64 `json:"ci_high"`
	Estimable bool    `json:"estimable"`
	Reason    string  `json:"reason,omitempty"`
}

// Describe summarises the values of one arm (e.g. pain NRS at a visit, or
// changes from baseline).
func Describe(values []float64) Summary {
	n := len(values)
	if !finite(values...) {
		return Summary{N: n, Reason: "a value is missing or infinite"}
	}
	if n < 2 {
		return SummaryOf(n, sumOf(values), 0)
	}
	var sum float64
	for _, v := range values {
		sum += v
	}
	mean := sum / float64(n)
	// Two passes: squaring deviations from the mean keeps the SD accurate
	// when values are large relative to their spread.
	var ss float64
	for _, v := range values {
		ss += (v - mean) * (v - mean)
	}
	return SummaryOf(n, mean, math.Sqrt(ss/float64(n-1)))
}

// SummaryOf builds a Summary from published summary statistics, such as the
// expected change under placebo taken from the literature for a single-arm
// study. It is also how Describe fills the confidence interval.
func SummaryOf(n int, mean, sd float64) Summary {
	switch {
	case n == 1 && finite(mean):
		// The mean of one value is that value; its SD and CI do not exist.
		return Summary{N: 1, Mean: mean, Reason: fewerThanTwo}
	case n < 2:
		return Summary{N: n, Reason: fewerThanTwo}
	case !finite(mean, sd) || sd < 0:
		return Summary{N: n, Reason: "mean or SD is not a valid number"}
	}
	half := tQuantile(float64(n-1)) * sd / math.Sqrt(float64(n))
	return Summary{N: n, Mean: mean, SD: sd, Lower: mean - half, Upper: mean + half, Estimable: true}
}

// fewerThanTwo is why a summary has no SD or CI.
const fewerThanTwo = "fewer than 2 patients"

// sumOf adds values up.
func sumOf(values []float64) float64 {
	total := 0.0
	for _, v := range values {
		total += v
	}
	return total
}

// ChangeFromBaseline returns, for every patient with both values, the visit
// value minus the same patient's baseline. Both maps are keyed by patient;
// patients missing either value are left out. The result is ordered by
// patient so that repeated runs give identical output.
func ChangeFromBaseline(baseline, visit map[string]float64) []float64 {
	changes := []float64{}
	for _, patient := range slices.Sorted(maps.Keys(visit)) {
		if base, ok := baseline[patient]; ok {
			changes = append(changes, visit[patient]-base)
		}
	}
	return changes
}

// Comparison is treatment minus control: the Welch (unequal variances) 95%
// interval, t, degrees of freedom and two-sided p as R's
// t.test(var.equal = FALSE), plus Cohen's d on the pooled SD and Hedges' g.
// When Estimable is false only Treatment, Control and Reason are meaningful.
type Comparison struct {
	Treatment  Summary `json:"treatment"`
	Control    Summary `json:"control"`
	Difference float64 `json:"difference"`
	Lower      float64 `json:"ci_low"`
	Upper      float64 `json:"ci_high"`
	T          float64 `json:"welch_t"`
	DF         float64 `json:"welch_df"`
	P          float64 `json:"p_value"`
	CohensD    float64 `json:"cohens_d"`
	HedgesG    float64 `json:"hedges_g"`
	Estimable  bool    `json:"estimable"`
	Reason     string  `json:"reason,omitempty"`
}

// Welch compares two arms from their summaries, so the same test serves a
// randomised placebo arm (Describe) and an external placebo baseline
// (SummaryOf with the literature's n, mean and SD).
func Welch(treatment, control Summary) Comparison {
	c := Comparison{Treatment: treatment, Control: control}
	switch {
	case !treatment.Estimable:
		c.Reason = "treatment: " + reasonOr(treatment.Reason, notBuilt)
		return c
	case !control.Estimable:
		c.Reason = "control: " + reasonOr(control.Reason, notBuilt)
		return c
	}
	n1, n2 := float64(treatment.N), float64(control.N)
	v1, v2 := treatment.SD*treatment.SD/n1, control.SD*control.SD/n2
	se := math.Sqrt(v1 + v2)
	if se == 0 {
		c.Reason = "no variation in either arm"
		return c
	}
	diff := treatment.Mean - control.Mean
	t := diff / se
	// Welch–Satterthwaite degrees of freedom.
	df := (v1 + v2) * (v1 + v2) / (v1*v1/(n1-1) + v2*v2/(n2-1))
	half := tQuantile(df) * se
	// Two-sided p from the lower tail of -|t|, which stays accurate for tiny p.
	p := 2 * studentsTCDF(-math.Abs(t), df)

	pooled := math.Sqrt(((n1-1)*treatment.SD*treatment.SD + (n2-1)*control.SD*control.SD) / (n1 + n2 - 2))
	d := diff / pooled
	g := d * (1 - 3/(4*(n1+n2)-9))

	if !finite(diff, half, t, df, p, d, g) {
		c.Reason = "numerical failure"
		return c
	}
	c.Difference, c.Lower, c.Upper = diff, diff-half, diff+half
	c.T, c.DF, c.P = t, df, p
	c.CohensD, c.HedgesG = d, g
	c.Estimable = true
	return c
}

// notBuilt is the reason given for a Summary literal such as
// Summary{N: 120, Mean: -1.1, SD: 1.6}: only SummaryOf checks the figures.
const notBuilt = "not estimable; build published summaries with SummaryOf"

// reasonOr explains a result built by hand (no Reason, Estimable unset):
// only this package's constructors validate their input and set Estimable.
func reasonOr(reason, fallback string) string {
	if reason == "" {
		return fallback
	}
	return reason
}
