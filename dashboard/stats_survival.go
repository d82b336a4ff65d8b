package dashboard

import (
	"math"
	"slices"
	"sort"
)

// SurvivalTime is one patient's follow-up: Time from treatment to the event
// (e.g. relapse, Event true) or to last contact (censored, Event false).
type SurvivalTime struct {
	Time  float64 `json:"time"`
	Event bool    `json:"event"`
}

// KMStep is the Kaplan–Meier curve at one distinct time, as R's survfit
// reports it (censoring-only times included).
type KMStep struct {
	Time     float64 `json:"time"`
	AtRisk   int     `json:"n_risk"`
	Events   int     `json:"n_event"`
	Censored int     `json:"n_censor"`
	Survival float64 `json:"survival"`
	// StdErr is R's std.err: the Greenwood standard error of the cumulative
	// hazard, i.e. of log(survival), not of survival itself. R reports Inf
	// once survival reaches 0; here StdErrEstimable is false instead.
	StdErr          float64 `json:"std_err"`
	StdErrEstimable bool    `json:"std_err_estimable"`
	// LogCI is R's default interval, exp(log S ± z·se), upper capped at 1;
	// not estimable when S is 0.
	LogCI Interval `json:"ci_log"`
	// LogLogCI is SAS's default interval on log(-log S); not estimable when
	// S is 0 or 1.
	LogLogCI Interval `json:"ci_loglog"`
}

// KMCurve is the Kaplan–Meier estimate for one group. When Estimable is
// false only N and Reason are meaningful. A curve without events is
// estimable (survival stays 1) but its median is not reached.
type KMCurve struct {
	N      int      `json:"n"`
	Events int      `json:"events"`
	Steps  []KMStep `json:"steps"`
	// Median is the median survival time (R's definition); meaningful only
	// if MedianReached.
	Median        float64 `json:"median"`
	MedianReached bool    `json:"median_reached"`
	Estimable     bool    `json:"estimable"`
	Reason        string  `json:"reason,omitempty"`
}

// validTimes checks what R's Surv would reject or what has no meaning in a
// registry: missing, infinite or negative follow-up times.
func validTimes(obs []SurvivalTime) bool {
	for _, o := range obs {
		if !finite(o.Time) || o.Time < 0 {
			return false
		}
	}
	return true
}

// KaplanMeier estimates the survival curve of one group.
func KaplanMeier(obs []SurvivalTime) KMCurve {
	if !validTimes(obs) {
		return KMCurve{N: len(obs), Steps: []KMStep{}, Reason: "a follow-up time is missing, infinite or negative"}
	}
	return KaplanMeierCounts(countsOf(obs))
}

// countsOf turns each patient's follow-up time into a count of one, which the grouped
// functions add up per time.
func countsOf(obs []SurvivalTime) []TimeCount {
	counts := make([]TimeCount, len(obs))
	for i, o := range obs {
		counts[i].Time = o.Time
		if o.Event {
			counts[i].Events = 1
		} else {
			counts[i].Censored = 1
		}
	}
	return counts
}

// logCI is R's conf.type = "log": symmetric on log S, upper limit capped at 1.
func logCI(surv, se float64) Interval {
	if surv <= 0 {
		return Interval{}
	}
	return Interval{
		Lower:     surv * math.Exp(-z975*se),
		Upper:     math.Min(surv*math.Exp(z975*se), 1),
		Estimable: true,
	}
}

// logLogCI is R's conf.type = "log-log": symmetric on log(-log S). Written
// as powers of S, which keeps it within (0, 1) without capping.
func logLogCI(surv, se float64) Interval {
	if surv <= 0 || surv >= 1 {
		return Interval{}
	}
	w := z975 * se / -math.Log(surv)
	return Interval{
		Lower:     math.Pow(surv, math.Exp(w)),
		Upper:     math.Pow(surv, math.Exp(-w)),
		Estimable: true,
	}
}

// medianTolerance is R's: survival within sqrt(machine epsilon) of 0.5
// counts as exactly 0.5 (survival:::survmean, all.equal's tolerance).
var medianTolerance = math.Sqrt(0x1p-52)

// medianSurvival follows survival:::survmean: the first time survival is at
// or below 0.5. If the curve sits exactly on 0.5 there, the median is the
// midpoint between that time and the time the curve next drops below 0.5
// (or that time itself if it never drops again).
func medianSurvival(steps []KMStep) (median float64, reached bool) {
	i := slices.IndexFunc(steps, func(s KMStep) bool { return s.Survival < 0.5+medianTolerance })
	if i < 0 {
		return 0, false
	}
	first := steps[i]
	if math.Abs(first.Survival-0.5) < medianTolerance {
		for _, s := range steps[i+1:] {
			if s.Survival < first.Survival {
				return (first.Time + s.Time) / 2, true
			}
		}
	}
	return first.Time, true
}

// AtRisk returns the number of patients still at risk (time >= t) at each of
// the given times, as printed under a Kaplan–Meier chart (R's
// summary(fit, times = ...)$n.risk). Times after the last follow-up give 0.
func (c KMCurve) AtRisk(times []float64) []int {
	out := make([]int, len(times))
	for k, t := range times {
		// Steps hold every distinct time, so the first step at or after t
		// starts with exactly the patients whose time is >= t.
		i := sort.Search(len(c.Steps), func(i int) bool { return c.Steps[i].Time >= t })
		if i < len(c.Steps) {
			out[k] = c.Steps[i].AtRisk
		}
	}
	return out
}
