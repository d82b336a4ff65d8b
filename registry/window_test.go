package registry

import (
	"testing"
	"time"
)

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestWindowEdges(t *testing.T) {
	m3 := ScheduledVisit{Code: "m3", TargetDay: 91, WindowBefore: 14, WindowAfter: 14}
	m12 := ScheduledVisit{Code: "m12", TargetDay: 365, WindowBefore: 30, WindowAfter: 30}
	tests := []struct {
		name    string
		visit   ScheduledVisit
		treated string
		today   string
		want    string
	}{
		{"day before window opens", m3, "2025-01-01", "2025-03-18", StateUpcoming},
		{"first day of window", m3, "2025-01-01", "2025-03-19", StateDue},
		{"target day", m3, "2025-01-01", "2025-04-02", StateDue},
		{"last day of window", m3, "2025-01-01", "2025-04-16", StateDue},
		{"day after window closes", m3, "2025-01-01", "2025-04-17", StateOverdue},
		// 2024 is a leap year: 365 days after 2023-03-01 is 2024-02-29.
		{"target on a leap day", m12, "2023-03-01", "2024-02-29", StateDue},
		{"leap year: last day", m12, "2023-03-01", "2024-03-30", StateDue},
		{"leap year: day after", m12, "2023-03-01", "2024-03-31", StateOverdue},
		{"leap year: first day", m12, "2023-03-01", "2024-01-30", StateDue},
		{"leap year: day before", m12, "2023-03-01", "2024-01-29", StateUpcoming},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.visit.WindowFor(date(tt.treated))
			if got := w.StateOn(date(tt.today)); got != tt.want {
				t.Errorf("state on %s = %s, want %s (window %s..%s)", tt.today, got, tt.want,
					w.Opens.Format(time.DateOnly), w.Closes.Format(time.DateOnly))
			}
			if got := w.Contains(date(tt.today)); got != (tt.want == StateDue) {
				t.Errorf("Contains(%s) = %v", tt.today, got)
			}
		})
	}
	if w := m12.WindowFor(date("2023-03-01")); !w.Target.Equal(date("2024-02-29")) {
		t.Errorf("target = %s, want 2024-02-29", w.Target.Format(time.DateOnly))
	}
	if d := DaysBetween(date("2024-02-28"), date("2024-03-01")); d != 2 {
		t.Errorf("days across a leap day = %d, want 2", d)
	}
}
