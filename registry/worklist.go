package registry

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// UpcomingDays is how far ahead the worklist shows visits whose window has not opened yet.
const UpcomingDays = 30

// WorklistEntry is a visit a nurse has to see to: due, overdue or upcoming.
type WorklistEntry struct {
	StudyCode  string
	StudyTitle string
	Number     string
	SiteCode   string
	VisitCode  string
	VisitLabel string
	Window     Window
	State      string // due, overdue or upcoming
	// Days is, for a due visit, the days left until the window closes (0 on its last day);
	// for an overdue one, the days since it closed; for an upcoming one, the days until it
	// opens.
	Days int
}

// Worklist is what the nurse's worklist shows.
type Worklist struct {
	Today    time.Time
	Entries  []WorklistEntry
	Due      int
	Overdue  int
	Upcoming int
}

// Worklist computes, in SQL, the visits not yet recorded of active patients at u's sites
// (every site for an administrator) that are overdue, due, or open within UpcomingDays, most
// urgent first: overdue (longest late first), then due (closing soonest), then upcoming.
// search narrows to study numbers containing it.
func (s *Store) Worklist(ctx context.Context, u *User, today time.Time, search string) (*Worklist, error) {
	if u == nil || (u.Role != RoleNurse && u.Role != RoleAdmin) {
		return nil, Errorf(EFORBIDDEN, "only nurses and administrators have a worklist")
	}
	var sites []string // nil: every site
	if u.Role == RoleNurse {
		sites = append([]string{}, u.Sites...)
	}
	today = Day(today)
	rows, err := s.DB.Query(ctx, `
		WITH w AS (
			SELECT st.code AS study, st.title, p.study_number, si.code AS site, sv.code AS visit, sv.label,
				p.treated_on + sv.target_day AS target,
				p.treated_on + sv.target_day - sv.window_before AS opens,
				p.treated_on + sv.target_day + sv.window_after AS closes
			FROM patients p
			JOIN sites si ON si.id = p.site_id
			JOIN studies st ON st.id = p.study_id
			JOIN scheduled_visits sv ON sv.study_id = p.study_id
			WHERE p.status = 'active'
			  AND ($1::text[] IS NULL OR si.code = ANY ($1))
			  AND ($3 = '' OR p.study_number ILIKE '%' || $3 || '%')
			  AND p.treated_on + sv.target_day - sv.window_before <= $2::date + $4::int
			  AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.patient_id = p.id AND v.scheduled_visit_id = sv.id)
		)
		SELECT study, title, study_number, site, visit, label, target, opens, closes,
			CASE WHEN closes < $2 THEN 'overdue' WHEN opens <= $2 THEN 'due' ELSE 'upcoming' END AS state
		FROM w
		ORDER BY CASE WHEN closes < $2 THEN 0 WHEN opens <= $2 THEN 1 ELSE 2 END,
			CASE WHEN opens > $2 THEN opens ELSE closes END, study, study_number, target`,
		sites, today, escapeLike(strings.TrimSpace(search)), UpcomingDays)
	if err != nil {
		return nil, fmt.Errorf("worklist: %w", err)
	}
	defer rows.Close()
	wl := &Worklist{Today: today}
	for rows.Next() {
		var e WorklistEntry
		if err := rows.Scan(&e.StudyCode, &e.StudyTitle, &e.Number, &e.SiteCode, &e.VisitCode, &e.VisitLabel,
			&e.Window.Target, &e.Window.Opens, &e.Window.Closes, &e.State); err != nil {
			return nil, fmt.Errorf("read worklist: %w", err)
		}
		switch e.State {
		case StateOverdue:
			e.Days = DaysBetween(e.Window.Closes, today)
			wl.Overdue++
		case StateDue:
			e.Days = DaysBetween(today, e.Window.Closes)
			wl.Due++
		default:
			e.Days = DaysBetween(today, e.Window.Opens)
			wl.Upcoming++
		}
		wl.Entries = append(wl.Entries, e)
	}
	return wl, rows.Err()
}

// escapeLike makes s match literally inside ILIKE.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
