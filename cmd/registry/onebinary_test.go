package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"outcomereg/registry/testdb"
)

// TestBinaryServesChartsFromAnyFolder builds the real binary, copies it alone into an empty
// folder, starts it from there and fetches the charting library: nothing beside the binary
// (no node_modules) is needed to draw the charts.
func TestBinaryServesChartsFromAnyFolder(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	want, err := os.ReadFile("../../node_modules/echarts/dist/echarts.min.js")
	if err != nil {
		t.Skipf("no npm package to compare with (run make): %v", err)
	}
	empty := t.TempDir()
	bin := filepath.Join(empty, "registry")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Dir = empty
	owner, server := testdb.Roles(t)
	cmd.Env = append(os.Environ(), "REGISTRY_DATABASE_URL="+server, "REGISTRY_MIGRATE_URL="+owner)
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		<-done
	})
	addr := waitForAddr(t, stdout, done)
	go io.Copy(io.Discard, stdout)

	resp, err := http.Get(addr + "static/echarts.min.js")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, want) {
		t.Fatalf("GET /static/echarts.min.js from %s: %s, %d bytes, want the %d bytes of the npm package\n%s",
			empty, resp.Status, len(got), len(want), stderr.String())
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	entries, _ := os.ReadDir(empty)
	if len(entries) != 1 {
		t.Errorf("the folder holds %d entries, want only the binary", len(entries))
	}
}
