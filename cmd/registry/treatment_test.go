package main

import (
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func init() {
	decide("GET /studies/{code}/patients/{number}/treatment", "admin", "nurse")
	decide("POST /studies/{code}/patients/{number}/treatment", "admin", "nurse")
}

// worklistRow is the worklist row of a patient (and a visit), "" when there is none.
func worklistRow(t *testing.T, c *http.Client, base, number, visit string) string {
	t.Helper()
	_, body := get(t, c, base+"/worklist?q="+url.QueryEscape(number))
	for _, row := range strings.Split(body, "<tr")[1:] {
		if strings.Contains(row, ">"+number+"</a>") && (visit == "" || strings.Contains(row, "/visits/"+visit+`"`)) {
			return row
		}
	}
	return ""
}

// A patient enrolled without a treatment date is not overdue: the worklist shows it as
// awaiting treatment; once the nurse records the date, its visits are on the worklist by
// their windows.
func TestEnrolWithoutTreatmentDateThenRecordIt(t *testing.T) {
	tr := newTestRegistry(t)
	c := tr.client(t, "nurse.lund@demo.registry")
	day := func(d time.Time) string { return d.Format(time.DateOnly) }
	status, _, loc := post(t, c, tr.URL+"/studies/ms-ahsct/patients", url.Values{"site": {"lund"}, "number": {"MS-AWAIT1"},
		"sex": {"F"}, "birth_year": {"1970"}, "enrolled_on": {day(demoToday.AddDate(0, 0, -10))}, "treated_on": {""}, "allocation": {"registry"}})
	if status != http.StatusSeeOther {
		t.Fatalf("enrolment without a treatment date: %d", status)
	}
	// Enrolled today, not treated: not overdue, awaiting treatment.
	if status, _, _ := post(t, c, tr.URL+"/studies/ms-ahsct/patients", url.Values{"site": {"lund"}, "number": {"MS-AWAIT0"},
		"sex": {"M"}, "birth_year": {"1960"}, "enrolled_on": {day(demoToday)}, "allocation": {"registry"}}); status != http.StatusSeeOther {
		t.Fatalf("enrolment today without a treatment date: %d", status)
	}
	if row := worklistRow(t, c, tr.URL, "MS-AWAIT0", ""); !strings.Contains(row, "badge awaiting") || !strings.Contains(row, "enrolled today") {
		t.Errorf("a patient enrolled today is not awaiting treatment on the worklist:\n%s", row)
	}
	_, page := get(t, c, tr.URL+strings.Split(loc, "?")[0])
	if !strings.Contains(page, `id="record-treatment"`) || !strings.Contains(page, "awaiting treatment") || strings.Contains(page, `badge overdue`) {
		t.Fatal("the patient page does not show the patient awaiting treatment")
	}
	row := worklistRow(t, c, tr.URL, "MS-AWAIT1", "")
	if !strings.Contains(row, `badge awaiting`) || !strings.Contains(row, "/studies/ms-ahsct/patients/MS-AWAIT1/treatment") ||
		strings.Contains(row, "overdue") || !strings.Contains(row, "enrolled 10 days ago") {
		t.Fatalf("worklist row of a patient awaiting treatment:\n%s", row)
	}
	// A follow-up visit cannot be recorded yet, and says why.
	_, form := get(t, c, tr.URL+"/studies/ms-ahsct/patients/MS-AWAIT1/visits/m6")
	if !strings.Contains(form, `id="not-treated"`) || strings.Contains(form, `name="visit_date"`) {
		t.Error("the m6 form of a patient awaiting treatment does not say it cannot be recorded")
	}
	status, body, _ := post(t, c, tr.URL+"/studies/ms-ahsct/patients/MS-AWAIT1/visits/m6",
		url.Values{"state": {"missed"}, "missed_reason": {"ill"}, "version": {"0"}})
	if status != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), "The treatment date (day 0) is not recorded yet") {
		t.Errorf("m6 posted before treatment: %d", status)
	}

	// Treated yesterday: the baseline's window (60 days before to day 0) closed yesterday; m6
	// opens in 160 days (past the worklist's 30).
	treated := demoToday.AddDate(0, 0, -1)
	status, _, loc = post(t, c, tr.URL+"/studies/ms-ahsct/patients/MS-AWAIT1/treatment", url.Values{"treated_on": {day(treated)}, "seen": {""}})
	if status != http.StatusSeeOther || !strings.Contains(loc, "saved=treatment") {
		t.Fatalf("record the treatment date: %d to %q", status, loc)
	}
	if row := worklistRow(t, c, tr.URL, "MS-AWAIT1", ""); row != "" && strings.Contains(row, "badge awaiting") {
		t.Error("still awaiting treatment after the date is recorded")
	}
	if row := worklistRow(t, c, tr.URL, "MS-AWAIT1", "baseline"); !strings.Contains(row, "badge overdue") || !strings.Contains(row, "1 day late") {
		t.Errorf("the baseline is not overdue by one day after treatment yesterday:\n%s", row)
	}
	// A correction asks for a reason.
	status, body, _ = post(t, c, tr.URL+"/studies/ms-ahsct/patients/MS-AWAIT1/treatment", url.Values{"treated_on": {day(demoToday)}, "seen": {day(treated)}})
	if status != http.StatusBadRequest || !strings.Contains(body, "Give a reason for changing saved data.") {
		t.Errorf("correction without a reason: %d", status)
	}
	status, _, _ = post(t, c, tr.URL+"/studies/ms-ahsct/patients/MS-AWAIT1/treatment", url.Values{"treated_on": {day(demoToday)}, "seen": {day(treated)}, "reason": {"was today"}})
	if status != http.StatusSeeOther {
		t.Fatalf("correction: %d", status)
	}
	if row := worklistRow(t, c, tr.URL, "MS-AWAIT1", "baseline"); !strings.Contains(row, "badge due") {
		t.Errorf("treated today, the baseline is due (its last day):\n%s", row)
	}
	// The audit trail has the recording and the correction, with its reason, in the
	// nurse's language.
	audit := tr.URL + "/studies/ms-ahsct/patients/MS-AWAIT1/audit"
	if _, body := get(t, c, audit); strings.Count(body, "update patient MS-AWAIT1") != 2 || !strings.Contains(body, "was today") {
		t.Error("the audit trail does not show the treatment date recorded and corrected")
	}
	post(t, c, tr.URL+"/language", url.Values{"lang": {"sv"}})
	if _, body := get(t, c, audit); strings.Count(body, "ändring patient MS-AWAIT1") != 2 || strings.Contains(body, "insert patient") {
		t.Error("the Swedish audit trail does not name the actions in Swedish")
	}
}

// The same bad treatment dates are refused by every writer: the enrolment form, the
// treatment form, the web import and the command-line import, with the same message.
func TestSameTreatmentDateRuleForEveryWriter(t *testing.T) {
	tr := newTestRegistry(t)
	nurse := tr.client(t, "nurse.lund@demo.registry")
	stat := tr.client(t, "statistician@demo.registry")
	day := func(d time.Time) string { return d.Format(time.DateOnly) }
	enrolled := demoToday.AddDate(0, 0, -30)
	if status, _, _ := post(t, nurse, tr.URL+"/studies/ms-ahsct/patients", url.Values{"site": {"lund"}, "number": {"MS-AWAIT2"},
		"sex": {"F"}, "birth_year": {"1970"}, "enrolled_on": {day(enrolled)}, "allocation": {"registry"}}); status != http.StatusSeeOther {
		t.Fatalf("enrolment without a treatment date: %d", status)
	}
	dir := t.TempDir()
	for _, c := range []struct{ name, date, want string }{
		{"before enrolment", day(enrolled.AddDate(0, 0, -1)), day(enrolled.AddDate(0, 0, -1)) + " is before the enrolment date (" + day(enrolled) + ")."},
		{"in the future", day(demoToday.AddDate(0, 0, 1)), day(demoToday.AddDate(0, 0, 1)) + " is after today (" + day(demoToday) + ")."},
		{"year 0", "0000-01-01", "0000-01-01 is before 1900."},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := auditCount(t, tr)
			status, body, _ := post(t, nurse, tr.URL+"/studies/ms-ahsct/patients", url.Values{"site": {"lund"}, "number": {"MS-NEW9"},
				"sex": {"F"}, "birth_year": {"1970"}, "enrolled_on": {day(enrolled)}, "treated_on": {c.date}, "allocation": {"registry"}})
			if status != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), c.want) {
				t.Errorf("enrolment form: %d, want 400 with %q", status, c.want)
			}
			status, body, _ = post(t, nurse, tr.URL+"/studies/ms-ahsct/patients/MS-AWAIT2/treatment", url.Values{"treated_on": {c.date}, "seen": {""}})
			if status != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), c.want) {
				t.Errorf("treatment form: %d, want 400 with %q", status, c.want)
			}
			csv := "patient,site,arm,sex,birth_year,enrolled_on,treated_on,status,status_on\n" +
				"MS-AWAIT2,lund,ahsct,F,1970," + day(enrolled) + "," + c.date + ",active,\n"
			status, body = upload(t, stat, tr.URL+"/studies/ms-ahsct/import", "patients", "p.csv", csv)
			if status != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), c.want) {
				t.Errorf("web import: %d, want 400 with %q", status, c.want)
			}
			file := filepath.Join(dir, "p.csv")
			if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := tr.cli(t, "import", "--study", "ms-ahsct", "--table", "patients", file)
			if err == nil || !strings.Contains(out, c.want) {
				t.Errorf("command-line import: %v, want refused with %q:\n%s", err, c.want, out)
			}
			if after := auditCount(t, tr); after != before {
				t.Errorf("%d audit rows written by refused input", after-before)
			}
		})
	}
	// An empty treatment date imports: the patient awaits treatment.
	csv := "patient,site,arm,sex,birth_year,enrolled_on,treated_on,status,status_on\nMS-AWAIT3,lund,ahsct,M,1980," + day(enrolled) + ",,active,\n"
	if status, body := upload(t, stat, tr.URL+"/studies/ms-ahsct/import", "patients", "p.csv", csv); status != http.StatusOK {
		t.Fatalf("import of a patient awaiting treatment: %d\n%s", status, body)
	}
	if row := worklistRow(t, nurse, tr.URL, "MS-AWAIT3", ""); !strings.Contains(row, "badge awaiting") {
		t.Errorf("an imported patient without a treatment date is not awaiting treatment:\n%s", row)
	}
	// Its baseline, and a follow-up refused by the import as by the form.
	long := "patient,visit,visit_date,measure,value,missing_code\nMS-AWAIT3,baseline," + day(enrolled.AddDate(0, 0, 2)) + ",edss,2.5,\n"
	if status, body := upload(t, stat, tr.URL+"/studies/ms-ahsct/import", "long", "l.csv", long); status != http.StatusOK {
		t.Fatalf("baseline of a patient awaiting treatment: %d\n%s", status, body)
	}
	m6 := "patient,visit,visit_date,measure,value,missing_code\nMS-AWAIT3,m6," + day(enrolled.AddDate(0, 0, 3)) + ",edss,2.5,\n"
	if status, body := upload(t, stat, tr.URL+"/studies/ms-ahsct/import", "long", "l.csv", m6); status != http.StatusBadRequest ||
		!strings.Contains(html.UnescapeString(body), "The treatment date (day 0) is not recorded yet: only the baseline can be recorded before it.") {
		t.Errorf("a follow-up of a patient awaiting treatment imported: %d", status)
	}
	// The exports write an empty treatment date, days from treatment and in window.
	for table, want := range map[string]string{
		"patients": "MS-AWAIT3,ahsct,M,1980," + day(enrolled) + ",,active,",
		"long":     "MS-AWAIT3,ahsct,M,1980,baseline,0," + day(enrolled.AddDate(0, 0, 2)) + ",,,edss,2.5,",
		"wide":     "MS-AWAIT3,ahsct,M,1980,baseline,0," + day(enrolled.AddDate(0, 0, 2)) + ",,,",
		"visits":   "MS-AWAIT3,ahsct,M,1980,baseline,0,done," + day(enrolled.AddDate(0, 0, 2)) + ",,,",
	} {
		out, err := tr.cli(t, "export", "--study", "ms-ahsct", "--table", table)
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("export %s: no row %q (%v)", table, want, err)
		}
	}
}
