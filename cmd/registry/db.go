package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"outcomereg/registry"
	"outcomereg/registry/localpg"
)

// database is the registry's connection: to the server in REGISTRY_DATABASE_URL, or to its
// own PostgreSQL in the data folder, which Close stops.
type database struct {
	Pool   *pgxpool.Pool
	server *localpg.Server
	url    string // for the PostgreSQL programs backup and restore run
}

// dataDirFlag adds --data-dir to a command's flags.
func dataDirFlag(fs *flag.FlagSet, env *environment) *string {
	def := env.getenv("REGISTRY_DATA_DIR")
	if def == "" {
		def = ".registry"
	}
	return fs.String("data-dir", def, "folder of the registry's own PostgreSQL (when REGISTRY_DATABASE_URL is unset)")
}

// openDatabase opens the database for a command. With the registry's own PostgreSQL, a
// command run while `serve` runs on the same data folder uses the server's cluster.
func openDatabase(ctx context.Context, env *environment, dataDir string, logger *slog.Logger) (*database, error) {
	return openDatabaseWith(ctx, env, dataDir, logger, localpg.Open)
}

// openDatabaseWith opens the database, starting the registry's own PostgreSQL with start
// when no URL is configured: localpg.Start for serve, which must own the cluster it stops
// on exit, localpg.Open for the other commands.
func openDatabaseWith(ctx context.Context, env *environment, dataDir string, logger *slog.Logger,
	start func(context.Context, string, *slog.Logger) (*localpg.Server, error)) (*database, error) {
	db := &database{}
	url := env.getenv("REGISTRY_DATABASE_URL")
	if url == "" {
		srv, err := start(ctx, dataDir, logger)
		if err != nil {
			return nil, err
		}
		db.server = srv
		url = srv.URL(localpg.Database)
	}
	db.url = url
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		db.Close()
		// The parse error may quote the URL and its password: say only what is wrong.
		return nil, errors.New("REGISTRY_DATABASE_URL is not a valid PostgreSQL connection string")
	}
	cfg.MaxConns = 20
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err == nil {
		pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = pool.Ping(pingCtx)
		cancel()
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot reach the database at %s (port %d, database %s): %w",
			cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	db.Pool = pool
	return db, nil
}

// openMigrated opens the database and applies pending migrations.
func openMigrated(ctx context.Context, env *environment, dataDir string, logger *slog.Logger) (*database, *registry.Store, error) {
	return openMigratedWith(ctx, env, dataDir, logger, localpg.Open)
}

func openMigratedWith(ctx context.Context, env *environment, dataDir string, logger *slog.Logger,
	start func(context.Context, string, *slog.Logger) (*localpg.Server, error)) (*database, *registry.Store, error) {
	db, err := openDatabaseWith(ctx, env, dataDir, logger, start)
	if err != nil {
		return nil, nil, err
	}
	if err := registry.MigrateUp(db.Pool); err != nil {
		db.Close()
		return nil, nil, err
	}
	store := registry.NewStore(db.Pool)
	store.Clock = func() time.Time { return nurseClock() } // imports count today as the forms do
	return db, store, nil
}

// Close closes the pool and stops the registry's own PostgreSQL, if it started one.
func (db *database) Close() {
	if db.Pool != nil {
		db.Pool.Close()
	}
	if db.server != nil {
		if err := db.server.Stop(); err != nil {
			slog.Error("stop postgres", "err", err)
		}
	}
}

// cliLogger logs warnings and errors only, so that command output stays readable.
func cliLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// parseFlags parses a command's flags, which may come before or after its other arguments,
// and returns those arguments. Errors print the usage and end as a usageError.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, usageError{err}
			}
			return nil, usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}
