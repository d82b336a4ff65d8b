package dashboard

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"outcomereg/registry"
)

// LoadStudyList lists every study with its enrolment and follow-up completeness: visits
// seen out of those due (seen, missed, or overdue: window closed, patient still followed,
// nothing recorded).
func LoadStudyList(ctx context.Context, db *pgxpool.Pool, opt Options) ([]StudyInfo, error) {
	if _, err := registry.CatchUpDashboards(ctx, db); err != nil {
		return nil, err
	}
	sc := smallCell{opt.SmallCell}
	rows, err := db.Query(ctx, `
		WITH closed AS (
			SELECT c.study_id, sum(c.n) AS n FROM dashboard_patient_cells c
			JOIN scheduled_visits sv ON sv.study_id = c.study_id
			WHERE c.status = 'active' AND c.treated_month < date_trunc('month', visit_window_closed_if_treated_before($1::date, sv.target_day, sv.window_after))
			GROUP BY 1),
		boundary AS (`+closingMonthSQL("study_id", "$1", "true", "true")+`),
		recorded AS (
			SELECT c.study_id, sum(c.done) AS done, sum(c.missed) AS missed,
				sum(c.done + c.missed) FILTER (WHERE c.status = 'active'
					AND c.treated_month < date_trunc('month', visit_window_closed_if_treated_before($1::date, sv.target_day, sv.window_after))) AS active_recorded
			FROM dashboard_visit_cells c JOIN scheduled_visits sv ON sv.id = c.scheduled_visit_id GROUP BY 1),
		enrolled AS (SELECT study_id, sum(n) AS n FROM dashboard_patient_cells GROUP BY 1)
		SELECT s.code, s.title, s.title_labels, s.indication, s.indication_labels, s.design, coalesce(e.n, 0)::int,
			coalesce(r.done, 0)::int, coalesce(r.missed, 0)::int,
			greatest(coalesce(c.n, 0) + coalesce(o.closed, 0) - coalesce(r.active_recorded, 0) - coalesce(o.recorded, 0), 0)::int
		FROM studies s
		LEFT JOIN enrolled e ON e.study_id = s.id
		LEFT JOIN recorded r ON r.study_id = s.id
		LEFT JOIN closed c ON c.study_id = s.id
		LEFT JOIN boundary o (study_id, closed, recorded) ON o.study_id = s.id
		ORDER BY s.code`, registry.Day(opt.Today))
	if err != nil {
		return nil, fmt.Errorf("list studies: %w", err)
	}
	var list []StudyInfo
	var s StudyInfo
	var enrolled, done, missed, overdue int
	var titles, indications registry.Labels
	_, err = pgx.ForEachRow(rows, []any{&s.Code, &s.Title, &titles, &s.Indication, &indications, &s.Design, &enrolled, &done, &missed, &overdue}, func() error {
		s.Title, titles = titles.Or(s.Title).In(opt.Lang), nil
		s.IndicationLabel, indications = indications.Or(s.Indication).In(opt.Lang), nil
		s.Enrolled, s.VisitsDone, s.VisitsMissed = sc.count(enrolled), sc.count(done), sc.count(missed)
		s.VisitsDue = sc.count(done + missed + overdue)
		s.HasFollowUp = done+missed+overdue > 0
		s.Completeness = 0
		if s.HasFollowUp {
			s.Completeness = float64(done) / float64(done+missed+overdue)
		}
		list = append(list, s)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list studies: %w", err)
	}
	if opt.SmallCell > 0 {
		if err := discloseStudyList(ctx, db, list, opt); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// Overview is the cross-study dashboard: for every study, the effect on its main outcome
// against placebo or control (or against the study's placebo baseline) at 12 months, or
// the latest visit its arms share.
type Overview struct {
	Filter     Filter      `json:"filter"`
	Today      string      `json:"today"`
	Suppressed bool        `json:"small_cells_suppressed"`
	SmallCell  int         `json:"small_cell_threshold"`
	Rows       []EffectRow `json:"effects"`
}

// EffectRow is one study's main outcome: change from baseline in the treatment arm and in
// the comparator, and their difference (treatment minus comparator) with Welch's 95% CI.
type EffectRow struct {
	Study            string           `json:"study"`
	Title            string           `json:"title"`
	Indication       string           `json:"indication"`
	IndicationLabel  string           `json:"indication_label"`
	Design           string           `json:"design"`
	Measure          string           `json:"measure"`
	MeasureLabel     string           `json:"measure_label"`
	Unit             string           `json:"unit,omitempty"`
	Direction        string           `json:"direction"`
	Visit            string           `json:"visit,omitempty"`
	VisitLabel       string           `json:"visit_label,omitempty"`
	Day              int              `json:"day,omitempty"`
	Treatment        string           `json:"treatment_arm,omitempty"`
	Comparator       string           `json:"comparator"` // "control" or "placebo_baseline" or "none"
	ComparatorLabel  string           `json:"comparator_label,omitempty"`
	Source           string           `json:"placebo_baseline_source,omitempty"`
	TreatmentChange  SummaryResult    `json:"treatment_change"`
	ComparatorChange SummaryResult    `json:"comparator_change"`
	Effect           ComparisonResult `json:"effect"`
	// Randomised: against the study's own control arm; else against an external
	// placebo baseline (a single-arm study). The forest plot keeps them apart.
	Randomised bool `json:"randomised"`
	// HedgesGCI is the interval of Effect.HedgesG, the effect on one scale for every
	// measure (the forest plot's axis).
	HedgesGCI Interval `json:"hedges_g_ci"`
}

// LoadOverview builds the cross-study dashboard from the summary cells of every study.
func LoadOverview(ctx context.Context, store *registry.Store, f Filter, opt Options) (*Overview, error) {
	if _, err := registry.CatchUpDashboards(ctx, store.DB); err != nil {
		return nil, err
	}
	sc := smallCell{opt.SmallCell}
	ov := &Overview{Filter: f, Today: registry.Day(opt.Today).Format(time.DateOnly), Suppressed: opt.SmallCell > 0, SmallCell: opt.SmallCell, Rows: []EffectRow{}}
	codes, err := store.StudyCodes(ctx)
	if err != nil {
		return nil, err
	}
	type key struct{ measure, visit, arm int64 }
	cells := map[key]sums{}
	rows, err := store.DB.Query(ctx, `SELECT c.measure_id, c.scheduled_visit_id, c.arm_id,
			sum(c.change_n)::int, sum(c.change_total), sum(c.change_total_sq)
		FROM dashboard_outcome_cells c JOIN studies s ON s.id = c.study_id AND c.measure_id = (
			SELECT m.id FROM measures m WHERE m.study_id = s.id ORDER BY m.code <> s.main_measure, m.position LIMIT 1)
		WHERE `+cellFilter+` GROUP BY 1, 2, 3`, f.namedArgs())
	if err != nil {
		return nil, fmt.Errorf("overview: %w", err)
	}
	var k key
	var s sums
	if _, err := pgx.ForEachRow(rows, []any{&k.measure, &k.visit, &k.arm, &s.changeN, &s.changeTotal, &s.changeSq}, func() error {
		cells[k] = s
		return nil
	}); err != nil {
		return nil, fmt.Errorf("overview: %w", err)
	}

	var studies []*registry.Study
	for _, code := range codes {
		st, err := store.Study(ctx, code)
		if err != nil {
			return nil, err
		}
		studies = append(studies, st)
	}
	for _, st := range studies {
		if len(st.Measures) == 0 || len(st.Arms) == 0 {
			continue
		}
		mi := max(slices.IndexFunc(st.Measures, func(m registry.Measure) bool { return m.Code == st.MainMeasure }), 0)
		m := st.Measures[mi]
		row := EffectRow{Study: st.Code, Title: st.TitleIn(opt.Lang), Indication: st.Indication, IndicationLabel: st.IndicationIn(opt.Lang), Design: st.Design,
			Measure: m.Code, MeasureLabel: m.Labels.In(opt.Lang), Unit: m.UnitIn(opt.Lang), Direction: m.Direction, Comparator: "none"}
		if armsPooled(st, opt) {
			row.Effect = ComparisonResult{Comparison: Comparison{Reason: "blinded study: the arms are pooled until it is unblinded"}}
			ov.Rows = append(ov.Rows, row)
			continue
		}
		change := func(vi, ai int) Summary {
			c := cells[key{m.ID, st.Visits[vi].ID, st.Arms[ai].ID}]
			return summaryOfSums(c.changeN, c.changeTotal, c.changeSq)
		}
		control := slices.IndexFunc(st.Arms, func(a registry.Arm) bool { return a.Control })
		treat := slices.IndexFunc(st.Arms, func(a registry.Arm) bool { return !a.Control })
		if treat < 0 {
			row.Effect = ComparisonResult{Comparison: Comparison{Reason: "no treatment arm"}}
			ov.Rows = append(ov.Rows, row)
			continue
		}
		row.Treatment = st.Arms[treat].LabelIn(opt.Lang)
		var vi int
		if control >= 0 {
			row.Comparator, row.ComparatorLabel = "control", st.Arms[control].LabelIn(opt.Lang)
			vi = primaryVisit(st, func(vi int) bool { return change(vi, treat).N >= 2 && change(vi, control).N >= 2 })
		} else {
			row.Comparator = "placebo_baseline"
			vi = primaryVisit(st, func(vi int) bool {
				return change(vi, treat).N >= 2 && slices.ContainsFunc(st.PlaceboBaselines, func(pb registry.PlaceboBaseline) bool {
					return pb.Measure == m.Code && pb.Visit == st.Visits[vi].Code
				})
			})
		}
		if vi < 0 {
			row.Effect = ComparisonResult{Comparison: Comparison{Reason: "no visit with changes from baseline to compare yet"}}
			if control < 0 && !slices.ContainsFunc(st.PlaceboBaselines, func(pb registry.PlaceboBaseline) bool { return pb.Measure == m.Code }) {
				row.Comparator = "none"
				row.Effect.Reason = "no placebo or control arm and no placebo baseline for this measure"
			}
			ov.Rows = append(ov.Rows, row)
			continue
		}
		v := st.Visits[vi]
		row.Visit, row.VisitLabel, row.Day = v.Code, v.LabelIn(opt.Lang), v.TargetDay
		treated := change(vi, treat)
		var ref Summary
		if control >= 0 {
			ref = change(vi, control)
			row.ComparatorChange = sc.summary(ref)
		} else {
			i := slices.IndexFunc(st.PlaceboBaselines, func(pb registry.PlaceboBaseline) bool { return pb.Measure == m.Code && pb.Visit == v.Code })
			pb := st.PlaceboBaselines[i]
			ref = SummaryOf(pb.N, pb.MeanChange, pb.SD)
			row.ComparatorLabel, row.Source = pb.Source, pb.Source
			row.ComparatorChange = SummaryResult{Summary: ref}
		}
		row.TreatmentChange = sc.summary(treated)
		row.Effect = sc.comparison(Welch(treated, ref))
		if control < 0 && sc.small(treated.N) {
			row.Effect = ComparisonResult{Comparison: Comparison{Reason: suppressedReason}, Suppressed: true}
		}
		row.Randomised = control >= 0
		row.HedgesGCI = HedgesGInterval(row.Effect.Comparison)
		ov.Rows = append(ov.Rows, row)
	}
	if opt.SmallCell > 0 {
		if err := discloseOverview(ctx, store.DB, studies, ov, opt); err != nil {
			return nil, err
		}
	}
	return ov, nil
}
