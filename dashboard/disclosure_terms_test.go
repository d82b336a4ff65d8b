package dashboard

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"outcomereg/registry"
)

// TestDisclosureTermSetsEqualTheRows: the disclosure's counts of patients per adverse-event
// term, read from the kept term sets (migration 0020), equal the counts read from every
// adverse event as before, also for terms typed in another case, with spaces, twice, or
// as several other texts of one patient; and every researcher's page (each demo study,
// unfiltered and filtered, and the study list) is byte for byte the page the count from the
// rows gives.
func TestDisclosureTermSetsEqualTheRows(t *testing.T) {
	store := demoStore(t)
	ctx := context.Background()
	db := store.DB
	// Awkward terms: a listed term in another case and with spaces beside the listed
	// one, two other texts for one patient, a patient with only other texts, spaces only.
	if _, err := db.Exec(ctx, `
		WITH p AS (SELECT id, study_id, row_number() OVER (PARTITION BY study_id ORDER BY id) AS k FROM patients),
		     l AS (SELECT study_id, min(term) AS term FROM ae_terms GROUP BY 1)
		INSERT INTO adverse_events (study_id, patient_id, term, onset_on, grade, serious, relatedness, outcome)
		SELECT p.study_id, p.id, x.term, date '2026-01-05', 2, false, 'possible', 'recovered'
		FROM p JOIN l ON l.study_id = p.study_id
		CROSS JOIN LATERAL (VALUES (upper(l.term)), ('  ' || l.term || ' '), (l.term), ('Odd rash'), ('odd RASH '), ('hiccups'), ('   ')) x(term)
		WHERE p.k <= 12 AND (p.k % 3 <> 0 OR x.term IN ('hiccups', 'Odd rash'))`); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(ctx, `SELECT code FROM studies ORDER BY code`)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) < 2 {
		t.Fatalf("demo studies: %v", codes)
	}
	counts := func(q string, id int64, terms []string) []string {
		t.Helper()
		rows, err := db.Query(ctx, `SELECT c::text FROM (`+q+`) c ORDER BY 1`, id, terms)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	pages := func() []string {
		t.Helper()
		disclosureCache.Lock()
		clear(disclosureCache.m)
		clear(disclosureCache.loaded)
		disclosureCache.Unlock()
		var out []string
		opt := Options{Today: demoToday, Lang: "en", SmallCell: 5}
		list, err := LoadStudyList(ctx, db, opt)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(list)
		out = append(out, string(b))
		for _, code := range codes {
			st, err := store.Study(ctx, code)
			if err != nil {
				t.Fatal(err)
			}
			var site string
			if err := db.QueryRow(ctx, `SELECT min(s.code) FROM patients p JOIN sites s ON s.id = p.site_id WHERE p.study_id = $1`, st.ID).Scan(&site); err != nil {
				t.Fatal(err)
			}
			for _, f := range []Filter{{}, {Sex: "F"}, {Site: site}, {AgeBand: AgeBands[3].Code}, {Site: site, Sex: "M", AgeBand: AgeBands[4].Code}} {
				d, err := LoadStudy(ctx, db, st, f, opt)
				if err != nil {
					t.Fatal(err)
				}
				b, err := json.Marshal(d)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, string(b))
			}
		}
		return out
	}

	terms := 0
	for _, code := range codes {
		st, err := store.Study(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := LoadStudy(ctx, db, st, Filter{}, Options{Today: demoToday, Lang: "en"}); err != nil { // catches up
			t.Fatal(err)
		}
		got, want := counts(aeTermsSQL, st.ID, st.AETerms), counts(aeTermsFromRowsSQL, st.ID, st.AETerms)
		if !slices.Equal(got, want) {
			t.Fatalf("%s: term counts from the kept sets\n%v\nfrom the rows\n%v", code, got, want)
		}
		terms += len(got)
	}
	if terms == 0 {
		t.Fatal("no term counted at all")
	}

	fast := pages()
	aeTermsQuery = aeTermsFromRowsSQL
	defer func() { aeTermsQuery = aeTermsSQL }()
	slow := pages()
	if len(fast) != len(slow) {
		t.Fatalf("%d pages against %d", len(fast), len(slow))
	}
	for i := range fast {
		if fast[i] != slow[i] {
			t.Errorf("page %d differs from the one counted from the rows:\n%s\n%s", i, fast[i], slow[i])
		}
	}
}

// TestPartialDisclosuresHaveTheDashboardsPatterns: the study list and the overview read
// only some tables of a study's pattern (discParts); each is suppressed exactly as in the
// whole pattern the study's dashboard applies, in every demo study.
func TestPartialDisclosuresHaveTheDashboardsPatterns(t *testing.T) {
	store := demoStore(t)
	ctx := context.Background()
	rows, err := store.DB.Query(ctx, `SELECT code FROM studies ORDER BY code`)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	load := func(st *registry.Study, parts discParts) map[string][]bool {
		t.Helper()
		disclosureCache.Lock()
		clear(disclosureCache.m)
		clear(disclosureCache.loaded)
		disclosureCache.Unlock()
		dc, err := loadDisclosure(ctx, store.DB, st, nil, demoToday, 5, parts)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]bool{}
		for _, tb := range dc.tables() {
			out[tb.name] = tb.suppressed
		}
		return out
	}
	compared, suppressed := 0, 0
	for _, code := range codes {
		st, err := store.Study(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := LoadStudy(ctx, store.DB, st, Filter{}, Options{Today: demoToday, Lang: "en"}); err != nil { // catches up
			t.Fatal(err)
		}
		whole := load(st, allParts)
		for _, parts := range []discParts{partFlow, partOutcomes, partAdverse, partSurvival} {
			for name, got := range load(st, parts) {
				want, ok := whole[name]
				if !ok {
					t.Fatalf("%s, parts %b: table %q is not in the whole pattern", code, parts, name)
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s, parts %b: table %q is suppressed otherwise than in the whole pattern", code, parts, name)
				}
				compared++
				for _, s := range got {
					if s {
						suppressed++
					}
				}
			}
		}
	}
	if compared == 0 || suppressed == 0 {
		t.Fatalf("compared %d tables with %d suppressed cells: nothing tested", compared, suppressed)
	}
	t.Logf("%d tables compared, %d suppressed cells", compared, suppressed)
}

// TestBlindedStudyListFollowsThePooledPattern: a researcher sees a blinded study pooled,
// on its dashboard and in the study list alike; the list hides a total over the visits
// exactly when the pooled dashboard hides one of its parts, never because of a small
// count in an arm the researcher may not see.
func TestBlindedStudyListFollowsThePooledPattern(t *testing.T) {
	store := demoStore(t)
	ctx := context.Background()
	opt := Options{Today: demoToday, Lang: "en", SmallCell: 5, Reader: &registry.User{Role: registry.RoleResearcher}}
	st, err := store.Study(ctx, "knee-oa")
	if err != nil {
		t.Fatal(err)
	}
	if !st.IsBlinded() {
		t.Fatal("the demo knee-oa study is not blinded: nothing to test")
	}
	d, err := LoadStudy(ctx, store.DB, st, Filter{}, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Arms) != 1 || d.Arms[0].Code != PooledArm {
		t.Fatalf("the researcher's dashboard shows the arms %v, not one pooled arm", d.Arms)
	}
	seen, missed := true, true
	done, gone := 0, 0
	for _, v := range d.Flow.Visits {
		for _, a := range v.Arms {
			seen, missed = seen && !a.Seen.Suppressed, missed && !a.Missed.Suppressed
			done, gone = done+a.Seen.N, gone+a.Missed.N
		}
	}
	list, err := LoadStudyList(ctx, store.DB, opt)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(list, func(s StudyInfo) bool { return s.Code == "knee-oa" })
	if i < 0 {
		t.Fatal("knee-oa is not in the study list")
	}
	row := list[i]
	if row.VisitsDone.Suppressed == seen || row.VisitsMissed.Suppressed == missed {
		t.Fatalf("study list: visits done hidden %t, missed hidden %t; the pooled dashboard shows every visit's seen %t, missed %t",
			row.VisitsDone.Suppressed, row.VisitsMissed.Suppressed, seen, missed)
	}
	if seen && row.VisitsDone.N != done || missed && row.VisitsMissed.N != gone {
		t.Fatalf("study list: %d done and %d missed, the pooled dashboard's visits add up to %d and %d", row.VisitsDone.N, row.VisitsMissed.N, done, gone)
	}
	if enrolled := d.Flow.Enrolled; row.Enrolled != enrolled {
		t.Fatalf("study list: enrolled %+v, the pooled dashboard %+v", row.Enrolled, enrolled)
	}
}
