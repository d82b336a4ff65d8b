// Package dashboard computes the outcome analyses researchers read: per-arm
// summaries of an outcome, change from baseline compared between treatment
// and placebo (or against an external placebo baseline from the
// literature), responder rates with their risk difference, Kaplan–Meier
// relapse-free survival with numbers at risk, and the log-rank test.
//
// The figures are meant to agree with R (t.test, survival::survfit,
// survival::survdiff) to at least six significant digits; the tests check
// them against reference values produced by R in testdata/.
//
// Degenerate input never produces NaN, Inf or a panic. Every result carries
// Estimable and, when false, a Reason; the figures of a result that is not
// estimable are left at zero. Parts that can be missing on their own carry
// their own flag: a survival step's standard error and intervals
// (StdErrEstimable, Interval.Estimable) and an unreached median
// (MedianReached). Zero values plus flags were chosen over *float64 so that
// callers read plain numbers; since encoding/json refuses NaN and Inf, this
// is also what guarantees that every result type encodes.
package dashboard

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// confidence is the level of every interval in the package.
const confidence = 0.95

// z975 is the normal quantile for a two-sided 95% interval (R's qnorm(0.975)).
var z975 = distuv.UnitNormal.Quantile(1 - (1-confidence)/2)

// tQuantile returns the Student t quantile for a two-sided 95% interval.
func tQuantile(df float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(1 - (1-confidence)/2)
}

// studentsTCDF is the Student t distribution function with df degrees of freedom.
func studentsTCDF(x, df float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.CDF(x)
}

// Interval is a 95% confidence interval that may not exist for a given
// estimate (e.g. the log(-log) interval of a survival of exactly 1).
type Interval struct {
	Lower     float64 `json:"ci_low"`
	Upper     float64 `json:"ci_high"`
	Estimable bool    `json:"estimable"`
}

// finite reports whether all values are ordinary numbers. Results are checked
// with it before they are handed out, so that no NaN or Inf can reach JSON
// even through a path the explicit guards missed.
func finite(values ...float64) bool {
	for _, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
