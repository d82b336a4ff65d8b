package main

import (
	"net/http"
	"syscall"
	"testing"
	"time"
)

// TestEmbeddedPostgresRestartsAfterAKill kills the registry's own PostgreSQL under the
// running server: the registry restarts it and /healthz answers 200 again by itself, and
// the data is still there.
func TestEmbeddedPostgresRestartsAfterAKill(t *testing.T) {
	dir := dataDir(t)
	env := map[string]string{}
	addr, err := startServeWith(t, env, "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	health := func() int {
		c := http.Client{Timeout: 5 * time.Second}
		resp, err := c.Get(addr + "healthz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := health(); code != http.StatusOK {
		t.Fatalf("healthz before: %d", code)
	}
	if out, _, err := runCmd(t, env, "a long enough password\n", "user", "add", "--email", "before@x.se", "--role", "admin", "--data-dir", dir); err != nil {
		t.Fatalf("user add: %q %v", out, err)
	}
	pid := postmasterPID(t, dir)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	sawDown := false
	deadline := time.Now().Add(2 * time.Minute)
	for {
		code := health()
		if code != http.StatusOK {
			sawDown = true
		} else if sawDown || postmasterPID(t, dir) != pid {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthz still %d two minutes after the kill", code)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if newPID := postmasterPID(t, dir); newPID == pid || syscall.Kill(newPID, 0) != nil {
		t.Fatalf("postmaster pid %d after the restart (was %d): not a new, running one", newPID, pid)
	}
	// The data survived and the registry writes again.
	_, _, err = runCmd(t, env, "a long enough password\n", "user", "add", "--email", "before@x.se", "--role", "admin", "--data-dir", dir)
	if err == nil {
		t.Fatal("the user added before the kill is gone")
	}
	if out, _, err := runCmd(t, env, "a long enough password\n", "user", "add", "--email", "after@x.se", "--role", "admin", "--data-dir", dir); err != nil {
		t.Fatalf("user add after the restart: %q %v", out, err)
	}
}
