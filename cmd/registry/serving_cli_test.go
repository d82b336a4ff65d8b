package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// commandsWhileServing runs the command-line tools against the data folder of a running
// `registry serve` (its own PostgreSQL): each must work, not refuse the locked folder.
func commandsWhileServing(t *testing.T, env map[string]string, dir, addr string) {
	t.Helper()
	run := func(stdin string, args ...string) string {
		t.Helper()
		out, stderr, err := runCmd(t, env, stdin, append(args, "--data-dir", dir)...)
		if err != nil {
			t.Fatalf("%v while the server runs: %v\n%s%s", args, err, out, stderr)
		}
		return out
	}
	if out := run("", "migrate", "version"); !strings.Contains(out, "schema version") {
		t.Errorf("migrate version: %q", out)
	}
	run("a long enough password\n", "user", "add", "--email", "keep@x.se", "--role", "admin")
	backup := filepath.Join(t.TempDir(), "serving.backup")
	run("", "backup", "--out", backup)
	if st, err := os.Stat(backup); err != nil || st.Size() == 0 {
		t.Errorf("backup while serving: %v", err)
	}
}
