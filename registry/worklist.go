package registry

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// UpcomingDays is how far ahead the worklist shows visits whose window has not opened yet.
const UpcomingDays = 30

// WorklistLimit is how many visits the worklist lists at most; the counts cover them all.
const WorklistLimit = 500

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
	Limited  bool // more visits than WorklistLimit: the most urgent are listed
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
			CASE WHEN closes < $2 THEN 'overdue' WHEN opens <= $2 THEN 'due' ELSE 'upcoming' END AS state,
			count(*) FILTER (WHERE closes < $2) OVER (),
			count(*) FILTER (WHERE closes >= $2 AND opens <= $2) OVER (),
			count(*) FILTER (WHERE opens > $2) OVER ()
		FROM w
		ORDER BY CASE WHEN closes < $2 THEN 0 WHEN opens <= $2 THEN 1 ELSE 2 END,
			CASE WHEN opens > $2 THEN opens ELSE closes END, study, study_number, target
		LIMIT $5`,
		sites, today, escapeLike(strings.TrimSpace(search)), UpcomingDays, WorklistLimit)
	if err != nil {
		return nil, fmt.Errorf("worklist: %w", err)
	}
	defer rows.Close()
	wl := &Worklist{Today: today}
	for rows.Next() {
		var e WorklistEntry
		if err := rows.Scan(&e.StudyCode, &e.StudyTitle, &e.Number, &e.SiteCode, &e.VisitCode, &e.VisitLabel,
			&e.Window.Target, &e.Window.Opens, &e.Window.Closes, &e.State, &wl.Overdue, &wl.Due, &wl.Upcoming); err != nil {
			return nil, fmt.Errorf("read worklist: %w", err)
		}
		switch e.State {
		case StateOverdue:
			e.Days = DaysBetween(e.Window.Closes, today)
		case StateDue:
			e.Days = DaysBetween(today, e.Window.Closes)
		default:
			e.Days = DaysBetween(today, e.Window.Opens)
		}
		wl.Entries = append(wl.Entries, e)
	}
	wl.Limited = wl.Overdue+wl.Due+wl.Upcoming > len(wl.Entries)
	return wl, rows.Err()
}

// escapeLike makes s match literally inside ILIKE.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
