package registry

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	migratepgx "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"outcomereg/migrations"
)

// Migrator applies the embedded migrations to one database.
type Migrator struct {
	m    *migrate.Migrate
	pool *pgxpool.Pool
}

// NewMigrator prepares the embedded migrations for the database behind pool. Close it after.
func NewMigrator(pool *pgxpool.Pool) (*Migrator, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	driver, err := migratepgx.WithInstance(db, &migratepgx.Config{})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("prepare migrations: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", driver)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("prepare migrations: %w", err)
	}
	return &Migrator{m: m, pool: pool}, nil
}

// Up applies every migration not yet applied, then the functions (ApplyFunctions).
func (g *Migrator) Up() error {
	if err := g.m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrate up: %w", err)
	}
	return ApplyFunctions(context.Background(), g.pool)
}

// Down rolls back the last n migrations.
func (g *Migrator) Down(n int) error {
	if n <= 0 {
		return Errorf(EINVALID, "migrate down needs a positive number of steps, got %d", n)
	}
	if err := g.m.Steps(-n); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrate down %d: %w", n, err)
	}
	return g.afterDown()
}

// afterDown: the down migrations put back their versions of the functions, so those of
// functions.sql are no longer all current (the next Up applies them again); with no
// migration left, the functions the file added beyond the migrations go too.
func (g *Migrator) afterDown() error {
	v, _, err := g.Version()
	if err != nil {
		return err
	}
	if v == 0 {
		return DropFunctions(context.Background(), g.pool)
	}
	if _, err := g.pool.Exec(context.Background(), `DROP FUNCTION IF EXISTS registry_functions_sha256()`); err != nil {
		return fmt.Errorf("migrate down: %w", err)
	}
	return nil
}

// To migrates up or down to the given version; at the latest, it applies the functions
// too. An earlier version keeps the functions its down migrations left (see afterDown).
func (g *Migrator) To(version uint) error {
	if err := g.m.Migrate(version); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrate to %d: %w", version, err)
	}
	if version == LatestSchemaVersion() {
		return ApplyFunctions(context.Background(), g.pool)
	}
	return g.afterDown()
}

// Version reports the applied version; 0 when none is.
func (g *Migrator) Version() (version uint, dirty bool, err error) {
	v, dirty, err := g.m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return 0, false, nil
	}
	return v, dirty, err
}

// Close releases the migrator's connection; the pool stays open.
func (g *Migrator) Close() error {
	srcErr, dbErr := g.m.Close()
	return errors.Join(srcErr, dbErr)
}

// MigrateUp applies every pending migration to the database behind pool.
func MigrateUp(pool *pgxpool.Pool) error {
	g, err := NewMigrator(pool)
	if err != nil {
		return err
	}
	defer g.Close()
	return g.Up()
}

// LatestSchemaVersion is the number of the newest embedded migration.
func LatestSchemaVersion() uint {
	entries, _ := fs.ReadDir(migrations.FS, ".")
	var latest uint
	for _, e := range entries {
		var n uint
		if _, err := fmt.Sscanf(e.Name(), "%d_", &n); err == nil && n > latest {
			latest = n
		}
	}
	return latest
}

// SchemaVersion reads the applied version without needing the right to migrate; 0 when
// none is, or when the migration is dirty.
func SchemaVersion(ctx context.Context, db *pgxpool.Pool) (uint, error) {
	var exists bool
	if err := db.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var (
		v     int64
		dirty bool
	)
	err := db.QueryRow(ctx, `SELECT version, dirty FROM schema_migrations LIMIT 1`).Scan(&v, &dirty)
	if errors.Is(err, pgx.ErrNoRows) || dirty {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return uint(v), nil
}

// DataLoss is what rolling back would drop that holds rows: a table, or columns of one.
type DataLoss struct {
	Table   string
	Columns []string // empty: the whole table
	Rows    int64
}

func (l DataLoss) String() string {
	if len(l.Columns) == 0 {
		return fmt.Sprintf("table %s (%d rows)", l.Table, l.Rows)
	}
	return fmt.Sprintf("%s of table %s (%d rows)", strings.Join(l.Columns, ", "), l.Table, l.Rows)
}

var (
	dropTableRE  = regexp.MustCompile(`(?is)\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?([^;]+?)(?:\s+(?:CASCADE|RESTRICT))?\s*;`)
	alterTableRE = regexp.MustCompile(`(?is)\bALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(\w+)\s+([^;]*?\bDROP\s+COLUMN\b[^;]*);`)
	dropColumnRE = regexp.MustCompile(`(?is)\bDROP\s+COLUMN\s+(?:IF\s+EXISTS\s+)?(\w+)`)
)

// DownLoss reads the down migrations that `Down(n)` would run and returns the tables they
// drop that hold rows, and the dropped columns that hold values, with their row counts.
func (g *Migrator) DownLoss(ctx context.Context, n int) ([]DataLoss, error) {
	v, _, err := g.Version()
	if err != nil {
		return nil, err
	}
	var losses []DataLoss
	seen := map[string]bool{}
	for _, version := range appliedVersions(v, n) {
		sql, err := downSQL(version)
		if err != nil {
			return nil, err
		}
		sql = stripSQLComments(sql)
		for _, m := range dropTableRE.FindAllStringSubmatch(sql, -1) {
			for _, name := range strings.Split(m[1], ",") {
				name = strings.TrimSpace(name)
				if seen[name] {
					continue
				}
				seen[name] = true
				rows, err := g.countRows(ctx, name, "")
				if err != nil {
					return nil, err
				}
				if rows > 0 {
					losses = append(losses, DataLoss{Table: name, Rows: rows})
				}
			}
		}
		for _, m := range alterTableRE.FindAllStringSubmatch(sql, -1) {
			table := m[1]
			if seen[table] {
				continue
			}
			var cols []string
			var rows int64
			for _, c := range dropColumnRE.FindAllStringSubmatch(m[2], -1) {
				n, err := g.countRows(ctx, table, c[1])
				if err != nil {
					return nil, err
				}
				if n > 0 {
					cols = append(cols, c[1])
					rows = max(rows, n)
				}
			}
			if len(cols) > 0 {
				losses = append(losses, DataLoss{Table: table, Columns: cols, Rows: rows})
			}
		}
	}
	return losses, nil
}

// countRows counts a table's rows, or those where column is not NULL; 0 when the table or
// column does not exist.
func (g *Migrator) countRows(ctx context.Context, table, column string) (int64, error) {
	var exists bool
	err := g.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 AND ($2 = '' OR column_name = $2))`, table, column).Scan(&exists)
	if err != nil || !exists {
		return 0, err
	}
	q := `SELECT count(*) FROM ` + pgx.Identifier{table}.Sanitize()
	if column != "" {
		q += ` WHERE ` + pgx.Identifier{column}.Sanitize() + ` IS NOT NULL`
	}
	var rows int64
	if err := g.pool.QueryRow(ctx, q).Scan(&rows); err != nil {
		return 0, fmt.Errorf("count rows of %s: %w", table, err)
	}
	return rows, nil
}

// appliedVersions returns the n newest embedded versions up to v, newest first.
func appliedVersions(v uint, n int) []uint {
	entries, _ := fs.ReadDir(migrations.FS, ".")
	var versions []uint
	for _, e := range entries {
		var x uint
		if _, err := fmt.Sscanf(e.Name(), "%d_", &x); err == nil && x <= v && strings.HasSuffix(e.Name(), ".down.sql") {
			versions = append(versions, x)
		}
	}
	slices.Sort(versions)
	slices.Reverse(versions)
	return versions[:min(n, len(versions))]
}

func downSQL(version uint) (string, error) {
	matches, err := fs.Glob(migrations.FS, fmt.Sprintf("%04d_*.down.sql", version))
	if err != nil || len(matches) != 1 {
		return "", fmt.Errorf("find down migration %d: %v", version, err)
	}
	b, err := fs.ReadFile(migrations.FS, matches[0])
	return string(b), err
}

func stripSQLComments(sql string) string {
	var b strings.Builder
	for _, line := range strings.Split(sql, "\n") {
		if i := strings.Index(line, "--"); i >= 0 {
			line = line[:i]
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}
