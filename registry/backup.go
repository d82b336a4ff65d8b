package registry

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// UserTables counts the tables, views and sequences outside PostgreSQL's own schemas: zero
// means the database is empty and a backup may be restored into it.
func UserTables(ctx context.Context, db *pgxpool.Pool) (int, error) {
	var n int
	err := db.QueryRow(ctx, `
		SELECT count(*) FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
		WHERE ns.nspname NOT IN ('pg_catalog', 'information_schema') AND ns.nspname NOT LIKE 'pg\_%'
		  AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("look for tables: %w", err)
	}
	return n, nil
}

// TableRowCounts returns the number of rows of every table of the public schema, by name:
// what a restore is compared with.
func TableRowCounts(ctx context.Context, db *pgxpool.Pool) (map[string]int64, error) {
	rows, err := db.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	counts := make(map[string]int64, len(names))
	for _, name := range names {
		var n int64
		if err := db.QueryRow(ctx, `SELECT count(*) FROM public.`+pgx.Identifier{name}.Sanitize()).Scan(&n); err != nil {
			return nil, fmt.Errorf("count rows of %s: %w", name, err)
		}
		counts[name] = n
	}
	return counts, nil
}

// RebuildDashboards recomputes the dashboard summary cells from the clinical rows: every
// kept contribution and cell is emptied and every patient noted, in one transaction, then
// caught up. If the catch-up fails, the notes stay and the next one (the server's, every
// second) finishes the work. Used after a restore, so that the cells follow from the
// restored rows whatever the backup held.
func RebuildDashboards(ctx context.Context, db *pgxpool.Pool) (int, error) {
	tx, err := db.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("rebuild dashboard summaries: %w", err)
	}
	defer tx.Rollback(ctx)
	// The catch-up's lock: no catch-up may take notes while the cells are emptied.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('dashboard catch-up', 0))`); err != nil {
		return 0, fmt.Errorf("rebuild dashboard summaries: %w", err)
	}
	// DELETE, not TRUNCATE: the server's database role may delete rows but not truncate.
	for _, table := range []string{"dashboard_outcome_cells", "dashboard_visit_cells", "dashboard_patient_cells",
		"dashboard_ae_cells", "dashboard_ae_term_cells", "dashboard_patient_state", "dashboard_patient_visits",
		"dashboard_patient_values", "dashboard_pending"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+table); err != nil {
			return 0, fmt.Errorf("empty dashboard summaries: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO dashboard_pending (patient_ids) SELECT array_agg(id) FROM patients HAVING count(*) > 0`); err != nil {
		return 0, fmt.Errorf("note every patient for the dashboards: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("rebuild dashboard summaries: %w", err)
	}
	return CatchUpDashboards(ctx, db)
}
