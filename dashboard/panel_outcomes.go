package dashboard

import (
	"math"

	"outcomereg/registry"
)

// outcomesPanel is each measure over the visits by arm: the values (mean, 95% CI), the
// change from baseline and the responders, from the outcome cells. Choice measures get
// their header here and their figures from choicesPanel.
type outcomesPanel struct {
	cells [][][]sums // per measure, visit and arm
	// changes and rates are each number measure's changes and responders per visit and
	// arm, before suppression: what the comparisons are computed from.
	changes [][][]Summary
	rates   [][][]ResponderRate
}

// sums are the summary-cell totals for a measure at a visit in one arm.
type sums struct {
	n, changeN, responders int
	total, totalSq         float64
	changeTotal, changeSq  float64
}

// summaryOfSums turns n, sum and sum of squares into a Summary; a variance within rounding
// of zero is zero, so that identical values are recognised as such.
func summaryOfSums(n int, total, totalSq float64) Summary {
	if n < 2 {
		return SummaryOf(n, total, 0)
	}
	mean := total / float64(n)
	ss := totalSq - total*mean
	if ss < 1e-9*math.Max(totalSq, 1) {
		ss = 0
	}
	return SummaryOf(n, mean, math.Sqrt(ss/float64(n-1)))
}

func (p *outcomesPanel) queue(s *studyScope) {
	p.cells = make([][][]sums, s.nMeasures)
	for i := range p.cells {
		p.cells[i] = make([][]sums, s.nVisits)
		for j := range p.cells[i] {
			p.cells[i][j] = make([]sums, s.nArms)
		}
	}
	var m, sv, arm int64
	var c sums
	s.batch.Queue(`SELECT c.measure_id, c.scheduled_visit_id, `+armShown("c")+` AS arm, sum(c.n)::int, sum(c.total), sum(c.total_sq),
			sum(c.change_n)::int, sum(c.change_total), sum(c.change_total_sq), sum(c.responders)::int
		FROM dashboard_outcome_cells c WHERE c.study_id = @study AND `+cellFilter+` GROUP BY 1, 2, 3`, s.args).
		Query(each([]any{&m, &sv, &arm, &c.n, &c.total, &c.totalSq, &c.changeN, &c.changeTotal, &c.changeSq, &c.responders}, func() error {
			mi, ok1 := s.measures[m]
			vi, ok2 := s.visits[sv]
			ai, ok3 := s.arms[arm]
			if ok1 && ok2 && ok3 {
				p.cells[mi][vi][ai] = c
			}
			return nil
		}))
}

func (p *outcomesPanel) build(s *studyScope, d *StudyDashboard) {
	p.changes = make([][][]Summary, s.nMeasures)
	p.rates = make([][][]ResponderRate, s.nMeasures)
	for mi, m := range s.st.Measures {
		mo := MeasureOutcome{Code: m.Code, Label: m.Labels.In(s.opt.Lang), Unit: m.UnitIn(s.opt.Lang), Direction: m.Direction, MCID: m.MCID, Type: m.Kind}
		if m.Kind == registry.KindChoice {
			d.Measures = append(d.Measures, mo)
			continue
		}
		p.changes[mi] = make([][]Summary, s.nVisits)
		p.rates[mi] = make([][]ResponderRate, s.nVisits)
		for vi, v := range s.st.Visits {
			mv := MeasureVisit{Visit: v.Code, Label: v.LabelIn(s.opt.Lang), Day: v.TargetDay, Baseline: v.Baseline}
			p.changes[mi][vi] = make([]Summary, s.nArms)
			p.rates[mi][vi] = make([]ResponderRate, s.nArms)
			for ai, a := range s.st.Arms {
				c := p.cells[mi][vi][ai]
				ao := ArmOutcome{Arm: a.Code, Value: s.sc.summary(summaryOfSums(c.n, c.total, c.totalSq))}
				if !v.Baseline {
					p.changes[mi][vi][ai] = summaryOfSums(c.changeN, c.changeTotal, c.changeSq)
					ao.Change = s.sc.summary(p.changes[mi][vi][ai])
					p.rates[mi][vi][ai] = responderRate(c.changeN, c.responders, m.MCID)
					ao.Responders = s.sc.rate(p.rates[mi][vi][ai])
				} else {
					ao.Change = SummaryResult{Summary: Summary{Reason: "baseline visit"}}
					ao.Responders = RateResult{ResponderRate: ResponderRate{Reason: "baseline visit"}}
				}
				mv.Arms = append(mv.Arms, ao)
			}
			mo.Visits = append(mo.Visits, mv)
		}
		d.Measures = append(d.Measures, mo)
	}
}

// responderRate builds a ResponderRate from counts made in PostgreSQL (responders are
// counted by the rule dashboard_responder, migrations/functions.sql).
func responderRate(n, responders int, mcid *float64) ResponderRate {
	switch {
	case mcid == nil:
		return ResponderRate{N: n, Reason: "the measure has no MCID"}
	case n == 0:
		return ResponderRate{Reason: "no patients"}
	}
	return ResponderRate{Responders: responders, N: n, Proportion: float64(responders) / float64(n), Estimable: true}
}
