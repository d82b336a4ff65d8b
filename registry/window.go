package registry

import "time"

// Visit states. Upcoming, due and overdue follow from the dates; done and missed are recorded.
const (
	StateUpcoming = "upcoming"
	StateDue      = "due"
	StateOverdue  = "overdue"
	StateDone     = "done"
	StateMissed   = "missed"
	// StateAwaitingTreatment: the patient's treatment date is not recorded yet, so no visit
	// has a window (and none is due or overdue).
	StateAwaitingTreatment = "awaiting"
)

// Window is the span of calendar days in which a scheduled visit counts as on time, both ends
// included.
type Window struct {
	Target time.Time
	Opens  time.Time
	Closes time.Time
}

// Day returns the calendar day of t, in UTC: the registry counts whole days.
func Day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// WindowFor returns the visit's window for a patient treated on treated (day 0). Days are
// calendar days, so leap days count like any other.
func (v ScheduledVisit) WindowFor(treated time.Time) Window {
	target := Day(treated).AddDate(0, 0, v.TargetDay)
	return Window{
		Target: target,
		Opens:  target.AddDate(0, 0, -v.WindowBefore),
		Closes: target.AddDate(0, 0, v.WindowAfter),
	}
}

// WindowOf is the visit's window for a patient treated on *treated, and the zero Window
// (Known false) when the treatment date is not recorded.
func (v ScheduledVisit) WindowOf(treated *time.Time) Window {
	if treated == nil {
		return Window{}
	}
	return v.WindowFor(*treated)
}

// Known reports whether the window has dates: whether the treatment date is recorded.
func (w Window) Known() bool { return !w.Target.IsZero() }

// Contains reports whether day lies inside the window.
func (w Window) Contains(day time.Time) bool {
	day = Day(day)
	return !day.Before(w.Opens) && !day.After(w.Closes)
}

// StateOn returns the state of a visit not yet recorded, on the given day.
func (w Window) StateOn(today time.Time) string {
	today = Day(today)
	switch {
	case today.Before(w.Opens):
		return StateUpcoming
	case today.After(w.Closes):
		return StateOverdue
	default:
		return StateDue
	}
}

// DaysBetween counts calendar days from a to b (negative when b is before a).
func DaysBetween(a, b time.Time) int {
	return int(Day(b).Sub(Day(a)).Hours() / 24)
}
