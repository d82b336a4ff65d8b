package dashboard

import "math"

// HedgesGInterval is the large-sample 95% interval of a comparison's Hedges' g (Hedges &
// Olkin 1985): var(g) = (n1 + n2) / (n1 n2) + g² / (2 (n1 + n2)). It puts measures on
// different scales on one axis (the cross-study forest plot); testdata/make_hedges.R
// computes the same in R.
func HedgesGInterval(c Comparison) Interval {
	if !c.Estimable {
		return Interval{}
	}
	n1, n2 := float64(c.Treatment.N), float64(c.Control.N)
	se := math.Sqrt((n1+n2)/(n1*n2) + c.HedgesG*c.HedgesG/(2*(n1+n2)))
	lo, hi := c.HedgesG-z975*se, c.HedgesG+z975*se
	if !finite(lo, hi) {
		return Interval{}
	}
	return Interval{Lower: lo, Upper: hi, Estimable: true}
}
