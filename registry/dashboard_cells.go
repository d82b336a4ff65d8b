package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// CatchUpDashboards brings the dashboard summary cells (migrations 0003 and 0005) up to
// date with every write committed before it was called, and returns how many patients'
// contributions it replaced. Writers only note the patients they touched, so that a
// nurse's save does not wait for the summaries; the server catches up every second, each
// dashboard read first, and the bulk writers (seed, import, study apply) when they are
// done.
func CatchUpDashboards(ctx context.Context, db *pgxpool.Pool) (int, error) {
	var patients int
	if err := db.QueryRow(ctx, `SELECT dashboard_catch_up()`).Scan(&patients); err != nil {
		return 0, fmt.Errorf("bring the dashboard summaries up to date: %w", err)
	}
	return patients, nil
}

// catchUpAfterBulk brings the summaries up to date after a bulk write has committed, so
// that the next dashboard does not pay for it. The write stands whatever happens here: on
// failure its notes stay, and the next catch-up takes them.
func (s *Store) catchUpAfterBulk(ctx context.Context) {
	_, _ = CatchUpDashboards(ctx, s.DB)
}

// cellTables are the summary tables keyed by study that the catch-up keeps.
var cellTables = []string{"dashboard_outcome_cells", "dashboard_visit_cells", "dashboard_patient_cells",
	"dashboard_ae_cells", "dashboard_ae_term_cells", "dashboard_ae_term_set_cells", "dashboard_survival_cells", "dashboard_followed_cells",
	"dashboard_followed_visit_cells"}

// RebuildDashboards recomputes the dashboard summary cells from the clinical rows, of every
// study or (studyCode not empty) of one: after a restore, so that the cells follow from the
// restored rows whatever the backup held, or after a suspected drift (`registry dashboard
// rebuild`). It runs in one transaction: the cells are never seen half rebuilt. It returns
// how many patients' contributions it recomputed.
func RebuildDashboards(ctx context.Context, db *pgxpool.Pool, studyCode string) (int, error) {
	tx, err := db.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("rebuild dashboard summaries: %w", err)
	}
	defer tx.Rollback(ctx)
	patients, err := RebuildDashboardsIn(ctx, tx, studyCode)
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("rebuild dashboard summaries: %w", err)
	}
	return patients, nil
}

// RebuildDashboardsIn is RebuildDashboards in the caller's transaction (the tests' from-scratch
// comparison rolls it back). The cells and kept contributions of the study (or of all) are
// emptied, every patient of it noted, and the notes caught up: with nothing kept to subtract,
// each cell becomes the sum of fresh contributions. Notes of other studies' patients waiting
// at the time are caught up too, as any catch-up would.
func RebuildDashboardsIn(ctx context.Context, tx pgx.Tx, studyCode string) (int, error) {
	// The catch-up's lock: no other catch-up may take notes while the cells are emptied.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('dashboard catch-up', 0))`); err != nil {
		return 0, fmt.Errorf("rebuild dashboard summaries: %w", err)
	}
	// DELETE, not TRUNCATE: the server's database role may delete rows but not truncate.
	if studyCode == "" {
		for _, table := range slices.Concat(cellTables, []string{"dashboard_patient_state", "dashboard_patient_visits",
			"dashboard_patient_values", "dashboard_pending"}) {
			if _, err := tx.Exec(ctx, `DELETE FROM `+table); err != nil {
				return 0, fmt.Errorf("empty dashboard summaries: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO dashboard_pending (patient_ids) SELECT array_agg(id) FROM patients HAVING count(*) > 0`); err != nil {
			return 0, fmt.Errorf("note every patient for the dashboards: %w", err)
		}
	} else {
		var studyID int64
		err := tx.QueryRow(ctx, `SELECT id FROM studies WHERE code = $1`, studyCode).Scan(&studyID)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, Errorf(ENOTFOUND, "no study with the code %q: nothing was rebuilt", studyCode)
		}
		if err != nil {
			return 0, fmt.Errorf("rebuild dashboard summaries: %w", err)
		}
		// The study's patients, and any patient whose kept contribution says it is in the study.
		if _, err := tx.Exec(ctx, `
			CREATE TEMP TABLE dashboard_rebuilding ON COMMIT DROP AS
			SELECT id FROM patients WHERE study_id = $1
			UNION SELECT patient_id FROM dashboard_patient_state WHERE study_id = $1`, studyID); err != nil {
			return 0, fmt.Errorf("rebuild dashboard summaries: %w", err)
		}
		for _, table := range cellTables {
			if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE study_id = $1`, studyID); err != nil {
				return 0, fmt.Errorf("empty dashboard summaries: %w", err)
			}
		}
		for _, table := range []string{"dashboard_patient_state", "dashboard_patient_visits", "dashboard_patient_values"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE patient_id IN (SELECT id FROM dashboard_rebuilding)`); err != nil {
				return 0, fmt.Errorf("empty dashboard summaries: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO dashboard_pending (patient_ids) SELECT array_agg(id) FROM patients WHERE study_id = $1 HAVING count(*) > 0;`, studyID); err != nil {
			return 0, fmt.Errorf("note the study's patients for the dashboards: %w", err)
		}
		if _, err := tx.Exec(ctx, `DROP TABLE dashboard_rebuilding`); err != nil {
			return 0, fmt.Errorf("rebuild dashboard summaries: %w", err)
		}
	}
	var patients int
	if err := tx.QueryRow(ctx, `SELECT dashboard_catch_up()`).Scan(&patients); err != nil {
		return 0, fmt.Errorf("rebuild dashboard summaries: %w", err)
	}
	// What the dashboards kept of the time-to-event counts before is read again, even of a
	// study without patients, whose cells the rebuild only emptied. (A database at a
	// migration before 0023, as the migration tests rebuild it, has no versions.)
	var versioned bool
	if err := tx.QueryRow(ctx, `SELECT to_regclass('dashboard_survival_versions') IS NOT NULL`).Scan(&versioned); err != nil {
		return 0, fmt.Errorf("rebuild dashboard summaries: %w", err)
	}
	if versioned {
		if _, err := tx.Exec(ctx, `UPDATE dashboard_survival_versions SET version = gen_random_uuid()
			WHERE study_id IN (SELECT id FROM studies WHERE $1 = '' OR code = $1)`, studyCode); err != nil {
			return 0, fmt.Errorf("rebuild dashboard summaries: %w", err)
		}
	}
	return patients, nil
}
