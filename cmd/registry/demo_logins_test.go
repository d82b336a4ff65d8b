package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"outcomereg/registry/testdb"
)

// TestDemoLoginsFile: seed --demo prints the logins and keeps the same lines in a file of
// the data folder that only its owner can read, also when an older file was world-readable;
// the passwords in it sign in.
func TestDemoLoginsFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	os.MkdirAll(dir, 0o700)
	path := filepath.Join(dir, demoLoginsFile)
	os.WriteFile(path, []byte("old"), 0o644)
	env := map[string]string{"REGISTRY_DATABASE_URL": testdb.URL(t)}
	out, _, err := runCmd(t, env, "", "seed", "--demo", "--data-dir", dir)
	if err != nil {
		t.Fatalf("seed --demo: %v", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, st.Mode().Perm())
	}
	file := mustRead(t, path)
	var logins int
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "@") {
			logins++
			if !strings.Contains(file, line) {
				t.Errorf("printed login %q is not in the file:\n%s", line, file)
			}
		}
	}
	if logins < 4 || !strings.Contains(out, path) {
		t.Errorf("output has %d logins and should name %s:\n%s", logins, path, out)
	}
	if note := demoLoginsNote(dir); !strings.Contains(note, path) {
		t.Errorf("serve's note = %q", note)
	}
}
