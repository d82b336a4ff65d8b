package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"outcomereg/registry"
)

// dueVisit finds a knee-oa visit due today at Copenhagen in the demo data.
func dueVisit(t testing.TB, tr *testRegistry) registry.WorklistEntry {
	t.Helper()
	u := &registry.User{Role: registry.RoleNurse, Sites: []string{"copenhagen"}}
	wl, err := tr.store.Worklist(context.Background(), u, demoToday, "KOA-")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range wl.Entries {
		if e.State == registry.StateDue && e.StudyCode == "knee-oa" {
			return e
		}
	}
	t.Fatal("no knee-oa visit due at Copenhagen in the demo data")
	return registry.WorklistEntry{}
}

func post(t testing.TB, c *http.Client, target string, form url.Values) (int, string, string) {
	t.Helper()
	resp, err := c.PostForm(target, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Location")
}

func kneeVisitForm(pain string) url.Values {
	form := url.Values{"state": {"done"}, "visit_date": {"2026-11-23"}, "m_pain_nrs": {pain},
		"m_koos_adl": {"70"}, "mm_koos_qol": {"not_done"}, "notes": {"Walked in"}, "version": {"0"}}
	for item, answer := range kneeKOOSPain {
		form.Set("m_koos_pain__"+item, answer)
	}
	return form
}

// kneeKOOSPain answers the KOOS pain items P1–P9 (2,1,1,2,0,1,3,2,1: a mean of 13/9, so a
// score of 100 − 13/9 × 25 = 63.89).
var kneeKOOSPain = map[string]string{"p1": "2", "p2": "1", "p3": "1", "p4": "2", "p5": "0", "p6": "1", "p7": "3", "p8": "2", "p9": "1"}

func TestVisitFormComesBackWithMessagesAndValuesKept(t *testing.T) {
	tr := newTestRegistry(t)
	e := dueVisit(t, tr)
	c := tr.client(t, "nurse.copenhagen@demo.registry")
	target := tr.URL + "/studies/knee-oa/patients/" + e.Number + "/visits/" + e.VisitCode
	if status, body := get(t, c, target); status != http.StatusOK || !strings.Contains(body, `id="m_pain_nrs"`) || !strings.Contains(body, `for="m_pain_nrs"`) {
		t.Fatalf("form: %d, no labelled pain field", status)
	}
	before := auditCount(t, tr)
	status, body, _ := post(t, c, target, kneeVisitForm("11"))
	if status != http.StatusBadRequest {
		t.Fatalf("out-of-range value: %d, want 400", status)
	}
	for _, want := range []string{
		`id="m_pain_nrs-error"`, "11 is outside the allowed range (0-10).", // the message, at its field
		`value="11"`, `name="m_koos_pain__p7" value="3" checked`, `value="70"`, `value="not_done" selected`, "Walked in", // everything typed
		`<output id="m_koos_pain-score">63.89</output>`, // the score the answers give
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the form that came back lacks %q", want)
		}
	}
	if strings.Contains(body, `id="m_koos_pain-error"`) {
		t.Error("a message at a field that was fine")
	}
	if after := auditCount(t, tr); after != before {
		t.Fatal("an invalid form saved something")
	}
	status, _, loc := post(t, c, target, kneeVisitForm("7"))
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/studies/knee-oa/patients/"+e.Number) {
		t.Fatalf("valid form: %d to %q", status, loc)
	}
	_, page := get(t, c, tr.URL+"/studies/knee-oa/patients/"+e.Number)
	if !strings.Contains(page, "7 points") || !strings.Contains(page, "63.89 points") || !strings.Contains(page, "not done") {
		t.Fatal("the patient page does not show the saved values")
	}
	// In Swedish the message comes back in Swedish, and the page says so.
	req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(kneeVisitForm("x").Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "sv-SE,sv;q=0.9")
	sv := tr.client(t, "nurse.copenhagen@demo.registry")
	resp, err := sv.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `<html lang="sv">`) || !strings.Contains(string(b), "&#34;x&#34; är inte ett tal") {
		t.Errorf("Swedish form: no lang=sv or no Swedish message")
	}
}

func TestSecondSaveOfTheSameVisitShowsBothValues(t *testing.T) {
	tr := newTestRegistry(t)
	e := dueVisit(t, tr)
	first := tr.client(t, "nurse.copenhagen@demo.registry")
	second := tr.client(t, "admin@demo.registry")
	target := tr.URL + "/studies/knee-oa/patients/" + e.Number + "/visits/" + e.VisitCode
	if status, _, _ := post(t, first, target, kneeVisitForm("3")); status != http.StatusSeeOther {
		t.Fatalf("record: %d", status)
	}
	// Both open the recorded visit (version 1) and correct it.
	a, b := kneeVisitForm("4"), kneeVisitForm("9")
	for _, f := range []url.Values{a, b} {
		f.Set("version", "1")
		f.Set("reason", "recounted")
	}
	if status, _, _ := post(t, first, target, a); status != http.StatusSeeOther {
		t.Fatalf("first correction: %d", status)
	}
	status, body, _ := post(t, second, target, b)
	if status != http.StatusConflict {
		t.Fatalf("second correction: %d, want 409", status)
	}
	if !strings.Contains(body, `id="compare"`) || !strings.Contains(body, ">9<") || !strings.Contains(body, "4 points") {
		t.Fatal("the conflict page does not show their value (9) beside the current one (4)")
	}
	if !strings.Contains(body, `name="version" value="2"`) {
		t.Fatal("the conflict page's form is not based on the current version")
	}
	var pain float64
	tr.store.DB.QueryRow(context.Background(), `SELECT vv.value FROM visit_values vv JOIN visits v ON v.id = vv.visit_id
		JOIN patients p ON p.id = v.patient_id JOIN measures m ON m.id = vv.measure_id
		JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id
		WHERE p.study_number = $1 AND sv.code = $2 AND m.code = 'pain_nrs'`, e.Number, e.VisitCode).Scan(&pain)
	if pain != 4 {
		t.Fatalf("pain is %v, want the first correction's 4: a silent overwrite", pain)
	}
	// The correction is in the patient's audit trail, with its reason; filtering by another
	// user hides it.
	_, audit := get(t, first, tr.URL+"/studies/knee-oa/patients/"+e.Number+"/audit")
	if !strings.Contains(audit, "recounted") || !strings.Contains(audit, e.VisitCode+"/pain_nrs") {
		t.Fatal("the audit trail does not show the correction")
	}
	_, audit = get(t, first, tr.URL+"/studies/knee-oa/patients/"+e.Number+"/audit?user=admin@demo.registry")
	if strings.Contains(audit, "recounted") {
		t.Fatal("the filter by user shows another user's correction")
	}
	if status, _ := get(t, first, tr.URL+"/studies/knee-oa/patients/"+e.Number+"/audit?from=yesterday"); status != http.StatusBadRequest {
		t.Fatalf("bad date filter: %d, want 400", status)
	}
}

func TestWorklistPage(t *testing.T) {
	tr := newTestRegistry(t)
	c := tr.client(t, "nurse.copenhagen@demo.registry")
	status, body := get(t, c, tr.URL+"/worklist")
	if status != http.StatusOK || !strings.Contains(body, `href="/studies/knee-oa/patients/KOA-`) || !strings.Contains(body, "Overdue: ") {
		t.Fatalf("worklist: %d, no patient links or counts", status)
	}
	if strings.Contains(body, "LIV-") || strings.Contains(body, "MS-0") {
		t.Fatal("the Copenhagen nurse sees patients of studies not at Copenhagen")
	}
	e := dueVisit(t, tr)
	_, body = get(t, c, tr.URL+"/worklist?q="+url.QueryEscape(e.Number))
	if !strings.Contains(body, e.Number) || strings.Count(body, `href="/studies/knee-oa/patients/`) > 10 {
		t.Fatal("search by study number does not narrow the list")
	}
	if status, _ := get(t, c, tr.URL+"/worklist?q=%25%27%3B--"); status != http.StatusOK {
		t.Fatalf("odd search: %d", status)
	}
}

func TestEnrolAllocatesAndAudits(t *testing.T) {
	tr := newTestRegistry(t)
	c := tr.client(t, "nurse.copenhagen@demo.registry")
	form := url.Values{"site": {"copenhagen"}, "number": {"KOA-900001"}, "sex": {"F"}, "birth_year": {"1961"},
		"enrolled_on": {"2026-11-20"}, "treated_on": {"2026-11-23"}, "allocation": {"registry"}}
	status, _, loc := post(t, c, tr.URL+"/studies/knee-oa/patients", form)
	if status != http.StatusSeeOther || loc != "/studies/knee-oa/patients/KOA-900001?saved=enrolment" {
		t.Fatalf("enrol: %d to %q", status, loc)
	}
	status, body, _ := post(t, c, tr.URL+"/studies/knee-oa/patients", form)
	if status != http.StatusBadRequest || !strings.Contains(body, "This study number is already used in the study.") && !strings.Contains(body, `id="number-error"`) {
		t.Fatalf("second enrolment with the same number: %d", status)
	}
	form.Set("site", "aarhus")
	form.Set("number", "KOA-900002")
	if status, _, _ := post(t, c, tr.URL+"/studies/knee-oa/patients", form); status != http.StatusBadRequest {
		t.Fatalf("enrol at another site: %d, want 400", status)
	}
	var n int
	tr.store.DB.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'allocate' AND entity_id = 'KOA-900001'`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d allocation audit rows, want 1", n)
	}
}

// Nothing a user can send ends in a 500: bytes PostgreSQL refuses, odd paths and ids.
func TestOddInputNeverAnswers500(t *testing.T) {
	tr := newTestRegistry(t)
	e := dueVisit(t, tr)
	c := tr.client(t, "nurse.copenhagen@demo.registry")
	patient := tr.URL + "/studies/knee-oa/patients/" + e.Number
	for _, path := range []string{
		"/studies/knee-oa/patients/%FF", "/studies/%00/patients/KOA-000001", "/studies/knee-oa/patients/KOA-000001/visits/%FF",
		"/studies/knee-oa/patients/KOA-000001/adverse-events/99999999999999999999", "/studies/knee-oa/patients/KOA-000001/adverse-events/-1",
		"/studies/nope/patients/KOA-000001", "/studies/knee-oa/patients/KOA-000001/visits/nope", "/worklist?q=%FF%00",
		"/studies/knee-oa/patients/KOA-000001/audit?from=2026-13-45&user=%00",
	} {
		if status, _ := get(t, c, tr.URL+path); status == http.StatusInternalServerError || status == http.StatusOK && strings.Contains(path, "%FF/") {
			t.Errorf("GET %s: %d", path, status)
		}
	}
	form := kneeVisitForm("5")
	form.Set("m_koos_adl", "1e400")
	if status, body, _ := post(t, c, patient+"/visits/"+e.VisitCode, form); status != http.StatusBadRequest || !strings.Contains(body, "&#34;1e400&#34; is not a number") {
		t.Fatalf("a huge number: %d", status)
	}
	form.Set("m_koos_adl", "70")
	form.Set("notes", "bad \x00 bytes \xff here")
	if status, body, _ := post(t, c, patient+"/visits/"+e.VisitCode, form); status != http.StatusBadRequest || !strings.Contains(body, "not allowed") {
		t.Fatalf("odd bytes in the notes: %d, want 400 and nothing saved", status)
	}
	form.Set("notes", "fine")
	if status, _, _ := post(t, c, patient+"/visits/"+e.VisitCode, form); status != http.StatusSeeOther {
		t.Fatalf("the same form without odd bytes: %d, want saved", status)
	}
	for _, f := range []url.Values{{"term": {"\x00"}, "grade": {"x"}}, {"grade": {"99999999999999999999"}}} {
		if status, _, _ := post(t, c, patient+"/adverse-events", f); status != http.StatusBadRequest {
			t.Errorf("adverse event %v: %d, want 400", f, status)
		}
	}
	if status, _, _ := post(t, c, patient+"/events/abc/delete", url.Values{"reason": {"x"}}); status != http.StatusNotFound {
		t.Errorf("delete event abc: %d, want 404", status)
	}
}
