package dashboard

import (
	"cmp"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// TimeCount is how many patients of a group had the event, or were censored, at one
// follow-up time: what PostgreSQL returns when it groups the patients by time, so that a
// study of 100,000 patients reaches Go as a few hundred rows.
type TimeCount struct {
	Time     float64
	Events   int
	Censored int
}

// KaplanMeierCounts is KaplanMeier on grouped counts; it gives the same curve as
// KaplanMeier on the patients the counts stand for.
func KaplanMeierCounts(counts []TimeCount) KMCurve {
	merged, n, ok := mergeCounts(counts)
	c := KMCurve{N: n, Steps: []KMStep{}}
	switch {
	case !ok:
		c.Reason = "a follow-up time is missing, infinite or negative, or a count is negative"
		return c
	case n == 0:
		c.Reason = "no patients"
		return c
	}
	surv, varHaz := 1.0, 0.0
	atRisk := n
	for _, tc := range merged {
		s := KMStep{Time: tc.Time, AtRisk: atRisk, Events: tc.Events, Censored: tc.Censored}
		atRisk -= tc.Events + tc.Censored
		c.Events += s.Events
		nr, d := float64(s.AtRisk), float64(s.Events)
		surv *= (nr - d) / nr
		s.Survival = surv
		if s.Events < s.AtRisk {
			varHaz += d / (nr * (nr - d))
			s.StdErr = math.Sqrt(varHaz)
			s.StdErrEstimable = true
			s.LogCI = logCI(surv, s.StdErr)
			s.LogLogCI = logLogCI(surv, s.StdErr)
		}
		c.Steps = append(c.Steps, s)
	}
	c.Median, c.MedianReached = medianSurvival(c.Steps)
	c.Estimable = true
	return c
}

// mergeCounts sorts counts by time, adds up rows for the same time and drops empty ones.
func mergeCounts(counts []TimeCount) (merged []TimeCount, n int, ok bool) {
	sorted := slices.SortedFunc(slices.Values(counts), func(a, b TimeCount) int { return cmp.Compare(a.Time, b.Time) })
	for _, tc := range sorted {
		if !finite(tc.Time) || tc.Time < 0 || tc.Events < 0 || tc.Censored < 0 {
			return nil, 0, false
		}
		if tc.Events+tc.Censored == 0 {
			continue
		}
		n += tc.Events + tc.Censored
		if k := len(merged); k > 0 && merged[k-1].Time == tc.Time {
			merged[k-1].Events += tc.Events
			merged[k-1].Censored += tc.Censored
			continue
		}
		merged = append(merged, tc)
	}
	return merged, n, true
}

// LogRankCounts is LogRank on grouped counts, one slice per group.
func LogRankCounts(groups ...[]TimeCount) LogRankTest {
	k := len(groups)
	lr := LogRankTest{Groups: make([]LogRankGroup, k)}
	if k < 2 {
		lr.Reason = "the log-rank test needs at least 2 groups"
		return lr
	}
	type record struct {
		TimeCount
		group int
	}
	var pooled []record
	atRisk := make([]float64, k)
	var n float64
	for g, counts := range groups {
		merged, size, ok := mergeCounts(counts)
		if !ok {
			lr.Reason = "a follow-up time is missing, infinite or negative, or a count is negative"
			return lr
		}
		lr.Groups[g].N = size
		atRisk[g] = float64(size)
		n += float64(size)
		for _, tc := range merged {
			pooled = append(pooled, record{tc, g})
		}
	}
	slices.SortStableFunc(pooled, func(a, b record) int { return cmp.Compare(a.Time, b.Time) })

	variance := make([]float64, k*k)
	leaving := make([]float64, k)
	anyEvent := false
	for i := 0; i < len(pooled); {
		clear(leaving)
		var d float64
		for t := pooled[i].Time; i < len(pooled) && pooled[i].Time == t; i++ {
			r := pooled[i]
			leaving[r.group] += float64(r.Events + r.Censored)
			lr.Groups[r.group].Observed += r.Events
			d += float64(r.Events)
		}
		if d > 0 {
			anyEvent = true
			for g := range k {
				lr.Groups[g].Expected += d * atRisk[g] / n
			}
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
		if len(pooled) > 0 && !anyEvent {
			lr.Reason = "no events"
		} else {
			lr.Reason = "fewer than 2 groups with patients at risk at event times"
		}
		return lr
	}
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
