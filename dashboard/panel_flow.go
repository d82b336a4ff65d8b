package dashboard

import (
	"slices"

	"outcomereg/registry"
)

// flowPanel is the follow-up flow (CONSORT-style): patients by arm and status, and each
// visit's seen, missed, overdue and done in window, from the summary cells.
type flowPanel struct {
	status []map[string]int // per arm: patients by status
	visits [][]visitCounts  // per visit and arm
	// patients are each arm's patients (the adverse-events panel's denominators).
	patients []int
}

// visitCounts are one visit's recorded visits in one arm; activeRecorded and closedActive
// count only active patients whose window has closed.
type visitCounts struct{ done, missed, inWindow, activeRecorded, closedActive, fromHome int }

func (p *flowPanel) queue(s *studyScope) {
	p.status = make([]map[string]int, s.nArms)
	for i := range p.status {
		p.status[i] = map[string]int{}
	}
	p.visits = make([][]visitCounts, s.nVisits)
	for i := range p.visits {
		p.visits[i] = make([]visitCounts, s.nArms)
	}
	var (
		arm, sv                int64
		status                 string
		n, done, missed, inWin int
		fromHome               int
		closed, recorded       int
		activeRecorded         *int
	)
	s.batch.Queue(`SELECT `+armShown("c")+` AS arm, c.status, sum(c.n)::int FROM dashboard_patient_cells c
		WHERE c.study_id = @study AND `+cellFilter+` GROUP BY 1, 2`, s.args).
		Query(each([]any{&arm, &status, &n}, func() error {
			if ai, ok := s.arms[arm]; ok {
				p.status[ai][status] += n
			}
			return nil
		}))
	// A visit's window has closed by today for the patients treated before a cutoff day
	// (visit_window_closed_if_treated_before); the cells count the months before the
	// cutoff's month, the patients of that one month are counted below.
	const closedMonths = `c.treated_month < date_trunc('month', visit_window_closed_if_treated_before(@today::date, sv.target_day, sv.window_after))`
	s.batch.Queue(`SELECT c.scheduled_visit_id, `+armShown("c")+` AS arm, sum(c.done)::int, sum(c.missed)::int, sum(c.done_in_window)::int,
			(sum(c.done + c.missed) FILTER (WHERE c.status = 'active' AND `+closedMonths+`))::int, sum(c.from_home)::int
		FROM dashboard_visit_cells c JOIN scheduled_visits sv ON sv.id = c.scheduled_visit_id
		WHERE c.study_id = @study AND `+cellFilter+` GROUP BY 1, 2`, s.args).
		Query(each([]any{&sv, &arm, &done, &missed, &inWin, &activeRecorded, &fromHome}, func() error {
			if c := p.at(s, sv, arm); c != nil {
				c.done, c.missed, c.inWindow, c.fromHome = c.done+done, c.missed+missed, c.inWindow+inWin, c.fromHome+fromHome
				if activeRecorded != nil {
					c.activeRecorded += *activeRecorded
				}
			}
			return nil
		}))
	// Overdue = active patients whose window has closed, less the visits recorded for them.
	s.batch.Queue(`SELECT sv.id, `+armShown("c")+` AS arm, sum(c.n)::int FROM dashboard_patient_cells c
		JOIN scheduled_visits sv ON sv.study_id = c.study_id
		WHERE c.study_id = @study AND c.status = 'active' AND `+cellFilter+` AND `+closedMonths+`
		GROUP BY 1, 2`, s.args).
		Query(each([]any{&sv, &arm, &n}, func() error {
			if c := p.at(s, sv, arm); c != nil {
				c.closedActive += n
			}
			return nil
		}))
	// The patients of that month, from the counts kept per treatment date (overdue_kept.go).
	s.batch.Queue(closingMonthSQL("x.scheduled_visit_id, "+armShown("x"), "@today", "sv.study_id = @study", cellFilter), s.args).
		Query(each([]any{&sv, &arm, &closed, &recorded}, func() error {
			if c := p.at(s, sv, arm); c != nil {
				c.closedActive += closed
				c.activeRecorded += recorded
			}
			return nil
		}))
}

// at is the counts of a visit and arm by their ids; nil for one the study does not show.
func (p *flowPanel) at(s *studyScope, visit, arm int64) *visitCounts {
	vi, ok1 := s.visits[visit]
	ai, ok2 := s.arms[arm]
	if !ok1 || !ok2 {
		return nil
	}
	return &p.visits[vi][ai]
}

func (p *flowPanel) build(s *studyScope, d *StudyDashboard) {
	sc := s.sc
	total := 0
	p.patients = make([]int, s.nArms)
	for ai, a := range s.st.Arms {
		n := 0
		for _, c := range p.status[ai] {
			n += c
		}
		total += n
		p.patients[ai] = n
		d.Flow.Allocated = append(d.Flow.Allocated, ArmCount{a.Code, sc.count(n)})
		d.Flow.Status = append(d.Flow.Status, ArmStatus{Arm: a.Code,
			Active: sc.count(p.status[ai]["active"]), Completed: sc.count(p.status[ai]["completed"]),
			Withdrawn: sc.count(p.status[ai]["withdrawn"]), Lost: sc.count(p.status[ai]["lost"]), Dead: sc.count(p.status[ai]["dead"])})
	}
	d.Flow.Enrolled = sc.count(total)
	d.Flow.FromHomeAsked = slices.ContainsFunc(s.st.Measures, registry.Measure.PatientReported)
	d.Study.Enrolled = d.Flow.Enrolled
	done, inWindow := 0, 0
	for vi, v := range s.st.Visits {
		vf := VisitFlow{Visit: v.Code, Label: v.LabelIn(s.opt.Lang), Day: v.TargetDay}
		for ai, a := range s.st.Arms {
			c := p.visits[vi][ai]
			overdue := max(c.closedActive-c.activeRecorded, 0)
			vf.Arms = append(vf.Arms, VisitArmCount{Arm: a.Code, Seen: sc.count(c.done), Missed: sc.count(c.missed),
				Overdue: sc.count(overdue), InWindow: sc.count(c.inWindow), FromHome: sc.count(c.fromHome)})
			done += c.done
			inWindow += c.inWindow
		}
		d.Flow.Visits = append(d.Flow.Visits, vf)
	}
	if done > 0 {
		d.Flow.InWindow, d.Flow.InWindowKnown = float64(inWindow)/float64(done), true
	}
	d.Study.HasFollowUp = done > 0
}
