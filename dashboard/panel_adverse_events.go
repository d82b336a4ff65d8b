package dashboard

import (
	"cmp"
	"slices"
)

// adverseEventsPanel is adverse events by arm: patients with any, by worst grade, serious,
// and the ten most frequent terms, from the adverse-event cells. Each arm's patients come
// from the flow panel.
type adverseEventsPanel struct {
	flow  *flowPanel
	worst [][]aeRow        // per arm: patients by worst grade
	terms map[string][]int // per term: patients by arm
}

// aeRow is an arm's patients whose worst adverse event has one grade, and how many of them
// had a serious one.
type aeRow struct{ worst, patients, serious int }

func (p *adverseEventsPanel) queue(s *studyScope) {
	p.worst = make([][]aeRow, s.nArms)
	p.terms = map[string][]int{}
	var arm int64
	var worst, patients, n int
	var serious *int
	var term string
	s.batch.Queue(`SELECT `+armShown("c")+` AS arm, c.worst_grade, sum(c.n)::int, (sum(c.n) FILTER (WHERE c.serious))::int
		FROM dashboard_ae_cells c WHERE c.study_id = @study AND `+cellFilter+` GROUP BY 1, 2`, s.args).
		Query(each([]any{&arm, &worst, &patients, &serious}, func() error {
			if ai, ok := s.arms[arm]; ok {
				// A group without serious AEs has a NULL count: zero, not the last row's.
				r := aeRow{worst: worst, patients: patients}
				if serious != nil {
					r.serious = *serious
				}
				p.worst[ai] = append(p.worst[ai], r)
			}
			return nil
		}))
	s.batch.Queue(`SELECT c.term, `+armShown("c")+` AS arm, sum(c.n)::int
		FROM dashboard_ae_term_cells c WHERE c.study_id = @study AND `+cellFilter+` GROUP BY 1, 2`, s.args).
		Query(each([]any{&term, &arm, &n}, func() error {
			if ai, ok := s.arms[arm]; ok {
				if p.terms[term] == nil {
					p.terms[term] = make([]int, s.nArms)
				}
				p.terms[term][ai] += n
			}
			return nil
		}))
}

func (p *adverseEventsPanel) build(s *studyScope, d *StudyDashboard) {
	sc := s.sc
	for ai, a := range s.st.Arms {
		ae := ArmAE{Arm: a.Code, Patients: sc.count(p.flow.patients[ai])}
		var any, serious int
		var grades [5]int
		for _, r := range p.worst[ai] {
			any += r.patients
			serious += r.serious
			if r.worst >= 1 && r.worst <= 5 {
				grades[r.worst-1] += r.patients
			}
		}
		ae.AnyAE, ae.Serious = sc.count(any), sc.count(serious)
		for g := range grades {
			ae.WorstGrade[g] = sc.count(grades[g])
		}
		d.Adverse.Arms = append(d.Adverse.Arms, ae)
	}
	for term, byArm := range p.terms {
		t := TermAE{Term: term}
		for _, n := range byArm {
			t.Total += n
			t.Patients = append(t.Patients, sc.count(n))
		}
		d.Adverse.Terms = append(d.Adverse.Terms, t)
	}
	slices.SortFunc(d.Adverse.Terms, func(a, b TermAE) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.Term, b.Term))
	})
	if len(d.Adverse.Terms) > 10 {
		d.Adverse.Terms = d.Adverse.Terms[:10]
	}
	if d.Adverse.Terms == nil {
		d.Adverse.Terms = []TermAE{}
	}
}
