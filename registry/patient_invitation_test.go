package registry

import (
	"testing"
	"time"
)

// Invitable is the one rule for inviting: a visit with questions for the patient, of an
// active and treated patient, not recorded, whose window has not closed and opens within
// InviteAheadDays.
func TestInvitable(t *testing.T) {
	st := &Study{Measures: []Measure{{Code: "pain", ReportedBy: ReportedByPatient}, {Code: "lab"}}}
	noQuestions := &Study{Measures: []Measure{{Code: "lab"}}}
	treated := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sv := ScheduledVisit{Code: "m3", TargetDay: 91, WindowBefore: 14, WindowAfter: 14} // window 2026-03-19 to 2026-04-16
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	active := &Patient{Status: StatusActive, TreatedOn: &treated}
	for _, tc := range []struct {
		name     string
		st       *Study
		p        *Patient
		recorded *Visit
		today    string
		want     string
	}{
		{"inside the window", st, active, nil, "2026-03-20", ""},
		{"its last day", st, active, nil, "2026-04-16", ""},
		{"opens in 14 days", st, active, nil, "2026-03-05", ""},
		{"opens in 15 days", st, active, nil, "2026-03-04", "The window of this visit opens on %s: invite the patient at most %d days before."},
		{"closed", st, active, nil, "2026-04-17", "The window of this visit closed on %s: the patient can no longer answer it."},
		{"recorded", st, active, &Visit{}, "2026-03-20", "This visit is already recorded: there is nothing left for the patient to answer."},
		{"no questions", noQuestions, active, nil, "2026-03-20", "This study has no questions the patient answers from home."},
		{"withdrawn", st, &Patient{Status: StatusWithdrawn, TreatedOn: &treated}, nil, "2026-03-20", "Only active patients can be invited."},
		{"not treated", st, &Patient{Status: StatusActive}, nil, "2026-03-20", "The treatment date (day 0) is not recorded yet: this visit has no window until it is."},
	} {
		if got, _ := Invitable(tc.st, sv, tc.p, tc.recorded, day(tc.today)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestCheckContactEmail(t *testing.T) {
	for in, ok := range map[string]bool{"": true, " karin@example.se ": true, "karin": false, "Karin <k@example.se>": false,
		"k@example.se\r\nBcc: x@y.z": false, "a b@example.se": false} {
		if _, msg := CheckContactEmail(in); (msg == "") != ok {
			t.Errorf("%q: %q", in, msg)
		}
	}
}
