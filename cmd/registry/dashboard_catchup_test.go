package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"
)

// The server's background catch-up takes a nurse's note without any dashboard being read.
func TestServerCatchesUpInTheBackground(t *testing.T) {
	tr := newTestRegistry(t)
	db := tr.store.DB
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := db.Exec(ctx, `UPDATE visit_values SET value = value + 1 WHERE (visit_id, measure_id) IN (
		SELECT visit_id, measure_id FROM visit_values WHERE value IS NOT NULL LIMIT 3)`); err != nil {
		t.Fatal(err)
	}
	var notes int
	if db.QueryRow(ctx, `SELECT count(*) FROM dashboard_pending`).Scan(&notes); notes == 0 {
		t.Fatal("the write left no note")
	}
	go catchUpDashboards(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil)), 20*time.Millisecond)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if err := db.QueryRow(ctx, `SELECT count(*) FROM dashboard_pending`).Scan(&notes); err != nil {
			t.Fatal(err)
		}
		if notes == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d notes still waiting after 10 s", notes)
		}
	}
}
