package dashboard

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"outcomereg/registry"
	"outcomereg/registry/testdb"
	"outcomereg/seed"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var demoToday = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func demoStore(t *testing.T) *registry.Store {
	t.Helper()
	store := registry.NewStore(testdb.New(t))
	if _, err := seed.Demo(context.Background(), store, seed.Options{Seed: 1, Today: demoToday}); err != nil {
		t.Fatal(err)
	}
	return store
}

// cellQueries list every summary table as text, rounded so that sums added up in a
// different order compare equal.
var cellQueries = []string{
	`SELECT format('%s %s %s %s %s %s %s: %s %s %s %s %s %s %s', study_id, measure_id, scheduled_visit_id, arm_id, site_id, sex, age_band,
		n, round(total::numeric, 6), round(total_sq::numeric, 4), change_n, round(change_total::numeric, 6), round(change_total_sq::numeric, 4), responders)
	FROM dashboard_outcome_cells WHERE n > 0 OR change_n > 0 ORDER BY 1`,
	`SELECT format('%s %s %s %s %s %s %s %s: %s %s %s', study_id, scheduled_visit_id, arm_id, site_id, sex, age_band, status, treated_month, done, missed, done_in_window)
	FROM dashboard_visit_cells WHERE done + missed > 0 ORDER BY 1`,
	`SELECT format('patients %s %s %s %s %s %s %s: %s', study_id, arm_id, site_id, sex, age_band, status, treated_month, n) FROM dashboard_patient_cells ORDER BY 1`,
	`SELECT format('ae %s %s %s %s %s %s %s: %s', study_id, arm_id, site_id, sex, age_band, worst_grade, serious, n) FROM dashboard_ae_cells ORDER BY 1`,
	`SELECT format('term %s %s %s %s %s %s: %s', study_id, arm_id, site_id, sex, age_band, term, n) FROM dashboard_ae_term_cells ORDER BY 1`,
	`SELECT format('survival %s %s %s %s %s day %s: %s %s', study_id, arm_id, site_id, sex, age_band, day, events, censored) FROM dashboard_survival_cells ORDER BY 1`,
	`SELECT format('followed %s %s %s %s %s treated %s: %s %s', study_id, arm_id, site_id, sex, age_band, treated_on, n, no_event) FROM dashboard_followed_cells ORDER BY 1`,
	`SELECT format('followed visit %s %s %s %s %s %s treated %s: %s', study_id, scheduled_visit_id, arm_id, site_id, sex, age_band, treated_on, recorded) FROM dashboard_followed_visit_cells ORDER BY 1`,
	`SELECT format('term set %s %s %s %s %s %s: %s', study_id, arm_id, site_id, sex, age_band, terms, n) FROM dashboard_ae_term_set_cells ORDER BY 1`,
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func snapshot(t *testing.T, db querier) string {
	t.Helper()
	return snapshotOf(t, db, cellQueries)
}

// cellQueriesBefore0022 are the summary tables with the outcome and adverse-event cells
// split by status and month of treatment, as they were before migration 0022 (the visit
// and patient cells are listed alike: only their months differ).
var cellQueriesBefore0022 = append([]string{
	`SELECT format('%s %s %s %s %s %s %s %s %s: %s %s %s %s %s %s %s', study_id, measure_id, scheduled_visit_id, arm_id, site_id, sex, age_band, status, treated_month,
		n, round(total::numeric, 6), round(total_sq::numeric, 4), change_n, round(change_total::numeric, 6), round(change_total_sq::numeric, 4), responders)
	FROM dashboard_outcome_cells WHERE n > 0 OR change_n > 0 ORDER BY 1`,
	cellQueries[1], cellQueries[2],
	`SELECT format('ae %s %s %s %s %s %s %s %s %s: %s', study_id, arm_id, site_id, sex, age_band, status, treated_month, worst_grade, serious, n) FROM dashboard_ae_cells ORDER BY 1`,
	`SELECT format('term %s %s %s %s %s %s %s %s: %s', study_id, arm_id, site_id, sex, age_band, status, treated_month, term, n) FROM dashboard_ae_term_cells ORDER BY 1`,
}, cellQueries[5:]...)

// cellQueriesBefore0017 are the summary tables before the kept time-to-event counts.
var cellQueriesBefore0017 = cellQueriesBefore0022[:5]

func snapshotOf(t *testing.T, db querier, queries []string) string {
	t.Helper()
	var b strings.Builder
	for _, q := range queries {
		rows, err := db.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			rows.Scan(&s)
			b.WriteString(s + "\n")
		}
	}
	return b.String()
}

// recomputed is what the cells hold when rebuilt from the clinical rows by the production
// rebuild (`registry dashboard rebuild`), in a transaction rolled back. It starts from empty
// tables, so that a stale cell of a group no patient is in any more shows as a difference too.
func recomputed(t *testing.T, db *pgxpool.Pool) string {
	t.Helper()
	ctx := context.Background()
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := registry.RebuildDashboardsIn(ctx, tx, ""); err != nil {
		t.Fatal(err)
	}
	return snapshot(t, tx)
}

// wantCellsCurrent checks that after a catch-up the cells equal a recomputation.
func wantCellsCurrent(t *testing.T, db *pgxpool.Pool, after string) {
	t.Helper()
	if _, err := registry.CatchUpDashboards(context.Background(), db); err != nil {
		t.Fatalf("%s: %v", after, err)
	}
	got, want := snapshot(t, db), recomputed(t, db)
	if got == "" {
		t.Fatalf("%s: no summary cells at all", after)
	}
	if got != want {
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("%s: summary cells differ from a recomputation at line %d:\n got %s\nwant %s", after, i, gl[i], wl[i])
			}
		}
		t.Fatalf("%s: summary cells differ from a recomputation (%d vs %d lines)", after, len(gl), len(wl))
	}
}

// TestSummaryCellsFollowEveryWrite: the triggers keep the cells equal to a recomputation
// from the clinical rows after bulk COPY, and after the updates and deletes a nurse's form,
// a correction or an import makes.
func TestSummaryCellsFollowEveryWrite(t *testing.T) {
	store := demoStore(t)
	db, ctx := store.DB, context.Background()
	wantCellsCurrent(t, db, "demo seed (COPY)")

	steps := []struct{ name, sql string }{
		{"correct a follow-up value", `UPDATE visit_values SET value = value + 1 WHERE (visit_id, measure_id) IN (
			SELECT vv.visit_id, vv.measure_id FROM visit_values vv JOIN visits v ON v.id = vv.visit_id
			JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id WHERE NOT sv.is_baseline AND vv.value IS NOT NULL
			AND vv.value < 9 LIMIT 3)`},
		{"correct a baseline value", `UPDATE visit_values SET value = value + 0.5 WHERE (visit_id, measure_id) IN (
			SELECT vv.visit_id, vv.measure_id FROM visit_values vv JOIN visits v ON v.id = vv.visit_id
			JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id JOIN measures m ON m.id = vv.measure_id
			WHERE sv.is_baseline AND vv.value IS NOT NULL AND m.kind = 'number' LIMIT 2)`},
		{"value replaced by a missing code", `UPDATE visit_values SET value = NULL, missing_code = 'unknown' WHERE (visit_id, measure_id) IN (
			SELECT visit_id, measure_id FROM visit_values WHERE value IS NOT NULL LIMIT 2)`},
		{"delete a visit", `DELETE FROM visits WHERE id IN (SELECT id FROM visits WHERE state = 'done' ORDER BY id DESC LIMIT 2)`},
		{"a patient moves site", `UPDATE patients SET site_id = (SELECT min(id) FROM sites), version = version + 1
			WHERE id IN (SELECT id FROM patients ORDER BY id LIMIT 2)`},
		{"a patient withdraws", `UPDATE patients SET status = 'withdrawn', status_on = treated_on + 30 WHERE id = (SELECT max(id) FROM patients WHERE status = 'active')`},
		{"an adverse event is added", `INSERT INTO adverse_events (study_id, patient_id, term, onset_on, grade, serious, relatedness, outcome)
			SELECT study_id, id, 'Headache', treated_on + 3, 4, true, 'possible', 'recovered' FROM patients ORDER BY id DESC LIMIT 3`},
		{"an adverse event is regraded", `UPDATE adverse_events SET grade = 1, serious = false WHERE id = (SELECT max(id) FROM adverse_events)`},
		{"an adverse event is deleted", `DELETE FROM adverse_events WHERE id = (SELECT min(id) FROM adverse_events)`},
		{"a patient is enrolled", `INSERT INTO patients (study_id, site_id, study_number, arm_id, sex, birth_year, enrolled_on, treated_on)
			SELECT study_id, site_id, 'NEW-1', arm_id, sex, birth_year, enrolled_on, treated_on FROM patients ORDER BY id LIMIT 1`},
		{"a patient is enrolled awaiting treatment", `INSERT INTO patients (study_id, site_id, study_number, arm_id, sex, birth_year, enrolled_on, treated_on)
			SELECT study_id, site_id, 'WAIT-1', arm_id, sex, birth_year, DATE '2026-11-01', NULL FROM patients ORDER BY id LIMIT 1`},
		{"its baseline is recorded before treatment", `WITH v AS (INSERT INTO visits (study_id, patient_id, scheduled_visit_id, state, visit_date)
				SELECT p.study_id, p.id, sv.id, 'done', DATE '2026-11-05' FROM patients p
				JOIN scheduled_visits sv ON sv.study_id = p.study_id AND sv.is_baseline WHERE p.study_number = 'WAIT-1' RETURNING id, study_id)
			INSERT INTO visit_values (study_id, visit_id, measure_id, value)
			SELECT v.study_id, v.id, m.id, 5 FROM v JOIN measures m ON m.study_id = v.study_id AND m.kind <> 'choice' ORDER BY m.position LIMIT 1`},
		{"its treatment date is recorded", `UPDATE patients SET treated_on = DATE '2026-11-20', version = version + 1 WHERE study_number = 'WAIT-1'`},
		{"a measure's MCID changes", `UPDATE measures SET mcid = 3 WHERE code = 'pain_nrs'`},
	}
	for _, s := range steps {
		before := snapshot(t, db)
		tag, err := db.Exec(ctx, s.sql)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if tag.RowsAffected() == 0 {
			t.Fatalf("%s: changed nothing", s.name)
		}
		// The write only left a note: the cells change at the catch-up, not in the
		// writer's transaction.
		var notes int
		db.QueryRow(ctx, `SELECT count(*) FROM dashboard_pending`).Scan(&notes)
		if notes == 0 {
			t.Fatalf("%s: no note left for the catch-up", s.name)
		}
		if snapshot(t, db) != before {
			t.Fatalf("%s: the cells changed inside the writer's transaction", s.name)
		}
		wantCellsCurrent(t, db, s.name)
	}

	// A new visit recorded with its values, baseline first and follow-up later, as a form does.
	var patient, studyID, baseVisit, m3, measure int64
	err := db.QueryRow(ctx, `SELECT p.id, p.study_id, b.id, f.id, m.id FROM patients p
		JOIN scheduled_visits b ON b.study_id = p.study_id AND b.is_baseline
		JOIN scheduled_visits f ON f.study_id = p.study_id AND NOT f.is_baseline
		JOIN measures m ON m.study_id = p.study_id
		WHERE NOT EXISTS (SELECT 1 FROM visits v WHERE v.patient_id = p.id) ORDER BY p.id, f.position, m.position LIMIT 1`).
		Scan(&patient, &studyID, &baseVisit, &m3, &measure)
	if err != nil {
		t.Skipf("no patient without visits in the demo data: %v", err)
	}
	for i, sv := range []int64{m3, baseVisit} { // follow-up first: the baseline arrives later
		var visit int64
		if err := db.QueryRow(ctx, `INSERT INTO visits (study_id, patient_id, scheduled_visit_id, state, visit_date)
			SELECT $1, $2, $3, 'done', p.treated_on + $4::int FROM patients p WHERE p.id = $2 RETURNING id`, studyID, patient, sv, 100-100*i).Scan(&visit); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `INSERT INTO visit_values (study_id, visit_id, measure_id, value) VALUES ($1, $2, $3, $4)`,
			studyID, visit, measure, 3+float64(i)); err != nil {
			t.Fatal(err)
		}
		wantCellsCurrent(t, db, fmt.Sprintf("new visit %d", i))
	}
}

// TestDashboardMatchesTheRows: the statistics built from the summary cells equal those
// computed from the individual values.
func TestDashboardMatchesTheRows(t *testing.T) {
	store := demoStore(t)
	ctx := context.Background()
	st, err := store.Study(ctx, "knee-oa")
	if err != nil {
		t.Fatal(err)
	}
	d, err := LoadStudy(ctx, store.DB, st, Filter{Sex: "F"}, Options{Today: demoToday, Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	// Overdue: active patients whose window has closed with nothing recorded, counted
	// directly.
	for vi, v := range st.Visits {
		for ai, a := range st.Arms {
			var want int
			if err := store.DB.QueryRow(ctx, `SELECT count(*) FROM patients p
				WHERE p.study_id = $1 AND p.arm_id = $2 AND p.sex = 'F' AND p.status = 'active'
				AND p.treated_on + $3::int + $4::int < $5::date
				AND NOT EXISTS (SELECT 1 FROM visits x WHERE x.patient_id = p.id AND x.scheduled_visit_id = $6)`,
				st.ID, a.ID, v.TargetDay, v.WindowAfter, demoToday, v.ID).Scan(&want); err != nil {
				t.Fatal(err)
			}
			if got := d.Flow.Visits[vi].Arms[ai].Overdue.N; got != want {
				t.Errorf("%s %s: %d overdue, want %d", v.Code, a.Code, got, want)
			}
		}
	}
	for _, arm := range []string{"stem-cells", "placebo"} {
		var values, changes []float64
		rows, _ := store.DB.Query(ctx, `SELECT vv.value, vv.value - b.value FROM visit_values vv
			JOIN visits v ON v.id = vv.visit_id AND v.state = 'done' JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id AND sv.code = 'm12'
			JOIN measures m ON m.id = vv.measure_id AND m.code = 'pain_nrs'
			JOIN patients p ON p.id = v.patient_id AND p.sex = 'F' JOIN arms a ON a.id = p.arm_id AND a.code = $1
			LEFT JOIN (visits bv JOIN scheduled_visits bsv ON bsv.id = bv.scheduled_visit_id AND bsv.is_baseline
				JOIN visit_values b ON b.visit_id = bv.id) ON bv.patient_id = p.id AND bv.state = 'done' AND b.measure_id = m.id AND b.value IS NOT NULL
			WHERE vv.value IS NOT NULL AND p.study_id = $2`, arm, st.ID)
		for rows.Next() {
			var v float64
			var c *float64
			if err := rows.Scan(&v, &c); err != nil {
				t.Fatal(err)
			}
			values = append(values, v)
			if c != nil {
				changes = append(changes, *c)
			}
		}
		if len(values) < 5 {
			t.Fatalf("%s: only %d values at m12", arm, len(values))
		}
		got := findArm(t, d, "pain_nrs", "m12", arm)
		close(t, arm+" value", got.Value.Summary, Describe(values))
		close(t, arm+" change", got.Change.Summary, Describe(changes))
		r := Responders(changes, -2, LowerIsBetter)
		if got.Responders.Responders != r.Responders || got.Responders.N != r.N {
			t.Errorf("%s responders: %+v, want %+v", arm, got.Responders, r)
		}
	}
}

func findArm(t *testing.T, d *StudyDashboard, measure, visit, arm string) ArmOutcome {
	t.Helper()
	for _, m := range d.Measures {
		for _, v := range m.Visits {
			for _, a := range v.Arms {
				if m.Code == measure && v.Visit == visit && a.Arm == arm {
					return a
				}
			}
		}
	}
	t.Fatalf("no %s %s %s in the dashboard", measure, visit, arm)
	return ArmOutcome{}
}

func close(t *testing.T, what string, got, want Summary) {
	t.Helper()
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
	if got.N != want.N || !near(got.Mean, want.Mean) || !near(got.SD, want.SD) || !near(got.Lower, want.Lower) || !near(got.Upper, want.Upper) {
		t.Errorf("%s: %+v, want %+v", what, got, want)
	}
}

// TestDashboardReadCatchesUp: a dashboard shows a write committed just before it was asked
// for, without waiting for the server's periodic catch-up.
func TestDashboardReadCatchesUp(t *testing.T) {
	store := demoStore(t)
	ctx := context.Background()
	st, err := store.Study(ctx, "knee-oa")
	if err != nil {
		t.Fatal(err)
	}
	load := func() *StudyDashboard {
		t.Helper()
		d, err := LoadStudy(ctx, store.DB, st, Filter{}, Options{Today: demoToday, Lang: "en"})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	before := load().Flow.Enrolled.N
	if _, err := store.DB.Exec(ctx, `INSERT INTO patients (study_id, site_id, study_number, arm_id, sex, birth_year, enrolled_on, treated_on)
		SELECT study_id, site_id, 'NEW-1', arm_id, sex, birth_year, enrolled_on, treated_on FROM patients WHERE study_id = $1 ORDER BY id LIMIT 1`, st.ID); err != nil {
		t.Fatal(err)
	}
	if got := load().Flow.Enrolled.N; got != before+1 {
		t.Errorf("enrolled %d after enrolling one more patient, want %d", got, before+1)
	}
	var notes int
	store.DB.QueryRow(ctx, `SELECT count(*) FROM dashboard_pending`).Scan(&notes)
	if notes != 0 {
		t.Errorf("%d notes left after a dashboard read", notes)
	}
}

// TestCatchUpsAtOnce: nurses writing while several catch-ups run at once (the server's,
// and one per dashboard read) leave the cells equal to a recomputation.
func TestCatchUpsAtOnce(t *testing.T) {
	store := demoStore(t)
	db, ctx := store.DB, context.Background()
	type key struct{ visit, measure int64 }
	var keys []key
	// The values of a few patients, so that catch-ups meet the same patients.
	rows, err := db.Query(ctx, `SELECT vv.visit_id, vv.measure_id FROM visit_values vv JOIN visits v ON v.id = vv.visit_id
		WHERE vv.value IS NOT NULL AND v.patient_id IN (SELECT id FROM patients ORDER BY id LIMIT 3) ORDER BY vv.visit_id`)
	if err != nil {
		t.Fatal(err)
	}
	var k key
	if _, err := pgx.ForEachRow(rows, []any{&k.visit, &k.measure}, func() error {
		keys = append(keys, k)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 16)
	for w := range 4 {
		go func() { // a writer: corrects values one transaction at a time
			for i := range 3 * len(keys) {
				i = (i*7 + w) % len(keys)
				if _, err := db.Exec(ctx, `UPDATE visit_values SET value = value + 1 WHERE visit_id = $1 AND measure_id = $2`,
					keys[i].visit, keys[i].measure); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
		go func() { // a reader catching up
			for range 40 {
				if _, err := registry.CatchUpDashboards(ctx, db); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	wantCellsCurrent(t, db, "concurrent writes and catch-ups")
}

// TestMigration0005DownAndUp: going back to refreshing inside each write (0003) and forward
// again keeps the cells right, with data in the tables.
func TestMigration0005DownAndUp(t *testing.T) {
	store := demoStore(t)
	db, ctx := store.DB, context.Background()
	g, err := registry.NewMigrator(db)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := g.To(4); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE visit_values SET value = value + 1 WHERE (visit_id, measure_id) IN (SELECT visit_id, measure_id FROM visit_values WHERE value IS NOT NULL LIMIT 5)`); err != nil {
		t.Fatal(err)
	}
	// At version 4 the from-scratch recomputation is that schema's own dashboard_refresh
	// (dropped in 0014, brought back by its down migration), in a transaction rolled back.
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM dashboard_outcome_cells; DELETE FROM dashboard_visit_cells; DELETE FROM dashboard_patient_cells;
		DELETE FROM dashboard_ae_cells; DELETE FROM dashboard_ae_term_cells;
		SELECT dashboard_refresh((SELECT array_agg(DISTINCT dashboard_group_of(p)) FROM patients p))`); err != nil {
		t.Fatal(err)
	}
	want := snapshotOf(t, tx, cellQueriesBefore0017)
	tx.Rollback(ctx)
	if got := snapshotOf(t, db, cellQueriesBefore0017); got != want {
		t.Fatal("after down: the cells differ from a recomputation")
	}
	if err := g.Up(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE visit_values SET value = value + 1 WHERE (visit_id, measure_id) IN (SELECT visit_id, measure_id FROM visit_values WHERE value IS NOT NULL LIMIT 5)`); err != nil {
		t.Fatal(err)
	}
	wantCellsCurrent(t, db, "after down and up")
}

// TestMigration0022DownAndUp: the outcome and adverse-event cells summed over status and
// month of treatment, and the visit and patient cells of patients not active over month
// (0022), and all split again from the kept contributions (its down), equal a
// recomputation either way, with a write still waiting for the catch-up at each step.
func TestMigration0022DownAndUp(t *testing.T) {
	store := demoStore(t)
	db, ctx := store.DB, context.Background()
	g, err := registry.NewMigrator(db)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	correct := func() {
		t.Helper()
		if _, err := db.Exec(ctx, `UPDATE visit_values SET value = value + 1 WHERE (visit_id, measure_id) IN (
			SELECT visit_id, measure_id FROM visit_values WHERE value IS NOT NULL ORDER BY visit_id DESC LIMIT 5)`); err != nil {
			t.Fatal(err)
		}
	}
	correct()
	if err := g.To(21); err != nil {
		t.Fatal(err)
	}
	var rows int
	for _, table := range []string{"dashboard_outcome_cells", "dashboard_ae_cells", "dashboard_ae_term_cells", "dashboard_visit_cells",
		"dashboard_patient_cells"} {
		if err := db.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE status <> 'active' AND treated_month <> 'infinity'`).Scan(&rows); err != nil || rows == 0 {
			t.Fatalf("after down: %d %s of patients not active with a month of treatment (%v), want them split by month again", rows, table, err)
		}
	}
	if _, err := registry.CatchUpDashboards(ctx, db); err != nil {
		t.Fatal(err)
	}
	got := snapshotOf(t, db, cellQueriesBefore0022)
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) // a failure below must not leave the connection busy: the pool's close would wait for it
	if _, err := registry.RebuildDashboardsIn(ctx, tx, ""); err != nil {
		t.Fatal(err)
	}
	want := snapshotOf(t, tx, cellQueriesBefore0022)
	tx.Rollback(ctx)
	if got != want {
		t.Fatal("after down: the cells differ from a recomputation")
	}
	correct()
	if err := g.Up(); err != nil {
		t.Fatal(err)
	}
	wantCellsCurrent(t, db, "after 0022 down and up")
}
