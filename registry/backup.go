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
