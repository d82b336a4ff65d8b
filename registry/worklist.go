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
	// StudyTitles and VisitLabels hold StudyTitle and VisitLabel in every language the
	// study file gives.
	StudyTitles Labels
	VisitLabels Labels
	Number      string
	SiteCode    string
	VisitCode   string
	VisitLabel  string
	Window      Window
	State       string // due, overdue, upcoming, or awaiting (treatment: no visit, no window)
	// Days is, for a due visit, the days left until the window closes (0 on its last day);
	// for an overdue one, the days since it closed; for an upcoming one, the days until it
	// opens; for a patient awaiting treatment, the days since enrolment.
	Days       int
	EnrolledOn time.Time
}

// Worklist is what the nurse's worklist shows.
type Worklist struct {
	Today    time.Time
	Entries  []WorklistEntry
	Due      int
	Overdue  int
	Upcoming int
	Awaiting int  // active patients whose treatment date is not recorded yet
	Limited  bool // more visits than WorklistLimit: the most urgent are listed
	// ToReview are the visits patients answered from home that wait for a nurse's review.
	ToReview []AnswerToReview
}

// Worklist computes, in SQL, the visits not yet recorded of active patients at u's sites
// (every site for an administrator) that are overdue, due, or open within UpcomingDays, most
// urgent first: overdue (longest late first), then due (closing soonest), then upcoming;
// last, one row per patient awaiting treatment (no treatment date yet, so no visit has a
// window and none is overdue), longest waiting first.
// search narrows to study numbers containing it. Each visit counts from today's date at its
// patient's site (now in the site's time zone); a nurse sees the studies her sites take
// part in.
func (s *Store) Worklist(ctx context.Context, u *User, now time.Time, search string) (*Worklist, error) {
	if u == nil || (u.Role != RoleNurse && u.Role != RoleAdmin) {
		return nil, Errorf(EFORBIDDEN, "only nurses and administrators have a worklist")
	}
	var sites []string // nil: every site
	if u.Role == RoleNurse {
		sites = append([]string{}, u.Sites...)
	}
	rows, err := s.DB.Query(ctx, `
		WITH p AS (
			SELECT p.id, p.study_id, p.study_number, p.enrolled_on, p.treated_on, si.code AS site, si.time_zone,
				($2::timestamptz AT TIME ZONE si.time_zone)::date AS today
			FROM patients p
			JOIN sites si ON si.id = p.site_id
			WHERE p.status = 'active'
			  AND ($1::text[] IS NULL OR si.code = ANY ($1))
			  AND ($3 = '' OR p.study_number ILIKE '%' || $3 || '%')
			  AND ($1::text[] IS NULL OR EXISTS (SELECT 1 FROM study_sites ss WHERE ss.study_id = p.study_id AND ss.site_id = p.site_id))
		), w AS (
			SELECT p.study_id, p.study_number, p.site, sv.code AS visit, sv.label, jsonb_build_object('en', sv.label) || sv.labels AS labels,
				p.today, p.enrolled_on,
				p.treated_on + sv.target_day AS target,
				visit_window_opens(p.treated_on, sv.target_day, sv.window_before) AS opens,
				visit_window_closes(p.treated_on, sv.target_day, sv.window_after) AS closes
			FROM p
			JOIN scheduled_visits sv ON sv.study_id = p.study_id
			WHERE visit_window_opens(p.treated_on, sv.target_day, sv.window_before) <= p.today + $4::int
			  AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.patient_id = p.id AND v.scheduled_visit_id = sv.id)
		), x AS (
			SELECT w.*, visit_window_state(today, opens, closes) AS state FROM w
			UNION ALL
			-- A patient awaiting treatment has no visit window yet: one row, to record the
			-- treatment date (and the baseline) when it comes.
			SELECT p.study_id, p.study_number, p.site, '', '', '{}'::jsonb, p.today, p.enrolled_on, NULL, NULL, NULL, 'awaiting'
			FROM p WHERE p.treated_on IS NULL
		)
		SELECT st.code, st.title, jsonb_build_object('en', st.title) || st.title_labels, x.study_number, x.site, x.visit, x.label, x.labels,
			x.target, x.opens, x.closes, x.today, x.enrolled_on, x.state,
			count(*) FILTER (WHERE x.state = 'overdue') OVER (),
			count(*) FILTER (WHERE x.state = 'due') OVER (),
			count(*) FILTER (WHERE x.state = 'upcoming') OVER (),
			count(*) FILTER (WHERE x.state = 'awaiting') OVER ()
		FROM x JOIN studies st ON st.id = x.study_id
		ORDER BY array_position('{overdue,due,upcoming,awaiting}'::text[], x.state),
			CASE x.state WHEN 'upcoming' THEN x.opens WHEN 'awaiting' THEN x.enrolled_on ELSE x.closes END, st.code, x.study_number, x.target
		LIMIT $5`,
		sites, now, escapeLike(strings.TrimSpace(search)), UpcomingDays, WorklistLimit)
	if err != nil {
		return nil, fmt.Errorf("worklist: %w", err)
	}
	defer rows.Close()
	wl := &Worklist{Today: s.userToday(ctx, u, now)}
	for rows.Next() {
		var e WorklistEntry
		var today time.Time
		var target, opens, closes *time.Time
		if err := rows.Scan(&e.StudyCode, &e.StudyTitle, &e.StudyTitles, &e.Number, &e.SiteCode, &e.VisitCode, &e.VisitLabel, &e.VisitLabels,
			&target, &opens, &closes, &today, &e.EnrolledOn, &e.State, &wl.Overdue, &wl.Due, &wl.Upcoming, &wl.Awaiting); err != nil {
			return nil, fmt.Errorf("read worklist: %w", err)
		}
		if target != nil {
			e.Window = Window{Target: *target, Opens: *opens, Closes: *closes}
		}
		switch e.State {
		case StateOverdue:
			e.Days = DaysBetween(e.Window.Closes, today)
		case StateDue:
			e.Days = DaysBetween(today, e.Window.Closes)
		case StateAwaitingTreatment:
			e.Days = DaysBetween(e.EnrolledOn, today)
		default:
			e.Days = DaysBetween(today, e.Window.Opens)
		}
		wl.Entries = append(wl.Entries, e)
	}
	wl.Limited = wl.Overdue+wl.Due+wl.Upcoming+wl.Awaiting > len(wl.Entries)
	return wl, rows.Err()
}

// escapeLike makes s match literally inside ILIKE.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// userToday is today's date at the user's first site (for an administrator, the default
// zone's): what a page that is not about one patient calls today.
func (s *Store) userToday(ctx context.Context, u *User, now time.Time) time.Time {
	return siteToday(now, s.UserTimeZone(ctx, u))
}

// UserTimeZone is the time zone of the user's first site; the default zone for a user
// without sites (an administrator).
func (s *Store) UserTimeZone(ctx context.Context, u *User) string {
	zone := DefaultTimeZone
	if u != nil && len(u.Sites) > 0 {
		_ = s.DB.QueryRow(ctx, `SELECT time_zone FROM sites WHERE code = $1`, u.Sites[0]).Scan(&zone)
	}
	return zone
}

// UserToday is today's date at the user's first site.
func (s *Store) UserToday(ctx context.Context, u *User, now time.Time) time.Time {
	return s.userToday(ctx, u, now)
}
