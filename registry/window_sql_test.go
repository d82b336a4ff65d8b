package registry_test

import (
	"context"
	"testing"
	"time"

	"outcomereg/registry"
	"outcomereg/registry/testdb"
)

// TestWindowRuleAgreesWithSQL: the forms' window (registry.Window, in Go) and the SQL rule
// the dashboard, the export and the worklist use (visit_window_*, visit_in_window in
// migrations/functions.sql) agree on every day around each window's edges: the day before it
// opens, the first day, the target, the last day, the day after; with a window of zero days
// on a side, over a leap day and over the turn of a year.
func TestWindowRuleAgreesWithSQL(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	visits := []registry.ScheduledVisit{
		{Code: "baseline", TargetDay: 0, WindowBefore: 28, WindowAfter: 0},
		{Code: "m3", TargetDay: 91, WindowBefore: 14, WindowAfter: 14},
		{Code: "m12", TargetDay: 365, WindowBefore: 30, WindowAfter: 30},
		{Code: "exact", TargetDay: 7, WindowBefore: 0, WindowAfter: 0},
	}
	treated := []string{"2025-01-01", "2023-03-01", "2024-02-29", "2025-12-20"}
	checked := map[string]int{}
	for _, v := range visits {
		for _, tr := range treated {
			day0, _ := time.Parse(time.DateOnly, tr)
			w := v.WindowFor(day0)
			var opens, closes time.Time
			if err := db.QueryRow(ctx, `SELECT visit_window_opens($1, $2, $3), visit_window_closes($1, $2, $4)`,
				day0, v.TargetDay, v.WindowBefore, v.WindowAfter).Scan(&opens, &closes); err != nil {
				t.Fatal(err)
			}
			if !opens.Equal(w.Opens) || !closes.Equal(w.Closes) {
				t.Fatalf("%s treated %s: SQL window %s..%s, Go %s..%s", v.Code, tr, opens.Format(time.DateOnly), closes.Format(time.DateOnly),
					w.Opens.Format(time.DateOnly), w.Closes.Format(time.DateOnly))
			}
			days := map[string]time.Time{
				"day before": w.Opens.AddDate(0, 0, -1), "first day": w.Opens, "target": w.Target,
				"last day": w.Closes, "day after": w.Closes.AddDate(0, 0, 1),
			}
			for edge, day := range days {
				var in bool
				var state string
				var closedFor bool
				if err := db.QueryRow(ctx, `SELECT visit_in_window($1, $2, $3, $4, $5),
						visit_window_state($1, visit_window_opens($2, $3, $4), visit_window_closes($2, $3, $5)),
						$2 < visit_window_closed_if_treated_before($1, $3, $5)`,
					day, day0, v.TargetDay, v.WindowBefore, v.WindowAfter).Scan(&in, &state, &closedFor); err != nil {
					t.Fatal(err)
				}
				if in != w.Contains(day) {
					t.Errorf("%s treated %s, %s (%s): SQL in window %v, Go %v", v.Code, tr, edge, day.Format(time.DateOnly), in, w.Contains(day))
				}
				if want := w.StateOn(day); state != want {
					t.Errorf("%s treated %s, %s (%s): SQL state %s, Go %s", v.Code, tr, edge, day.Format(time.DateOnly), state, want)
				}
				if closedFor != (w.StateOn(day) == registry.StateOverdue) {
					t.Errorf("%s treated %s, %s: SQL closed-for-treated-before %v, Go state %s", v.Code, tr, edge, closedFor, w.StateOn(day))
				}
				checked[edge]++
			}
		}
	}
	// The edges mean what they say: only the day before and the day after are outside.
	var outside int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM (VALUES ('2025-03-18'::date), ('2025-03-19'), ('2025-04-16'), ('2025-04-17')) d (day)
		WHERE NOT visit_in_window(d.day, '2025-01-01', 91, 14, 14)`).Scan(&outside); err != nil || outside != 2 {
		t.Fatalf("outside the m3 window: %d days, want 2 (%v)", outside, err)
	}
	if len(checked) != 5 || checked["first day"] != len(visits)*len(treated) {
		t.Fatalf("checked %v", checked)
	}
	// A missed visit has no date: neither in nor out.
	var in *bool
	if err := db.QueryRow(ctx, `SELECT visit_in_window(NULL, '2025-01-01', 91, 14, 14)`).Scan(&in); err != nil || in != nil {
		t.Fatalf("no date: in window = %v (%v), want NULL", in, err)
	}
}
