package dashboard

import (
	"cmp"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// LogRankGroup is one group's share of the log-rank test.
type LogRankGroup struct {
	N        int     `json:"n"`
	Observed int     `json:"observed"`
	Expected float64 `json:"expected"`
}

// LogRankTest compares survival curves of two or more groups, as R's
// survdiff (rho = 0). Groups are in the order they were passed and are
// filled whenever the input is valid; ChiSq, DF and P are meaningful only
// when Estimable.
type LogRankTest struct {
	ChiSq     float64        `json:"chisq"`
	DF        int            `json:"df"`
	P         float64        `json:"p_value"`
	Groups    []LogRankGroup `json:"groups"`
	Estimable bool           `json:"estimable"`
	Reason    string         `json:"reason,omitempty"`
}

// LogRank tests whether the groups (e.g. active, placebo) share one survival
// curve. Like survdiff, groups without expected events (empty, or out of
// follow-up before the first event) are left out of the test and its degrees
// of freedom.
func LogRank(groups ...[]SurvivalTime) LogRankTest {
	k := len(groups)
	lr := LogRankTest{Groups: make([]LogRankGroup, k)}
	if k < 2 {
		lr.Reason = "the log-rank test needs at least 2 groups"
		return lr
	}
	type record struct {
		SurvivalTime
		group int
	}
	var pooled []record
	for g, obs := range groups {
		if !validTimes(obs) {
			lr.Reason = "a follow-up time is missing, infinite or negative"
			return lr
		}
		lr.Groups[g].N = len(obs)
		for _, o := range obs {
			pooled = append(pooled, record{o, g})
		}
	}
	slices.SortFunc(pooled, func(a, b record) int { return cmp.Compare(a.Time, b.Time) })

	// Walk the distinct times, accumulating expected events and their
	// hypergeometric covariance across groups.
	atRisk := make([]float64, k)
	for g := range groups {
		atRisk[g] = float64(len(groups[g]))
	}
	n := float64(len(pooled))
	variance := make([]float64, k*k)
	leaving := make([]float64, k)
	for i := 0; i < len(pooled); {
		clear(leaving)
		var d float64
		for t := pooled[i].Time; i < len(pooled) && pooled[i].Time == t; i++ {
			r := pooled[i]
			leaving[r.group]++
			if r.Event {
				lr.Groups[r.group].Observed++
				d++
			}
		}
		if d > 0 {
			for g := range k {
				lr.Groups[g].Expected += d * atRisk[g] / n
			}
			// With a single patient at risk the factor is 0/0; survdiff
			// adds nothing, as there is no variation to share.
			if n > 1 {
				f := d * (n - d) / (n * (n - 1))
				for a := range k {
					for b := range k {
						v := -atRisk[a] * atRisk[b] / n
						if a == b {
							v += atRisk[a]
						}
						variance[a*k+b] += f * v
					}
				}
			}
		}
		for g := range k {
			atRisk[g] -= leaving[g]
			n -= leaving[g]
		}
	}

	var tested []int
	for g, grp := range lr.Groups {
		if grp.Expected > 0 {
			tested = append(tested, g)
		}
	}
	if len(tested) < 2 {
		if len(pooled) > 0 && !slices.ContainsFunc(pooled, func(r record) bool { return r.Event }) {
			lr.Reason = "no events"
		} else {
			lr.Reason = "fewer than 2 groups with patients at risk at event times"
		}
		return lr
	}

	// Quadratic form on all tested groups but the first: their (O - E) are
	// linearly dependent, so one is dropped (which one does not matter).
	m := len(tested) - 1
	diff := mat.NewVecDense(m, nil)
	v := mat.NewSymDense(m, nil)
	for a, ga := range tested[1:] {
		diff.SetVec(a, float64(lr.Groups[ga].Observed)-lr.Groups[ga].Expected)
		for b, gb := range tested[1:] {
			if b >= a {
				v.SetSym(a, b, variance[ga*k+gb])
			}
		}
	}
	var chol mat.Cholesky
	var solved mat.VecDense
	if !chol.Factorize(v) || chol.SolveVecTo(&solved, diff) != nil {
		lr.Reason = "variance of the test is singular (e.g. all events at one time with nobody left at risk)"
		return lr
	}
	chi := mat.Dot(diff, &solved)
	df := len(tested) - 1
	p := distuv.ChiSquared{K: float64(df)}.Survival(chi)
	if !finite(chi, p) {
		lr.Reason = "numerical failure"
		return lr
	}
	lr.ChiSq, lr.DF, lr.P, lr.Estimable = chi, df, p, true
	return lr
}
