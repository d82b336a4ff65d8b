package dashboard

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// RankSumTest is the Wilcoxon rank-sum (Mann–Whitney) test of two groups as
// R's wilcox.test(treatment, control, exact = FALSE, correct = TRUE) reports
// it: W is the rank sum of the treatment group minus its minimum
// n(n+1)/2, P two-sided from the normal approximation with the ties and
// continuity corrections. When Estimable is false only the Ns and Reason are
// meaningful.
type RankSumTest struct {
	NTreatment int     `json:"n_treatment"`
	NControl   int     `json:"n_control"`
	W          float64 `json:"w"`
	P          float64 `json:"p_value"`
	Estimable  bool    `json:"estimable"`
	Reason     string  `json:"reason,omitempty"`
}

// WilcoxonRankSum tests whether the values of two groups come from the same
// distribution (raw values; ties get mid-ranks).
func WilcoxonRankSum(treatment, control []float64) RankSumTest {
	if !finite(treatment...) || !finite(control...) {
		return RankSumTest{NTreatment: len(treatment), NControl: len(control), Reason: "a value is missing or infinite"}
	}
	// Distinct values become ordered categories with a count per group.
	levels := slices.Sorted(slices.Values(slices.Concat(treatment, control)))
	levels = slices.Compact(levels)
	tc, cc := make([]int, len(levels)), make([]int, len(levels))
	for _, v := range treatment {
		i, _ := slices.BinarySearch(levels, v)
		tc[i]++
	}
	for _, v := range control {
		i, _ := slices.BinarySearch(levels, v)
		cc[i]++
	}
	return WilcoxonRankSumCounts(tc, cc)
}

// WilcoxonRankSumCounts is WilcoxonRankSum on ordered categories: treatment[i]
// and control[i] are the numbers of patients of each group in the i-th
// category, categories in their order (e.g. ascites none, mild, moderate,
// severe). The direction of the order does not change P; W is the treatment
// group's, counted in the order given.
func WilcoxonRankSumCounts(treatment, control []int) RankSumTest {
	r := RankSumTest{}
	if len(treatment) != len(control) {
		r.Reason = "the two groups have different numbers of categories"
		return r
	}
	for i := range treatment {
		if treatment[i] < 0 || control[i] < 0 {
			r.Reason = "a count is negative"
			return r
		}
		r.NTreatment += treatment[i]
		r.NControl += control[i]
	}
	switch {
	case r.NTreatment == 0:
		r.Reason = "treatment: no patients"
		return r
	case r.NControl == 0:
		r.Reason = "control: no patients"
		return r
	}
	n1, n2 := float64(r.NTreatment), float64(r.NControl)
	n := n1 + n2
	// Mid-ranks per category: a category of t tied patients after `below`
	// others takes ranks below+1 .. below+t, mean below + (t+1)/2.
	var rankSum, ties, below float64
	for i := range treatment {
		t := float64(treatment[i] + control[i])
		if t == 0 {
			continue
		}
		rankSum += float64(treatment[i]) * (below + (t+1)/2)
		ties += t*t*t - t
		below += t
	}
	w := rankSum - n1*(n1+1)/2
	sigma := math.Sqrt(n1 * n2 / 12 * ((n + 1) - ties/(n*(n-1))))
	if !(sigma > 0) {
		r.Reason = "every patient is in the same category"
		return r
	}
	z := w - n1*n2/2
	z = (z - 0.5*sign(z)) / sigma // R's continuity correction
	p := 2 * math.Min(distuv.UnitNormal.CDF(z), distuv.UnitNormal.Survival(z))
	if !finite(w, z, p) {
		r.Reason = "numerical failure"
		return r
	}
	r.W, r.P, r.Estimable = w, math.Min(p, 1), true
	return r
}

// sign is R's sign(): -1, 0 or 1.
func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// CategoryShare is how many of a group's patients are in one category.
type CategoryShare struct {
	Count      int     `json:"count"`
	N          int     `json:"n"`
	Proportion float64 `json:"proportion"`
}

// ShareDifference is treatment minus control share of patients in one
// category with Newcombe's hybrid score 95% interval (Newcombe 1998, method
// 10: from the two Wilson score intervals, without continuity correction),
// which unlike the Wald interval stays inside [-1, 1] and keeps a width when
// a share is 0 or 1. When Estimable is false only Treatment, Control and
// Reason are meaningful.
type ShareDifference struct {
	Category   int           `json:"category"`
	Treatment  CategoryShare `json:"treatment"`
	Control    CategoryShare `json:"control"`
	Difference float64       `json:"difference"`
	Lower      float64       `json:"ci_low"`
	Upper      float64       `json:"ci_high"`
	Estimable  bool          `json:"estimable"`
	Reason     string        `json:"reason,omitempty"`
}

// BestCategoryDifference compares the share of patients in the best category
// (the first when lower is better, the last when higher is better) between
// two groups given as counts per ordered category, as for
// WilcoxonRankSumCounts.
func BestCategoryDifference(treatment, control []int, better Direction) ShareDifference {
	best := 0
	if better == HigherIsBetter {
		best = len(treatment) - 1
	}
	return CategoryDifference(treatment, control, best)
}

// CategoryDifference compares the share of patients in category (an index
// into the counts) between two groups.
func CategoryDifference(treatment, control []int, category int) ShareDifference {
	d := ShareDifference{Category: category}
	if len(treatment) != len(control) || category < 0 || category >= len(treatment) {
		d.Reason = "no such category"
		return d
	}
	for i := range treatment {
		if treatment[i] < 0 || control[i] < 0 {
			d.Reason = "a count is negative"
			return d
		}
		d.Treatment.N += treatment[i]
		d.Control.N += control[i]
	}
	d.Treatment.Count, d.Control.Count = treatment[category], control[category]
	switch {
	case d.Treatment.N == 0:
		d.Reason = "treatment: no patients"
		return d
	case d.Control.N == 0:
		d.Reason = "control: no patients"
		return d
	}
	p1 := float64(d.Treatment.Count) / float64(d.Treatment.N)
	p2 := float64(d.Control.Count) / float64(d.Control.N)
	d.Treatment.Proportion, d.Control.Proportion = p1, p2
	l1, u1 := wilson(d.Treatment.Count, d.Treatment.N)
	l2, u2 := wilson(d.Control.Count, d.Control.N)
	diff := p1 - p2
	lower := diff - math.Sqrt((p1-l1)*(p1-l1)+(u2-p2)*(u2-p2))
	upper := diff + math.Sqrt((u1-p1)*(u1-p1)+(p2-l2)*(p2-l2))
	if !finite(diff, lower, upper) {
		d.Reason = "numerical failure"
		return d
	}
	d.Difference, d.Lower, d.Upper, d.Estimable = diff, lower, upper, true
	return d
}

// wilson is the Wilson score 95% interval of x out of n (n > 0), as R's
// prop.test(x, n, correct = FALSE) reports it.
func wilson(x, n int) (lower, upper float64) {
	p, nn := float64(x)/float64(n), float64(n)
	z2 := z975 * z975
	centre := p + z2/(2*nn)
	half := z975 * math.Sqrt(p*(1-p)/nn+z2/(4*nn*nn))
	denom := 1 + z2/nn
	lower, upper = (centre-half)/denom, (centre+half)/denom
	// R sets the ends exactly when the share is 0 or 1.
	if x == 0 {
		lower = 0
	}
	if x == n {
		upper = 1
	}
	return lower, upper
}
