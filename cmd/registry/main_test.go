package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"outcomereg/registry/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// runCmd runs the real program with its own arguments and environment.
func runCmd(t *testing.T, env map[string]string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(stdin), &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// dataDir returns a temporary data folder the postgres user can enter.
func dataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "registry-cmd-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "data")
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"serve", "--no-such-flag"}, {"migrate"}, {"migrate", "down"},
		{"seed"}, {"seed", "--patients", "10"}, {"user", "add"}, {"study", "apply"}} {
		_, stderr, err := runCmd(t, nil, "", args...)
		var u usageError
		if !errors.As(err, &u) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
		if !strings.Contains(stderr, "Usage") && !strings.Contains(stderr, "usage") {
			t.Errorf("%v: no usage printed: %q", args, stderr)
		}
	}
}

func TestDatabaseDownAtStart(t *testing.T) {
	env := map[string]string{"REGISTRY_DATABASE_URL": "host=" + t.TempDir() + " user=registry dbname=registry sslmode=disable"}
	_, _, err := runCmd(t, env, "", "migrate", "version")
	if err == nil || !strings.Contains(err.Error(), "cannot reach the database") {
		t.Fatalf("err = %v, want a clear 'cannot reach the database'", err)
	}
}

func TestStudyApplyMalformedFile(t *testing.T) {
	env := map[string]string{"REGISTRY_DATABASE_URL": testdb.URL(t)}
	file := filepath.Join(t.TempDir(), "broken.yaml")
	os.WriteFile(file, []byte("code: broken\ntitle: Broken\nindication: x\ndesign: cohort\narms: [{code: a, label: A}]\n"+
		"visits: [{code: baseline, label: B, day: 0, window_before: 0, window_after: 0, baseline: true}]\n"+
		"measures:\n  - {code: x, labels: {en: X}, type: number, direction: sideways}\n"), 0o644)
	_, _, err := runCmd(t, env, "", "study", "apply", file)
	if err == nil || !strings.Contains(err.Error(), "broken.yaml") || !strings.Contains(err.Error(), "line 8") ||
		!strings.Contains(err.Error(), "measures[0].direction") {
		t.Fatalf("err = %v, want the file, line 8 and measures[0].direction", err)
	}
	// Nothing was applied: the corrected file creates the study.
	good := strings.Replace(mustRead(t, file), "sideways", "higher", 1)
	os.WriteFile(file, []byte(good), 0o644)
	out, _, err := runCmd(t, env, "", "study", "apply", file)
	if err != nil || !strings.Contains(out, "created") {
		t.Fatalf("apply: %q, %v", out, err)
	}
	out, _, err = runCmd(t, env, "", "study", "apply", file)
	if err != nil || !strings.Contains(out, "nothing changed") {
		t.Fatalf("apply again: %q, %v", out, err)
	}
}

func TestUserAdd(t *testing.T) {
	env := map[string]string{"REGISTRY_DATABASE_URL": testdb.URL(t)}
	if _, _, err := runCmd(t, env, "short\n", "user", "add", "--email", "a@b.se", "--role", "admin"); err == nil ||
		!strings.Contains(err.Error(), "at least 12 characters") {
		t.Fatalf("short password: %v", err)
	}
	// Long enough but common: the same rule as every other place that sets a password.
	for _, common := range []string{"1QAZ2WSX3EDC", "Password123456!", "aaaaaaaaaaaaaaa", "qwertyuiop2026"} {
		if _, _, err := runCmd(t, env, common+"\n", "user", "add", "--email", "a@b.se", "--role", "admin"); err == nil ||
			!strings.Contains(err.Error(), "most common passwords") {
			t.Fatalf("common password %q: %v", common, err)
		}
	}
	out, _, err := runCmd(t, env, "a long enough password\n", "user", "add", "--email", "a@b.se", "--role", "admin")
	if err != nil || !strings.Contains(out, "added") {
		t.Fatalf("user add: %q, %v", out, err)
	}
	if _, _, err := runCmd(t, env, "a long enough password\n", "user", "add", "--email", "A@b.se", "--role", "admin"); err == nil ||
		!strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate email: %v", err)
	}
	if _, _, err := runCmd(t, env, "a long enough password\n", "user", "add", "--email", "n@b.se", "--role", "nurse", "--site", "nowhere"); err == nil ||
		!strings.Contains(err.Error(), "nowhere") {
		t.Fatalf("unknown site: %v", err)
	}
}

// TestEmbeddedClusterLifecycle runs the registry with no database URL: it starts its own
// PostgreSQL, refuses a second registry on the same folder, stops PostgreSQL when it exits,
// and the next start reuses the cluster and its data.
func TestEmbeddedClusterLifecycle(t *testing.T) {
	dir := dataDir(t)
	env := map[string]string{}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdoutR, stdoutW := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir}, func(k string) string { return env[k] },
			strings.NewReader(""), stdoutW, &stderr)
		stdoutW.Close()
	}()
	addr := waitForAddr(t, stdoutR, done)
	go io.Copy(io.Discard, stdoutR)

	resp, err := http.Get(addr + "healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()

	// A second server on the same folder is refused; the other commands use the running
	// server's PostgreSQL and leave it running.
	pid := postmasterPID(t, dir)
	_, _, err = runCmd(t, env, "", "serve", "--addr", "127.0.0.1:0", "--data-dir", dir)
	if err == nil || !strings.Contains(err.Error(), "already using") {
		t.Fatalf("second server on the same folder: err = %v, want 'already using'", err)
	}
	commandsWhileServing(t, env, dir, addr)
	if got := postmasterPID(t, dir); got != pid || syscall.Kill(pid, 0) != nil {
		t.Fatalf("the server's PostgreSQL (pid %d) was replaced or stopped by the commands (now %d)", pid, got)
	}
	resp, err = http.Get(addr + "healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz after the commands: %v %v", resp, err)
	}
	resp.Body.Close()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if syscall.Kill(pid, 0) == nil {
		t.Fatalf("postgres (pid %d) still runs after the registry stopped", pid)
	}

	out, _, err := runCmd(t, env, "a long enough password\n", "user", "add", "--email", "keep@x.se", "--role", "admin", "--data-dir", dir)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("the cluster was not reused: %q %v", out, err)
	}
}

func waitForAddr(t *testing.T, r io.Reader, done chan error) string {
	t.Helper()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	re := regexp.MustCompile(`https?://\S+/`)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("serve ended before listening")
			}
			if m := re.FindString(l); m != "" {
				return m
			}
		case err := <-done:
			t.Fatalf("serve ended: %v", err)
		case <-time.After(60 * time.Second):
			t.Fatal("serve did not start listening")
		}
	}
}

func postmasterPID(t *testing.T, dir string) int {
	t.Helper()
	data := mustRead(t, filepath.Join(dir, "pgdata", "postmaster.pid"))
	var pid int
	for _, c := range strings.SplitN(data, "\n", 2)[0] {
		pid = pid*10 + int(c-'0')
	}
	return pid
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
