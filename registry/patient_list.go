package registry

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// PatientListLimit is how many patients the patient list shows at most; the count covers
// them all.
const PatientListLimit = 500

// PatientFilter narrows the patient list; empty fields do not filter.
type PatientFilter struct {
	Q      string // part of the study number
	Study  string // study code
	Site   string // site code
	Status string
}

// PatientListEntry is one row of the patient list.
type PatientListEntry struct {
	StudyCode   string
	StudyTitle  string
	StudyTitles Labels // StudyTitle in every language the study file gives
	Number      string
	SiteCode    string
	Status      string
	StatusOn    *time.Time
	EnrolledOn  time.Time
	TreatedOn   *time.Time // nil: awaiting treatment
}

// PatientList is the patients a user may see that match the filter.
type PatientList struct {
	Entries []PatientListEntry
	Total   int
}

// Patients lists the patients of every status that u may see: a nurse those of her sites in
// the studies they take part in, an administrator every patient. Others are refused.
func (s *Store) Patients(ctx context.Context, u *User, f PatientFilter) (*PatientList, error) {
	if u == nil || (u.Role != RoleNurse && u.Role != RoleAdmin) {
		return nil, Errorf(EFORBIDDEN, "Only nurses and administrators see patient records.")
	}
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		return nil, &Error{Code: EINVALID, Message: "The filter was not applied; check the marked fields.",
			Fields: FieldErrors{"status": "Choose a status."}}
	}
	var sites []string // nil: every site
	if u.Role == RoleNurse {
		sites = append([]string{}, u.Sites...)
	}
	rows, err := s.DB.Query(ctx, `
		SELECT st.code, st.title, jsonb_build_object('en', st.title) || st.title_labels, p.study_number, si.code, p.status, p.status_on, p.enrolled_on, p.treated_on,
			count(*) OVER ()
		FROM patients p
		JOIN studies st ON st.id = p.study_id
		JOIN sites si ON si.id = p.site_id
		WHERE ($1::text[] IS NULL OR (si.code = ANY ($1)
				AND EXISTS (SELECT 1 FROM study_sites ss WHERE ss.study_id = p.study_id AND ss.site_id = p.site_id)))
		  AND ($2 = '' OR p.study_number ILIKE '%' || $2 || '%')
		  AND ($3 = '' OR st.code = $3)
		  AND ($4 = '' OR si.code = $4)
		  AND ($5 = '' OR p.status = $5)
		ORDER BY st.code, p.study_number
		LIMIT $6`,
		sites, escapeLike(strings.TrimSpace(f.Q)), f.Study, f.Site, f.Status, PatientListLimit)
	if err != nil {
		return nil, fmt.Errorf("patient list: %w", err)
	}
	list := &PatientList{}
	var e PatientListEntry
	_, err = pgx.ForEachRow(rows, []any{&e.StudyCode, &e.StudyTitle, &e.StudyTitles, &e.Number, &e.SiteCode, &e.Status, &e.StatusOn,
		&e.EnrolledOn, &e.TreatedOn, &list.Total}, func() error {
		c := e
		e.StudyTitles = nil // the next row's labels go into a map of their own
		if e.StatusOn != nil {
			d := *e.StatusOn
			c.StatusOn = &d
		}
		list.Entries = append(list.Entries, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("patient list: %w", err)
	}
	return list, nil
}
