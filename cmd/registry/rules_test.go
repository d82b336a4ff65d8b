package main

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"outcomereg/registry"
)

// msPatient is an active MS patient at Lund with visit m6 not recorded and its window
// already open, and with no event yet: what every writer below is tried on.
type msPatient struct {
	number            string
	treated, enrolled time.Time
}

func findMSPatient(t *testing.T, tr *testRegistry) msPatient {
	t.Helper()
	var p msPatient
	err := tr.store.DB.QueryRow(context.Background(), `
		SELECT p.study_number, p.treated_on, p.enrolled_on FROM patients p
		JOIN studies st ON st.id = p.study_id JOIN sites si ON si.id = p.site_id
		JOIN scheduled_visits sv ON sv.study_id = st.id AND sv.code = 'm6'
		WHERE st.code = 'ms-ahsct' AND si.code = 'lund' AND p.status = 'active'
		  AND p.treated_on + 200 < $1::date AND p.treated_on > $1::date - 3000
		  AND NOT EXISTS (SELECT FROM visits v WHERE v.patient_id = p.id AND v.scheduled_visit_id = sv.id)
		  AND NOT EXISTS (SELECT FROM events e WHERE e.patient_id = p.id)
		ORDER BY p.study_number LIMIT 1`, demoToday).Scan(&p.number, &p.treated, &p.enrolled)
	if err != nil {
		t.Fatalf("no MS patient at Lund with m6 to record: %v", err)
	}
	return p
}

// TestSameRulesForEveryWriter feeds the same bad input to the nurse's form (HTTP), the web
// import and the command-line import, and expects from each the same refusal, with the same
// message, and nothing changed.
func TestSameRulesForEveryWriter(t *testing.T) {
	tr := newTestRegistry(t)
	p := findMSPatient(t, tr)
	nurse := tr.client(t, "nurse.lund@demo.registry")
	stat := tr.client(t, "statistician@demo.registry")
	day := func(d time.Time) string { return d.Format(time.DateOnly) }
	today := demoToday // 00:00 UTC: the same date at Lund
	okDate := day(p.treated.AddDate(0, 0, 182))
	dir := t.TempDir()

	type visitCase struct {
		name, value, date string
		want              string // the message, in English
	}
	visitCases := []visitCase{
		{"EDSS off its 0.5 steps", "3.3", okDate, "3.3 does not fit the steps of 0.5 (from 0)."},
		{"out of range", "10.5", okDate, "10.5 is outside the allowed range (0-10)."},
		{"Go's digit separators", "1_0", okDate, `"1_0" is not a number: write digits with at most one decimal mark (. or ,) and an optional leading minus, e.g. 12.5.`},
		{"a hexadecimal float", "0x1p2", okDate, `"0x1p2" is not a number: write digits`},
		{"an exponent that underflows to 0", "1e-400", okDate, `"1e-400" is not a number: write digits`},
		{"Infinity", "Inf", okDate, `"Inf" is not a number: write digits`},
		{"a visit after today", "3.5", day(today.AddDate(0, 0, 1)), day(today.AddDate(0, 0, 1)) + " is after today (" + day(today) + ")."},
		{"a visit before the treatment", "3.5", day(p.treated.AddDate(0, 0, -1)),
			day(p.treated.AddDate(0, 0, -1)) + " is before the treatment date (" + day(p.treated) + ")."},
		{"year 0", "3.5", "0000-01-01", "0000-01-01 is before 1900."},
		{"not a date", "3.5", "31/12/2025", `"31/12/2025" is not a date like 2026-01-31.`},
	}
	visitForm := tr.URL + "/studies/ms-ahsct/patients/" + p.number + "/visits/m6"
	for _, c := range visitCases {
		t.Run(c.name, func(t *testing.T) {
			before := auditCount(t, tr)
			// The form.
			status, body, _ := post(t, nurse, visitForm, url.Values{"state": {"done"}, "visit_date": {c.date},
				"m_edss": {c.value}, "version": {"0"}})
			if status != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), c.want) {
				t.Errorf("form: %d, want 400 with %q", status, c.want)
			}
			// The web import and the command line, of the same row.
			csv := "patient,visit,visit_date,measure,value,missing_code\n" + p.number + ",m6," + c.date + ",edss," + c.value + ",\n"
			status, body = upload(t, stat, tr.URL+"/studies/ms-ahsct/import", "long", "bad.csv", csv)
			if status != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), c.want) {
				t.Errorf("web import: %d, want 400 with %q", status, c.want)
			}
			file := filepath.Join(dir, "bad.csv")
			if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := tr.cli(t, "import", "--study", "ms-ahsct", "--table", "long", file)
			if err == nil || !strings.Contains(out, c.want) {
				t.Errorf("command-line import: %v, want refused with %q:\n%s", err, c.want, out)
			}
			if after := auditCount(t, tr); after != before {
				t.Errorf("%d audit rows written by refused input", after-before)
			}
		})
	}
	// "1,000": typed in a form it may be a thousand; in a comma-separated file the decimal
	// mark is '.'. Both refuse it, naming what was typed.
	status, body, _ := post(t, nurse, visitForm, url.Values{"state": {"done"}, "visit_date": {okDate}, "m_edss": {"1,000"}, "version": {"0"}})
	if status != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), `"1,000" could be a thousand or a decimal`) {
		t.Errorf("form 1,000: %d", status)
	}
	csv := "patient,visit,visit_date,measure,value,missing_code\n" + p.number + ",m6," + okDate + `,edss,"1,000",` + "\n"
	if status, body := upload(t, stat, tr.URL+"/studies/ms-ahsct/import", "long", "bad.csv", csv); status != http.StatusBadRequest ||
		!strings.Contains(html.UnescapeString(body), `"1,000" is not a number`) {
		t.Errorf("import 1,000: %d", status)
	}

	// Events: not before the treatment, not after today.
	for _, c := range []struct{ date, want string }{
		{day(p.treated.AddDate(0, 0, -3)), day(p.treated.AddDate(0, 0, -3)) + " is before the treatment date (" + day(p.treated) + ")."},
		{day(today.AddDate(0, 0, 2)), day(today.AddDate(0, 0, 2)) + " is after today (" + day(today) + ")."},
	} {
		before := auditCount(t, tr)
		status, body, _ := post(t, nurse, tr.URL+"/studies/ms-ahsct/patients/"+p.number+"/events",
			url.Values{"type": {"relapse"}, "occurred_on": {c.date}})
		if status != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), c.want) {
			t.Errorf("event form %s: %d, want 400 with %q", c.date, status, c.want)
		}
		csv := "patient,event,occurred_on,notes\n" + p.number + ",relapse," + c.date + ",\n"
		if status, body := upload(t, stat, tr.URL+"/studies/ms-ahsct/import", "events", "e.csv", csv); status != http.StatusBadRequest ||
			!strings.Contains(html.UnescapeString(body), c.want) {
			t.Errorf("event import %s: %d, want 400 with %q", c.date, status, c.want)
		}
		if auditCount(t, tr) != before {
			t.Error("a refused event changed something")
		}
	}

	// Patients: a treatment years ahead (a treatment is recorded once given; see
	// TestSameTreatmentDateRuleForEveryWriter), a status date before enrolment, a site not in the study.
	header := "patient,site,arm,sex,birth_year,enrolled_on,treated_on,status,status_on\n"
	for _, c := range []struct{ row, want string }{
		{"MS-NEW1,lund,ahsct,F,1970," + day(today) + "," + day(today.AddDate(3, 0, 0)) + ",active,\n",
			day(today.AddDate(3, 0, 0)) + " is after today (" + day(today) + ")."},
		{"MS-NEW2,lund,ahsct,F,1970," + day(today.AddDate(0, -1, 0)) + "," + day(today.AddDate(0, -1, 0)) + ",withdrawn," + day(today.AddDate(0, -2, 0)) + "\n",
			day(today.AddDate(0, -2, 0)) + " is before the enrolment date (" + day(today.AddDate(0, -1, 0)) + ")."},
		{"MS-NEW4,copenhagen,ahsct,F,1970," + day(today) + "," + day(today) + ",active,\n",
			`the site "copenhagen" does not take part in study ms-ahsct`},
	} {
		status, body := upload(t, stat, tr.URL+"/studies/ms-ahsct/import", "patients", "p.csv", header+c.row)
		if status != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), c.want) {
			t.Errorf("patients import %q: %d, want 400 with %q", c.row, status, c.want)
		}
	}
	// The enrolment form refuses the treatment years ahead with the same words.
	status, body, _ = post(t, nurse, tr.URL+"/studies/ms-ahsct/patients", url.Values{"site": {"lund"}, "number": {"MS-NEW1"},
		"sex": {"F"}, "birth_year": {"1970"}, "enrolled_on": {day(today)}, "treated_on": {day(today.AddDate(3, 0, 0))},
		"allocation": {"registry"}})
	if want := day(today.AddDate(3, 0, 0)) + " is after today"; status != http.StatusBadRequest ||
		!strings.Contains(html.UnescapeString(body), want) {
		t.Errorf("enrolment: %d, want 400 with %q", status, want)
	}
}

// TestImportedDeathSetsDead: a death imported in an events file sets the patient dead on its
// date, as the event form does (audit row included); the patient leaves the worklist; a
// patients file that says otherwise is refused.
func TestImportedDeathSetsDead(t *testing.T) {
	tr := newTestRegistry(t)
	ctx := context.Background()
	p := findMSPatient(t, tr)
	stat := tr.client(t, "statistician@demo.registry")
	died := p.treated.AddDate(0, 0, 190).Format(time.DateOnly)
	lund := &registry.User{Role: registry.RoleNurse, Sites: []string{"lund"}}
	listed := func() bool {
		wl, err := tr.store.Worklist(ctx, lund, demoToday, p.number)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range wl.Entries {
			if e.Number == p.number {
				return true
			}
		}
		return false
	}
	if !listed() {
		t.Fatal("the patient's overdue visit is not on the worklist to begin with")
	}
	csv := "patient,event,occurred_on,notes\n" + p.number + ",death," + died + ",\n"
	if status, body := upload(t, stat, tr.URL+"/studies/ms-ahsct/import", "events", "death.csv", csv); status != http.StatusOK {
		t.Fatalf("import of a death: %d\n%s", status, body)
	}
	var status string
	var on time.Time
	var audited int
	if err := tr.store.DB.QueryRow(ctx, `SELECT p.status, p.status_on,
			(SELECT count(*) FROM audit_log a WHERE a.patient_id = p.id AND a.entity = 'patient' AND a.after->>'status' = 'dead')
		FROM patients p WHERE p.study_number = $1`, p.number).Scan(&status, &on, &audited); err != nil {
		t.Fatal(err)
	}
	if status != "dead" || on.Format(time.DateOnly) != died || audited != 1 {
		t.Fatalf("after the import: %s on %s, %d audit rows; want dead on %s, 1 row", status, on.Format(time.DateOnly), audited, died)
	}
	if listed() {
		t.Error("a dead patient is still on the worklist")
	}
	// Importing the same file again changes nothing; a second death on another day is refused.
	if st, _ := upload(t, stat, tr.URL+"/studies/ms-ahsct/import", "events", "death.csv", csv); st != http.StatusOK {
		t.Errorf("re-import: %d", st)
	}
	other := "patient,event,occurred_on,notes\n" + p.number + ",death," + p.treated.AddDate(0, 0, 200).Format(time.DateOnly) + ",\n"
	if st, body := upload(t, stat, tr.URL+"/studies/ms-ahsct/import", "events", "death2.csv", other); st != http.StatusBadRequest ||
		!strings.Contains(html.UnescapeString(body), "The patient's death is already recorded (on "+died+").") {
		t.Errorf("a second death: %d", st)
	}
	// A patients file that makes the dead patient active again, or dates the death otherwise.
	row := func(status, on string) string {
		return "patient,site,arm,sex,birth_year,enrolled_on,treated_on,status,status_on\n" +
			p.number + ",lund,ahsct,F,1970," + p.enrolled.Format(time.DateOnly) + "," + p.treated.Format(time.DateOnly) + "," + status + "," + on + "\n"
	}
	for _, c := range []struct{ file, want string }{
		{row("active", ""), "The patient's death is recorded on " + died + ": the status must be dead."},
		{row("dead", p.treated.AddDate(0, 0, 195).Format(time.DateOnly)), "The patient's death is recorded on " + died + ": the status date must be that day."},
	} {
		if st, body := upload(t, stat, tr.URL+"/studies/ms-ahsct/import", "patients", "p.csv", c.file); st != http.StatusBadRequest ||
			!strings.Contains(html.UnescapeString(body), c.want) {
			t.Errorf("patients file against the death: %d, want %q", st, c.want)
		}
	}
}

// TestImportedDeadStatusRecordsTheDeath: a patients file that says dead, for a patient
// without a recorded death, records the death event on the status date (so that survival
// counts it), and the events file with that death then imports as unchanged.
func TestImportedDeadStatusRecordsTheDeath(t *testing.T) {
	tr := newTestRegistry(t)
	ctx := context.Background()
	stat := tr.client(t, "statistician@demo.registry")
	day := func(d time.Time) string { return d.Format(time.DateOnly) }
	enrolled, died := demoToday.AddDate(-1, 0, 0), demoToday.AddDate(0, -2, 0)
	file := "patient,site,arm,sex,birth_year,enrolled_on,treated_on,status,status_on\n" +
		"MS-DEAD1,lund,ahsct,M,1975," + day(enrolled) + "," + day(enrolled) + ",dead," + day(died) + "\n"
	if st, body := upload(t, stat, tr.URL+"/studies/ms-ahsct/import", "patients", "p.csv", file); st != http.StatusOK {
		t.Fatalf("import of a dead patient: %d\n%s", st, body)
	}
	var on time.Time
	var audited int
	if err := tr.store.DB.QueryRow(ctx, `SELECT e.occurred_on,
			(SELECT count(*) FROM audit_log a WHERE a.entity = 'event' AND a.action = 'insert' AND a.entity_id = e.id::text)
		FROM events e JOIN event_types et ON et.id = e.event_type_id AND et.is_death
		JOIN patients p ON p.id = e.patient_id WHERE p.study_number = 'MS-DEAD1'`).Scan(&on, &audited); err != nil {
		t.Fatalf("no death event: %v", err)
	}
	if day(on) != day(died) || audited != 1 {
		t.Fatalf("death event on %s with %d audit rows, want %s and 1", day(on), audited, day(died))
	}
	events := "patient,event,occurred_on,notes\nMS-DEAD1,death," + day(died) + ",\n"
	if st, body := upload(t, stat, tr.URL+"/studies/ms-ahsct/import", "events", "e.csv", events); st != http.StatusOK ||
		!strings.Contains(body, "0") {
		t.Errorf("the same death as an events file: %d", st)
	}
	var n int
	tr.store.DB.QueryRow(ctx, `SELECT count(*) FROM events e JOIN patients p ON p.id = e.patient_id WHERE p.study_number = 'MS-DEAD1'`).Scan(&n)
	if n != 1 {
		t.Errorf("%d events, want the one death", n)
	}
}

// TestDemoExportsImportUnderTheRules: every table the demo data exports imports back under
// the rules, so the demo keeps them too.
func TestDemoExportsImportUnderTheRules(t *testing.T) {
	tr := newTestRegistry(t)
	for _, study := range []string{"knee-oa", "ms-ahsct", "ssc-ahsct", "liver-msc"} {
		for _, table := range []string{"patients", "wide", "events", "adverse_events"} {
			out, err := tr.cli(t, "export", "--study", study, "--table", table)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), table+".csv")
			if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
				t.Fatal(err)
			}
			if out, err := tr.cli(t, "import", "--study", study, "--table", table, file); err != nil {
				t.Errorf("%s %s: %v\n%.2000s", study, table, err, out)
			}
		}
	}
}
