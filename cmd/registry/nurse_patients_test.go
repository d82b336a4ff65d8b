package main

import (
	"context"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
)

func init() {
	decide("GET /patients", "nurse", "admin")
}

// listedNumbers are the study numbers a patient list page links to, with their links.
func listedNumbers(t *testing.T, body string) map[string]string {
	t.Helper()
	out := map[string]string{}
	re := regexp.MustCompile(`<td><a href="(/studies/[^"]+/patients/[^"]+)">([^<]+)</a></td>`)
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		out[m[2]] = m[1]
	}
	return out
}

// TestPatientList: a nurse sees her sites' patients of every status in the studies her sites
// take part in, searchable and filterable, each linking to the patient's page; an
// administrator sees every site; researchers and statisticians are refused.
func TestPatientList(t *testing.T) {
	tr := newTestRegistry(t)
	ctx := context.Background()
	// A withdrawn Lund patient, and a knee patient put at Lund behind the rules' back (Lund
	// does not take part in the knee study): the first is listed, the second is not.
	var withdrawn string
	if err := tr.store.DB.QueryRow(ctx, `UPDATE patients SET status = 'withdrawn', status_on = enrolled_on
		WHERE id = (SELECT p.id FROM patients p JOIN sites si ON si.id = p.site_id JOIN studies st ON st.id = p.study_id
			WHERE si.code = 'lund' AND st.code = 'ms-ahsct' AND p.status = 'active' ORDER BY p.study_number LIMIT 1)
		RETURNING study_number`).Scan(&withdrawn); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.store.DB.Exec(ctx, `INSERT INTO patients (study_id, site_id, study_number, arm_id, sex, birth_year, enrolled_on, treated_on)
		SELECT st.id, si.id, 'KOA-LUND-1', (SELECT id FROM arms WHERE study_id = st.id LIMIT 1), 'F', 1960, '2026-01-01', '2026-01-01'
		FROM studies st, sites si WHERE st.code = 'knee-oa' AND si.code = 'lund'`); err != nil {
		t.Fatal(err)
	}
	// The independent count: Lund's patients in ms-ahsct and ssc-ahsct, every status.
	var want []string
	rows, err := tr.store.DB.Query(ctx, `SELECT p.study_number FROM patients p JOIN sites si ON si.id = p.site_id
		JOIN studies st ON st.id = p.study_id WHERE si.code = 'lund' AND st.code IN ('ms-ahsct', 'ssc-ahsct')`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		want = append(want, n)
	}
	rows.Close()
	if len(want) == 0 || len(want) > 500 {
		t.Fatalf("%d Lund patients in the demo data", len(want))
	}

	lund := tr.client(t, "nurse.lund@demo.registry")
	status, body := get(t, lund, tr.URL+"/patients")
	if status != http.StatusOK {
		t.Fatalf("nurse: %d", status)
	}
	got := listedNumbers(t, body)
	var gotNumbers []string
	for n := range got {
		gotNumbers = append(gotNumbers, n)
	}
	sort.Strings(gotNumbers)
	sort.Strings(want)
	if strings.Join(gotNumbers, ",") != strings.Join(want, ",") {
		t.Fatalf("Lund nurse sees %d patients, want %d (Lund's, in the studies Lund takes part in)", len(gotNumbers), len(want))
	}
	if _, ok := got[withdrawn]; !ok {
		t.Error("a withdrawn patient is not listed")
	}
	if _, ok := got["KOA-LUND-1"]; ok {
		t.Error("a patient of a study Lund does not take part in is listed")
	}
	// The row links to the patient's page, which opens.
	if link := got[withdrawn]; link != "/studies/ms-ahsct/patients/"+withdrawn {
		t.Errorf("link %q", link)
	} else if st, page := get(t, lund, tr.URL+link); st != http.StatusOK || !strings.Contains(page, withdrawn) {
		t.Errorf("the patient's page: %d", st)
	}
	// Search and filters.
	_, body = get(t, lund, tr.URL+"/patients?q="+withdrawn)
	if g := listedNumbers(t, body); len(g) != 1 || g[withdrawn] == "" {
		t.Errorf("search %s: %v", withdrawn, g)
	}
	_, body = get(t, lund, tr.URL+"/patients?status=withdrawn&study=ms-ahsct")
	if g := listedNumbers(t, body); g[withdrawn] == "" {
		t.Errorf("status filter: %v", g)
	} else {
		for n := range g {
			var s string
			tr.store.DB.QueryRow(ctx, `SELECT status FROM patients WHERE study_number = $1`, n).Scan(&s)
			if s != "withdrawn" {
				t.Errorf("status filter lists %s (%s)", n, s)
			}
		}
	}
	_, body = get(t, lund, tr.URL+"/patients?study=ssc-ahsct")
	for n := range listedNumbers(t, body) {
		if !strings.HasPrefix(n, "SSC") {
			t.Errorf("study filter lists %s", n)
		}
	}
	// A nurse asking for another site's patients gets none.
	if _, body = get(t, lund, tr.URL+"/patients?site=madrid"); len(listedNumbers(t, body)) != 0 {
		t.Error("a Lund nurse sees Madrid's patients")
	}
	if st, _ := get(t, lund, tr.URL+"/patients?status=zombie"); st != http.StatusBadRequest {
		t.Errorf("unknown status: %d, want 400", st)
	}
	// The administrator sees every site, the knee patient at Lund too.
	admin := tr.client(t, "admin@demo.registry")
	_, body = get(t, admin, tr.URL+"/patients?site=madrid")
	if g := listedNumbers(t, body); len(g) == 0 {
		t.Error("the administrator sees no Madrid patients")
	}
	if _, body = get(t, admin, tr.URL+"/patients?q=KOA-LUND-1"); listedNumbers(t, body)["KOA-LUND-1"] == "" {
		t.Error("the administrator does not see every patient")
	}
	for _, who := range []string{"researcher@demo.registry", "statistician@demo.registry"} {
		if st, _ := get(t, tr.client(t, who), tr.URL+"/patients"); st != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", who, st)
		}
	}
}

// TestEnrolOnlyIntoStudiesYourSitesTakePartIn: Lund does not take part in the knee study: its
// nurse has no enrolment form nor link for it, a posted enrolment answers 404 and changes
// nothing, and a knee patient put at Lund is not on her worklist.
func TestEnrolOnlyIntoStudiesYourSitesTakePartIn(t *testing.T) {
	tr := newTestRegistry(t)
	ctx := context.Background()
	lund := tr.client(t, "nurse.lund@demo.registry")
	if st, _ := get(t, lund, tr.URL+"/studies/knee-oa/enrol"); st != http.StatusNotFound {
		t.Errorf("enrolment form of the knee study: %d, want 404", st)
	}
	before := auditCount(t, tr)
	st, _, _ := post(t, lund, tr.URL+"/studies/knee-oa/patients", map[string][]string{"site": {"lund"}, "number": {"KOA-X1"},
		"sex": {"F"}, "birth_year": {"1960"}, "enrolled_on": {"2026-11-20"}, "treated_on": {"2026-11-20"}, "allocation": {"registry"}})
	if st != http.StatusNotFound || auditCount(t, tr) != before {
		t.Errorf("enrolment into the knee study: %d, want 404 and nothing saved", st)
	}
	_, body := get(t, lund, tr.URL+"/worklist")
	if strings.Contains(body, `href="/studies/knee-oa/enrol"`) || !strings.Contains(body, `href="/studies/ms-ahsct/enrol"`) {
		t.Error("the worklist's enrolment links are not Lund's studies")
	}
	if st, _ := get(t, lund, tr.URL+"/studies/ms-ahsct/enrol"); st != http.StatusOK {
		t.Errorf("enrolment form of a study Lund takes part in: %d", st)
	}
	// A Copenhagen nurse can enrol into the knee study.
	if st, _ := get(t, tr.client(t, "nurse.copenhagen@demo.registry"), tr.URL+"/studies/knee-oa/enrol"); st != http.StatusOK {
		t.Errorf("Copenhagen, knee enrolment form: %d", st)
	}
	if _, err := tr.store.DB.Exec(ctx, `INSERT INTO patients (study_id, site_id, study_number, arm_id, sex, birth_year, enrolled_on, treated_on)
		SELECT st.id, si.id, 'KOA-LUND-1', (SELECT id FROM arms WHERE study_id = st.id LIMIT 1), 'F', 1960, '2026-01-01', '2026-01-01'
		FROM studies st, sites si WHERE st.code = 'knee-oa' AND si.code = 'lund'`); err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, lund, tr.URL+"/worklist?q=KOA-LUND"); strings.Contains(body, "KOA-LUND-1") {
		t.Error("a knee patient at Lund is on the Lund worklist")
	}
}

// TestSingleArmEnrolmentOffersNoAllocation: the MS cohort has one arm: its enrolment form
// offers no choice of arm, and the form as sent enrols the patient in that arm.
func TestSingleArmEnrolmentOffersNoAllocation(t *testing.T) {
	tr := newTestRegistry(t)
	lund := tr.client(t, "nurse.lund@demo.registry")
	_, page := get(t, lund, tr.URL+"/studies/ms-ahsct/enrol")
	if !strings.Contains(page, `id="single-arm"`) || strings.Contains(page, `id="allocation-external"`) {
		t.Fatal("the single-arm enrolment form offers a choice of arm")
	}
	token := formTokenOf(t, page)
	st, _, loc := post(t, lund, tr.URL+"/studies/ms-ahsct/patients", map[string][]string{"site": {"lund"}, "number": {"MS-ONE-1"},
		"sex": {"F"}, "birth_year": {"1980"}, "enrolled_on": {"2026-11-20"}, "treated_on": {"2026-11-20"}, "allocation": {"registry"},
		"form_token": {token}})
	if st != http.StatusSeeOther || !strings.Contains(loc, "MS-ONE-1") {
		t.Fatalf("enrol: %d %q", st, loc)
	}
	if _, page := get(t, lund, tr.URL+loc); !strings.Contains(page, "The patient was enrolled.") {
		t.Error("no confirmation after the enrolment")
	}
	// A study number that is not one: the example is the study's own, not a knee number.
	_, page = get(t, lund, tr.URL+"/studies/ms-ahsct/enrol")
	st, body, _ := post(t, lund, tr.URL+"/studies/ms-ahsct/patients", map[string][]string{"site": {"lund"}, "number": {"MS 2"},
		"sex": {"F"}, "birth_year": {"1980"}, "enrolled_on": {"2026-11-20"}, "treated_on": {"2026-11-20"}, "allocation": {"registry"},
		"form_token": {formTokenOf(t, page)}})
	if st != http.StatusBadRequest || !strings.Contains(body, "(e.g. MS-") || strings.Contains(body, "KOA") {
		t.Errorf("a bad study number: %d, the example is not the study's own", st)
	}
	_, page = get(t, tr.client(t, "nurse.copenhagen@demo.registry"), tr.URL+"/studies/ssc-ahsct/enrol")
	if !strings.Contains(page, `id="single-arm"`) {
		t.Error("the SSc cohort (one arm) offers a choice")
	}
}
