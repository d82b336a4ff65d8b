package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestReadsAreLogged: opening a patient's page, a visit form or the patient's audit trail
// writes one audit row "view" naming who, which patient and which page; a refused read
// writes none; the study's audit page hides them unless asked.
func TestReadsAreLogged(t *testing.T) {
	ctx := context.Background()
	tr := newTestRegistry(t)
	nurse := tr.client(t, "nurse.copenhagen@demo.registry")
	other := tr.client(t, "nurse.madrid@demo.registry")
	base := tr.URL + "/studies/knee-oa/patients/" + nursePatient

	views := func() []string {
		t.Helper()
		rows, err := tr.store.DB.Query(ctx, `
			SELECT l.actor || ' ' || l.entity || ' ' || l.entity_id || ' ' || p.study_number || ' ' || (l.user_id = u.id)::text
			FROM audit_log l JOIN patients p ON p.id = l.patient_id AND p.study_id = l.study_id
			LEFT JOIN users u ON u.email = l.actor
			WHERE l.action = 'view' ORDER BY l.seq`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var list []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			list = append(list, strings.TrimSpace(s))
		}
		return list
	}

	for _, path := range []string{"", "/visits/m3", "/audit"} {
		if code, _ := get(t, other, base+path); code != http.StatusNotFound {
			t.Fatalf("GET %s as a nurse of another site: %d, want 404", path, code)
		}
	}
	if got := views(); len(got) != 0 {
		t.Fatalf("refused reads were logged: %v", got)
	}
	for _, path := range []string{"", "/visits/m3", "/audit"} {
		if code, _ := get(t, nurse, base+path); code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, code)
		}
	}
	want := []string{
		"nurse.copenhagen@demo.registry patient_page  " + nursePatient + " true",
		"nurse.copenhagen@demo.registry visit_form m3 " + nursePatient + " true",
		"nurse.copenhagen@demo.registry patient_audit  " + nursePatient + " true",
	}
	if got := views(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("view rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	admin := tr.client(t, "admin@demo.registry")
	_, hidden := get(t, admin, tr.URL+"/studies/knee-oa/audit")
	_, shown := get(t, admin, tr.URL+"/studies/knee-oa/audit?views=1")
	if strings.Contains(hidden, "visit_form") || !strings.Contains(shown, "view visit_form m3") ||
		!strings.Contains(shown, `name="views" value="1" checked`) {
		t.Fatalf("study audit page: views shown without asking (%v) or not shown when asked (%v)",
			strings.Contains(hidden, "visit_form"), strings.Contains(shown, "view visit_form m3"))
	}
}
