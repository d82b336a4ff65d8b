package registry_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"outcomereg/registry"
)

// enrolUntreated enrols a patient at Lund on the given day, without a treatment date.
func (c *clinic) enrolUntreated(t *testing.T, number, enrolled string, now time.Time) *registry.Patient {
	t.Helper()
	p, err := c.store.Enrol(context.Background(), actor(c.lund), c.lund, "nurse-demo", registry.NewPatient{
		Site: "lund", Number: number, Sex: "F", BirthYear: "1960", EnrolledOn: enrolled, Allocation: "external", Arm: "active"}, now)
	if err != nil {
		t.Fatalf("enrol %s: %v", number, err)
	}
	if p.TreatedOn != nil {
		t.Fatalf("enrolled without a treatment date, got %v", p.TreatedOn)
	}
	return p
}

func (c *clinic) worklistOf(t *testing.T, now time.Time, number string) *registry.Worklist {
	t.Helper()
	wl, err := c.store.Worklist(context.Background(), c.lund, now, number)
	if err != nil {
		t.Fatal(err)
	}
	return wl
}

// A patient enrolled without a treatment date awaits treatment: no visit is due or
// overdue, only the baseline can be recorded; recording the date schedules the visits.
func TestTreatmentDateRecordedAfterEnrolment(t *testing.T) {
	c := newClinic(t)
	ctx := context.Background()
	now := date("2026-11-23").Add(10 * time.Hour)
	c.enrolUntreated(t, "ND-T1", "2026-09-01", now)

	wl := c.worklistOf(t, now, "ND-T1")
	if wl.Overdue != 0 || wl.Due != 0 || wl.Upcoming != 0 || wl.Awaiting != 1 || len(wl.Entries) != 1 ||
		wl.Entries[0].State != registry.StateAwaitingTreatment || wl.Entries[0].Days != 83 || wl.Entries[0].Window.Known() {
		t.Fatalf("worklist of a patient awaiting treatment: %+v", wl)
	}
	rec, err := c.store.PatientRecord(ctx, c.lund, "nurse-demo", "ND-T1", now)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rec.Schedule {
		if e.State != registry.StateAwaitingTreatment || e.Window.Known() {
			t.Errorf("visit %s before treatment: %s, window %+v", e.Visit.Code, e.State, e.Window)
		}
	}

	// A follow-up visit cannot be recorded, done or missed; the baseline can.
	for _, in := range []registry.VisitInput{
		{State: "done", Date: "2026-11-20", Values: map[string]registry.ValueInput{"pain": {Raw: "4"}, "weight": {Raw: "70"}, "mobility": {Raw: "1"}}},
		{State: "missed", MissedReason: "ill"},
	} {
		_, err := c.store.SaveVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-T1", "d60", in, now)
		if got := registry.FieldText(err, "visit_date"); got != registry.NotTreatedYet {
			t.Errorf("follow-up %s before treatment: %v (%q)", in.State, err, got)
		}
	}
	if _, err := c.store.SaveVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-T1", "baseline", registry.VisitInput{State: "done", Date: "2026-09-10",
		Values: map[string]registry.ValueInput{"pain": {Raw: "6"}, "weight": {Raw: "70"}, "mobility": {Raw: "1"}}}, now); err != nil {
		t.Fatalf("baseline before treatment: %v", err)
	}

	// The same bad dates every writer refuses; nothing changes.
	audits := c.count(t, `SELECT count(*) FROM audit_log`)
	for _, bad := range []struct{ date, want string }{
		{"2026-08-31", "2026-08-31 is before the enrolment date (2026-09-01)."},
		{"2026-11-24", "2026-11-24 is after today (2026-11-23)."},
		{"0000-01-01", "0000-01-01 is before 1900."},
		{"", "Enter a date."},
	} {
		err := c.store.SetTreatmentDate(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-T1", registry.TreatmentInput{Date: bad.date}, now)
		if got := registry.FieldText(err, "treated_on"); got != bad.want {
			t.Errorf("treatment date %q: %q, want %q", bad.date, got, bad.want)
		}
	}
	if n := c.count(t, `SELECT count(*) FROM audit_log`); n != audits {
		t.Errorf("refused treatment dates wrote %d audit rows", n-audits)
	}

	if err := c.store.SetTreatmentDate(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-T1", registry.TreatmentInput{Date: "2026-09-20"}, now); err != nil {
		t.Fatal(err)
	}
	// Day 0 is 2026-09-20: d60's window (2026-11-12 to 2026-11-26) is open; m12 is far ahead.
	wl = c.worklistOf(t, now, "ND-T1")
	if wl.Awaiting != 0 || wl.Due != 1 || wl.Overdue != 0 || len(wl.Entries) != 1 || wl.Entries[0].VisitCode != "d60" ||
		!wl.Entries[0].Window.Opens.Equal(date("2026-11-12")) || wl.Entries[0].Days != 3 {
		t.Fatalf("worklist after the treatment date: %+v", wl)
	}
	if n := c.count(t, `SELECT count(*) FROM audit_log WHERE entity = 'patient' AND entity_id = 'ND-T1' AND action = 'update'
		AND before->>'treated_on' = '' AND after->>'treated_on' = '2026-09-20'`); n != 1 {
		t.Errorf("%d audit rows of the treatment date, want 1", n)
	}
	if _, err := c.store.SaveVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-T1", "d60", registry.VisitInput{State: "done", Date: "2026-11-20",
		Values: map[string]registry.ValueInput{"pain": {Raw: "3"}, "weight": {Raw: "70"}, "mobility": {Raw: "1"}}}, now); err != nil {
		t.Fatalf("d60 after the treatment date: %v", err)
	}

	// A correction needs a reason, is based on the date seen, and keeps the records after it.
	fix := registry.TreatmentInput{Date: "2026-09-21", Seen: "2026-09-20"}
	if err := c.store.SetTreatmentDate(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-T1", fix, now); registry.FieldText(err, "reason") == "" {
		t.Errorf("a correction without a reason: %v", err)
	}
	if err := c.store.SetTreatmentDate(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-T1", registry.TreatmentInput{Date: "2026-09-21", Reason: "typo"}, now); registry.ErrorCode(err) != registry.ECONFLICT {
		t.Errorf("a correction of a date not seen: %v", err)
	}
	late := registry.TreatmentInput{Date: "2026-11-21", Seen: "2026-09-20", Reason: "typo"}
	if got := registry.FieldText(c.store.SetTreatmentDate(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-T1", late, now), "treated_on"); got != "2026-11-21 is after the follow-up visit recorded on 2026-11-20." {
		t.Errorf("a treatment date after a follow-up visit: %q", got)
	}
	fix.Reason = "the infusion was the day after"
	if err := c.store.SetTreatmentDate(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-T1", fix, now); err != nil {
		t.Fatal(err)
	}
	if n := c.count(t, `SELECT count(*) FROM audit_log WHERE entity_id = 'ND-T1' AND before->>'treated_on' = '2026-09-20'
		AND after->>'treated_on' = '2026-09-21' AND reason = 'the infusion was the day after'`); n != 1 {
		t.Errorf("%d audit rows of the correction, want 1", n)
	}
}

// Before the treatment date is recorded, an event is not before enrolment; once recorded,
// the treatment date is not after the event (events are dated from treatment on).
func TestEventsOfAPatientAwaitingTreatment(t *testing.T) {
	c := newClinic(t)
	ctx := context.Background()
	now := date("2026-11-23").Add(10 * time.Hour)
	c.enrolUntreated(t, "ND-T2", "2026-11-01", now)
	err := c.store.AddEvent(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-T2", registry.EventInput{Type: "relapse", Date: "2026-10-31"}, now)
	if got := registry.FieldText(err, "occurred_on"); got != "2026-10-31 is before the enrolment date (2026-11-01)." {
		t.Errorf("event before enrolment: %q", got)
	}
	if err := c.store.AddEvent(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-T2", registry.EventInput{Type: "relapse", Date: "2026-11-05"}, now); err != nil {
		t.Fatalf("event while awaiting treatment: %v", err)
	}
	err = c.store.SetTreatmentDate(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-T2", registry.TreatmentInput{Date: "2026-11-10"}, now)
	if got := registry.FieldText(err, "treated_on"); !strings.HasPrefix(got, "2026-11-10 is after the event recorded on 2026-11-05") {
		t.Errorf("treatment after an event: %q", got)
	}
	if err := c.store.SetTreatmentDate(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-T2", registry.TreatmentInput{Date: "2026-11-05"}, now); err != nil {
		t.Errorf("treatment on the event's day: %v", err)
	}
}
