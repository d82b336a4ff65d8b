package registry_test

import (
	"context"
	"testing"

	"outcomereg/registry"
)

// The worklist's SQL window arithmetic must agree with ScheduledVisit.WindowFor at the edges
// of a window, across a leap day.
func TestWorklistWindowEdges(t *testing.T) {
	c := newClinic(t)
	// Treated 2027-12-31: day 60 is 2028-02-29 (a leap day), window 2028-02-22..2028-03-07.
	c.enrol(t, "LEAP-1", "2027-12-31")
	sv, _ := c.study.Visit("d60")
	w := sv.WindowFor(date("2027-12-31"))
	if got := w.Target.Format("2006-01-02"); got != "2028-02-29" {
		t.Fatalf("target %s, want the leap day", got)
	}
	tests := []struct {
		today string
		state string // "" for not on the worklist
		days  int
	}{
		{"2028-01-22", "", 0},          // 31 days before the window opens
		{"2028-01-23", "upcoming", 30}, // 30 days before
		{"2028-02-21", "upcoming", 1},  // the day before it opens
		{"2028-02-22", "due", 14},      // first day
		{"2028-02-29", "due", 7},       // target, a leap day
		{"2028-03-07", "due", 0},       // last day
		{"2028-03-08", "overdue", 1},   // the day after
	}
	for _, tt := range tests {
		t.Run(tt.today, func(t *testing.T) {
			wl, err := c.store.Worklist(context.Background(), c.lund, date(tt.today), "")
			if err != nil {
				t.Fatal(err)
			}
			var got *registry.WorklistEntry
			for i, e := range wl.Entries {
				if e.VisitCode == "d60" {
					got = &wl.Entries[i]
				}
			}
			if tt.state == "" {
				if got != nil {
					t.Fatalf("listed as %s, want not on the worklist", got.State)
				}
				return
			}
			if got == nil {
				t.Fatalf("not listed, want %s", tt.state)
			}
			if got.State != tt.state || got.Days != tt.days {
				t.Errorf("%s %d days, want %s %d", got.State, got.Days, tt.state, tt.days)
			}
			if want := w.StateOn(date(tt.today)); got.State != want {
				t.Errorf("SQL says %s, WindowFor says %s", got.State, want)
			}
			if !got.Window.Opens.Equal(w.Opens) || !got.Window.Closes.Equal(w.Closes) {
				t.Errorf("window %v..%v, want %v..%v", got.Window.Opens, got.Window.Closes, w.Opens, w.Closes)
			}
		})
	}
}

func TestWorklistOrderScopeAndSearch(t *testing.T) {
	c := newClinic(t)
	ctx := context.Background()
	c.enrol(t, "ND-001", "2026-09-01") // d60 window 2026-10-24..11-07: overdue on 11-23
	c.enrol(t, "ND-002", "2026-09-20") // d60 2026-11-12..11-26: due
	c.enrol(t, "ND-003", "2026-10-20") // d60 2026-12-12..: upcoming
	wl, err := c.store.Worklist(ctx, c.lund, date("2026-11-23"), "")
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, e := range wl.Entries {
		if e.VisitCode == "d60" {
			order = append(order, e.Number+":"+e.State)
		}
	}
	want := "[ND-001:overdue ND-002:due ND-003:upcoming]"
	if got := fmtList(order); got != want {
		t.Fatalf("order %s, want %s", got, want)
	}
	for i := 1; i < len(wl.Entries); i++ {
		if rank(wl.Entries[i].State) < rank(wl.Entries[i-1].State) {
			t.Fatalf("entry %d (%s) after a less urgent one", i, wl.Entries[i].State)
		}
	}
	if wl.Overdue+wl.Due+wl.Upcoming != len(wl.Entries) || wl.Due == 0 || wl.Overdue == 0 || wl.Upcoming == 0 {
		t.Fatalf("counts %d/%d/%d for %d entries", wl.Overdue, wl.Due, wl.Upcoming, len(wl.Entries))
	}
	// A recorded visit leaves the worklist.
	if _, err := c.store.SaveVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", "d60",
		registry.VisitInput{State: "missed", MissedReason: "moved away"}, date("2026-11-23")); err != nil {
		t.Fatal(err)
	}
	wl, _ = c.store.Worklist(ctx, c.lund, date("2026-11-23"), "002")
	for _, e := range wl.Entries {
		if e.Number != "ND-002" {
			t.Fatalf("search 002 lists %s", e.Number)
		}
	}
	if len(wl.Entries) == 0 {
		t.Fatal("search 002 lists nothing")
	}
	wl, _ = c.store.Worklist(ctx, c.lund, date("2026-11-23"), "ND-001")
	for _, e := range wl.Entries {
		if e.VisitCode == "d60" {
			t.Fatal("a missed visit is still on the worklist")
		}
	}
	// A nurse of another site has nothing; the administrator sees every site.
	if wl, _ := c.store.Worklist(ctx, c.malmo, date("2026-11-23"), ""); len(wl.Entries) != 0 {
		t.Fatalf("nurse of another site sees %d entries", len(wl.Entries))
	}
	if wl, _ := c.store.Worklist(ctx, c.admin, date("2026-11-23"), ""); len(wl.Entries) == 0 {
		t.Fatal("admin sees no entries")
	}
	// LIKE wildcards are taken literally.
	if wl, _ := c.store.Worklist(ctx, c.lund, date("2026-11-23"), "%"); len(wl.Entries) != 0 {
		t.Fatalf("search %% lists %d entries", len(wl.Entries))
	}
}

func rank(state string) int {
	return map[string]int{"overdue": 0, "due": 1, "upcoming": 2}[state]
}

func fmtList(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}
