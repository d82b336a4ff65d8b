package registry_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"outcomereg/registry"
	"outcomereg/registry/testdb"
)

// auditRows writes n audit rows through the store, as the server would.
func auditRows(t *testing.T, store *registry.Store, n int) {
	t.Helper()
	for i := range n {
		err := store.Audit(context.Background(), registry.Actor{Name: "nurse@x.se"}, registry.AuditEntry{
			Action: "update", Entity: "visit", EntityID: fmt.Sprint(i), Before: map[string]any{"value": i}, After: map[string]any{"value": i + 1}, Reason: "typo"})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func verify(t *testing.T, store *registry.Store) registry.AuditChainStatus {
	t.Helper()
	st, err := store.VerifyAuditChain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestServerRoleCannotRewriteAuditTrail attacks the audit trail with the server's role:
// every way to change or remove a row, or to switch off what keeps it append-only, must be
// refused by the database, and the server's role must not count as one that could.
func TestServerRoleCannotRewriteAuditTrail(t *testing.T) {
	ctx := context.Background()
	owner, server := testdb.Pools(t)
	store := registry.NewStore(server)
	auditRows(t, store, 3)
	for _, sql := range []string{
		`UPDATE audit_log SET reason = 'tampered'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
		`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete`,
		`ALTER TABLE audit_log DISABLE TRIGGER USER`,
		`DROP TRIGGER audit_log_no_update_delete ON audit_log`,
		`CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$`,
		`CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`,
		`SET session_replication_role = replica`,
		`UPDATE audit_chain SET seq = 0`,
		`DELETE FROM audit_chain`,
		`ALTER TABLE visits ADD COLUMN x int`,
		`ALTER TABLE audit_log OWNER TO CURRENT_USER`,
		`DROP TABLE audit_log`,
		`CREATE TABLE scratch (x int)`,
	} {
		_, err := server.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || (pgErr.Code != "42501" && !strings.Contains(pgErr.Message, "must be owner")) {
			t.Errorf("%s as the server's role: err = %v, want permission denied", sql, err)
		}
	}
	if st := verify(t, store); st.Break != nil || st.Rows != 3 {
		t.Fatalf("after the attacks: %+v, want 3 intact rows", st)
	}
	if problem, err := registry.ServerRoleProblem(ctx, server); err != nil || problem != "" {
		t.Errorf("server role: problem %q, %v; want none", problem, err)
	}
	if problem, err := registry.ServerRoleProblem(ctx, owner); err != nil || !strings.Contains(problem, "superuser") {
		t.Errorf("owner: problem %q, %v; want it named a superuser", problem, err)
	}
	// The server's role still does its work: clinical rows can be changed and deleted.
	if _, err := server.Exec(ctx, `INSERT INTO sites (code, name) VALUES ('x', 'X'); UPDATE sites SET name = 'Y'; DELETE FROM sites`); err != nil {
		t.Fatalf("clinical writes as the server's role: %v", err)
	}
}

// tamper runs SQL as the owner (a superuser here) with every trigger off, as an attacker
// with full rights would.
func tamper(t *testing.T, owner *pgxpool.Pool, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := owner.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET session_replication_role = replica`); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(ctx, `RESET session_replication_role`)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestAuditVerifyFindsTampering(t *testing.T) {
	for _, tc := range []struct {
		name, sql string
		seq       int64
		want      string
	}{
		{"edited", `UPDATE audit_log SET reason = 'nothing happened' WHERE seq = 3`, 3, "seq 3 (id 3) was changed"},
		{"edited json", `UPDATE audit_log SET after = '{"value": 99}' WHERE seq = 4`, 4, "seq 4 (id 4) was changed"},
		{"edited and rehashed", `UPDATE audit_log SET reason = 'x' WHERE seq = 3;
			UPDATE audit_log SET hash = sha256(prev_hash || audit_log_content(audit_log)) WHERE seq = 3`,
			4, "seq 4 (id 4) does not follow row seq 3"},
		{"deleted", `DELETE FROM audit_log WHERE seq = 2`, 2, "seq 2 is missing"},
		{"deleted two", `DELETE FROM audit_log WHERE seq IN (2, 3)`, 2, "seq 2 to 3 are missing"},
		{"deleted last", `DELETE FROM audit_log WHERE seq = 5`, 5, "after seq 4 are missing"},
		{"inserted out of order", `INSERT INTO audit_log (actor, action, entity, seq, prev_hash, hash)
			SELECT 'ghost', 'update', 'visit', 6, prev_hash, hash FROM audit_log WHERE seq = 2`, 6, "seq 6 (id 6) does not follow row seq 5"},
		{"inserted without the trigger", `INSERT INTO audit_log (actor, action, entity, seq, prev_hash, hash)
			SELECT 'ghost', 'update', 'visit', 6, l.hash, sha256(l.hash) FROM audit_log l WHERE seq = 5`, 6, "seq 6 (id 6) was changed"},
		{"appended with a correct hash", `WITH r AS (SELECT (l.*)::audit_log AS r FROM audit_log l WHERE seq = 5)
			INSERT INTO audit_log (id, at, actor, action, entity, seq, prev_hash, hash)
			SELECT 100, (r).at, 'ghost', 'update', 'visit', 6, (r).hash,
				sha256((r).hash || audit_log_content(ROW(100, (r).at, NULL, 'ghost', 'update', 'visit', '', NULL, NULL, NULL, NULL, '', 6, NULL, NULL)::audit_log))
			FROM r`, 6, "does not end where its head says (seq 5)"},
		{"renumbered", `UPDATE audit_log SET seq = seq + 10 WHERE seq = 5`, 5, "seq 5 to 14 are missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			owner, server := testdb.Pools(t)
			store := registry.NewStore(server)
			auditRows(t, store, 5)
			if st := verify(t, store); st.Break != nil || st.Rows != 5 || st.LastSeq != 5 {
				t.Fatalf("before tampering: %+v", st)
			}
			tamper(t, owner, tc.sql)
			st := verify(t, store)
			if st.Break == nil {
				t.Fatalf("verify found nothing after %s", tc.sql)
			}
			if st.Break.Seq != tc.seq || !strings.Contains(st.Break.Problem, tc.want) {
				t.Fatalf("verify: seq %d %q; want seq %d and %q", st.Break.Seq, st.Break.Problem, tc.seq, tc.want)
			}
		})
	}
}

// TestAuditChainConcurrentWriters: writers in many connections at once, single rows and
// a statement writing many rows, still form one chain without gaps.
func TestAuditChainConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	_, server := testdb.Pools(t)
	store := registry.NewStore(server)
	const writers, each = 12, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers+1)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := store.Audit(ctx, registry.Actor{Name: fmt.Sprintf("w%d", w)}, registry.AuditEntry{Action: "view", Entity: "patient", EntityID: fmt.Sprint(i)}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := server.Exec(ctx, `INSERT INTO audit_log (actor, action, entity, entity_id)
			SELECT 'import', 'insert', 'visit', g::text FROM generate_series(1, 100) g`)
		errs <- err
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	st := verify(t, store)
	want := int64(writers*each + 100)
	if st.Break != nil || st.Rows != want || st.LastSeq != want {
		t.Fatalf("after concurrent writes: %+v, want %d rows in one intact chain", st, want)
	}
}

// TestAuditChainOverExistingRows: migration 0006 chains the rows written before it.
func TestAuditChainOverExistingRows(t *testing.T) {
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
	if err := g.Up(); err != nil {
		t.Fatal(err)
	}
	store := registry.NewStore(pool)
	auditRows(t, store, 2)
	if err := g.To(5); err != nil {
		t.Fatal(err)
	}
	// Written under 0005, without a chain.
	if _, err := pool.Exec(ctx, `INSERT INTO audit_log (actor, action, entity, before) VALUES ('a', 'b', 'c', '{"x": [1, 2.50]}'), ('d', 'e', 'f', NULL)`); err != nil {
		t.Fatal(err)
	}
	if err := g.Up(); err != nil {
		t.Fatal(err)
	}
	auditRows(t, store, 2)
	if st := verify(t, store); st.Break != nil || st.Rows != 6 {
		t.Fatalf("after migrating rows written before the chain: %+v, want 6 intact rows", st)
	}
}

// TestGrantWhileServing: every command grants the server's role its rights after
// migrating; a server reading meanwhile must never be refused, and two grants at once must
// not fail.
func TestGrantWhileServing(t *testing.T) {
	ctx := context.Background()
	owner, server := testdb.Pools(t)
	var role string
	if err := server.QueryRow(ctx, `SELECT current_user`).Scan(&role); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	readErr := make(chan error, 1)
	go func() {
		defer close(readErr)
		for {
			select {
			case <-stop:
				return
			default:
			}
			var n int
			if err := server.QueryRow(ctx, `SELECT count(*) FROM patients WHERE dashboard_catch_up() >= 0`).Scan(&n); err != nil {
				readErr <- err
				return
			}
		}
	}()
	var wg sync.WaitGroup
	grantErr := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Every command applies the functions, then grants: both write the functions'
			// catalog rows, which two transactions at once may not.
			if i%2 == 0 {
				grantErr <- registry.ApplyFunctions(ctx, owner)
				return
			}
			grantErr <- registry.GrantServerRole(ctx, owner, role)
		}()
	}
	wg.Wait()
	close(stop)
	close(grantErr)
	for err := range grantErr {
		if err != nil {
			t.Fatalf("grant: %v", err)
		}
	}
	if err := <-readErr; err != nil {
		t.Fatalf("the server was refused while the owner granted: %v", err)
	}
}

// TestServerRoleProblemNamesOwnerAndRights: a role that is no superuser but owns
// audit_log, or was granted UPDATE on it, is named unfit to serve.
func TestServerRoleProblemNamesOwnerAndRights(t *testing.T) {
	ctx := context.Background()
	owner, _ := testdb.Pools(t)
	if _, err := owner.Exec(ctx, `DO $$ BEGIN
			CREATE ROLE registry_test_tables_owner NOLOGIN;
		EXCEPTION WHEN duplicate_object THEN NULL; END $$;
		DO $$ BEGIN
			CREATE ROLE registry_test_updater NOLOGIN;
		EXCEPTION WHEN duplicate_object THEN NULL; END $$;
		ALTER TABLE audit_log OWNER TO registry_test_tables_owner;
		GRANT SELECT, UPDATE ON audit_log TO registry_test_updater`); err != nil {
		t.Fatal(err)
	}
	for role, want := range map[string]string{
		"registry_test_tables_owner": `"registry_test_tables_owner" owns audit_log`,
		"registry_test_updater":      `"registry_test_updater" may update, delete or truncate audit_log`,
	} {
		cfg := owner.Config().Copy()
		cfg.ConnConfig.RuntimeParams["role"] = role
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		problem, err := registry.ServerRoleProblem(ctx, pool)
		pool.Close()
		if err != nil || !strings.Contains(problem, want) || strings.Contains(problem, "superuser") {
			t.Errorf("%s: %q, %v; want %q", role, problem, err, want)
		}
	}
}
