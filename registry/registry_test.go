package registry_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"outcomereg/migrations"
	"outcomereg/registry"
	"outcomereg/registry/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestMigrationsUpDownUp(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, testdb.Empty(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	g, err := registry.NewMigrator(pool)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()

	tables := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := g.Up(); err != nil {
		t.Fatal(err)
	}
	v, dirty, err := g.Version()
	if err != nil || dirty || v == 0 {
		t.Fatalf("version after up = %d dirty=%v err=%v", v, dirty, err)
	}
	up := tables()
	if up < 15 {
		t.Fatalf("after up: %d tables, want the whole schema", up)
	}
	// Numbers may have gaps (helpers are given numbers in advance): count the files.
	ups, err := fs.Glob(migrations.FS, "*.up.sql")
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Down(len(ups)); err != nil {
		t.Fatal(err)
	}
	if n := tables(); n != 0 {
		t.Fatalf("after down: %d tables left", n)
	}
	var functions []string
	if err := pool.QueryRow(ctx, `SELECT coalesce(array_agg(p.proname::text), '{}') FROM pg_proc p
		JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'`).Scan(&functions); err != nil {
		t.Fatal(err)
	}
	if len(functions) != 0 {
		t.Fatalf("after down: functions left: %v", functions)
	}
	if err := g.Up(); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if n := tables(); n != up {
		t.Fatalf("after up again: %d tables, want %d", n, up)
	}
	if current, err := registry.FunctionsCurrent(ctx, pool); err != nil || !current {
		t.Fatalf("after up again: functions current = %v, %v", current, err)
	}
	if err := g.Down(0); registry.ErrorCode(err) != registry.EINVALID {
		t.Fatalf("down 0: %v, want invalid", err)
	}
}

func TestAuditTrailIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	store := registry.NewStore(testdb.New(t))
	if err := store.Audit(ctx, registry.CLI, registry.AuditEntry{Action: "login", Entity: "session"}); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`UPDATE audit_log SET reason = 'tampered'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
	} {
		_, err := store.DB.Exec(ctx, sql)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want refusal", sql, err)
		}
	}
	var n int
	if err := store.DB.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE reason = ''`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("audit rows = %d (%v), want the one row untouched", n, err)
	}
}
