package dashboard

import (
	"cmp"
	"slices"

	"outcomereg/registry"
)

// choicesPanel is each choice measure (liver ascites) by category, arm and visit, with the
// ordinal comparison of treatment and control. Choice measures are counted per category
// straight from the values: their categories are few and the summary cells keep only sums.
type choicesPanel struct {
	counts [][][]map[float64]int // per measure, visit and arm: patients per category value
}

func (p *choicesPanel) queue(s *studyScope) {
	p.counts = make([][][]map[float64]int, s.nMeasures)
	if !slices.ContainsFunc(s.st.Measures, func(m registry.Measure) bool { return m.Kind == registry.KindChoice }) {
		return
	}
	var m, sv, arm int64
	var value float64
	var n int
	s.batch.Queue(`SELECT vv.measure_id, v.scheduled_visit_id, `+armShown("p")+` AS arm, vv.value, count(*)::int
		FROM visit_values vv
		JOIN measures m ON m.id = vv.measure_id AND m.kind = 'choice'
		JOIN visits v ON v.id = vv.visit_id AND v.state = 'done'
		JOIN patients p ON p.id = v.patient_id
		WHERE vv.study_id = @study AND vv.value IS NOT NULL AND `+patientFilter+`
		GROUP BY 1, 2, 3, 4`, s.args).
		Query(each([]any{&m, &sv, &arm, &value, &n}, func() error {
			mi, ok1 := s.measures[m]
			vi, ok2 := s.visits[sv]
			ai, ok3 := s.arms[arm]
			if !ok1 || !ok2 || !ok3 {
				return nil
			}
			if p.counts[mi] == nil {
				p.counts[mi] = make([][]map[float64]int, s.nVisits)
			}
			if p.counts[mi][vi] == nil {
				p.counts[mi][vi] = make([]map[float64]int, s.nArms)
			}
			if p.counts[mi][vi][ai] == nil {
				p.counts[mi][vi][ai] = map[float64]int{}
			}
			p.counts[mi][vi][ai][value] += n
			return nil
		}))
}

func (p *choicesPanel) build(s *studyScope, d *StudyDashboard) {
	for mi, m := range s.st.Measures {
		if m.Kind == registry.KindChoice {
			d.Measures[mi] = choiceOutcome(s.st, d.Measures[mi], m, p.counts[mi], s.sc, s.opt.Lang)
		}
	}
}

// choiceOutcome shows a choice measure as counts and shares per category, arm and visit,
// and compares treatment with control with the Wilcoxon rank-sum test (the choices are
// ordered by value) and the difference in the share of patients in the best category.
// counts[visit][arm][value] are the patients in each category.
func choiceOutcome(st *registry.Study, mo MeasureOutcome, m registry.Measure, counts [][]map[float64]int, sc smallCell, lang string) MeasureOutcome {
	ordered := slices.SortedFunc(slices.Values(m.Choices), func(a, b registry.Choice) int { return cmp.Compare(a.Value, b.Value) })
	for _, c := range ordered {
		mo.Choices = append(mo.Choices, ChoiceInfo{Value: c.Value, Label: c.Labels.In(lang)})
	}
	better := LowerIsBetter
	if m.Direction == "higher" {
		better = HigherIsBetter
	}
	control := slices.IndexFunc(st.Arms, func(a registry.Arm) bool { return a.Control })
	treat := slices.IndexFunc(st.Arms, func(a registry.Arm) bool { return !a.Control })
	for vi, v := range st.Visits {
		mv := MeasureVisit{Visit: v.Code, Label: v.LabelIn(lang), Day: v.TargetDay, Baseline: v.Baseline}
		byArm := make([][]int, len(st.Arms))
		for ai, a := range st.Arms {
			byArm[ai] = make([]int, len(ordered))
			n := 0
			for ci, c := range ordered {
				if counts != nil && counts[vi] != nil && counts[vi][ai] != nil {
					byArm[ai][ci] = counts[vi][ai][c.Value]
				}
				n += byArm[ai][ci]
			}
			// A suppressed category could be worked out from n less the others, or from a
			// share: with one suppressed, n and every share are suppressed too.
			hidden := slices.ContainsFunc(byArm[ai], sc.small) || sc.small(n)
			ac := ArmCategories{Arm: a.Code, N: sc.count(n)}
			if hidden && n > 0 {
				ac.N = Count{Suppressed: true}
			}
			for _, k := range byArm[ai] {
				ac.Counts = append(ac.Counts, sc.count(k))
				share := Share{}
				if n > 0 && !hidden {
					share = Share{Proportion: float64(k) / float64(n), Known: true}
				}
				ac.Shares = append(ac.Shares, share)
			}
			mv.Categories = append(mv.Categories, ac)
			// No mean of a choice: only n.
			mv.Arms = append(mv.Arms, ArmOutcome{Arm: a.Code,
				Value:      sc.summary(Summary{N: n, Reason: "a choice measure: counted per category, not averaged"}),
				Change:     SummaryResult{Summary: Summary{Reason: "a choice measure"}},
				Responders: RateResult{ResponderRate: ResponderRate{Reason: "a choice measure"}}})
		}
		if control >= 0 && treat >= 0 {
			oc := &OrdinalComparison{RankSum: WilcoxonRankSumCounts(byArm[treat], byArm[control]),
				BestShare: BestCategoryDifference(byArm[treat], byArm[control], better)}
			t, c := oc.BestShare.Treatment, oc.BestShare.Control
			if sc.small(oc.RankSum.NTreatment) || sc.small(oc.RankSum.NControl) ||
				sc.small(t.Count) || sc.small(t.N-t.Count) || sc.small(c.Count) || sc.small(c.N-c.Count) {
				oc = &OrdinalComparison{RankSum: RankSumTest{Reason: suppressedReason}, BestShare: ShareDifference{Reason: suppressedReason}, Suppressed: true}
			}
			mv.OrdinalVs = oc
		}
		mo.Visits = append(mo.Visits, mv)
	}
	return mo
}
