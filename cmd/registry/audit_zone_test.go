package main

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestAuditTimesInTheSiteZone: a patient's audit trail shows its times in the patient's
// site's time zone, named in the heading; the instant is kept in the datetime attribute.
func TestAuditTimesInTheSiteZone(t *testing.T) {
	tr := newTestRegistry(t)
	e := dueVisit(t, tr) // a Copenhagen patient
	c := tr.client(t, "nurse.copenhagen@demo.registry")
	patient := tr.URL + "/studies/knee-oa/patients/" + e.Number
	if st, _, _ := post(t, c, patient+"/visits/"+e.VisitCode, kneeVisitForm("4")); st != http.StatusSeeOther {
		t.Fatalf("save: %d", st)
	}
	var at time.Time
	if err := tr.store.DB.QueryRow(context.Background(), `SELECT max(at) FROM audit_log WHERE entity = 'visit'`).Scan(&at); err != nil {
		t.Fatal(err)
	}
	status, body := get(t, c, patient+"/audit")
	if status != http.StatusOK || !strings.Contains(body, "When (Europe/Copenhagen)") {
		t.Fatalf("audit page: %d, the zone is not named", status)
	}
	cph, _ := time.LoadLocation("Europe/Copenhagen")
	want := `<time datetime="` + at.UTC().Format(time.RFC3339) + `">` + at.In(cph).Format("2006-01-02 15:04:05 MST") + `</time>`
	if !strings.Contains(body, want) {
		t.Errorf("the visit's audit time is not shown in Copenhagen time: want %s\n%s", want,
			regexp.MustCompile(`<time[^>]*>[^<]*</time>`).FindString(body))
	}
}
