package registry_test

import (
	"context"
	"regexp"
	"testing"

	"outcomereg/migrations"
	"outcomereg/registry"
	"outcomereg/registry/testdb"
)

// TestFunctionsFileHoldsEveryFunction: every function of the migrated schema is defined in
// functions.sql, so a function added by a migration (instead of the file) fails here.
func TestFunctionsFileHoldsEveryFunction(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	rows, err := db.Query(ctx, `SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = 'public' AND p.proname <> 'registry_functions_sha256' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		n++
		if !regexp.MustCompile(`(?m)^CREATE OR REPLACE FUNCTION ` + regexp.QuoteMeta(name) + `\(`).MatchString(migrations.Functions) {
			t.Errorf("function %s is in the schema but not in migrations/functions.sql", name)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 15 {
		t.Fatalf("%d functions in the schema, want every one of the registry's", n)
	}
}

// TestMigrateUpReplacesStaleFunctions: a database whose functions are not this binary's (a
// registry migrated by an older one, or changed by hand) gets them back from `migrate up`
// even with no migration to run, and applying them again changes nothing.
func TestMigrateUpReplacesStaleFunctions(t *testing.T) {
	ctx := context.Background()
	owner, server := testdb.Pools(t)
	responder := func() bool {
		t.Helper()
		var r bool
		// The server's role calls the rule; lower is better, MCID 2, an improvement of 2.
		if err := server.QueryRow(ctx, `SELECT dashboard_responder(-2, 'lower', 2)`).Scan(&r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	if current, err := registry.FunctionsCurrent(ctx, server); err != nil || !current {
		t.Fatalf("after migrating: functions current = %v, %v", current, err)
	}
	if !responder() {
		t.Fatal("an improvement of the MCID is not a response")
	}
	if _, err := owner.Exec(ctx, `CREATE OR REPLACE FUNCTION dashboard_responder(change double precision, direction text, mcid double precision)
		RETURNS boolean LANGUAGE sql IMMUTABLE RETURN false;
		DROP FUNCTION registry_functions_sha256()`); err != nil {
		t.Fatal(err)
	}
	if current, err := registry.FunctionsCurrent(ctx, server); err != nil || current {
		t.Fatalf("after changing a function: functions current = %v, %v", current, err)
	}
	g, err := registry.NewMigrator(owner)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	for range 2 {
		if err := g.Up(); err != nil {
			t.Fatal(err)
		}
		if current, err := registry.FunctionsCurrent(ctx, server); err != nil || !current {
			t.Fatalf("after migrate up: functions current = %v, %v", current, err)
		}
		if !responder() {
			t.Fatal("migrate up left the changed dashboard_responder")
		}
	}
	// The server's role may call them, not replace them.
	if _, err := server.Exec(ctx, migrations.Functions); err == nil {
		t.Fatal("the server's role replaced the functions")
	}
}
