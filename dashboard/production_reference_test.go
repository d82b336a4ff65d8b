package dashboard

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"outcomereg/registry"
	"outcomereg/registry/testdb"
)

// referenceStudy is R's reference follow-ups (testdata/followups.csv) as a study: pain
// NRS by arm (active, placebo as the control) at baseline, 3, 6 and 12 months.
const referenceStudy = `code: reference
title: R reference data
indication: reference
design: randomised-open
main_measure: pain_nrs
arms:
  - {code: active, label: Active}
  - {code: placebo, label: Placebo, control: true}
visits:
  - {code: baseline, label: Baseline, day: 0, window_before: 0, window_after: 0, baseline: true}
  - {code: m3, label: 3 months, day: 91, window_before: 14, window_after: 14}
  - {code: m6, label: 6 months, day: 182, window_before: 14, window_after: 14}
  - {code: m12, label: 12 months, day: 365, window_before: 30, window_after: 30}
measures:
  - code: pain_nrs
    labels: {en: Pain}
    type: number
    min: 0
    max: 10
    direction: lower
    mcid: 2
`

// TestDashboardMeansMatchR puts R's reference follow-ups into PostgreSQL and reads them
// back through the dashboard's own path (summary cells, their sums, summaryOfSums, Welch):
// the means, SDs and CIs by arm and visit, and the change against placebo, equal R's
// (expected_descriptive.csv, expected_change_vs_placebo.csv).
func TestDashboardMeansMatchR(t *testing.T) {
	ctx := context.Background()
	store := registry.NewStore(testdb.New(t))
	who := registry.Actor{Name: "test"}
	st, err := registry.ParseStudyFile("reference.yaml", []byte(referenceStudy))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.UpsertSite(ctx, who, "lund", "Lund"); err != nil {
		t.Fatal(err)
	}
	if _, err := store.ApplyStudy(ctx, who, st); err != nil {
		t.Fatal(err)
	}
	if st, err = store.Study(ctx, "reference"); err != nil {
		t.Fatal(err)
	}
	treated := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	_, rows := readCSV(t, "followups.csv")
	patients := map[string]int64{}
	for _, r := range rows {
		number, arm, visit := r[0], r[1], r[2]
		day, _ := strconv.Atoi(r[3])
		value, err := strconv.ParseFloat(r[4], 64)
		if err != nil {
			t.Fatal(err)
		}
		id, ok := patients[number]
		if !ok {
			if err := store.DB.QueryRow(ctx, `INSERT INTO patients (study_id, site_id, study_number, arm_id, sex, birth_year, enrolled_on, treated_on)
				SELECT $1, (SELECT id FROM sites WHERE code = 'lund'), $2, (SELECT id FROM arms WHERE study_id = $1 AND code = $3), 'F', 1960, $4, $4
				RETURNING id`, st.ID, number, arm, treated).Scan(&id); err != nil {
				t.Fatal(err)
			}
			patients[number] = id
		}
		if _, err := store.DB.Exec(ctx, `WITH v AS (
				INSERT INTO visits (study_id, patient_id, scheduled_visit_id, state, visit_date)
				SELECT $1, $2, id, 'done', $4::date + $5::int FROM scheduled_visits WHERE study_id = $1 AND code = $3 RETURNING id)
			INSERT INTO visit_values (study_id, visit_id, measure_id, value)
			SELECT $1, v.id, (SELECT id FROM measures WHERE study_id = $1 AND code = 'pain_nrs'), $6 FROM v`,
			st.ID, id, visit, treated, day, value); err != nil {
			t.Fatal(err)
		}
	}
	d, err := LoadStudy(ctx, store.DB, st, Filter{}, Options{Today: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	at := func(visit string) MeasureVisit {
		for _, v := range d.Measures[0].Visits {
			if v.Visit == visit {
				return v
			}
		}
		t.Fatalf("no visit %s", visit)
		return MeasureVisit{}
	}
	e := readExpected(t, "expected_descriptive.csv")
	for i := range e.rows {
		r := e.row(i, fmt.Sprint("row ", i+1))
		arm, visit := r.text("arm"), r.text("visit")
		r.label = arm + " " + visit + " (from PostgreSQL)"
		ai := map[string]int{"active": 0, "placebo": 1}[arm]
		s := at(visit).Arms[ai].Value
		if !s.Estimable {
			t.Fatalf("%s: not estimable: %s", r.label, s.Reason)
		}
		r.wantInt("n", s.N)
		r.want("mean", s.Mean)
		r.want("sd", s.SD)
		r.want("ci_low", s.Lower)
		r.want("ci_high", s.Upper)
	}
	e = readExpected(t, "expected_change_vs_placebo.csv")
	for i := range e.rows {
		r := e.row(i, "")
		visit := r.text("visit")
		r.label = visit + " (from PostgreSQL)"
		c := at(visit).VsControl
		if c == nil || !c.Estimable {
			t.Fatalf("%s: not estimable: %+v", visit, c)
		}
		wantComparison(r, c.Comparison)
	}
}

// TestPairwiseLogRankOnTheDashboard: a study of three arms (one a control) gets, beside
// the overall test, each arm against the control; each equals the log-rank test of the
// two arms' patients alone (R's survdiff on the pair, see stats_logrank_pairwise.go),
// computed here from the patients' follow-up.
func TestPairwiseLogRankOnTheDashboard(t *testing.T) {
	ctx := context.Background()
	store := registry.NewStore(testdb.New(t))
	who := registry.Actor{Name: "test"}
	file := strings.Replace(referenceStudy, "  - {code: placebo, label: Placebo, control: true}",
		"  - {code: low, label: Low dose}\n  - {code: placebo, label: Placebo, control: true}", 1) +
		"events:\n  - {code: relapse, labels: {en: Relapse}}\n"
	st, err := registry.ParseStudyFile("three.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.UpsertSite(ctx, who, "lund", "Lund"); err != nil {
		t.Fatal(err)
	}
	if _, err := store.ApplyStudy(ctx, who, st); err != nil {
		t.Fatal(err)
	}
	if st, err = store.Study(ctx, "reference"); err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// relapse.csv's two arms, and a third made of every third patient of both.
	_, rows := readCSV(t, "relapse.csv")
	follow := map[string][]SurvivalTime{}
	for i, r := range rows {
		arm := map[string]string{"active": "active", "placebo": "placebo"}[r[1]]
		if i%3 == 0 {
			arm = "low"
		}
		days, _ := strconv.Atoi(r[2])
		event := r[3] == "1"
		follow[arm] = append(follow[arm], SurvivalTime{Time: float64(days), Event: event})
		treated := today.AddDate(0, 0, -days)
		var id int64
		if err := store.DB.QueryRow(ctx, `INSERT INTO patients (study_id, site_id, study_number, arm_id, sex, birth_year, enrolled_on, treated_on, status, status_on)
			SELECT $1, (SELECT id FROM sites WHERE code = 'lund'), $2, (SELECT id FROM arms WHERE study_id = $1 AND code = $3), 'F', 1960, $4::date, $4::date,
				CASE WHEN $5 THEN 'active' ELSE 'withdrawn' END, CASE WHEN $5 THEN NULL ELSE $6::date END
			RETURNING id`, st.ID, r[0], arm, treated, event, today).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if event {
			if _, err := store.DB.Exec(ctx, `INSERT INTO events (study_id, patient_id, event_type_id, occurred_on)
				SELECT $1, $2, id, $3 FROM event_types WHERE study_id = $1`, st.ID, id, today); err != nil {
				t.Fatal(err)
			}
		}
	}
	d, err := LoadStudy(ctx, store.DB, st, Filter{}, Options{Today: today, Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Survival.Pairwise) != 2 || !d.Survival.LogRank.Estimable || d.Survival.LogRank.DF != 2 {
		t.Fatalf("pairwise %+v, overall %+v", d.Survival.Pairwise, d.Survival.LogRank)
	}
	for _, p := range d.Survival.Pairwise {
		want := LogRank(follow[p.Arm], follow[p.Versus])
		if p.Versus != "placebo" || !p.Test.Estimable || !agrees(p.Test.ChiSq, want.ChiSq) || !agrees(p.Test.P, want.P) {
			t.Errorf("%s vs %s: %+v, want %+v", p.Arm, p.Versus, p.Test, want)
		}
	}
}
