package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"outcomereg/migrations"
	"outcomereg/registry"
	"outcomereg/registry/testdb"
)

// startServeWith runs `registry serve` on port 0 with env and returns its address, or the error
// it ended with before listening.
func startServeWith(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdoutR, stdoutW := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), func(k string) string { return env[k] },
			strings.NewReader(""), stdoutW, &stderr)
		stdoutW.Close()
	}()
	addr := make(chan string, 1)
	go func() {
		buf := make([]byte, 4096)
		var out []byte
		for {
			n, err := stdoutR.Read(buf)
			out = append(out, buf[:n]...)
			if i := bytes.Index(out, []byte("http://")); i >= 0 && bytes.Contains(out[i:], []byte("/\n")) {
				s := string(out[i:])
				addr <- s[:strings.Index(s, "/\n")+1]
				io.Copy(io.Discard, stdoutR)
				return
			}
			if err != nil {
				return
			}
		}
	}()
	select {
	case a := <-addr:
		t.Cleanup(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Error("serve did not stop")
			}
		})
		return a, nil
	case err := <-done:
		cancel()
		return "", err
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("serve neither listened nor ended")
		return "", nil
	}
}

// TestServeRefusesARoleThatCouldRewriteTheAuditTrail: connected as a superuser (or the
// tables' owner) serve stops with a message unless told to accept it; as the server's role,
// with the owner's connection for the migrations, it serves.
func TestServeRefusesARoleThatCouldRewriteTheAuditTrail(t *testing.T) {
	owner, server := testdb.Roles(t)
	_, err := startServeWith(t, map[string]string{"REGISTRY_DATABASE_URL": owner})
	if err == nil || !strings.Contains(err.Error(), "superuser") || !strings.Contains(err.Error(), "--allow-owner-role") ||
		!strings.Contains(err.Error(), "REGISTRY_MIGRATE_URL") {
		t.Fatalf("serve as a superuser: err = %v, want a refusal naming the way out", err)
	}
	if _, err := startServeWith(t, map[string]string{"REGISTRY_DATABASE_URL": owner}, "--allow-owner-role"); err != nil {
		t.Fatalf("serve --allow-owner-role: %v", err)
	}
	if _, err := startServeWith(t, map[string]string{"REGISTRY_DATABASE_URL": owner, "REGISTRY_ALLOW_OWNER_ROLE": "1"}); err != nil {
		t.Fatalf("serve with REGISTRY_ALLOW_OWNER_ROLE=1: %v", err)
	}
	addr, err := startServeWith(t, map[string]string{"REGISTRY_DATABASE_URL": server, "REGISTRY_MIGRATE_URL": owner})
	if err != nil {
		t.Fatalf("serve as the server's role: %v", err)
	}
	resp, err := http.Get(addr + "healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	// Without the owner's connection the server's role cannot migrate, but needs not.
	if _, err := startServeWith(t, map[string]string{"REGISTRY_DATABASE_URL": server}); err != nil {
		t.Fatalf("serve as the server's role on a current schema: %v", err)
	}
}

// TestAuditVerifyAndExportCommands: verify passes on an untouched trail, export writes every
// row with its hashes, and verify exits non-zero naming the row a superuser deleted.
func TestAuditVerifyAndExportCommands(t *testing.T) {
	owner, server := testdb.Roles(t)
	env := map[string]string{"REGISTRY_DATABASE_URL": server, "REGISTRY_MIGRATE_URL": owner}
	for _, email := range []string{"a@x.se", "b@x.se", "c@x.se"} {
		if out, _, err := runCmd(t, env, "a long enough password\n", "user", "add", "--email", email, "--role", "admin"); err != nil {
			t.Fatalf("user add: %q %v", out, err)
		}
	}
	out, _, err := runCmd(t, env, "", "audit", "verify")
	if err != nil || !strings.Contains(out, "intact: 3 rows") {
		t.Fatalf("verify: %q %v", out, err)
	}
	file := filepath.Join(t.TempDir(), "audit.csv")
	if out, _, err := runCmd(t, env, "", "audit", "export", "--out", file); err != nil || !strings.Contains(out, "Wrote 3 audit rows") {
		t.Fatalf("export: %q %v", out, err)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(records) != 4 || records[0][0] != "seq" || records[0][len(records[0])-1] != "hash" ||
		records[3][0] != "3" || len(records[3][len(records[3])-1]) != 64 || records[2][len(records[2])-1] != records[3][len(records[3])-2] {
		t.Fatalf("export file: %v %v, want a header and 3 chained rows", records, err)
	}

	pool, err := pgxpool.New(context.Background(), owner)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(context.Background(), `SET session_replication_role = replica; DELETE FROM audit_log WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	out, _, err = runCmd(t, env, "", "audit", "verify")
	if err == nil || !strings.Contains(err.Error(), "seq 2 is missing") || !strings.Contains(out, "NOT intact") {
		t.Fatalf("verify after a deletion: %q %v, want a failure naming seq 2", out, err)
	}
}

// TestMigrateDownRefusesToDropData: rolling back over tables or columns that hold data
// needs --force, and the refusal lists what would be lost and changes nothing.
func TestMigrateDownRefusesToDropData(t *testing.T) {
	owner, server := testdb.Roles(t)
	env := map[string]string{"REGISTRY_DATABASE_URL": server, "REGISTRY_MIGRATE_URL": owner}
	if out, _, err := runCmd(t, env, "a long enough password\n", "user", "add", "--email", "a@x.se", "--role", "admin"); err != nil {
		t.Fatalf("user add: %q %v", out, err)
	}
	latest := fmt.Sprint(registry.LatestSchemaVersion())
	downs, _ := fs.Glob(migrations.FS, "*.down.sql")
	all := fmt.Sprint(len(downs))
	_, _, err := runCmd(t, env, "", "migrate", "down", all)
	for _, want := range []string{"table audit_log (1 rows)", "table users (1 rows)", "table audit_chain (1 rows)", "--force", "Nothing was changed"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("migrate down %s: %v, want a refusal naming %q", all, err, want)
		}
	}
	if out, _, err := runCmd(t, env, "", "migrate", "version"); err != nil || !strings.Contains(out, "schema version "+latest) {
		t.Fatalf("after the refusals: %q %v, want version %s", out, err, latest)
	}
	if out, _, err := runCmd(t, env, "", "migrate", "down", all, "--force"); err != nil || !strings.Contains(out, "schema version 0") {
		t.Fatalf("migrate down --force: %q %v", out, err)
	}
}

// TestAuditVerifyAgainstExport: a superuser who rewrites a row and recomputes every hash
// after it and the head leaves a chain that verifies on its own; compared with an earlier
// export, verify names the row.
func TestAuditVerifyAgainstExport(t *testing.T) {
	owner, server := testdb.Roles(t)
	env := map[string]string{"REGISTRY_DATABASE_URL": server, "REGISTRY_MIGRATE_URL": owner}
	for _, email := range []string{"a@x.se", "b@x.se", "c@x.se"} {
		if out, _, err := runCmd(t, env, "a long enough password\n", "user", "add", "--email", email, "--role", "admin"); err != nil {
			t.Fatalf("user add: %q %v", out, err)
		}
	}
	file := filepath.Join(t.TempDir(), "audit.csv")
	if out, _, err := runCmd(t, env, "", "audit", "export", "--out", file); err != nil {
		t.Fatalf("export: %q %v", out, err)
	}
	if out, _, err := runCmd(t, env, "", "audit", "verify", "--against", file); err != nil || !strings.Contains(out, "The 3 rows of") {
		t.Fatalf("verify --against an untouched trail: %q %v", out, err)
	}
	pool, err := pgxpool.New(context.Background(), owner)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	_, err = pool.Exec(context.Background(), `SET session_replication_role = replica;
		UPDATE audit_log SET actor = 'someone else' WHERE seq = 2;
		DO $$ DECLARE r audit_log; h bytea; BEGIN
			SELECT hash INTO h FROM audit_log WHERE seq = 1;
			FOR r IN SELECT * FROM audit_log WHERE seq >= 2 ORDER BY seq LOOP
				r.prev_hash := h;
				h := sha256(h || audit_log_content(r));
				UPDATE audit_log SET prev_hash = r.prev_hash, hash = h WHERE id = r.id;
			END LOOP;
			UPDATE audit_chain SET hash = h;
		END $$`)
	if err != nil {
		t.Fatal(err)
	}
	if out, _, err := runCmd(t, env, "", "audit", "verify"); err != nil {
		t.Fatalf("verify alone cannot see a re-hashed trail, but failed: %q %v", out, err)
	}
	out, _, err := runCmd(t, env, "", "audit", "verify", "--against", file)
	if err == nil || !strings.Contains(err.Error(), "seq 2 differs from the export") || !strings.Contains(out, "does NOT match") {
		t.Fatalf("verify --against after a rewrite: %q %v, want seq 2 named", out, err)
	}
}
