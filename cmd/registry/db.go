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
// own PostgreSQL in the data folder, which Close stops. Pool connects as the server's role;
// migrations run as the schema's owner (REGISTRY_MIGRATE_URL, or the embedded cluster's
// superuser), which then grants the server's role what it needs.
type database struct {
	Pool      *pgxpool.Pool
	server    *localpg.Server
	url       string // Pool's connection string, for the PostgreSQL programs backup and restore run
	serverURL string
	ownerURL  string // "" when no separate owner is configured: serverURL is used for both
}

// starter starts or attaches to the registry's own PostgreSQL: localpg.Start for serve,
// which must own the cluster it stops on exit, localpg.Open for the other commands, which
// use the cluster of a running `registry serve` on the same data folder.
type starter func(context.Context, string, *slog.Logger) (*localpg.Server, error)

// dataDirFlag adds --data-dir to a command's flags.
func dataDirFlag(fs *flag.FlagSet, env *environment) *string {
	def := env.getenv("REGISTRY_DATA_DIR")
	if def == "" {
		def = ".registry"
	}
	return fs.String("data-dir", def, "folder of the registry's own PostgreSQL (when REGISTRY_DATABASE_URL is unset)")
}

// startDatabase works out the two connection strings, starting the registry's own
// PostgreSQL when REGISTRY_DATABASE_URL is unset; it connects to nothing yet.
func startDatabase(ctx context.Context, env *environment, dataDir string, logger *slog.Logger, start starter) (*database, error) {
	db := &database{serverURL: env.getenv("REGISTRY_DATABASE_URL"), ownerURL: env.getenv("REGISTRY_MIGRATE_URL")}
	if db.serverURL == "" {
		srv, err := start(ctx, dataDir, logger)
		if err != nil {
			return nil, err
		}
		db.server = srv
		db.serverURL = srv.ServerURL(localpg.Database)
		db.ownerURL = srv.URL(localpg.Database)
	}
	for _, u := range []struct{ name, url string }{{"REGISTRY_DATABASE_URL", db.serverURL}, {"REGISTRY_MIGRATE_URL", db.ownerURL}} {
		if u.url == "" {
			continue
		}
		if _, err := pgxpool.ParseConfig(u.url); err != nil {
			db.Close()
			// The parse error may quote the URL and its password: say only what is wrong.
			return nil, fmt.Errorf("%s is not a valid PostgreSQL connection string", u.name)
		}
	}
	if db.ownerURL != "" && connUser(db.ownerURL) == connUser(db.serverURL) {
		db.ownerURL = "" // one role for both: nothing to grant
	}
	return db, nil
}

// connectPool opens a pool on url and checks that the database answers.
func connectPool(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, errors.New("not a valid PostgreSQL connection string")
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
		if pool != nil {
			pool.Close()
		}
		return nil, fmt.Errorf("cannot reach the database at %s (port %d, database %s, user %s): %w",
			cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, cfg.ConnConfig.User, err)
	}
	return pool, nil
}

func connUser(url string) string {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return ""
	}
	return cfg.ConnConfig.User
}

// openDatabase opens the database as the schema's owner, for migrate, backup and restore.
// With the registry's own PostgreSQL, a command run while `serve` runs on the same data
// folder uses the server's cluster.
func openDatabase(ctx context.Context, env *environment, dataDir string, logger *slog.Logger) (*database, error) {
	db, err := startDatabase(ctx, env, dataDir, logger, localpg.Open)
	if err != nil {
		return nil, err
	}
	db.url = db.serverURL
	if db.ownerURL != "" {
		db.url = db.ownerURL
	}
	if db.Pool, err = connectPool(ctx, db.url); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// grantServerRole gives the server's role its rights, when it is not the owner itself.
func (db *database) grantServerRole(ctx context.Context, owner *pgxpool.Pool) error {
	if db.ownerURL == "" {
		return nil
	}
	return registry.GrantServerRole(ctx, owner, connUser(db.serverURL))
}

// openMigrated applies pending migrations as the owner and opens the database as the
// server's role.
func openMigrated(ctx context.Context, env *environment, dataDir string, logger *slog.Logger) (*database, *registry.Store, error) {
	return openMigratedWith(ctx, env, dataDir, logger, localpg.Open)
}

func openMigratedWith(ctx context.Context, env *environment, dataDir string, logger *slog.Logger, start starter) (*database, *registry.Store, error) {
	db, err := startDatabase(ctx, env, dataDir, logger, start)
	if err != nil {
		return nil, nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	db.url = db.serverURL
	if db.Pool, err = connectPool(ctx, db.url); err != nil {
		db.Close()
		return nil, nil, err
	}
	store := registry.NewStore(db.Pool)
	store.Clock = func() time.Time { return nurseClock() } // imports count today as the forms do
	return db, store, nil
}

func (db *database) migrate(ctx context.Context) error {
	if db.ownerURL != "" {
		owner, err := connectPool(ctx, db.ownerURL)
		if err != nil {
			return err
		}
		defer owner.Close()
		if err := registry.MigrateUp(owner); err != nil {
			return err
		}
		return db.grantServerRole(ctx, owner)
	}
	// One role for both: it may not be allowed to migrate, which is fine when there is
	// nothing to do.
	pool, err := connectPool(ctx, db.serverURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	have, err := registry.SchemaVersion(ctx, pool)
	if err != nil {
		return err
	}
	if have == registry.LatestSchemaVersion() {
		current, err := registry.FunctionsCurrent(ctx, pool)
		if err != nil || current {
			return err
		}
		if err := registry.ApplyFunctions(ctx, pool); err != nil {
			return fmt.Errorf("the database's functions are older than this registry's; set REGISTRY_MIGRATE_URL to the schema owner's connection to replace them: %w", err)
		}
		return nil
	}
	if err := registry.MigrateUp(pool); err != nil {
		return fmt.Errorf("the schema is at version %d and this registry needs %d; set REGISTRY_MIGRATE_URL to the schema owner's connection to migrate: %w",
			have, registry.LatestSchemaVersion(), err)
	}
	return nil
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

// checkServerRole refuses to serve as a role that could rewrite the audit trail, unless
// allowed, and then warns.
func checkServerRole(ctx context.Context, db *database, allow bool, logger *slog.Logger) error {
	problem, err := registry.ServerRoleProblem(ctx, db.Pool)
	if err != nil || problem == "" {
		return err
	}
	if allow {
		logger.Warn("serving with a role that can rewrite the audit trail (--allow-owner-role)", "problem", problem)
		return nil
	}
	return fmt.Errorf("%s. Connect REGISTRY_DATABASE_URL as a role that may only read and insert audit_log "+
		"(see README, Security) and give the owner's connection in REGISTRY_MIGRATE_URL, "+
		"or start with --allow-owner-role (REGISTRY_ALLOW_OWNER_ROLE=1) to accept the risk", problem)
}
