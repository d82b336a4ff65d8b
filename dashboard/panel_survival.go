package dashboard

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"outcomereg/registry"
)

// survivalPanel is time to the first event: Kaplan-Meier curves by arm with numbers at
// risk, survival at chosen times and the log-rank tests. Patients without an event are
// censored on the day they left follow-up, or today for those still followed; patients not
// yet treated are left out. Its query reads the kept counts (survival_kept.go), with the
// patients still followed per treatment date; it runs on a second connection.
type survivalPanel struct {
	// rows are what the query returned (or a keptCache held, hit), times the same per arm:
	// patients by day, with events and censorings.
	rows  []armTime
	hit   bool
	times [][]TimeCount
	// curves are the Kaplan–Meier curves per arm before the small-cell pass: a
	// researcher's are coarsened from them (disclosure_apply.go).
	curves []KMCurve
}

// armTime is a row of the time-to-event query: an arm's patients on one day.
type armTime struct {
	arm int64
	tc  TimeCount
}

// keptSurvivalRows keeps the survival panel's rows by survivalKey.
var keptSurvivalRows keptCache[[]armTime]

func (p *survivalPanel) queue(s *studyScope) {
	if p.rows, p.hit = keptSurvivalRows.get(s.survivalKey); p.hit {
		return
	}
	var at armTime
	s.slow.Queue(survivalCountsSQL(armShown("x")), s.args).
		Query(each([]any{&at.arm, &at.tc.Time, &at.tc.Events, &at.tc.Censored}, func() error {
			p.rows = append(p.rows, at)
			return nil
		}))
}

func (p *survivalPanel) build(s *studyScope, d *StudyDashboard) {
	if !p.hit {
		keptSurvivalRows.put(s.survivalKey, p.rows)
	}
	p.times = make([][]TimeCount, s.nArms)
	for _, at := range p.rows {
		if ai, ok := s.arms[at.arm]; ok {
			p.times[ai] = append(p.times[ai], at.tc)
		}
	}
	st, sc, times := s.st, s.sc, p.times
	for _, et := range st.EventTypes {
		d.Survival.EventTypes = append(d.Survival.EventTypes, et.Labels.In(s.opt.Lang))
	}
	p.curves = nil
	maxTime := 0.0
	for ai := range st.Arms {
		p.curves = append(p.curves, KaplanMeierCounts(times[ai]))
		for _, tc := range times[ai] {
			maxTime = math.Max(maxTime, tc.Time)
		}
	}
	curves := p.curves
	for t := 0.0; t <= maxTime; t += atRiskStep(maxTime) {
		d.Survival.Times = append(d.Survival.Times, t)
	}
	d.Survival.AtTimes = s.opt.SurvivalTimes
	if d.Survival.AtTimes == nil {
		d.Survival.AtTimes = DefaultSurvivalTimes
	}
	for ai, a := range st.Arms {
		ac := ArmCurve{Arm: a.Code, Curve: curves[ai], Events: sc.count(curves[ai].Events)}
		for _, n := range curves[ai].AtRisk(d.Survival.Times) {
			ac.AtRisk = append(ac.AtRisk, sc.count(n))
		}
		sc.curve(&ac)
		ac.SurvivalGrid = survivalAt(ac.Curve, d.Survival.Times)
		ac.SurvivalAt = ac.Curve.SurvivalAt(d.Survival.AtTimes)
		for i := range ac.SurvivalAt {
			// Events and censorings between two times are counts of patients too.
			if p := &ac.SurvivalAt[i]; sc.small(p.Events) || sc.small(p.Censored) {
				p.Events, p.Censored = 0, 0
			}
		}
		d.Survival.Arms = append(d.Survival.Arms, ac)
	}
	control := slices.IndexFunc(st.Arms, func(a registry.Arm) bool { return a.Control })
	nArms := s.nArms
	if nArms > 2 {
		for _, pr := range PairwiseLogRanks(control, times...) {
			p := PairLogRank{Arm: st.Arms[pr.Group].Code, Versus: st.Arms[pr.Versus].Code, Test: pr.Test}
			if sc.small(curves[pr.Group].N) || sc.small(curves[pr.Versus].N) {
				p.Test, p.Suppressed = LogRankTest{Reason: suppressedReason}, true
			}
			d.Survival.Pairwise = append(d.Survival.Pairwise, p)
		}
	}
	if nArms >= 2 {
		d.Survival.LogRank = LogRankCounts(times...)
		if sc.threshold > 0 && slices.ContainsFunc(curves, func(c KMCurve) bool { return c.N < sc.threshold }) {
			d.Survival.LogRank, d.Survival.Suppressed = LogRankTest{Reason: "suppressed: an arm has too few patients"}, true
		}
	} else {
		d.Survival.LogRank = LogRankTest{Reason: "a single arm: nothing to compare"}
	}
}

// atRiskStep is the spacing of the numbers at risk under a survival chart: about six
// columns, in whole months or years: a multiple of 91 or of 365 days, which the
// researcher's at-risk counts, read in bins of both (survivalBinsSQL), rely on.
func atRiskStep(maxDays float64) float64 {
	for _, step := range []float64{91, 182, 365, 730, 1825} {
		if maxDays/step <= 6 {
			return step
		}
	}
	return 3650
}

// survivalAt reads a curve at the given times: the last step at or before each time (1
// before the first step), as long as the curve's follow-up reaches it.
func survivalAt(c KMCurve, times []float64) []SurvivalPoint {
	out := []SurvivalPoint{}
	for _, t := range times {
		p := SurvivalPoint{Time: t}
		if c.Estimable && len(c.Steps) > 0 && t <= c.Steps[len(c.Steps)-1].Time {
			p.Survival, p.CI, p.Estimable = 1, Interval{Lower: 1, Upper: 1, Estimable: true}, true
			for _, st := range c.Steps {
				if st.Time > t {
					break
				}
				p.Survival, p.CI = st.Survival, st.LogCI
			}
		}
		out = append(out, p)
	}
	return out
}

// DefaultSurvivalTimes are the times clinicians ask about: 1, 2, 5 and 10 years, in days.
var DefaultSurvivalTimes = []float64{365, 730, 1825, 3650}

// ParseSurvivalTimes reads ?times=365,730: days after treatment, in increasing order
// once sorted, at most 20 of them. Nothing given: nil (the defaults).
func ParseSurvivalTimes(s string) ([]float64, error) {
	if s == "" {
		return nil, nil
	}
	var times []float64
	for _, part := range strings.Split(s, ",") {
		t, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil || !finite(t) || t < 0 || t > 36500 {
			return nil, registry.Errorf(registry.EINVALID, "Bad times: give days after treatment from 0 to 36500, separated by commas (for example times=365,730); got %q.", s)
		}
		times = append(times, t)
	}
	if len(times) > 20 {
		return nil, registry.Errorf(registry.EINVALID, "Bad times: at most 20; got %d.", len(times))
	}
	slices.Sort(times)
	return slices.Compact(times), nil
}
