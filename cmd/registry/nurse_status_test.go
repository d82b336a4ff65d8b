package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The status form: a wrong form comes back with its message and what was typed, changing
// nothing; a right one changes the status, which the patient page, the worklist and the
// audit trail show.
func TestStatusForm(t *testing.T) {
	tr := newTestRegistry(t)
	e := dueVisit(t, tr)
	c := tr.client(t, "nurse.copenhagen@demo.registry")
	patient := "/studies/knee-oa/patients/" + e.Number
	if status, body := get(t, c, tr.URL+patient+"/status"); status != http.StatusOK || !strings.Contains(body, `id="status-lost"`) ||
		strings.Contains(body, `id="status-active"`) || strings.Contains(body, `id="status-dead"`) {
		t.Fatalf("form: %d, or the statuses offered are wrong", status)
	}
	if _, list := get(t, c, tr.URL+"/worklist?q="+e.Number); !strings.Contains(list, patient+`"`) {
		t.Fatal("the patient with a due visit is not on the worklist")
	}
	before := auditCount(t, tr)
	form := url.Values{"status": {"lost"}, "status_on": {"2026-11-20"}, "reason": {""}, "seen": {"active"}}
	status, body, _ := post(t, c, tr.URL+patient+"/status", form)
	if status != http.StatusBadRequest || !strings.Contains(body, `id="reason-error"`) || !strings.Contains(body, `value="2026-11-20"`) ||
		!strings.Contains(body, `value="lost" checked`) {
		t.Fatalf("no reason: %d, want 400 with the message and the typed values", status)
	}
	form.Set("seen", "completed")
	form.Set("reason", "No answer to three letters")
	if status, _, _ := post(t, c, tr.URL+patient+"/status", form); status != http.StatusConflict {
		t.Fatalf("a form opened on another status: %d, want 409", status)
	}
	if auditCount(t, tr) != before {
		t.Fatal("a refused status change saved something")
	}
	form.Set("seen", "active")
	if status, _, loc := post(t, c, tr.URL+patient+"/status", form); status != http.StatusSeeOther || loc != patient+"?saved=status" {
		t.Fatalf("status change: %d to %q", status, loc)
	}
	if _, page := get(t, c, tr.URL+patient); !strings.Contains(page, "lost to follow-up") {
		t.Error("the patient page does not show the new status")
	}
	if _, list := get(t, c, tr.URL+"/worklist?q="+e.Number); strings.Contains(list, patient+`"`) {
		t.Error("a patient lost to follow-up is still on the worklist")
	}
	if _, audit := get(t, c, tr.URL+patient+"/audit"); !strings.Contains(audit, "No answer to three letters") {
		t.Error("the audit trail does not show the reason")
	}
}
