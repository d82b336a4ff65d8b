package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"outcomereg/registry"
	"outcomereg/registry/localpg"
	"outcomereg/seed"
)

// TestSurvivesDatabaseRestart stops the database under a running server: pages answer 503
// (never 500) while it is down, and the server recovers by itself when it is back.
func TestSurvivesDatabaseRestart(t *testing.T) {
	dir, err := os.MkdirTemp("", "registry-restart-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()

	pg, err := localpg.Start(ctx, dir, logger)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, pg.URL(localpg.Database))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := registry.MigrateUp(pool); err != nil {
		t.Fatal(err)
	}
	store := registry.NewStore(pool)
	logins, err := seed.Demo(ctx, store, seed.Options{Seed: 1, Today: demoToday})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newApp(store, logger, config{}).routes())
	defer srv.Close()
	tr := &testRegistry{Server: srv, store: store, logins: map[string]string{}}
	for _, l := range logins {
		tr.logins[l.Email] = l.Password
	}
	c := tr.client(t, "admin@demo.registry")

	if status, _ := get(t, c, srv.URL+"/healthz"); status != http.StatusOK {
		t.Fatalf("healthz with the database up: %d", status)
	}
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/healthz", "/"} {
		if status, body := get(t, c, srv.URL+path); status != http.StatusServiceUnavailable {
			t.Fatalf("%s with the database down: %d %.200s, want 503", path, status, body)
		}
	}

	pg, err = localpg.Start(ctx, dir, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Stop()
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, _ := get(t, c, srv.URL+"/")
		if status == http.StatusSeeOther { // the signed-in home page redirects to the admin's start
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the database came back: %d, want the server to recover", status)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
