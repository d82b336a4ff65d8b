package seed_test

import (
	"context"
	"testing"
	"time"

	"outcomereg/registry"
	"outcomereg/registry/testdb"
	"outcomereg/seed"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var today = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// fingerprint hashes every clinical row, ids included, in a fixed order.
func fingerprint(t *testing.T, store *registry.Store) string {
	t.Helper()
	var sum string
	err := store.DB.QueryRow(context.Background(), `SELECT md5(
		(SELECT string_agg(p::text, ';' ORDER BY p.id) FROM (SELECT id, site_id, study_number, arm_id, sex, birth_year, enrolled_on, treated_on, status, status_on FROM patients) p) ||
		(SELECT string_agg(v::text, ';' ORDER BY v.id) FROM (SELECT id, patient_id, scheduled_visit_id, state, visit_date, missed_reason FROM visits) v) ||
		(SELECT string_agg(x::text, ';' ORDER BY x.visit_id, x.measure_id) FROM visit_values x) ||
		(SELECT coalesce(string_agg(i::text, ';' ORDER BY i.visit_id, i.measure_id, i.item_code), '') FROM visit_items i) ||
		(SELECT coalesce(string_agg(e::text, ';' ORDER BY e.id), '') FROM (SELECT id, patient_id, event_type_id, occurred_on FROM events) e) ||
		(SELECT coalesce(string_agg(a::text, ';' ORDER BY a.id), '') FROM (SELECT id, patient_id, term, onset_on, ended_on, grade, serious, relatedness, outcome FROM adverse_events) a))`).Scan(&sum)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func demo(t *testing.T, seedN uint64) *registry.Store {
	t.Helper()
	store := registry.NewStore(testdb.New(t))
	logins, err := seed.Demo(context.Background(), store, seed.Options{Seed: seedN, Today: today})
	if err != nil {
		t.Fatal(err)
	}
	if len(logins) != 7 {
		t.Fatalf("%d demo logins, want one per role and a nurse per site (7)", len(logins))
	}
	return store
}

func TestDemoIsDeterministic(t *testing.T) {
	a, b, c := demo(t, 42), demo(t, 42), demo(t, 43)
	if fa, fb := fingerprint(t, a), fingerprint(t, b); fa != fb {
		t.Errorf("the same seed gave different data: %s != %s", fa, fb)
	}
	if fingerprint(t, a) == fingerprint(t, c) {
		t.Error("different seeds gave the same data")
	}

	// Seeding again adds no patients but gives new passwords.
	if _, err := seed.Demo(context.Background(), a, seed.Options{Seed: 42, Today: today}); err != nil {
		t.Fatal(err)
	}
	if fingerprint(t, a) != fingerprint(t, b) {
		t.Error("seeding the demo twice changed the clinical data")
	}
}

// TestDemoBehavesLikeTheStudies checks the demo data tells each study's story, and that the
// worklist will have visits in every state.
func TestDemoBehavesLikeTheStudies(t *testing.T) {
	store := demo(t, 1)
	ctx := context.Background()
	change := func(study, measure, arm, visit string) float64 {
		t.Helper()
		var d float64
		err := store.DB.QueryRow(ctx, `
			SELECT avg(f.value - b.value)
			FROM patients p JOIN studies s ON s.id = p.study_id AND s.code = $1
			JOIN arms a ON a.id = p.arm_id AND a.code = $3
			JOIN measures m ON m.study_id = s.id AND m.code = $2
			JOIN scheduled_visits bv ON bv.study_id = s.id AND bv.is_baseline
			JOIN scheduled_visits fv ON fv.study_id = s.id AND fv.code = $4
			JOIN visits vb ON vb.patient_id = p.id AND vb.scheduled_visit_id = bv.id
			JOIN visits vf ON vf.patient_id = p.id AND vf.scheduled_visit_id = fv.id
			JOIN visit_values b ON b.visit_id = vb.id AND b.measure_id = m.id
			JOIN visit_values f ON f.visit_id = vf.id AND f.measure_id = m.id`, study, measure, arm, visit).Scan(&d)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	kneeActive, kneePlacebo := change("knee-oa", "pain_nrs", "stem-cells", "m12"), change("knee-oa", "pain_nrs", "placebo", "m12")
	if kneeActive > -1 || kneePlacebo > -1 || kneeActive-kneePlacebo < -1.2 || kneeActive-kneePlacebo > 1.2 {
		t.Errorf("knee-oa pain change at 12 months: stem cells %.2f, placebo %.2f; want both to improve about equally", kneeActive, kneePlacebo)
	}
	if d := change("ssc-ahsct", "mrss", "ahsct", "m12"); d > -6 {
		t.Errorf("ssc-ahsct mRSS change at 12 months = %.2f, want a clear improvement", d)
	}
	if msc, ctl := change("liver-msc", "meld", "msc", "m6"), change("liver-msc", "meld", "standard-care", "m6"); msc >= ctl {
		t.Errorf("liver-msc MELD change at 6 months: MSC %.2f, control %.2f; want MSC to improve more", msc, ctl)
	}

	var missed, overdue, due, relapses, severeInfections, zeros int
	err := store.DB.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM visits WHERE state = 'missed'),
		(SELECT count(*) FROM patients p JOIN scheduled_visits sv ON sv.study_id = p.study_id
		 WHERE p.status = 'active' AND p.treated_on + sv.target_day + sv.window_after < $1::date
		   AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.patient_id = p.id AND v.scheduled_visit_id = sv.id)),
		(SELECT count(*) FROM patients p JOIN scheduled_visits sv ON sv.study_id = p.study_id
		 WHERE p.status = 'active' AND $1::date BETWEEN p.treated_on + sv.target_day - sv.window_before AND p.treated_on + sv.target_day + sv.window_after
		   AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.patient_id = p.id AND v.scheduled_visit_id = sv.id)),
		(SELECT count(*) FROM events e JOIN event_types et ON et.id = e.event_type_id WHERE et.code = 'relapse'),
		(SELECT count(*) FROM adverse_events a JOIN studies s ON s.id = a.study_id WHERE s.code = 'ssc-ahsct' AND a.grade >= 3 AND a.term ILIKE '%infection%'),
		(SELECT count(*) FROM visit_values WHERE missing_code IS NOT NULL AND value = 0)`, today).
		Scan(&missed, &overdue, &due, &relapses, &severeInfections, &zeros)
	if err != nil {
		t.Fatal(err)
	}
	if missed == 0 || overdue == 0 || due == 0 || relapses == 0 || severeInfections == 0 {
		t.Errorf("missed %d, overdue %d, due %d, relapses %d, severe infections %d: want some of each", missed, overdue, due, relapses, severeInfections)
	}
}

func TestPatientsRejectsBadInput(t *testing.T) {
	store := demo(t, 1)
	ctx := context.Background()
	if err := seed.Patients(ctx, store, "no-such-study", 10, seed.Options{}); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Errorf("unknown study: %v", err)
	}
	if err := seed.Patients(ctx, store, "knee-oa", 0, seed.Options{}); registry.ErrorCode(err) != registry.EINVALID {
		t.Errorf("zero patients: %v", err)
	}
	// More patients continue the study numbers.
	if err := seed.Patients(ctx, store, "knee-oa", 20, seed.Options{Seed: 9, Today: today}); err != nil {
		t.Fatal(err)
	}
	var n int
	store.DB.QueryRow(ctx, `SELECT count(DISTINCT study_number) FROM patients p JOIN studies s ON s.id = p.study_id WHERE s.code = 'knee-oa'`).Scan(&n)
	if n != 180 {
		t.Errorf("knee-oa has %d distinct study numbers, want 160 + 20", n)
	}
}

// BenchmarkSeed100k loads 100,000 knee-oa patients (make bench; bar: under 60 s).
func BenchmarkSeed100k(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		store := registry.NewStore(testdb.New(b))
		ctx := context.Background()
		for _, site := range []string{"copenhagen", "aarhus"} { // the sites knee-oa lists
			if err := store.UpsertSite(ctx, registry.CLI, site, site); err != nil {
				b.Fatal(err)
			}
		}
		studies, _ := seed.Studies()
		for _, st := range studies {
			if st.Code == "knee-oa" {
				if _, err := store.ApplyStudy(ctx, registry.CLI, st); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StartTimer()
		start := time.Now()
		if err := seed.Patients(ctx, store, "knee-oa", 100_000, seed.Options{Seed: 1, Today: today}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/100k-patients")
		var visits, values, items float64
		store.DB.QueryRow(ctx, `SELECT (SELECT count(*) FROM visits), (SELECT count(*) FROM visit_values), (SELECT count(*) FROM visit_items)`).Scan(&visits, &values, &items)
		b.ReportMetric(visits, "visits")
		b.ReportMetric(values, "values")
		b.ReportMetric(items, "item-answers")
	}
}

// TestDemoHasNothingAfterToday: the demo seed records nothing dated after its --today
// (enrolments, treatments, visits, events, adverse events, statuses).
func TestDemoHasNothingAfterToday(t *testing.T) {
	store := demo(t, 1)
	var n int
	if err := store.DB.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM patients WHERE enrolled_on > $1 OR treated_on > $1 OR status_on > $1) +
		(SELECT count(*) FROM visits WHERE visit_date > $1) +
		(SELECT count(*) FROM events WHERE occurred_on > $1) +
		(SELECT count(*) FROM adverse_events WHERE onset_on > $1 OR ended_on > $1)`, today).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n > 0 {
		t.Errorf("%d rows dated after %s", n, today.Format(time.DateOnly))
	}
}

// TestDemoInstrumentsAgreeWithTheirItems: every demo KOOS pain and HAQ-DI score is the score
// of its stored answers, recomputed here in SQL from the published rules (not by the
// registry's scoring code), and a share of follow-up visits is answered from home.
func TestDemoInstrumentsAgreeWithTheirItems(t *testing.T) {
	store := demo(t, 1)
	ctx := context.Background()
	var koos, koosWrong, haq, haqWrong, aided, withoutItems int
	err := store.DB.QueryRow(ctx, `
		WITH items AS (
			SELECT m.id AS measure_id, m.code AS measure, i->>'code' AS code, i->>'category' AS category,
				coalesce((i->>'aid')::boolean, false) AS aid
			FROM measures m, jsonb_array_elements(m.instrument->'items') i),
		koos AS (
			SELECT vi.visit_id, vi.measure_id, 100 - avg(vi.value) * 25 AS score
			FROM visit_items vi JOIN items ON items.measure_id = vi.measure_id AND items.code = vi.item_code WHERE items.measure = 'koos_pain'
			GROUP BY 1, 2 HAVING count(*) >= 5),
		categories AS (
			SELECT vi.visit_id, vi.measure_id, items.category,
				max(vi.value) FILTER (WHERE NOT items.aid) AS worst, coalesce(bool_or(items.aid AND vi.value = 1), false) AS aid
			FROM visit_items vi JOIN items ON items.measure_id = vi.measure_id AND items.code = vi.item_code
			WHERE items.measure = 'haq_di' GROUP BY 1, 2, 3),
		haq AS (
			SELECT visit_id, measure_id, avg(CASE WHEN aid AND worst < 2 THEN 2 ELSE worst END) AS score,
				count(*) FILTER (WHERE aid AND worst < 2) AS aided
			FROM categories WHERE worst IS NOT NULL GROUP BY 1, 2 HAVING count(*) >= 6)
		SELECT
			(SELECT count(*) FROM koos JOIN visit_values vv USING (visit_id, measure_id)),
			(SELECT count(*) FROM koos JOIN visit_values vv USING (visit_id, measure_id) WHERE vv.value IS NULL OR abs(vv.value - koos.score) > 1e-9),
			(SELECT count(*) FROM haq JOIN visit_values vv USING (visit_id, measure_id)),
			(SELECT count(*) FROM haq JOIN visit_values vv USING (visit_id, measure_id) WHERE vv.value IS NULL OR abs(vv.value - haq.score) > 1e-9),
			(SELECT coalesce(sum(aided), 0) FROM haq),
			(SELECT count(*) FROM visit_values vv JOIN measures m ON m.id = vv.measure_id
			 WHERE m.instrument IS NOT NULL AND vv.value IS NOT NULL
			   AND NOT EXISTS (SELECT 1 FROM visit_items vi WHERE vi.visit_id = vv.visit_id AND vi.measure_id = vv.measure_id))`).
		Scan(&koos, &koosWrong, &haq, &haqWrong, &aided, &withoutItems)
	if err != nil {
		t.Fatal(err)
	}
	if koos < 100 || haq < 100 || koosWrong != 0 || haqWrong != 0 || withoutItems != 0 {
		t.Errorf("KOOS pain %d scores (%d not their items'), HAQ-DI %d (%d not their items'), %d scores without items",
			koos, koosWrong, haq, haqWrong, withoutItems)
	}
	if aided == 0 {
		t.Error("no HAQ-DI category is raised to 2 by an aid: the demo does not show the aid rule")
	}

	// Patient-reported values of follow-up visits: about 30% from home; staff measures and
	// baselines never.
	var home, followUps, wrongSource int
	err = store.DB.QueryRow(ctx, `SELECT
		count(*) FILTER (WHERE vv.source = 'patient'),
		count(*),
		(SELECT count(*) FROM visit_values vv JOIN measures m ON m.id = vv.measure_id
		 JOIN visits v ON v.id = vv.visit_id JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id
		 WHERE vv.source = 'patient' AND (m.reported_by <> 'patient' OR sv.is_baseline))
		FROM visit_values vv JOIN measures m ON m.id = vv.measure_id AND m.reported_by = 'patient'
		JOIN visits v ON v.id = vv.visit_id JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id AND NOT sv.is_baseline`).
		Scan(&home, &followUps, &wrongSource)
	if err != nil {
		t.Fatal(err)
	}
	if share := float64(home) / float64(followUps); share < 0.2 || share > 0.4 || wrongSource != 0 {
		t.Errorf("%d of %d patient-reported follow-up values from home (%.2f), %d from home that cannot be", home, followUps, share, wrongSource)
	}
}
