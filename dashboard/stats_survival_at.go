package dashboard

import (
	"slices"
	"sort"
)

// SurvivalAtTime is a Kaplan–Meier curve read at one chosen time (e.g. 1, 2,
// 5 and 10 years), as R's summary(survfit(...), times = ...) reports it:
// AtRisk is the number still followed at Time, Events and Censored are
// counted since the previous chosen time (from 0 for the first), StdErr is
// the standard error of the survival itself (not of its log, unlike
// KMStep.StdErr). When Estimable is false (the time is after the last
// follow-up, where R reports nothing, or the curve is not estimable) only
// Time and Reason are meaningful.
type SurvivalAtTime struct {
	Time            float64  `json:"time"`
	AtRisk          int      `json:"n_risk"`
	Events          int      `json:"n_event"`
	Censored        int      `json:"n_censor"`
	Survival        float64  `json:"survival"`
	StdErr          float64  `json:"std_err"`
	StdErrEstimable bool     `json:"std_err_estimable"`
	LogCI           Interval `json:"ci_log"`
	LogLogCI        Interval `json:"ci_loglog"`
	Estimable       bool     `json:"estimable"`
	Reason          string   `json:"reason,omitempty"`
}

// SurvivalAt reads the curve at the given times, returned in increasing order
// as R sorts them. The 95% intervals are those of the curve's steps: LogCI is
// R's default (conf.type = "log"), the one the dashboard draws.
func (c KMCurve) SurvivalAt(times []float64) []SurvivalAtTime {
	sorted := slices.Sorted(slices.Values(times))
	out := make([]SurvivalAtTime, len(sorted))
	next := 0 // first step after the previous chosen time
	for k, t := range sorted {
		a := SurvivalAtTime{Time: t}
		switch {
		case !c.Estimable:
			a.Reason = reasonOr(c.Reason, "curve not estimable")
		case !finite(t) || t < 0:
			a.Reason = "not a valid time"
		case len(c.Steps) == 0 || t > c.Steps[len(c.Steps)-1].Time:
			a.Reason = "after the last follow-up"
		default:
			// i is the first step after t; the curve at t is the step before it.
			i := sort.Search(len(c.Steps), func(i int) bool { return c.Steps[i].Time > t })
			for _, s := range c.Steps[min(next, i):i] {
				a.Events += s.Events
				a.Censored += s.Censored
			}
			next = max(next, i)
			// Steps hold every distinct time, so the first at or after t
			// starts with exactly the patients still followed at t.
			a.AtRisk = c.AtRisk([]float64{t})[0]
			if i == 0 {
				// Before the first follow-up time nobody has left: S = 1,
				// and R gives both intervals as [1, 1] there (unlike at a
				// censoring-only step, where the log(-log) one is NA).
				a.Survival, a.StdErrEstimable = 1, true
				a.LogCI = Interval{Lower: 1, Upper: 1, Estimable: true}
				a.LogLogCI = a.LogCI
			} else {
				s := c.Steps[i-1]
				a.Survival = s.Survival
				a.LogCI, a.LogLogCI = s.LogCI, s.LogLogCI
				if s.StdErrEstimable {
					a.StdErr, a.StdErrEstimable = s.Survival*s.StdErr, true
				}
			}
			a.Estimable = finite(a.Survival, a.StdErr)
		}
		out[k] = a
	}
	return out
}
