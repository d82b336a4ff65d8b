package registry

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

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
	m *migrate.Migrate
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
	return &Migrator{m: m}, nil
}

// Up applies every migration not yet applied.
func (g *Migrator) Up() error {
	if err := g.m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrate up: %w", err)
	}
	return nil
}

// Down rolls back the last n migrations.
func (g *Migrator) Down(n int) error {
	if n <= 0 {
		return Errorf(EINVALID, "migrate down needs a positive number of steps, got %d", n)
	}
	if err := g.m.Steps(-n); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrate down %d: %w", n, err)
	}
	return nil
}

// To migrates up or down to the given version.
func (g *Migrator) To(version uint) error {
	if err := g.m.Migrate(version); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrate to %d: %w", version, err)
	}
	return nil
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
