package registry

import (
	"context"
	"fmt"
	"time"
	_ "time/tzdata" // the zone database is in the binary: a server without tzdata still knows Europe/Madrid

	"github.com/jackc/pgx/v5"
)

// LoadTimeZone returns the location of an IANA time zone name such as Europe/Copenhagen.
// UTC and Local are refused as site zones: a site is somewhere.
func LoadTimeZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("%q is not a time zone name such as Europe/Stockholm", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not a time zone name such as Europe/Stockholm", name)
	}
	return loc, nil
}

// siteLocation is LoadTimeZone for zones already in the database; an unknown one (which the
// database refuses to store) falls back to the default zone.
func siteLocation(name string) *time.Location {
	loc, err := LoadTimeZone(name)
	if err != nil {
		loc, _ = time.LoadLocation(DefaultTimeZone)
	}
	return loc
}

// DayIn is the calendar date of the instant now in loc, as midnight UTC of that date (the
// form every date of the registry takes).
func DayIn(now time.Time, loc *time.Location) time.Time {
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// StudySites lists the codes of the sites that take part in a study.
func (s *Store) StudySites(ctx context.Context, studyCode string) ([]string, error) {
	rows, err := s.DB.Query(ctx, `SELECT si.code FROM study_sites ss
		JOIN studies st ON st.id = ss.study_id JOIN sites si ON si.id = ss.site_id
		WHERE st.code = $1 ORDER BY si.code`, studyCode)
	if err != nil {
		return nil, fmt.Errorf("list sites of study %s: %w", studyCode, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// SetStudySites sets the sites that take part in a study. Removing a site that has patients
// in the study is refused: its nurses would lose sight of them.
func (s *Store) SetStudySites(ctx context.Context, who Actor, studyCode string, sites []string) error {
	errs := FieldErrors{}
	seen := map[string]bool{}
	for i, c := range sites {
		uniqueSite(errs, fmt.Sprintf("sites[%d]", i), c, seen)
	}
	if err := errs.Err("the list of sites is not valid"); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var studyID int64
		err := tx.QueryRow(ctx, `SELECT id FROM studies WHERE code = $1`, studyCode).Scan(&studyID)
		if err == pgx.ErrNoRows {
			return Errorf(ENOTFOUND, "there is no study %q", studyCode)
		}
		if err != nil {
			return err
		}
		n, err := applyStudySites(ctx, tx, studyID, studyCode, sites)
		if err != nil || n == 0 {
			return err
		}
		return insertAudit(ctx, tx, who, AuditEntry{Action: "update", Entity: "study_sites", EntityID: studyCode,
			StudyID: studyID, After: map[string]any{"sites": nonNil(sites)}})
	})
}

func applyStudySites(ctx context.Context, tx pgx.Tx, studyID int64, studyCode string, sites []string) (int, error) {
	sites = nonNil(sites)
	rows, err := tx.Query(ctx, `SELECT c FROM unnest($1::text[]) c WHERE NOT EXISTS (SELECT 1 FROM sites WHERE code = c)`, sites)
	if err != nil {
		return 0, err
	}
	unknown, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, err
	}
	if len(unknown) > 0 {
		return 0, Errorf(EINVALID, "study %s lists the site %q, which does not exist; add the site first", studyCode, unknown[0])
	}
	var used string
	var count int64
	err = tx.QueryRow(ctx, `SELECT si.code, count(*) FROM patients p JOIN sites si ON si.id = p.site_id
		WHERE p.study_id = $1 AND NOT si.code = ANY($2) GROUP BY si.code ORDER BY si.code LIMIT 1`, studyID, sites).Scan(&used, &count)
	if err == nil {
		return 0, Errorf(ECONFLICT, "the site %q cannot leave study %s: it has %d patients in it; keep it in the list", used, studyCode, count)
	}
	if err != pgx.ErrNoRows {
		return 0, err
	}
	removed, err := exec(ctx, tx, `DELETE FROM study_sites ss USING sites si
		WHERE ss.study_id = $1 AND si.id = ss.site_id AND NOT si.code = ANY($2)`, studyID, sites)
	if err != nil {
		return 0, fmt.Errorf("remove study sites: %w", err)
	}
	added, err := exec(ctx, tx, `INSERT INTO study_sites (study_id, site_id) SELECT $1, id FROM sites WHERE code = ANY($2)
		ON CONFLICT DO NOTHING`, studyID, sites)
	if err != nil {
		return 0, fmt.Errorf("add study sites: %w", err)
	}
	return int(removed + added), nil
}

func applySitesOfFile(ctx context.Context, tx pgx.Tx, st *Study) (int, error) {
	if st.Sites == nil {
		return 0, nil
	}
	return applyStudySites(ctx, tx, st.ID, st.Code, st.Sites)
}
