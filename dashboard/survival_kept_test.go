package dashboard

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"outcomereg/registry"
)

// survivalFromPatients is time to the first event counted from the patients and their
// events themselves, as the dashboard did before the kept counts: the independent
// recomputation the kept counts must equal.
const survivalFromPatients = `WITH first AS (
		SELECT patient_id, min(occurred_on) AS occurred_on FROM events WHERE study_id = @study GROUP BY 1)
	SELECT p.site_id, p.sex, dashboard_age_band(p.birth_year, p.treated_on), p.arm_id,
		greatest(coalesce(f.occurred_on, CASE WHEN p.status = 'active' THEN @today::date
			ELSE least(p.status_on, @today::date) END) - p.treated_on, 0) AS days,
		count(f.occurred_on)::int, (count(*) - count(f.occurred_on))::int
	FROM patients p LEFT JOIN first f ON f.patient_id = p.id
	WHERE p.study_id = @study AND p.treated_on <= @today::date AND ` + patientFilter + ` GROUP BY 1, 2, 3, 4, 5`

// survivalRows runs a query of site, sex, age band, arm, day, events, censored (or of
// site, sex, age band, arm, quarter, year, last day, events, censored) and lists the rows
// as sorted text.
func survivalRows(t *testing.T, store *registry.Store, sql string, args ...any) []string {
	t.Helper()
	rows, err := store.DB.Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var site, arm int64
		var sex string
		var band, day, events, censored int
		if len(rows.FieldDescriptions()) == 9 {
			var quarter, year int
			if err := rows.Scan(&site, &sex, &band, &arm, &quarter, &year, &day, &events, &censored); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("site %d %s age %d arm %d quarter %d year %d, last day %d: %d events, %d censored", site, sex, band, arm, quarter, year, day, events, censored))
			continue
		}
		if err := rows.Scan(&site, &sex, &band, &arm, &day, &events, &censored); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("site %d %s age %d arm %d day %d: %d events, %d censored", site, sex, band, arm, day, events, censored))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// wantSurvivalKept checks, for every demo study, several days (today, a year ago, before
// any treatment, next year) and filters, that the kept counts give the same follow-up times
// as the patients.
func wantSurvivalKept(t *testing.T, store *registry.Store, after string) {
	t.Helper()
	ctx := context.Background()
	if _, err := registry.CatchUpDashboards(ctx, store.DB); err != nil {
		t.Fatal(err)
	}
	var studies []int64
	rows, _ := store.DB.Query(ctx, `SELECT id FROM studies ORDER BY id`)
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		studies = append(studies, id)
	}
	rows.Close()
	days := []time.Time{demoToday, demoToday.AddDate(-1, 0, 0), demoToday.AddDate(-12, 0, 0), demoToday.AddDate(1, 0, 0)}
	filters := []Filter{{}, {Sex: "F"}, {Site: "aarhus", Sex: "M"}, {AgeBand: "60-69"}}
	checked := 0
	for _, study := range studies {
		for _, day := range days {
			for _, f := range filters {
				args := f.namedArgs()
				args["study"], args["today"] = study, day
				want := survivalRows(t, store, survivalFromPatients, args)
				got := survivalRows(t, store, survivalCountsSQL("site_id, sex, age_band, arm_id"), args)
				if !slices.Equal(got, want) {
					t.Fatalf("%s: study %d on %s, filter %+v: kept counts\n%s\nwant, from the patients,\n%s", after, study, day.Format(time.DateOnly), f,
						strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
				// The researcher's bins of the same counts.
				wantBins := survivalRows(t, store, `SELECT site_id, sex, age_band, arm_id, days / 91, days / 365, max(days), sum(e)::int, sum(c)::int
					FROM (`+survivalFromPatients+`) x (site_id, sex, age_band, arm_id, days, e, c) GROUP BY 1, 2, 3, 4, 5, 6`, args)
				gotBins := survivalRows(t, store, survivalBinsSQL("site_id, sex, age_band, arm_id"), args)
				if !slices.Equal(gotBins, wantBins) {
					t.Fatalf("%s: study %d on %s, filter %+v: kept counts in bins\n%s\nwant, from the patients,\n%s", after, study, day.Format(time.DateOnly), f,
						strings.Join(gotBins, "\n"), strings.Join(wantBins, "\n"))
				}
				checked += len(want)
			}
		}
	}
	if checked == 0 {
		t.Fatalf("%s: no follow-up times at all", after)
	}
}

// TestSurvivalKeptCountsEqualThePatients: time to event read from the kept counts equals
// the count over the patients, on any day (patients treated or leaving after it
// included) and for any filter, after the seed and after every kind of write that moves a
// follow-up time; and the cells equal a rebuild from scratch after each.
func TestSurvivalKeptCountsEqualThePatients(t *testing.T) {
	store := demoStore(t)
	db, ctx := store.DB, context.Background()
	wantSurvivalKept(t, store, "demo seed")
	steps := []struct{ name, sql string }{
		{"an event is recorded", `INSERT INTO events (study_id, patient_id, event_type_id, occurred_on)
			SELECT p.study_id, p.id, et.id, p.treated_on + 40 FROM patients p JOIN event_types et ON et.study_id = p.study_id
			WHERE p.status = 'active' AND NOT EXISTS (SELECT 1 FROM events e WHERE e.patient_id = p.id) ORDER BY p.id LIMIT 3`},
		{"an earlier event is recorded", `INSERT INTO events (study_id, patient_id, event_type_id, occurred_on)
			SELECT e.study_id, e.patient_id, e.event_type_id, e.occurred_on - 10 FROM events e ORDER BY e.id LIMIT 1`},
		{"an event is dated before treatment", `UPDATE events SET occurred_on = (SELECT treated_on - 5 FROM patients WHERE id = events.patient_id)
			WHERE id = (SELECT max(id) FROM events)`},
		{"an event is moved", `UPDATE events SET occurred_on = occurred_on + 17 WHERE id = (SELECT min(id) FROM events)`},
		{"an event is deleted", `DELETE FROM events WHERE id = (SELECT max(id) FROM events)`},
		{"a patient withdraws", `UPDATE patients SET status = 'withdrawn', status_on = treated_on + 30
			WHERE id = (SELECT max(id) FROM patients WHERE status = 'active')`},
		{"a status date is corrected", `UPDATE patients SET status_on = status_on + 9 WHERE id = (SELECT min(id) FROM patients WHERE status = 'withdrawn')`},
		{"a status dated after today", `UPDATE patients SET status = 'lost', status_on = '2027-03-01'
			WHERE id = (SELECT min(id) FROM patients WHERE status = 'active')`},
		{"a patient without an event is lost after today", `UPDATE patients SET status = 'lost', status_on = '2027-02-01'
			WHERE id = (SELECT min(p.id) FROM patients p WHERE p.status = 'active' AND p.treated_on < '2026-06-01'
				AND NOT EXISTS (SELECT 1 FROM events e WHERE e.patient_id = p.id))`},
		// Her time to event today (a day less) changes, her cell (the time she will be
		// censored at) does not.
		{"her treatment and status dates move a day", `UPDATE patients SET treated_on = treated_on + 1, status_on = status_on + 1
			WHERE status_on = '2027-02-01'`},
		{"a treatment dated after today", `UPDATE patients SET treated_on = '2027-01-10', enrolled_on = '2027-01-01'
			WHERE id = (SELECT max(id) FROM patients WHERE status = 'active')`},
		{"a patient returns to follow-up", `UPDATE patients SET status = 'active', status_on = NULL WHERE id = (SELECT max(id) FROM patients WHERE status = 'withdrawn')`},
		{"a treatment date is corrected", `UPDATE patients SET treated_on = treated_on - 3 WHERE id = (SELECT min(id) FROM patients WHERE treated_on - 3 >= enrolled_on)`},
		{"a patient moves site", `UPDATE patients SET site_id = (SELECT max(id) FROM sites) WHERE id = (SELECT min(id) FROM patients)`},
		{"a patient is enrolled", `INSERT INTO patients (study_id, site_id, study_number, arm_id, sex, birth_year, enrolled_on, treated_on)
			SELECT study_id, site_id, 'NEW-S1', arm_id, sex, birth_year, enrolled_on, treated_on FROM patients ORDER BY id LIMIT 1`},
		{"the new patient is deleted", `DELETE FROM patients WHERE study_number = 'NEW-S1'`},
	}
	// Every study's follow-up times from the patients, on a few days.
	times := func() map[int64]string {
		out := map[int64]string{}
		rows, _ := db.Query(ctx, `SELECT id FROM studies`)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			for _, day := range []time.Time{demoToday, demoToday.AddDate(1, 0, 0)} {
				args := Filter{}.namedArgs()
				args["study"], args["today"] = id, day
				out[id] += strings.Join(survivalRows(t, store, survivalFromPatients, args), "\n")
			}
		}
		return out
	}
	versions, before := survivalVersions(t, store), times()
	bumped := 0
	wantDashboardsFollow(t, store, "demo seed")
	for _, s := range steps {
		tag, err := db.Exec(ctx, s.sql)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if tag.RowsAffected() == 0 {
			t.Fatalf("%s: changed nothing", s.name)
		}
		wantSurvivalKept(t, store, s.name)
		wantCellsCurrent(t, db, s.name)
		// A study whose follow-up times changed has a new version, so the dashboards kept
		// nothing of before. (A version may also change when only the patients followed
		// changed, not their times: a status change of a patient with an event.)
		now, after := survivalVersions(t, store), times()
		changed := 0
		for study, v := range now {
			if after[study] != before[study] && v == versions[study] {
				t.Fatalf("%s: study %d: follow-up times changed, and their version did not", s.name, study)
			}
			if v != versions[study] {
				changed++
			}
		}
		bumped += changed
		versions, before = now, after
		wantDashboardsFollow(t, store, s.name)
	}

	if bumped < len(steps)/2 {
		t.Fatalf("only %d new versions in %d writes", bumped, len(steps))
	}

	// A visit recorded, an adverse event: the time-to-event counts are as they were, and so
	// is their version.
	for _, w := range []struct{ name, sql string }{
		{"a visit is recorded as missed", `INSERT INTO visits (study_id, patient_id, scheduled_visit_id, state, missed_reason)
			SELECT p.study_id, p.id, sv.id, 'missed', 'ill' FROM patients p JOIN scheduled_visits sv ON sv.study_id = p.study_id
			WHERE NOT EXISTS (SELECT 1 FROM visits v WHERE v.patient_id = p.id AND v.scheduled_visit_id = sv.id) ORDER BY p.id, sv.position LIMIT 1`},
		{"an adverse event is recorded", `INSERT INTO adverse_events (study_id, patient_id, term, onset_on, grade, serious, relatedness, outcome)
			SELECT study_id, id, 'Headache', treated_on + 3, 1, false, 'possible', 'recovered' FROM patients WHERE treated_on IS NOT NULL ORDER BY id LIMIT 1`},
	} {
		if _, err := db.Exec(ctx, w.sql); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		wantCellsCurrent(t, db, w.name)
		if now := survivalVersions(t, store); !maps.Equal(now, versions) {
			t.Fatalf("%s: time-to-event versions %v, were %v", w.name, now, versions)
		}
	}
}

// survivalVersions reads the version of every study's kept time-to-event counts.
func survivalVersions(t *testing.T, store *registry.Store) map[int64]string {
	t.Helper()
	if _, err := registry.CatchUpDashboards(context.Background(), store.DB); err != nil {
		t.Fatal(err)
	}
	rows, err := store.DB.Query(context.Background(), `SELECT s.id, coalesce(v.version::text, '') FROM studies s
		LEFT JOIN dashboard_survival_versions v ON v.study_id = s.id`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]string{}
	var id int64
	var v string
	if _, err := pgx.ForEachRow(rows, []any{&id, &v}, func() error { out[id] = v; return nil }); err != nil {
		t.Fatal(err)
	}
	for id, v := range out {
		if v == "" {
			t.Fatalf("study %d has no time-to-event version", id)
		}
	}
	return out
}

// wantDashboardsFollow checks that every demo study's dashboard, unfiltered and filtered,
// read twice (the second time from what the dashboards keep), counts the patients and
// events per arm that the patients themselves give: what is kept is never older than the
// data.
func wantDashboardsFollow(t *testing.T, store *registry.Store, after string) {
	t.Helper()
	ctx := context.Background()
	codes, err := store.StudyCodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range codes {
		st, err := store.Study(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []Filter{{}, {Sex: "F"}} {
			args := f.namedArgs()
			args["study"], args["today"] = st.ID, demoToday
			rows, err := store.DB.Query(ctx, `SELECT a.code, sum(x.e)::int, sum(x.e + x.c)::int
				FROM (`+survivalFromPatients+`) x (site_id, sex, age_band, arm_id, days, e, c) JOIN arms a ON a.id = x.arm_id GROUP BY 1`, args)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string][2]int{}
			var arm string
			var events, n int
			if _, err := pgx.ForEachRow(rows, []any{&arm, &events, &n}, func() error { want[arm] = [2]int{events, n}; return nil }); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				d, err := LoadStudy(ctx, store.DB, st, f, Options{Today: demoToday, Lang: "en"})
				if err != nil {
					t.Fatal(err)
				}
				for _, ac := range d.Survival.Arms {
					if got := [2]int{ac.Curve.Events, ac.Curve.N}; got != want[ac.Arm] {
						t.Fatalf("%s: %s, filter %+v, arm %s: %d events of %d patients on the dashboard, %d of %d from the patients",
							after, st.Code, f, ac.Arm, got[0], got[1], want[ac.Arm][0], want[ac.Arm][1])
					}
				}
			}
		}
	}
}

// TestGridIndexFromBins checks that the researcher's at-risk counts, read in bins of 91 and
// 365 days, land on the grid time that the days themselves give, for every step the grid
// can have.
func TestGridIndexFromBins(t *testing.T) {
	steps := map[float64]bool{}
	for maxDays := 0.0; maxDays <= 40000; maxDays++ {
		steps[atRiskStep(maxDays)] = true
	}
	if len(steps) < 5 {
		t.Fatalf("only %d steps: %v", len(steps), steps)
	}
	for step := range steps {
		for day := 0; day <= 40000; day++ {
			if got, want := gridIndex(step, day/91, day/365), day/int(step); got != want {
				t.Fatalf("step %v, day %d: grid index %d, want %d", step, day, got, want)
			}
		}
	}
}

// TestKeptCacheKeepsOneStampAView: a view's entry serves only its own stamp (the version
// and day it was read for), and a new stamp replaces it rather than adding to it.
func TestKeptCacheKeepsOneStampAView(t *testing.T) {
	var c keptCache[int]
	c.put(keptKey{"study 1|all", "v1|2026-11-23"}, 10)
	if v, ok := c.get(keptKey{"study 1|all", "v1|2026-11-23"}); !ok || v != 10 {
		t.Fatalf("the same view and stamp: %d, %t", v, ok)
	}
	for _, k := range []keptKey{{"study 1|all", "v2|2026-11-23"}, {"study 1|all", "v1|2026-11-24"}, {"study 1|site=2", "v1|2026-11-23"}} {
		if v, ok := c.get(k); ok {
			t.Fatalf("%v served %d kept for another stamp or view", k, v)
		}
	}
	c.put(keptKey{"study 1|all", "v2|2026-11-23"}, 20)
	if len(c.m) != 1 {
		t.Fatalf("%d entries for one view", len(c.m))
	}
	if _, ok := c.get(keptKey{"study 1|all", "v1|2026-11-23"}); ok {
		t.Fatal("the older version is still served")
	}
	c.put(keptKey{"", "v1"}, 30)
	if _, ok := c.get(keptKey{"", "v1"}); ok || len(c.m) != 1 {
		t.Fatal("a view without a version was kept")
	}
}

// TestTestsHiddenWithACurveThePatternDoesNotVouchFor: when an arm's curve counts other
// patients or events than the researcher's pattern (a write read by one and not the
// other), the curve is hidden, and so are the log-rank tests that carry its counts.
func TestTestsHiddenWithACurveThePatternDoesNotVouchFor(t *testing.T) {
	store := demoStore(t)
	ctx := context.Background()
	shown := 0
	for _, code := range []string{"ms-ahsct", "ssc-ahsct", "liver-msc", "knee-oa"} {
		st, err := store.Study(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		full, err := LoadStudy(ctx, store.DB, st, Filter{}, Options{Today: demoToday, Lang: "en"})
		if err != nil {
			t.Fatal(err)
		}
		if len(full.Survival.Arms) != len(st.Arms) {
			continue
		}
		curves := make([]KMCurve, len(st.Arms))
		for _, ac := range full.Survival.Arms {
			curves[slices.IndexFunc(st.Arms, func(a registry.Arm) bool { return a.Code == ac.Arm })] = ac.Curve
		}
		// A threshold of 1 hides no count (the demo's patterns at 5 hide every arm's events
		// unfiltered): what is hidden, is hidden for the curves alone.
		dc, err := loadDisclosure(ctx, store.DB, st, nil, demoToday, 1, allParts)
		if err != nil {
			t.Fatal(err)
		}
		apply := func(curves []KMCurve) *StudyDashboard {
			d, err := LoadStudy(ctx, store.DB, st, Filter{}, Options{Today: demoToday, Lang: "en"})
			if err != nil {
				t.Fatal(err)
			}
			dc.apply(st, d, curves)
			return d
		}
		if d := apply(curves); !d.Survival.Suppressed {
			shown++
		}
		for ai := range curves {
			for _, change := range []func(*KMCurve){func(c *KMCurve) { c.N++ }, func(c *KMCurve) { c.Events++ }} {
				other := slices.Clone(curves)
				change(&other[ai])
				d := apply(other)
				if !d.Survival.Suppressed || d.Survival.LogRank.Estimable {
					t.Errorf("%s: arm %s's curve differs from the pattern, and the log-rank test is shown", code, st.Arms[ai].Code)
				}
				for _, pr := range d.Survival.Pairwise {
					if (pr.Arm == st.Arms[ai].Code || pr.Versus == st.Arms[ai].Code) && (!pr.Suppressed || pr.Test.Estimable) {
						t.Errorf("%s: arm %s's curve differs from the pattern, and its test against %s is shown", code, pr.Arm, pr.Versus)
					}
				}
			}
		}
	}
	if shown < 3 {
		t.Fatalf("%d demo studies show their log-rank test with the curves the pattern counts: too few to test", shown)
	}
}
