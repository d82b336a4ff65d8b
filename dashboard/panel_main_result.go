package dashboard

import (
	"slices"

	"outcomereg/registry"
)

// mainResultPanel is the answer at a glance: the main measure, the visit the analysis rests
// on and the patients analysed there (in the flow), and its comparison at that visit. It
// reads the outcomes panel's cells and the comparisons built before it, and queues nothing.
type mainResultPanel struct {
	outcomes *outcomesPanel
}

func (p *mainResultPanel) queue(*studyScope) {}

func (p *mainResultPanel) build(s *studyScope, d *StudyDashboard) {
	st, cells := s.st, p.outcomes.cells
	d.Flow.AnalysedMeasure, d.Flow.AnalysedVisit = analysedAt(st, cells)
	if d.Flow.AnalysedVisit != "" {
		mi := slices.IndexFunc(st.Measures, func(m registry.Measure) bool { return m.Code == d.Flow.AnalysedMeasure })
		vi := slices.IndexFunc(st.Visits, func(v registry.ScheduledVisit) bool { return v.Code == d.Flow.AnalysedVisit })
		for ai, a := range st.Arms {
			d.Flow.Analysed = append(d.Flow.Analysed, ArmCount{a.Code, s.sc.count(cells[mi][vi][ai].changeN)})
		}
	}
	d.Main = mainResult(st, d)
}

// analysedAt picks the main measure and the visit the analysis rests on: 12 months if the
// schedule has it, else the latest visit with changes from baseline in every arm.
func analysedAt(st *registry.Study, cells [][][]sums) (measure, visit string) {
	mi := slices.IndexFunc(st.Measures, func(m registry.Measure) bool { return m.Code == st.MainMeasure })
	if mi < 0 {
		if len(st.Measures) == 0 {
			return "", ""
		}
		mi = 0
	}
	vi := primaryVisit(st, func(vi int) bool {
		for ai := range st.Arms {
			if cells[mi][vi][ai].changeN < 2 {
				return false
			}
		}
		return true
	})
	if vi < 0 {
		return st.Measures[mi].Code, ""
	}
	return st.Measures[mi].Code, st.Visits[vi].Code
}

// primaryVisit is the study's main visit if it has data, else the 12-month visit (day 365 ± 31) if it has data in every arm, else the
// latest follow-up visit that has; -1 when none has.
func primaryVisit(st *registry.Study, hasData func(vi int) bool) int {
	if vi := slices.IndexFunc(st.Visits, func(v registry.ScheduledVisit) bool { return v.Code == st.MainVisit }); vi >= 0 && hasData(vi) {
		return vi
	}
	for vi, v := range st.Visits {
		if !v.Baseline && v.TargetDay >= 334 && v.TargetDay <= 396 && hasData(vi) {
			return vi
		}
	}
	for vi := len(st.Visits) - 1; vi >= 0; vi-- {
		if !st.Visits[vi].Baseline && hasData(vi) {
			return vi
		}
	}
	return -1
}

// mainResult picks the main measure's comparison at the analysed visit (the study's main
// visit when it has data): the answer at a glance. Nil when there is none.
func mainResult(st *registry.Study, d *StudyDashboard) *MainResult {
	mi := slices.IndexFunc(d.Measures, func(m MeasureOutcome) bool { return m.Code == d.Flow.AnalysedMeasure })
	if mi < 0 || d.Flow.AnalysedVisit == "" || d.Measures[mi].Type == registry.KindChoice {
		return nil
	}
	m := d.Measures[mi]
	r := &MainResult{Measure: m.Code, MeasureLabel: m.Label, Unit: m.Unit, MCID: m.MCID}
	treat := slices.IndexFunc(st.Arms, func(a registry.Arm) bool { return !a.Control })
	if treat < 0 {
		return nil
	}
	r.Treatment = armLabelOf(d.Arms, st.Arms[treat].Code)
	for _, v := range m.Visits {
		c, source := v.VsControl, ""
		if c == nil {
			c, source = v.VsPlacebo, v.VsPlaceboSource
		}
		if c == nil {
			continue
		}
		r.VisitsCompared++
		if v.Visit == d.Flow.AnalysedVisit {
			r.Visit, r.VisitLabel, r.Effect = v.Visit, v.Label, *c
			r.Comparator, r.ComparatorLabel = "control", armLabelOf(d.Arms, d.Control)
			if source != "" {
				r.Comparator, r.ComparatorLabel = "placebo_baseline", source
			}
		}
	}
	if r.Visit == "" {
		return nil
	}
	return r
}

func armLabelOf(arms []ArmInfo, code string) string {
	for _, a := range arms {
		if a.Code == code {
			return a.Label
		}
	}
	return code
}
