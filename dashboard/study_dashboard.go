package dashboard

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"outcomereg/registry"
)

// Options say how a dashboard is built: the day it is computed for, the viewer's language
// for labels, and the small-cell threshold (0: nothing is suppressed).
type Options struct {
	Today     time.Time
	Lang      string
	SmallCell int
	// SurvivalTimes are the days at which survival is read off the curves; nil: 1, 2, 5
	// and 10 years.
	SurvivalTimes []float64
	// Reader is who reads the dashboard: a blinded study's arms are pooled for a reader
	// who may not see them (blinding.go). Nil for the registry's own use.
	Reader *registry.User
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

// LoadStudy builds the dashboard of one study. All aggregation happens in PostgreSQL (on
// the summary cells of migration 0003, first brought up to date, where a study's rows are
// many); Go turns the sums into statistics.
func LoadStudy(ctx context.Context, db *pgxpool.Pool, st *registry.Study, f Filter, opt Options) (*StudyDashboard, error) {
	if _, err := registry.CatchUpDashboards(ctx, db); err != nil {
		return nil, err
	}
	today := registry.Day(opt.Today)
	d := &StudyDashboard{
		Study:  StudyInfo{Code: st.Code, Title: st.TitleIn(opt.Lang), Indication: st.Indication, Design: st.Design},
		Filter: f, Today: today.Format(time.DateOnly), SmallCell: opt.SmallCell, Suppressed: opt.SmallCell > 0,
	}
	st, pooledArmIDs := poolArms(st, opt)
	armIndex := map[int64]int{}
	for i, a := range st.Arms {
		armIndex[a.ID] = i
		d.Arms = append(d.Arms, ArmInfo{Code: a.Code, Label: a.LabelIn(opt.Lang), Control: a.Control})
		if a.Control {
			d.Control = a.Code
		}
	}
	for _, id := range pooledArmIDs {
		armIndex[id] = 0
	}
	visitIndex := map[int64]int{}
	for i, v := range st.Visits {
		visitIndex[v.ID] = i
	}
	measureIndex := map[int64]int{}
	for i, m := range st.Measures {
		measureIndex[m.ID] = i
	}
	nArms, nVisits := len(st.Arms), len(st.Visits)
	args := append([]any{st.ID}, f.args()...)

	// What the queries fill in.
	status := make([]map[string]int, nArms)
	for i := range status {
		status[i] = map[string]int{}
	}
	// activeRecorded and closedActive count only active patients whose window has closed.
	type visitCounts struct{ done, missed, inWindow, activeRecorded, closedActive int }
	visits := make([][]visitCounts, nVisits)
	for i := range visits {
		visits[i] = make([]visitCounts, nArms)
	}
	cells := make([][][]sums, len(st.Measures))
	for i := range cells {
		cells[i] = make([][]sums, nVisits)
		for j := range cells[i] {
			cells[i][j] = make([]sums, nArms)
		}
	}
	// choices[measure][visit][arm][value] counts the patients in each category of a
	// choice measure.
	choices := make([][][]map[float64]int, len(st.Measures))
	times := make([][]TimeCount, nArms)
	type aeRow struct{ worst, patients, serious int }
	aes := make([][]aeRow, nArms)
	terms := map[string][]int{}
	aePatients := make([]int, nArms)

	// Two batches on two connections, so that the slowest query (time to event) runs
	// beside the rest.
	b, survival := &pgx.Batch{}, &pgx.Batch{}
	b.Queue(`SELECT c.arm_id, c.status, sum(c.n)::int FROM dashboard_patient_cells c
		WHERE c.study_id = $1 AND `+cellFilter+` GROUP BY 1, 2`, args...).
		Query(func(rows pgx.Rows) error {
			var arm int64
			var s string
			var n int
			_, err := pgx.ForEachRow(rows, []any{&arm, &s, &n}, func() error {
				if i, ok := armIndex[arm]; ok {
					status[i][s] += n
				}
				return nil
			})
			return err
		})
	b.Queue(`SELECT c.scheduled_visit_id, c.arm_id, sum(c.done)::int, sum(c.missed)::int, sum(c.done_in_window)::int,
			(sum(c.done + c.missed) FILTER (WHERE c.status = 'active'
				AND c.treated_month < date_trunc('month', visit_window_closed_if_treated_before($5::date, sv.target_day, sv.window_after))))::int
		FROM dashboard_visit_cells c JOIN scheduled_visits sv ON sv.id = c.scheduled_visit_id
		WHERE c.study_id = $1 AND `+cellFilter+` GROUP BY 1, 2`, append(args, today)...).
		Query(func(rows pgx.Rows) error {
			var sv, arm int64
			var done, missed, inWindow int
			var activeRecorded *int
			_, err := pgx.ForEachRow(rows, []any{&sv, &arm, &done, &missed, &inWindow, &activeRecorded}, func() error {
				vi, ok1 := visitIndex[sv]
				ai, ok2 := armIndex[arm]
				if ok1 && ok2 {
					c := &visits[vi][ai]
					c.done, c.missed, c.inWindow = done, missed, inWindow
					if activeRecorded != nil {
						c.activeRecorded = *activeRecorded
					}
				}
				return nil
			})
			return err
		})
	// Overdue = active patients whose window has closed, less the visits recorded for
	// them. A window closes for patients treated before a cutoff day; the cells give the
	// months before the cutoff's month, the patients of that one month are counted here.
	b.Queue(`SELECT sv.id, c.arm_id, sum(c.n)::int FROM dashboard_patient_cells c
		JOIN scheduled_visits sv ON sv.study_id = c.study_id
		WHERE c.study_id = $1 AND c.status = 'active' AND `+cellFilter+`
			AND c.treated_month < date_trunc('month', visit_window_closed_if_treated_before($5::date, sv.target_day, sv.window_after))
		GROUP BY 1, 2`, append(args, today)...).
		Query(func(rows pgx.Rows) error {
			var sv, arm int64
			var n int
			_, err := pgx.ForEachRow(rows, []any{&sv, &arm, &n}, func() error {
				if vi, ok := visitIndex[sv]; ok {
					if ai, ok := armIndex[arm]; ok {
						visits[vi][ai].closedActive += n
					}
				}
				return nil
			})
			return err
		})
	b.Queue(`SELECT sv.id, p.arm_id, count(*)::int, count(v.id)::int FROM scheduled_visits sv
		JOIN patients p ON p.study_id = sv.study_id AND p.status = 'active'
			AND p.treated_on >= date_trunc('month', visit_window_closed_if_treated_before($5::date, sv.target_day, sv.window_after))::date
			AND p.treated_on < visit_window_closed_if_treated_before($5::date, sv.target_day, sv.window_after)
		LEFT JOIN visits v ON v.patient_id = p.id AND v.scheduled_visit_id = sv.id
		WHERE sv.study_id = $1 AND `+patientFilter+` GROUP BY 1, 2`, append(args, today)...).
		Query(func(rows pgx.Rows) error {
			var sv, arm int64
			var closed, recorded int
			_, err := pgx.ForEachRow(rows, []any{&sv, &arm, &closed, &recorded}, func() error {
				if vi, ok := visitIndex[sv]; ok {
					if ai, ok := armIndex[arm]; ok {
						visits[vi][ai].closedActive += closed
						visits[vi][ai].activeRecorded += recorded
					}
				}
				return nil
			})
			return err
		})
	b.Queue(`SELECT c.measure_id, c.scheduled_visit_id, c.arm_id, sum(c.n)::int, sum(c.total), sum(c.total_sq),
			sum(c.change_n)::int, sum(c.change_total), sum(c.change_total_sq), sum(c.responders)::int
		FROM dashboard_outcome_cells c WHERE c.study_id = $1 AND `+cellFilter+` GROUP BY 1, 2, 3`, args...).
		Query(func(rows pgx.Rows) error {
			var m, sv, arm int64
			var s sums
			_, err := pgx.ForEachRow(rows, []any{&m, &sv, &arm, &s.n, &s.total, &s.totalSq, &s.changeN, &s.changeTotal, &s.changeSq, &s.responders}, func() error {
				mi, ok1 := measureIndex[m]
				vi, ok2 := visitIndex[sv]
				ai, ok3 := armIndex[arm]
				if ok1 && ok2 && ok3 {
					cells[mi][vi][ai] = s
				}
				return nil
			})
			return err
		})
	// Choice measures are counted per category, straight from the values: their
	// categories are few and the summary cells keep only sums.
	if slices.ContainsFunc(st.Measures, func(m registry.Measure) bool { return m.Kind == registry.KindChoice }) {
		b.Queue(`SELECT vv.measure_id, v.scheduled_visit_id, p.arm_id, vv.value, count(*)::int
			FROM visit_values vv
			JOIN measures m ON m.id = vv.measure_id AND m.kind = 'choice'
			JOIN visits v ON v.id = vv.visit_id AND v.state = 'done'
			JOIN patients p ON p.id = v.patient_id
			WHERE vv.study_id = $1 AND vv.value IS NOT NULL AND `+patientFilter+`
			GROUP BY 1, 2, 3, 4`, args...).
			Query(func(rows pgx.Rows) error {
				var m, sv, arm int64
				var value float64
				var n int
				_, err := pgx.ForEachRow(rows, []any{&m, &sv, &arm, &value, &n}, func() error {
					mi, ok1 := measureIndex[m]
					vi, ok2 := visitIndex[sv]
					ai, ok3 := armIndex[arm]
					if ok1 && ok2 && ok3 {
						if choices[mi] == nil {
							choices[mi] = make([][]map[float64]int, nVisits)
						}
						if choices[mi][vi] == nil {
							choices[mi][vi] = make([]map[float64]int, nArms)
						}
						if choices[mi][vi][ai] == nil {
							choices[mi][vi][ai] = map[float64]int{}
						}
						choices[mi][vi][ai][value] += n
					}
					return nil
				})
				return err
			})
	}
	// Time to the first event; patients without one are censored on the day they left
	// follow-up, or today for those still followed. Patients not yet treated are left out.
	survival.Queue(`WITH first AS (
			SELECT patient_id, min(occurred_on) AS occurred_on FROM events WHERE study_id = $1 GROUP BY 1)
		SELECT p.arm_id, greatest(coalesce(f.occurred_on, CASE WHEN p.status = 'active' THEN $5::date
				ELSE least(p.status_on, $5::date) END) - p.treated_on, 0) AS days,
			count(f.occurred_on)::int, (count(*) - count(f.occurred_on))::int
		FROM patients p LEFT JOIN first f ON f.patient_id = p.id
		WHERE p.study_id = $1 AND p.treated_on <= $5::date AND `+patientFilter+` GROUP BY 1, 2`, append(args, today)...).
		Query(func(rows pgx.Rows) error {
			var arm int64
			var tc TimeCount
			_, err := pgx.ForEachRow(rows, []any{&arm, &tc.Time, &tc.Events, &tc.Censored}, func() error {
				if ai, ok := armIndex[arm]; ok {
					times[ai] = append(times[ai], tc)
				}
				return nil
			})
			return err
		})
	b.Queue(`SELECT c.arm_id, c.worst_grade, sum(c.n)::int, (sum(c.n) FILTER (WHERE c.serious))::int
		FROM dashboard_ae_cells c WHERE c.study_id = $1 AND `+cellFilter+` GROUP BY 1, 2`, args...).
		Query(func(rows pgx.Rows) error {
			var arm int64
			var worst, patients int
			var serious *int
			_, err := pgx.ForEachRow(rows, []any{&arm, &worst, &patients, &serious}, func() error {
				if ai, ok := armIndex[arm]; ok {
					// A group without serious AEs has a NULL count: zero, not the last row's.
					r := aeRow{worst: worst, patients: patients}
					if serious != nil {
						r.serious = *serious
					}
					aes[ai] = append(aes[ai], r)
				}
				return nil
			})
			return err
		})
	b.Queue(`SELECT c.term, c.arm_id, sum(c.n)::int
		FROM dashboard_ae_term_cells c WHERE c.study_id = $1 AND `+cellFilter+` GROUP BY 1, 2`, args...).
		Query(func(rows pgx.Rows) error {
			var term string
			var arm int64
			var n int
			_, err := pgx.ForEachRow(rows, []any{&term, &arm, &n}, func() error {
				if ai, ok := armIndex[arm]; ok {
					if terms[term] == nil {
						terms[term] = make([]int, nArms)
					}
					terms[term][ai] += n
				}
				return nil
			})
			return err
		})
	errs := make(chan error, 2)
	for _, batch := range []*pgx.Batch{b, survival} {
		go func() { errs <- db.SendBatch(ctx, batch).Close() }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			return nil, fmt.Errorf("dashboard %s: %w", st.Code, err)
		}
	}
	sc := smallCell{opt.SmallCell}

	// Flow.
	total := 0
	for ai, a := range st.Arms {
		n := 0
		for _, c := range status[ai] {
			n += c
		}
		total += n
		aePatients[ai] = n
		d.Flow.Allocated = append(d.Flow.Allocated, ArmCount{a.Code, sc.count(n)})
		d.Flow.Status = append(d.Flow.Status, ArmStatus{Arm: a.Code,
			Active: sc.count(status[ai]["active"]), Completed: sc.count(status[ai]["completed"]),
			Withdrawn: sc.count(status[ai]["withdrawn"]), Lost: sc.count(status[ai]["lost"]), Dead: sc.count(status[ai]["dead"])})
	}
	d.Flow.Enrolled = sc.count(total)
	d.Study.Enrolled = d.Flow.Enrolled
	done, inWindow := 0, 0
	for vi, v := range st.Visits {
		vf := VisitFlow{Visit: v.Code, Label: v.LabelIn(opt.Lang), Day: v.TargetDay}
		for ai, a := range st.Arms {
			c := visits[vi][ai]
			overdue := max(c.closedActive-c.activeRecorded, 0)
			vf.Arms = append(vf.Arms, VisitArmCount{Arm: a.Code, Seen: sc.count(c.done), Missed: sc.count(c.missed),
				Overdue: sc.count(overdue), InWindow: sc.count(c.inWindow)})
			done += c.done
			inWindow += c.inWindow
		}
		d.Flow.Visits = append(d.Flow.Visits, vf)
	}
	if done > 0 {
		d.Flow.InWindow, d.Flow.InWindowKnown = float64(inWindow)/float64(done), true
	}
	d.Study.HasFollowUp = done > 0

	// Measures.
	placebo := map[[2]string]registry.PlaceboBaseline{}
	for _, pb := range st.PlaceboBaselines {
		placebo[[2]string{pb.Measure, pb.Visit}] = pb
	}
	control := slices.IndexFunc(st.Arms, func(a registry.Arm) bool { return a.Control })
	for mi, m := range st.Measures {
		mo := MeasureOutcome{Code: m.Code, Label: m.Labels.In(opt.Lang), Unit: m.UnitIn(opt.Lang), Direction: m.Direction, MCID: m.MCID, Type: m.Kind}
		if m.Kind == registry.KindChoice {
			d.Measures = append(d.Measures, choiceOutcome(st, mo, m, choices[mi], sc, opt.Lang))
			continue
		}
		for vi, v := range st.Visits {
			mv := MeasureVisit{Visit: v.Code, Label: v.LabelIn(opt.Lang), Day: v.TargetDay, Baseline: v.Baseline}
			changes := make([]Summary, nArms)
			rates := make([]ResponderRate, nArms)
			for ai, a := range st.Arms {
				s := cells[mi][vi][ai]
				ao := ArmOutcome{Arm: a.Code, Value: sc.summary(summaryOfSums(s.n, s.total, s.totalSq))}
				if !v.Baseline {
					changes[ai] = summaryOfSums(s.changeN, s.changeTotal, s.changeSq)
					ao.Change = sc.summary(changes[ai])
					rates[ai] = responderRate(s.changeN, s.responders, m.MCID)
					ao.Responders = sc.rate(rates[ai])
				} else {
					ao.Change = SummaryResult{Summary: Summary{Reason: "baseline visit"}}
					ao.Responders = RateResult{ResponderRate: ResponderRate{Reason: "baseline visit"}}
				}
				mv.Arms = append(mv.Arms, ao)
			}
			if !v.Baseline && control >= 0 && nArms >= 2 {
				// The first arm that is not the control is the treatment compared.
				treat := slices.IndexFunc(st.Arms, func(a registry.Arm) bool { return !a.Control })
				c := sc.comparison(Welch(changes[treat], changes[control]))
				mv.VsControl = &c
				r := sc.risk(CompareResponders(rates[treat], rates[control]))
				mv.RespondersVs = &r
			}
			if pb, ok := placebo[[2]string{m.Code, v.Code}]; ok && !v.Baseline && control < 0 {
				ref := SummaryOf(pb.N, pb.MeanChange, pb.SD)
				c := sc.comparison(Welch(changes[0], ref))
				mv.VsPlacebo, mv.VsPlaceboSource = &c, pb.Source
				mv.PlaceboChange = &SummaryResult{Summary: ref}
			}
			mo.Visits = append(mo.Visits, mv)
		}
		d.Measures = append(d.Measures, mo)
	}
	d.Flow.AnalysedMeasure, d.Flow.AnalysedVisit = analysedAt(st, cells)
	if d.Flow.AnalysedVisit != "" {
		mi := slices.IndexFunc(st.Measures, func(m registry.Measure) bool { return m.Code == d.Flow.AnalysedMeasure })
		vi := slices.IndexFunc(st.Visits, func(v registry.ScheduledVisit) bool { return v.Code == d.Flow.AnalysedVisit })
		for ai, a := range st.Arms {
			d.Flow.Analysed = append(d.Flow.Analysed, ArmCount{a.Code, sc.count(cells[mi][vi][ai].changeN)})
		}
	}

	d.Main = mainResult(st, d)

	// Survival.
	for _, et := range st.EventTypes {
		d.Survival.EventTypes = append(d.Survival.EventTypes, et.Labels.In(opt.Lang))
	}
	var curves []KMCurve
	maxTime := 0.0
	for ai := range st.Arms {
		curves = append(curves, KaplanMeierCounts(times[ai]))
		for _, tc := range times[ai] {
			maxTime = math.Max(maxTime, tc.Time)
		}
	}
	for t := 0.0; t <= maxTime; t += atRiskStep(maxTime) {
		d.Survival.Times = append(d.Survival.Times, t)
	}
	d.Survival.AtTimes = opt.SurvivalTimes
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

	// Adverse events.
	for ai, a := range st.Arms {
		ae := ArmAE{Arm: a.Code, Patients: sc.count(aePatients[ai])}
		var any, serious int
		var grades [5]int
		for _, r := range aes[ai] {
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
	for term, byArm := range terms {
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
	if opt.SmallCell > 0 {
		if err := discloseStudy(ctx, db, st, pooledArmIDs, d, opt); err != nil {
			return nil, err
		}
	}
	for i, t := range d.Adverse.Terms {
		d.Adverse.Terms[i].Label = st.AETermIn(t.Term, opt.Lang)
	}
	return d, nil
}

// responderRate builds a ResponderRate from counts made in PostgreSQL.
func responderRate(n, responders int, mcid *float64) ResponderRate {
	switch {
	case mcid == nil:
		return ResponderRate{N: n, Reason: "the measure has no MCID"}
	case n == 0:
		return ResponderRate{Reason: "no patients"}
	}
	return ResponderRate{Responders: responders, N: n, Proportion: float64(responders) / float64(n), Estimable: true}
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

// atRiskStep is the spacing of the numbers at risk under a survival chart: about six
// columns, in whole months or years.
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
