package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"outcomereg/registry"
	"outcomereg/registry/testdb"
)

// TestBackupRestore backs up a registry with the demo data and restores it into an empty
// database: every table has the same number of rows, including the dashboard cells, which
// the restore rebuilds from the clinical rows. A non-empty database is refused without
// --force and left as it was; --force replaces it; a file that is not a backup is refused.
func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	src := testdb.URL(t)
	srcEnv := map[string]string{"REGISTRY_DATABASE_URL": src}
	if _, _, err := runCmd(t, srcEnv, "", "seed", "--demo", "--data-dir", t.TempDir()); err != nil {
		t.Fatalf("seed: %v", err)
	}
	want := rowCounts(t, src)
	if want["patients"] == 0 || want["audit_log"] == 0 || want["dashboard_outcome_cells"] == 0 {
		t.Fatalf("the demo data is missing: %v", want)
	}

	file := filepath.Join(t.TempDir(), "registry.backup")
	out, _, err := runCmd(t, srcEnv, "", "backup", "--out", file)
	if err != nil || !strings.Contains(out, "Backup written to "+file) {
		t.Fatalf("backup: %q %v", out, err)
	}
	if _, err := os.Stat(file + ".partial"); err == nil {
		t.Error("the partial file was left behind")
	}

	dst := testdb.Empty(t)
	dstEnv := map[string]string{"REGISTRY_DATABASE_URL": dst}
	out, _, err = runCmd(t, dstEnv, "", "restore", file)
	if err != nil || !strings.Contains(out, "Dashboard summaries rebuilt from") {
		t.Fatalf("restore: %q %v", out, err)
	}
	compareCounts(t, "restore", want, rowCounts(t, dst))
	// The audit trail came back whole: the same rows chained to the same last hash, and the
	// restore said it verified.
	srcChain, dstChain := auditChain(t, src), auditChain(t, dst)
	if srcChain.Rows == 0 || srcChain.Rows != dstChain.Rows || srcChain.LastHash != dstChain.LastHash || dstChain.Break != nil {
		t.Errorf("audit chain after restore: %+v, before: %+v", dstChain, srcChain)
	}
	if !strings.Contains(out, "Audit trail: intact") {
		t.Errorf("the restore did not report the audit chain: %q", out)
	}
	// The rebuilt cells hold the same figures as the backed-up ones.
	if a, b := cellSums(t, src), cellSums(t, dst); a != b {
		t.Errorf("dashboard cells after restore: %s, before: %s", b, a)
	}

	// A second restore into the now non-empty database is refused and changes nothing.
	pool := connect(t, dst)
	pool.Exec(ctx, `INSERT INTO sites (code, name) VALUES ('extra', 'Extra')`)
	_, _, err = runCmd(t, dstEnv, "", "restore", file)
	if err == nil || !strings.Contains(err.Error(), "not empty") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("restore into a non-empty database: %v", err)
	}
	if n := rowCounts(t, dst)["sites"]; n != want["sites"]+1 {
		t.Errorf("the refused restore changed sites: %d rows", n)
	}
	pool.Close()
	out, _, err = runCmd(t, dstEnv, "", "restore", "--force", file)
	if err != nil {
		t.Fatalf("restore --force: %q %v", out, err)
	}
	compareCounts(t, "restore --force", want, rowCounts(t, dst))

	// A backup of a trail changed behind the database's back restores, but the restore says
	// the trail does not verify.
	tampered := connect(t, src)
	if _, err := tampered.Exec(ctx, `SET session_replication_role = replica`); err == nil {
		if _, err := tampered.Exec(ctx, `UPDATE audit_log SET reason = 'rewritten' WHERE id = (SELECT min(id) FROM audit_log)`); err != nil {
			t.Fatalf("tamper: %v", err)
		}
		tampered.Close()
		runCmd(t, srcEnv, "", "backup", "--out", file)
		_, _, err = runCmd(t, map[string]string{"REGISTRY_DATABASE_URL": testdb.Empty(t)}, "", "restore", file)
		if err == nil || !strings.Contains(err.Error(), "does not verify") {
			t.Errorf("restore of a tampered trail: %v", err)
		}
	} else {
		t.Logf("no superuser to tamper with the trail: %v", err)
	}

	bad := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(bad, []byte("not a backup\n"), 0o644)
	_, _, err = runCmd(t, map[string]string{"REGISTRY_DATABASE_URL": testdb.Empty(t)}, "", "restore", bad)
	if err == nil || !strings.Contains(err.Error(), "is not a backup") {
		t.Fatalf("restore of a text file: %v", err)
	}
}

func connect(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func rowCounts(t *testing.T, url string) map[string]int64 {
	t.Helper()
	pool := connect(t, url)
	defer pool.Close()
	counts, err := registry.TableRowCounts(context.Background(), pool)
	if err != nil {
		t.Fatal(err)
	}
	return counts
}

func compareCounts(t *testing.T, what string, want, got map[string]int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d tables, want %d", what, len(got), len(want))
	}
	for table, n := range want {
		if got[table] != n {
			t.Errorf("%s: %s has %d rows, want %d", what, table, got[table], n)
		}
	}
}

func auditChain(t *testing.T, url string) registry.AuditChainStatus {
	t.Helper()
	pool := connect(t, url)
	defer pool.Close()
	st, err := registry.NewStore(pool).VerifyAuditChain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// cellSums sums what the dashboards read from the cells.
func cellSums(t *testing.T, url string) string {
	t.Helper()
	pool := connect(t, url)
	defer pool.Close()
	var s string
	err := pool.QueryRow(context.Background(), `SELECT concat_ws(' ',
		(SELECT sum(n) FROM dashboard_outcome_cells), (SELECT round(sum(total)::numeric, 6) FROM dashboard_outcome_cells), (SELECT sum(responders) FROM dashboard_outcome_cells),
		(SELECT sum(done) FROM dashboard_visit_cells), (SELECT sum(n) FROM dashboard_patient_cells))`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
