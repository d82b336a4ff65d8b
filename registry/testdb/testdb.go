// Package testdb gives tests a real PostgreSQL with the registry's schema: each test gets a
// fresh database cloned from a template migrated once per test package, on the server named
// by REGISTRY_TEST_DATABASE_URL or, without it, on a private cluster in a temporary folder.
package testdb

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"outcomereg/registry"
	"outcomereg/registry/localpg"
)

var (
	mu       sync.Mutex
	server   *localpg.Server
	dataDir  string
	baseURL  string // a connection string to the server's maintenance database
	template string
	// serverRole is the role the server connects as, granted its rights in the template;
	// serverConn is how it logs in, as key=value parts added to a connection string.
	serverRole string
	serverConn string
	counter    atomic.Int64
	clones     []string
)

// Main runs a test package's tests against a migrated template and cleans up after:
//
//	func TestMain(m *testing.M) { testdb.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// URL returns the connection string of a fresh, migrated database for one test, dropped
// when the test package ends.
func URL(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if template == "" {
		if err := prepare(); err != nil {
			t.Fatalf("test database: %v", err)
		}
	}
	name := fmt.Sprintf("%s_%d", template, counter.Add(1))
	if err := adminExec(fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, template)); err != nil {
		t.Fatalf("clone test database: %v", err)
	}
	clones = append(clones, name)
	return withDatabase(baseURL, name)
}

// New returns a pool on a fresh, migrated database for one test.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), URL(t))
	if err != nil {
		t.Fatalf("connect test database: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Empty returns the connection string of a fresh database with no schema at all, for
// migration tests.
func Empty(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if baseURL == "" {
		if err := connectServer(); err != nil {
			t.Fatalf("test database: %v", err)
		}
	}
	name := fmt.Sprintf("registry_test_empty_%d_%d", os.Getpid(), counter.Add(1))
	if err := adminExec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("create empty database: %v", err)
	}
	clones = append(clones, name)
	return withDatabase(baseURL, name)
}

func connectServer() error {
	if u := os.Getenv("REGISTRY_TEST_DATABASE_URL"); u != "" {
		baseURL = u
		return nil
	}
	dir, err := os.MkdirTemp("", "registry-testdb-")
	if err != nil {
		return err
	}
	// The server may run as another user (postgres, when tests run as root): let it in.
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	server, err = localpg.Start(ctx, dir, logger)
	if err != nil {
		os.RemoveAll(dir)
		return err
	}
	dataDir = dir
	baseURL = server.URL("postgres")
	return nil
}

func prepare() error {
	if baseURL == "" {
		if err := connectServer(); err != nil {
			return err
		}
	}
	template = fmt.Sprintf("registry_test_%d_%d", os.Getpid(), time.Now().UnixNano()%1_000_000)
	if err := adminExec(`CREATE DATABASE ` + template); err != nil {
		return err
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, withDatabase(baseURL, template))
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := registry.MigrateUp(pool); err != nil {
		return err
	}
	if err := makeServerRole(); err != nil {
		return err
	}
	return registry.GrantServerRole(ctx, pool, serverRole)
}

// makeServerRole has the private cluster's server role, or creates one with a password
// on the server of REGISTRY_TEST_DATABASE_URL (which then needs CREATEROLE).
func makeServerRole() error {
	if server != nil {
		serverRole, serverConn = localpg.ServerUser, "user="+localpg.ServerUser
		return nil
	}
	password := fmt.Sprintf("test-%d-%d", os.Getpid(), time.Now().UnixNano())
	serverRole = "registry_test_server"
	err := adminExec(`DO $$ BEGIN
		CREATE ROLE registry_test_server LOGIN;
	EXCEPTION WHEN duplicate_object THEN NULL;
	END $$`)
	if err == nil {
		err = adminExec(`ALTER ROLE registry_test_server LOGIN NOSUPERUSER PASSWORD '` + password + `'`)
	}
	if err != nil {
		return fmt.Errorf("create the server role registry_test_server (the role of REGISTRY_TEST_DATABASE_URL needs CREATEROLE): %w", err)
	}
	serverConn = "user=registry_test_server password=" + password
	return nil
}

// Roles returns the connection strings of a fresh, migrated database for one test: as the
// schema's owner (a superuser on the private cluster) and as the server's role, which may
// only read and append to the audit trail and owns nothing.
func Roles(t testing.TB) (owner, server string) {
	t.Helper()
	owner = URL(t)
	return owner, withParts(toKeyValue(owner), serverConn)
}

// Pools returns pools on a fresh, migrated database for one test: as its owner and as the
// server's role.
func Pools(t testing.TB) (owner, server *pgxpool.Pool) {
	t.Helper()
	ownerURL, serverURL := Roles(t)
	var err error
	if owner, err = pgxpool.New(context.Background(), ownerURL); err != nil {
		t.Fatalf("connect test database: %v", err)
	}
	t.Cleanup(owner.Close)
	if server, err = pgxpool.New(context.Background(), serverURL); err != nil {
		t.Fatalf("connect test database: %v", err)
	}
	t.Cleanup(server.Close)
	return owner, server
}

func adminExec(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, baseURL)
	if err != nil {
		return fmt.Errorf("connect %s: %w", redact(baseURL), err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

func cleanup() {
	mu.Lock()
	defer mu.Unlock()
	if baseURL != "" {
		for _, name := range append(clones, template) {
			if name != "" {
				_ = adminExec(fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
			}
		}
	}
	if server != nil {
		_ = server.Stop()
		os.RemoveAll(dataDir)
	}
}

// withDatabase returns a connection string (URL or key=value form) naming another database.
func withDatabase(conn, db string) string {
	if strings.HasPrefix(conn, "postgres://") || strings.HasPrefix(conn, "postgresql://") {
		u, err := url.Parse(conn)
		if err == nil {
			u.Path = "/" + db
			return u.String()
		}
	}
	var parts []string
	for _, f := range strings.Fields(conn) {
		if !strings.HasPrefix(f, "dbname=") {
			parts = append(parts, f)
		}
	}
	return strings.Join(append(parts, "dbname="+db), " ")
}

// toKeyValue turns a postgres:// URL into the key=value form (pgx takes both).
func toKeyValue(conn string) string {
	if !strings.HasPrefix(conn, "postgres://") && !strings.HasPrefix(conn, "postgresql://") {
		return conn
	}
	u, err := url.Parse(conn)
	if err != nil {
		return conn
	}
	quote := func(v string) string { return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'" }
	var parts []string
	if h := u.Hostname(); h != "" {
		parts = append(parts, "host="+quote(h))
	}
	if p := u.Port(); p != "" {
		parts = append(parts, "port="+p)
	}
	if u.User != nil {
		parts = append(parts, "user="+quote(u.User.Username()))
		if p, ok := u.User.Password(); ok {
			parts = append(parts, "password="+quote(p))
		}
	}
	parts = append(parts, "dbname="+quote(strings.TrimPrefix(u.Path, "/")))
	for k, vs := range u.Query() {
		for _, v := range vs {
			parts = append(parts, k+"="+quote(v))
		}
	}
	return strings.Join(parts, " ")
}

// withParts appends key=value parts, which override earlier ones of the same key.
func withParts(conn, parts string) string {
	return conn + " " + parts
}

func redact(conn string) string {
	if u, err := url.Parse(conn); err == nil && u.User != nil {
		u.User = url.User(u.User.Username())
		return u.String()
	}
	return conn
}
