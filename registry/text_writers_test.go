package registry_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"outcomereg/registry"
)

// The same too-long text fed to every writer of free text is refused by each, with the
// limit in the message, and nothing reaches the tables or the audit trail.
func TestEveryWriterLimitsFreeText(t *testing.T) {
	c := newClinic(t)
	ctx := context.Background()
	c.enrol(t, "ND-001", "2026-09-20")
	today := date("2026-11-23")
	long := func(n int) string { return strings.Repeat("å", n+1) }
	lund := actor(c.lund)
	check := func(what string, err error, field string, limit int) {
		t.Helper()
		e, ok := err.(*registry.Error)
		want := "Too long: at most "
		if !ok || e.Code != registry.EINVALID || !strings.Contains(e.Fields[field], want) || !strings.Contains(e.Fields[field], itoa(limit)) {
			t.Errorf("%s: %#v, want %q with %d at %s", what, err, want, limit, field)
		}
	}
	in := goodVisit()
	in.Notes = long(registry.MaxNotesLength)
	_, err := c.store.SaveVisit(ctx, lund, c.lund, "nurse-demo", "ND-001", "d60", in, today)
	check("visit notes", err, "notes", registry.MaxNotesLength)

	missed := registry.VisitInput{State: "missed", MissedReason: long(registry.MaxMissedReasonLength)}
	_, err = c.store.SaveVisit(ctx, lund, c.lund, "nurse-demo", "ND-001", "d60", missed, today)
	check("missed reason", err, "missed_reason", registry.MaxMissedReasonLength)

	ae := registry.AdverseEventInput{Term: long(registry.MaxTermLength), Onset: "2026-09-21", Grade: "2", Relatedness: "probable", Outcome: "recovered"}
	check("adverse-event term", c.store.SaveAdverseEvent(ctx, lund, c.lund, "nurse-demo", "ND-001", 0, ae, today), "term", registry.MaxTermLength)
	ae.Term, ae.Notes = "Pain", long(registry.MaxNotesLength)
	check("adverse-event notes", c.store.SaveAdverseEvent(ctx, lund, c.lund, "nurse-demo", "ND-001", 0, ae, today), "notes", registry.MaxNotesLength)

	ev := registry.EventInput{Type: "relapse", Date: "2026-10-01", Notes: long(registry.MaxNotesLength)}
	check("event notes", c.store.AddEvent(ctx, lund, c.lund, "nurse-demo", "ND-001", ev, today), "notes", registry.MaxNotesLength)

	st := registry.StatusInput{Status: "withdrawn", Date: "2026-11-01", Reason: long(registry.MaxReasonLength), Seen: "active"}
	check("status reason", c.store.SetStatus(ctx, lund, c.lund, "nurse-demo", "ND-001", st, today), "reason", registry.MaxReasonLength)

	// A correction's reason, and a deletion's.
	if _, err := c.store.SaveVisit(ctx, lund, c.lund, "nurse-demo", "ND-001", "d60", goodVisit(), today); err != nil {
		t.Fatal(err)
	}
	fix := goodVisit()
	fix.Version, fix.Reason = 1, long(registry.MaxReasonLength)
	_, err = c.store.SaveVisit(ctx, lund, c.lund, "nurse-demo", "ND-001", "d60", fix, today)
	check("correction reason", err, "reason", registry.MaxReasonLength)
	check("deletion reason", c.store.DeleteVisit(ctx, lund, c.lund, "nurse-demo", "ND-001", "d60", 1, long(registry.MaxReasonLength)), "reason", registry.MaxReasonLength)

	// The import: a notes cell over the limit is an error at its line and column.
	csv := "patient,event,occurred_on,notes\nND-001,relapse,2026-10-01," + long(registry.MaxNotesLength) + "\n"
	res, err := c.store.Import(ctx, registry.CLI, registry.ImportOptions{Study: "nurse-demo", Table: registry.TableEvents, FileName: "x.csv"}, strings.NewReader(csv))
	if registry.ErrorCode(err) != registry.EINVALID || res == nil || res.ErrorCount == 0 || res.Errors[0].Column != "notes" || !strings.Contains(res.Errors[0].Message, "too long") {
		t.Errorf("import of a long notes cell: %+v", res.Errors)
	}

	if n := c.count(t, `SELECT count(*) FROM audit_log WHERE length(coalesce(reason, '') || coalesce(after::text, '') || coalesce(before::text, '')) > 3000`); n != 0 {
		t.Fatalf("%d audit rows hold the long text", n)
	}
	if n := c.count(t, `SELECT count(*) FROM events`) + c.count(t, `SELECT count(*) FROM adverse_events`); n != 0 {
		t.Fatalf("%d events or adverse events saved", n)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
