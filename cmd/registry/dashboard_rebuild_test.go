package main

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"outcomereg/registry/testdb"
)

// studyCells lists a study's dashboard summary cells as text, sums rounded so that values
// added up in another order compare equal.
func studyCells(t *testing.T, db *pgxpool.Pool, study string) string {
	t.Helper()
	var s string
	err := db.QueryRow(context.Background(), `
		WITH s AS (SELECT id FROM studies WHERE code = $1)
		SELECT concat_ws(E'\n',
		  (SELECT string_agg(x, E'\n' ORDER BY x) FROM (SELECT format('%s %s %s %s %s %s: %s %s %s %s %s %s %s', measure_id, scheduled_visit_id, arm_id, site_id, sex, age_band,
		          n, round(total::numeric, 6), round(total_sq::numeric, 4), change_n, round(change_total::numeric, 6), round(change_total_sq::numeric, 4), responders) AS x
		   FROM dashboard_outcome_cells WHERE study_id = (SELECT id FROM s)) c),
		  (SELECT string_agg(x, E'\n' ORDER BY x) FROM (SELECT format('visit %s %s %s %s %s %s %s: %s %s %s', scheduled_visit_id, arm_id, site_id, sex, age_band, status, treated_month, done, missed, done_in_window) AS x
		   FROM dashboard_visit_cells WHERE study_id = (SELECT id FROM s)) c),
		  (SELECT string_agg(x, E'\n' ORDER BY x) FROM (SELECT format('patients %s %s %s %s %s %s: %s', arm_id, site_id, sex, age_band, status, treated_month, n) AS x
		   FROM dashboard_patient_cells WHERE study_id = (SELECT id FROM s)) c),
		  (SELECT string_agg(x, E'\n' ORDER BY x) FROM (SELECT format('ae %s %s %s %s %s %s: %s', arm_id, site_id, sex, age_band, worst_grade, serious, n) AS x
		   FROM dashboard_ae_cells WHERE study_id = (SELECT id FROM s)) c),
		  (SELECT string_agg(x, E'\n' ORDER BY x) FROM (SELECT format('term %s %s %s %s %s: %s', arm_id, site_id, sex, age_band, term, n) AS x
		   FROM dashboard_ae_term_cells WHERE study_id = (SELECT id FROM s)) c),
		  (SELECT string_agg(x, E'\n' ORDER BY x) FROM (SELECT format('survival %s %s %s %s day %s: %s %s', arm_id, site_id, sex, age_band, day, events, censored) AS x
		   FROM dashboard_survival_cells WHERE study_id = (SELECT id FROM s)) c),
		  (SELECT string_agg(x, E'\n' ORDER BY x) FROM (SELECT format('followed %s %s %s %s treated %s: %s %s', arm_id, site_id, sex, age_band, treated_on, n, no_event) AS x
		   FROM dashboard_followed_cells WHERE study_id = (SELECT id FROM s)) c),
		  (SELECT string_agg(x, E'\n' ORDER BY x) FROM (SELECT format('followed visit %s %s %s %s %s treated %s: %s', scheduled_visit_id, arm_id, site_id, sex, age_band, treated_on, recorded) AS x
		   FROM dashboard_followed_visit_cells WHERE study_id = (SELECT id FROM s)) c),
		  (SELECT string_agg(x, E'\n' ORDER BY x) FROM (SELECT format('term set %s %s %s %s %s: %s', arm_id, site_id, sex, age_band, terms, n) AS x
		   FROM dashboard_ae_term_set_cells WHERE study_id = (SELECT id FROM s)) c))`, study).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	if s == "" {
		t.Fatalf("study %s has no dashboard cells at all", study)
	}
	return s
}

// TestDashboardRebuild: cells corrupted behind the registry's back (as the database owner)
// are put right by `registry dashboard rebuild`: with --study only that study's, without it
// every study's; afterwards they equal the cells the writes kept up to date incrementally
// before the corruption (which TestSummaryCellsFollowEveryWrite checks against the same
// rebuild). An unknown study is refused with a clear message and changes nothing.
func TestDashboardRebuild(t *testing.T) {
	ctx := context.Background()
	url := testdb.URL(t)
	env := map[string]string{"REGISTRY_DATABASE_URL": url}
	if _, _, err := runCmd(t, env, "", "seed", "--demo", "--data-dir", t.TempDir()); err != nil {
		t.Fatalf("seed: %v", err)
	}
	db := connect(t, url)
	studies := []string{"knee-oa", "ms-ahsct"}
	want := map[string]string{}
	for _, s := range studies {
		want[s] = studyCells(t, db, s)
	}
	corrupt := func() {
		t.Helper()
		for _, s := range studies {
			_, err := db.Exec(ctx, `
				WITH s AS (SELECT id FROM studies WHERE code = $1)
				, a AS (UPDATE dashboard_visit_cells SET missed = missed + 7 WHERE ctid = (SELECT min(ctid) FROM dashboard_visit_cells WHERE study_id = (SELECT id FROM s)))
				, b AS (UPDATE dashboard_outcome_cells SET total = total + 100, responders = responders + 1
				        WHERE ctid = (SELECT min(ctid) FROM dashboard_outcome_cells WHERE study_id = (SELECT id FROM s)))
				, c AS (DELETE FROM dashboard_patient_cells WHERE ctid = (SELECT min(ctid) FROM dashboard_patient_cells WHERE study_id = (SELECT id FROM s)))
				, d AS (UPDATE dashboard_survival_cells SET events = events + 2 WHERE ctid = (SELECT min(ctid) FROM dashboard_survival_cells WHERE study_id = (SELECT id FROM s)))
				, e AS (DELETE FROM dashboard_followed_cells WHERE ctid = (SELECT max(ctid) FROM dashboard_followed_cells WHERE study_id = (SELECT id FROM s)))
				, f AS (UPDATE dashboard_followed_visit_cells SET recorded = recorded + 1 WHERE ctid = (SELECT min(ctid) FROM dashboard_followed_visit_cells WHERE study_id = (SELECT id FROM s)))
				, g AS (DELETE FROM dashboard_ae_term_set_cells WHERE ctid = (SELECT min(ctid) FROM dashboard_ae_term_set_cells WHERE study_id = (SELECT id FROM s)))
				DELETE FROM dashboard_ae_term_cells WHERE study_id = (SELECT id FROM s)`, s)
			if err != nil {
				t.Fatal(err)
			}
			if studyCells(t, db, s) == want[s] {
				t.Fatalf("the corruption of %s changed nothing", s)
			}
		}
	}
	corrupt()

	// An unknown study: a clear message, a non-zero exit, nothing changed.
	out, _, err := runCmd(t, env, "", "dashboard", "rebuild", "--study", "no-such-study")
	if err == nil || !strings.Contains(errorText(err), `no study with the code "no-such-study"`) {
		t.Fatalf("rebuild of an unknown study: %q %v", out, err)
	}
	corrupted := studyCells(t, db, "knee-oa")
	if corrupted == want["knee-oa"] {
		t.Fatal("the refused rebuild changed the cells")
	}
	if _, _, err := runCmd(t, env, "", "dashboard", "frobnicate"); err == nil {
		t.Error("dashboard frobnicate was accepted")
	}

	// One study: its cells are right again, the other study's are left as they were; its
	// time-to-event counts get a new version, so that no dashboard serves what it kept of
	// the corrupted ones.
	version := func(study string) string {
		t.Helper()
		var v string
		if err := db.QueryRow(ctx, `SELECT v.version::text FROM dashboard_survival_versions v JOIN studies s ON s.id = v.study_id
			WHERE s.code = $1`, study).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	kneeVersion, msVersion := version("knee-oa"), version("ms-ahsct")
	out, _, err = runCmd(t, env, "", "dashboard", "rebuild", "--study", "knee-oa")
	if err != nil || !strings.Contains(out, "Dashboard summaries of study knee-oa rebuilt from") {
		t.Fatalf("rebuild --study knee-oa: %q %v", out, err)
	}
	if got := studyCells(t, db, "knee-oa"); got != want["knee-oa"] {
		t.Errorf("knee-oa after its rebuild differs from the cells before the corruption:\n%s", firstDifference(got, want["knee-oa"]))
	}
	if studyCells(t, db, "ms-ahsct") == want["ms-ahsct"] {
		t.Error("rebuild --study knee-oa changed ms-ahsct's cells too")
	}
	if version("knee-oa") == kneeVersion || version("ms-ahsct") != msVersion {
		t.Error("rebuild --study knee-oa: knee-oa's time-to-event version kept, or ms-ahsct's changed")
	}

	// Every study.
	corrupt()
	out, _, err = runCmd(t, env, "", "dashboard", "rebuild")
	if err != nil || !strings.Contains(out, "Dashboard summaries of every study rebuilt from") {
		t.Fatalf("rebuild: %q %v", out, err)
	}
	for _, s := range studies {
		if got := studyCells(t, db, s); got != want[s] {
			t.Errorf("%s after the rebuild differs from the cells before the corruption:\n%s", s, firstDifference(got, want[s]))
		}
	}
	// The kept contributions were rebuilt with the cells: a later write is caught up on top
	// of them without counting anything twice, to what a new rebuild gives.
	if _, err := db.Exec(ctx, `DELETE FROM visits WHERE id IN (SELECT v.id FROM visits v JOIN studies s ON s.id = v.study_id
		WHERE s.code = 'knee-oa' AND v.state = 'done' ORDER BY v.id LIMIT 3)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `SELECT dashboard_catch_up()`); err != nil {
		t.Fatal(err)
	}
	incremental := studyCells(t, db, "knee-oa")
	if incremental == want["knee-oa"] {
		t.Fatal("deleting three done visits changed no cell")
	}
	if _, _, err := runCmd(t, env, "", "dashboard", "rebuild", "--study", "knee-oa"); err != nil {
		t.Fatal(err)
	}
	if got := studyCells(t, db, "knee-oa"); got != incremental {
		t.Errorf("a write caught up after the rebuild differs from a new rebuild:\n%s", firstDifference(incremental, got))
	}
}

// firstDifference shows the first line where two listings differ.
func firstDifference(got, want string) string {
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(gl), len(wl)) {
		if gl[i] != wl[i] {
			return "got  " + gl[i] + "\nwant " + wl[i]
		}
	}
	return "the same lines, but not as many"
}
