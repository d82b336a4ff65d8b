package main

import (
	"strings"
	"testing"
)

// TestEnrolGeneratesStudyNumber: in the demo knee study (number_pattern
// "KOA-{site}-{seq:4}") the form names the pattern; two enrolments with the number left
// empty get consecutive numbers of the site; a typed number still works.
func TestEnrolGeneratesStudyNumber(t *testing.T) {
	tr := newTestRegistry(t)
	nurse := tr.client(t, "nurse.copenhagen@demo.registry")
	if _, page := get(t, nurse, tr.URL+"/studies/knee-oa/enrol"); !strings.Contains(page, "KOA-{site}-{seq:4}") {
		t.Error("the enrolment form does not name the study's number pattern")
	}
	for _, want := range []string{"KOA-copenhagen-0001", "KOA-copenhagen-0002"} {
		if got := nurseEnrolsBlinded(t, tr, nurse, ""); got != "/studies/knee-oa/patients/"+want {
			t.Fatalf("enrolled with an empty number: %s, want %s", got, want)
		}
	}
	if got := nurseEnrolsBlinded(t, tr, nurse, "KOA-TYPED-9"); got != "/studies/knee-oa/patients/KOA-TYPED-9" {
		t.Fatalf("a typed number: %s", got)
	}
	if got := nurseEnrolsBlinded(t, tr, nurse, ""); got != "/studies/knee-oa/patients/KOA-copenhagen-0003" {
		t.Fatalf("after a typed number: %s", got)
	}
}
