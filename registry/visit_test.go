package registry_test

import (
	"context"
	"strings"
	"testing"

	"outcomereg/registry"
)

func goodVisit() registry.VisitInput {
	return registry.VisitInput{State: "done", Date: "2026-11-20", Notes: "fine", Values: map[string]registry.ValueInput{
		"pain": {Raw: "4"}, "weight": {Raw: "71,5"}, "mobility": {Raw: "2"}}}
}

func TestSaveVisitValidatesEveryFieldAndSavesNothingOnError(t *testing.T) {
	c := newClinic(t)
	ctx := context.Background()
	c.enrol(t, "ND-001", "2026-09-20") // d60 window 2026-11-12..11-26
	today := date("2026-11-23")
	tests := []struct {
		name  string
		edit  func(*registry.VisitInput)
		field string
	}{
		{"out of range", func(in *registry.VisitInput) { in.Values["pain"] = registry.ValueInput{Raw: "11"} }, "m_pain"},
		{"not whole", func(in *registry.VisitInput) { in.Values["pain"] = registry.ValueInput{Raw: "4.5"} }, "m_pain"},
		{"not a number", func(in *registry.VisitInput) { in.Values["weight"] = registry.ValueInput{Raw: "heavy"} }, "m_weight"},
		{"off the step", func(in *registry.VisitInput) { in.Values["weight"] = registry.ValueInput{Raw: "71.3"} }, "m_weight"},
		{"not a choice", func(in *registry.VisitInput) { in.Values["mobility"] = registry.ValueInput{Raw: "3"} }, "m_mobility"},
		{"empty", func(in *registry.VisitInput) { delete(in.Values, "pain") }, "m_pain"},
		{"value and missing code", func(in *registry.VisitInput) {
			in.Values["pain"] = registry.ValueInput{Raw: "4", Missing: "unknown"}
		}, "m_pain"},
		{"unknown missing code", func(in *registry.VisitInput) { in.Values["pain"] = registry.ValueInput{Missing: "lost"} }, "m_pain"},
		{"future date", func(in *registry.VisitInput) { in.Date = "2026-11-24" }, "visit_date"},
		{"before treatment", func(in *registry.VisitInput) { in.Date = "2026-09-19" }, "visit_date"},
		{"not a date", func(in *registry.VisitInput) { in.Date = "20/11/2026" }, "visit_date"},
		{"no state", func(in *registry.VisitInput) { in.State = "" }, "state"},
		{"missed without reason", func(in *registry.VisitInput) { in.State = "missed" }, "missed_reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := goodVisit()
			tt.edit(&in)
			_, err := c.store.SaveVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", "d60", in, today)
			e, ok := err.(*registry.Error)
			if !ok || e.Code != registry.EINVALID || e.Fields[tt.field] == "" {
				t.Fatalf("got %#v, want a message at %s", err, tt.field)
			}
			if len(e.Fields) != 1 {
				t.Errorf("messages at %v, want only %s", e.Fields, tt.field)
			}
		})
	}
	if n := c.count(t, `SELECT count(*) FROM visits`); n != 0 {
		t.Fatalf("%d visits saved by invalid forms", n)
	}
	if n := c.count(t, `SELECT count(*) FROM audit_log WHERE entity IN ('visit', 'value')`); n != 0 {
		t.Fatalf("%d audit rows for invalid forms", n)
	}

	// A missing-data code stands in for a value; it is stored as the code, not as 0.
	in := goodVisit()
	in.Values["pain"] = registry.ValueInput{Missing: "not_done"}
	v, err := c.store.SaveVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", "d60", in, today)
	if err != nil {
		t.Fatal(err)
	}
	if v.OutsideWindow {
		t.Error("a visit inside its window is flagged")
	}
	if n := c.count(t, `SELECT count(*) FROM visit_values WHERE value IS NULL AND missing_code = 'not_done'`); n != 1 {
		t.Fatalf("%d values stored as not_done, want 1", n)
	}
	if n := c.count(t, `SELECT count(*) FROM visit_values WHERE value = 71.5`); n != 1 {
		t.Fatal("a decimal comma was not read as 71.5")
	}
	if n := c.count(t, `SELECT count(*) FROM audit_log WHERE action = 'insert' AND entity = 'visit' AND after->'values' ? 'pain'`); n != 1 {
		t.Fatalf("%d audit rows for the new visit, want 1 with its values", n)
	}
}

func TestVisitOutsideWindowIsSavedAndFlagged(t *testing.T) {
	c := newClinic(t)
	ctx := context.Background()
	c.enrol(t, "ND-001", "2026-09-01") // d60 window 2026-10-24..11-07
	in := goodVisit()
	v, err := c.store.SaveVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", "d60", in, date("2026-11-23"))
	if err != nil {
		t.Fatal(err)
	}
	if !v.OutsideWindow {
		t.Fatal("a visit after its window is not flagged")
	}
	rec, err := c.store.PatientRecord(ctx, c.lund, "nurse-demo", "ND-001", date("2026-11-23"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rec.Schedule {
		if e.Visit.Code == "d60" && (e.State != "done" || e.Recorded == nil || !e.Recorded.OutsideWindow) {
			t.Fatalf("schedule shows d60 as %s %+v", e.State, e.Recorded)
		}
		if e.Visit.Code == "m12" && e.State != "upcoming" {
			t.Fatalf("m12 is %s, want upcoming", e.State)
		}
	}
}

func TestCorrectionsNeedAReasonAndWriteAnAuditRowPerChange(t *testing.T) {
	c := newClinic(t)
	ctx := context.Background()
	c.enrol(t, "ND-001", "2026-09-20")
	today := date("2026-11-23")
	v, err := c.store.SaveVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", "d60", goodVisit(), today)
	if err != nil {
		t.Fatal(err)
	}
	in := goodVisit()
	in.Version = v.Version
	in.Values["pain"] = registry.ValueInput{Raw: "6"}
	_, err = c.store.SaveVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", "d60", in, today)
	if e, ok := err.(*registry.Error); !ok || e.Fields["reason"] == "" {
		t.Fatalf("correction without a reason: %v", err)
	}
	in.Reason = "typing error"
	if _, err := c.store.SaveVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", "d60", in, today); err != nil {
		t.Fatal(err)
	}
	rows, err := c.store.AuditTrail(ctx, registry.AuditFilter{StudyID: c.study.ID, PatientID: 1})
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, r := range rows {
		if r.Action == "update" {
			found = append(found, r.Entity+" "+r.EntityID+" "+r.Before+" -> "+r.After+" ("+r.Reason+") by "+r.Actor)
		}
	}
	want := `value d60/pain {"value": 4} -> {"value": 6} (typing error) by nurse@lund.example`
	if len(found) != 1 || found[0] != want {
		t.Fatalf("update audit rows %q, want exactly %q", found, want)
	}
	// Filter by user and by day.
	if rows, _ := c.store.AuditTrail(ctx, registry.AuditFilter{StudyID: c.study.ID, Actor: "nobody@example.org"}); len(rows) != 0 {
		t.Fatalf("filter by another user: %d rows", len(rows))
	}
	if rows, _ := c.store.AuditTrail(ctx, registry.AuditFilter{StudyID: c.study.ID, To: date("2020-01-01")}); len(rows) != 0 {
		t.Fatalf("filter to 2020: %d rows", len(rows))
	}
}

func TestSecondSaveOfAStaleVisitIsRefused(t *testing.T) {
	c := newClinic(t)
	ctx := context.Background()
	c.enrol(t, "ND-001", "2026-09-20")
	today := date("2026-11-23")
	v, err := c.store.SaveVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", "d60", goodVisit(), today)
	if err != nil {
		t.Fatal(err)
	}
	first, second := goodVisit(), goodVisit()
	first.Version, second.Version = v.Version, v.Version
	first.Reason, second.Reason = "recount", "recount"
	first.Values["pain"] = registry.ValueInput{Raw: "5"}
	second.Values["pain"] = registry.ValueInput{Raw: "9"}
	if _, err := c.store.SaveVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", "d60", first, today); err != nil {
		t.Fatal(err)
	}
	_, err = c.store.SaveVisit(ctx, actor(c.admin), c.admin, "nurse-demo", "ND-001", "d60", second, today)
	if !registry.IsVisitConflict(err) || registry.ErrorCode(err) != registry.ECONFLICT {
		t.Fatalf("stale save: %v, want a conflict", err)
	}
	// Two nurses recording the same new visit: the second is refused too.
	fresh := goodVisit()
	if _, err := c.store.SaveVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", "d60", fresh, today); !registry.IsVisitConflict(err) {
		t.Fatalf("second new record: %v, want a conflict", err)
	}
	if n := c.count(t, `SELECT value::int FROM visit_values vv JOIN measures m ON m.id = vv.measure_id WHERE m.code = 'pain'`); n != 5 {
		t.Fatalf("pain is %d, want the first correction's 5", n)
	}
}

func TestDeleteVisitNeedsAReason(t *testing.T) {
	c := newClinic(t)
	ctx := context.Background()
	c.enrol(t, "ND-001", "2026-09-20")
	v, err := c.store.SaveVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", "d60", goodVisit(), date("2026-11-23"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.store.DeleteVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", "d60", v.Version, " "); registry.ErrorCode(err) != registry.EINVALID {
		t.Fatalf("delete without a reason: %v", err)
	}
	if err := c.store.DeleteVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", "d60", v.Version, "wrong patient"); err != nil {
		t.Fatal(err)
	}
	if n := c.count(t, `SELECT count(*) FROM visit_values`); n != 0 {
		t.Fatalf("%d values left", n)
	}
	if n := c.count(t, `SELECT count(*) FROM audit_log WHERE action = 'delete' AND entity = 'visit' AND reason = 'wrong patient' AND before->'values' ? 'pain'`); n != 1 {
		t.Fatal("no audit row keeping the deleted visit")
	}
}

func TestDeathEventSetsStatusAndDeletingItRestoresIt(t *testing.T) {
	c := newClinic(t)
	ctx := context.Background()
	c.enrol(t, "ND-001", "2026-09-20")
	today := date("2026-11-23")
	err := c.store.AddEvent(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", registry.EventInput{Type: "death", Date: "2026-11-01"}, today)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := c.store.Patient(ctx, c.lund, "nurse-demo", "ND-001")
	if p.Status != "dead" || p.StatusOn == nil || p.StatusOn.Format("2006-01-02") != "2026-11-01" {
		t.Fatalf("status %s %v, want dead on 2026-11-01", p.Status, p.StatusOn)
	}
	err = c.store.AddEvent(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", registry.EventInput{Type: "death", Date: "2026-11-02"}, today)
	if registry.ErrorCode(err) != registry.EINVALID {
		t.Fatalf("second death: %v", err)
	}
	for _, in := range []registry.EventInput{{Type: "flu", Date: "2026-11-01"}, {Type: "relapse", Date: "2026-12-01"}, {Type: "relapse", Date: "2020-01-01"}} {
		if err := c.store.AddEvent(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", in, today); registry.ErrorCode(err) != registry.EINVALID {
			t.Errorf("event %+v: %v, want invalid", in, err)
		}
	}
	rec, _ := c.store.PatientRecord(ctx, c.lund, "nurse-demo", "ND-001", today)
	if len(rec.Events) != 1 {
		t.Fatalf("%d events", len(rec.Events))
	}
	if err := c.store.DeleteEvent(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", rec.Events[0].ID, "wrong patient"); err != nil {
		t.Fatal(err)
	}
	p, _ = c.store.Patient(ctx, c.lund, "nurse-demo", "ND-001")
	if p.Status != "active" {
		t.Fatalf("status %s after deleting the death", p.Status)
	}
	if n := c.count(t, `SELECT count(*) FROM audit_log WHERE entity = 'patient' AND action = 'update'`); n != 2 {
		t.Fatalf("%d status audit rows, want 2", n)
	}
}

func TestAdverseEvents(t *testing.T) {
	c := newClinic(t)
	ctx := context.Background()
	c.enrol(t, "ND-001", "2026-09-20")
	today := date("2026-11-23")
	good := registry.AdverseEventInput{Term: "Injection-site pain", Onset: "2026-09-21", End: "2026-09-25", Grade: "2",
		Relatedness: "probable", Outcome: "recovered"}
	bad := []registry.AdverseEventInput{
		{Term: "", Onset: "2026-09-21", Grade: "2", Relatedness: "probable", Outcome: "recovered"},
		{Term: "Pain", Onset: "2026-09-21", Grade: "6", Relatedness: "probable", Outcome: "recovered"},
		{Term: "Pain", Onset: "2026-09-21", End: "2026-09-20", Grade: "2", Relatedness: "probable", Outcome: "recovered"},
		{Term: "Pain", Onset: "2026-09-21", Grade: "5", Relatedness: "probable", Outcome: "recovered"},
		{Term: "Pain", Onset: "2026-09-21", Grade: "2", Relatedness: "maybe", Outcome: "recovered"},
	}
	for _, in := range bad {
		if err := c.store.SaveAdverseEvent(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", 0, in, today); registry.ErrorCode(err) != registry.EINVALID {
			t.Errorf("%+v: %v, want invalid", in, err)
		}
	}
	if err := c.store.SaveAdverseEvent(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", 0, good, today); err != nil {
		t.Fatal(err)
	}
	rec, _ := c.store.PatientRecord(ctx, c.lund, "nurse-demo", "ND-001", today)
	if len(rec.AdverseEvents) != 1 || rec.AdverseEvents[0].Grade != 2 {
		t.Fatalf("adverse events %+v", rec.AdverseEvents)
	}
	ae := rec.AdverseEvents[0]
	in := ae.InputOf()
	in.Grade, in.Reason = "3", "hospitalised"
	in.Serious = true
	if err := c.store.SaveAdverseEvent(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", ae.ID, in, today); err != nil {
		t.Fatal(err)
	}
	if err := c.store.SaveAdverseEvent(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", ae.ID, in, today); registry.ErrorCode(err) != registry.ECONFLICT {
		t.Fatalf("stale correction: %v, want conflict", err)
	}
	if err := c.store.DeleteAdverseEvent(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", ae.ID, ""); registry.ErrorCode(err) != registry.EINVALID {
		t.Fatalf("delete without a reason: %v", err)
	}
	if err := c.store.DeleteAdverseEvent(ctx, actor(c.malmo), c.malmo, "nurse-demo", "ND-001", ae.ID, "x"); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Fatalf("delete by a nurse of another site: %v", err)
	}
	if err := c.store.DeleteAdverseEvent(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", ae.ID, "duplicate"); err != nil {
		t.Fatal(err)
	}
	var actions []string
	rows, _ := c.store.AuditTrail(ctx, registry.AuditFilter{StudyID: c.study.ID})
	for _, r := range rows {
		if r.Entity == "adverse_event" {
			actions = append(actions, r.Action+":"+r.Reason)
		}
	}
	if got := strings.Join(actions, ","); got != "delete:duplicate,update:hospitalised,insert:" {
		t.Fatalf("adverse event audit rows %s", got)
	}
}
