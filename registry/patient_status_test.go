package registry_test

import (
	"context"
	"errors"
	"testing"

	"outcomereg/registry"
)

func TestStatusChanges(t *testing.T) {
	c := newClinic(t)
	ctx := context.Background()
	c.enrol(t, "ND-001", "2026-09-20")
	today := date("2026-11-23")
	set := func(in registry.StatusInput) error {
		return c.store.SetStatus(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", in, today)
	}
	statusAudits := func() int {
		return c.count(t, `SELECT count(*) FROM audit_log WHERE entity = 'patient' AND action = 'update'`)
	}
	onWorklist := func() bool {
		wl, err := c.store.Worklist(ctx, c.lund, today, "ND-001")
		if err != nil {
			t.Fatal(err)
		}
		return len(wl.Entries) > 0
	}
	if !onWorklist() {
		t.Fatal("an active patient with visits to come is not on the worklist")
	}

	for _, bad := range []struct {
		field string
		in    registry.StatusInput
	}{
		{"status", registry.StatusInput{Status: "dead", Date: "2026-11-01", Reason: "x", Seen: "active"}},
		{"status", registry.StatusInput{Status: "gone", Date: "2026-11-01", Reason: "x", Seen: "active"}},
		{"status", registry.StatusInput{Status: "active", Reason: "x", Seen: "active"}},
		{"status_on", registry.StatusInput{Status: "withdrawn", Reason: "x", Seen: "active"}},
		{"status_on", registry.StatusInput{Status: "withdrawn", Date: "2026-12-01", Reason: "x", Seen: "active"}},
		{"status_on", registry.StatusInput{Status: "withdrawn", Date: "2026-09-19", Reason: "x", Seen: "active"}},
		{"reason", registry.StatusInput{Status: "withdrawn", Date: "2026-11-01", Reason: "  ", Seen: "active"}},
	} {
		var e *registry.Error
		if err := set(bad.in); !errors.As(err, &e) || e.Code != registry.EINVALID || e.Fields[bad.field] == "" {
			t.Errorf("%+v: %v, want a message at %s", bad.in, err, bad.field)
		}
	}
	if err := set(registry.StatusInput{Status: "withdrawn", Date: "2026-11-01", Reason: "x", Seen: "completed"}); registry.ErrorCode(err) != registry.ECONFLICT {
		t.Errorf("a form opened on another status: %v, want a conflict", err)
	}
	if n := statusAudits(); n != 0 {
		t.Fatalf("refused changes left %d audit rows", n)
	}

	if err := set(registry.StatusInput{Status: "withdrawn", Date: "2026-11-01", Reason: "moved abroad", Seen: "active"}); err != nil {
		t.Fatal(err)
	}
	p, _ := c.store.Patient(ctx, c.lund, "nurse-demo", "ND-001")
	if p.Status != "withdrawn" || p.StatusOn == nil || p.StatusOn.Format("2006-01-02") != "2026-11-01" {
		t.Fatalf("status %s %v, want withdrawn on 2026-11-01", p.Status, p.StatusOn)
	}
	if n := c.count(t, `SELECT count(*) FROM audit_log WHERE entity = 'patient' AND action = 'update' AND reason = 'moved abroad'
		AND before->>'status' = 'active' AND after->>'status' = 'withdrawn' AND after->>'status_on' = '2026-11-01'`); n != 1 {
		t.Fatal("no audit row with the reason, the old and the new status")
	}
	if onWorklist() {
		t.Error("a withdrawn patient is still on the worklist")
	}

	// Followed again: no date.
	if err := set(registry.StatusInput{Status: "active", Reason: "came back", Seen: "withdrawn"}); err != nil {
		t.Fatal(err)
	}
	p, _ = c.store.Patient(ctx, c.lund, "nurse-demo", "ND-001")
	if p.Status != "active" || p.StatusOn != nil {
		t.Fatalf("status %s %v, want active", p.Status, p.StatusOn)
	}

	// A recorded death is changed by deleting its event, not by the form.
	if err := c.store.AddEvent(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", registry.EventInput{Type: "death", Date: "2026-11-02"}, today); err != nil {
		t.Fatal(err)
	}
	if err := set(registry.StatusInput{Status: "active", Reason: "x", Seen: "dead"}); registry.ErrorCode(err) != registry.EINVALID {
		t.Errorf("changing a dead patient's status: %v, want invalid", err)
	}
	// Another site's nurse cannot change it.
	err := c.store.SetStatus(ctx, actor(c.malmo), c.malmo, "nurse-demo", "ND-001",
		registry.StatusInput{Status: "lost", Date: "2026-11-01", Reason: "x", Seen: "dead"}, today)
	if registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Errorf("nurse of another site: %v, want not found", err)
	}
}
