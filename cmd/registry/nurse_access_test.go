package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// nursePatient is a knee-oa patient at Copenhagen in the demo data (seed 1).
const nursePatient = "KOA-000001"

func init() {
	nurses := []string{"admin", "nurse"}
	for _, p := range []string{
		"GET /worklist",
		"GET /studies/{code}/enrol",
		"POST /studies/{code}/patients",
		"GET /studies/{code}/patients/{number}",
		"GET /studies/{code}/patients/{number}/visits/{visit}",
		"POST /studies/{code}/patients/{number}/visits/{visit}",
		"POST /studies/{code}/patients/{number}/visits/{visit}/delete",
		"GET /studies/{code}/patients/{number}/status",
		"POST /studies/{code}/patients/{number}/status",
		"GET /studies/{code}/patients/{number}/events/new",
		"POST /studies/{code}/patients/{number}/events",
		"POST /studies/{code}/patients/{number}/events/{event}/delete",
		"GET /studies/{code}/patients/{number}/adverse-events/new",
		"POST /studies/{code}/patients/{number}/adverse-events",
		"GET /studies/{code}/patients/{number}/adverse-events/{ae}",
		"POST /studies/{code}/patients/{number}/adverse-events/{ae}",
		"POST /studies/{code}/patients/{number}/adverse-events/{ae}/delete",
		"GET /studies/{code}/patients/{number}/audit",
	} {
		decide(p, nurses...)
	}
	decide("GET /studies/{code}/audit", "admin")
	samples["code"] = "knee-oa"
	samples["number"] = nursePatient
	samples["visit"] = "m6"
	samples["event"] = "1"
	samples["ae"] = "1"
	// The demo data is planned around demoToday: pin the nurse pages' clock to it.
	nurseClock = func() time.Time { return demoToday }
}

// A nurse of another site gets 404 on every route of a patient, whatever the form holds,
// and changes nothing; the patient's own nurse and an administrator get the pages.
func TestNurseOfAnotherSiteCannotOpenThePatient(t *testing.T) {
	tr := newTestRegistry(t)
	ctx := context.Background()
	var p struct{ site string }
	if err := tr.store.DB.QueryRow(ctx, `SELECT si.code FROM patients pa JOIN sites si ON si.id = pa.site_id
		WHERE pa.study_number = $1`, nursePatient).Scan(&p.site); err != nil || p.site != "copenhagen" {
		t.Fatalf("%s is at %q (%v): the samples assume copenhagen", nursePatient, p.site, err)
	}
	// Real ids of this patient's event and adverse event, so that a 404 is about the site.
	var aeID, eventID string
	tr.store.DB.QueryRow(ctx, `SELECT coalesce(min(ae.id)::text, '1') FROM adverse_events ae JOIN patients pa ON pa.id = ae.patient_id WHERE pa.study_number = $1`, nursePatient).Scan(&aeID)
	tr.store.DB.QueryRow(ctx, `SELECT coalesce(min(e.id)::text, '1') FROM events e JOIN patients pa ON pa.id = e.patient_id WHERE pa.study_number = $1`, nursePatient).Scan(&eventID)
	before := auditCount(t, tr)

	other := tr.client(t, "nurse.madrid@demo.registry")
	own := tr.client(t, "nurse.copenhagen@demo.registry")
	form := url.Values{"reason": {"x"}, "state": {"missed"}, "missed_reason": {"x"}, "type": {"knee_replacement"},
		"occurred_on": {"2026-11-01"}, "term": {"Infection"}, "onset_on": {"2026-11-01"}, "grade": {"1"},
		"relatedness": {"unrelated"}, "outcome": {"recovered"}, "status": {"withdrawn"}, "status_on": {"2026-11-01"}, "seen": {"active"}}
	checked := 0
	for _, r := range tr.app.table {
		method, path := splitPattern(r.pattern)
		if !strings.Contains(path, "{number}") {
			continue
		}
		path = strings.NewReplacer("{event}", eventID, "{ae}", aeID).Replace(path)
		target := tr.URL + fillPath(t, path)
		if got := nurseRequest(t, other, method, target, form); got != http.StatusNotFound && got != http.StatusForbidden {
			t.Errorf("%s %s as a nurse of another site: %d, want 404", method, path, got)
		}
		if method == http.MethodGet {
			if got := nurseRequest(t, own, method, target, nil); got != http.StatusOK && !(strings.Contains(path, "{ae}") && got == http.StatusNotFound) {
				t.Errorf("%s %s as the site's nurse: %d, want 200", method, path, got)
			}
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("only %d patient routes checked", checked)
	}
	if after := auditCount(t, tr); after != before {
		t.Fatalf("a nurse of another site changed something: %d audit rows, were %d", after, before)
	}
}

func auditCount(t *testing.T, tr *testRegistry) int {
	t.Helper()
	var n int
	if err := tr.store.DB.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action NOT IN ('login', 'login_failed', 'logout', 'view')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func nurseRequest(t *testing.T, c *http.Client, method, target string, form url.Values) int {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = c.PostForm(target, form)
	} else {
		resp, err = c.Get(target)
	}
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
