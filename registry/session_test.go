package registry_test

import (
	"context"
	"testing"
	"time"

	"outcomereg/registry"
	"outcomereg/registry/testdb"
)

// A session ends after the idle time-out without a request; a request renews it, at most
// once a minute so that pages are not writes.
func TestSessionIdleTimeOut(t *testing.T) {
	ctx := context.Background()
	store := registry.NewStore(testdb.New(t))
	if err := store.SetUser(ctx, registry.CLI, registry.NewUser{Email: "n@x.org", Name: "N", Role: registry.RoleAdmin,
		Password: "a long enough password"}); err != nil {
		t.Fatal(err)
	}
	u, err := store.Authenticate(ctx, "n@x.org", "a long enough password", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	const idle = 30 * time.Minute
	token, err := store.NewSession(ctx, u, idle, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	expiresIn := func() time.Duration {
		var secs float64
		if err := store.DB.QueryRow(ctx, `SELECT extract(epoch FROM expires_at - now()) FROM sessions`).Scan(&secs); err != nil {
			t.Fatal(err)
		}
		return time.Duration(secs * float64(time.Second))
	}
	// Seen 30 s ago, 10 minutes left: not renewed yet.
	store.DB.Exec(ctx, `UPDATE sessions SET last_seen_at = now() - interval '30 seconds', expires_at = now() + interval '10 minutes'`)
	if _, err := store.SessionUser(ctx, token, idle); err != nil {
		t.Fatal(err)
	}
	if left := expiresIn(); left > 11*time.Minute {
		t.Fatalf("renewed within the minute: %v left", left)
	}
	// Seen 2 minutes ago: renewed to the full idle time.
	store.DB.Exec(ctx, `UPDATE sessions SET last_seen_at = now() - interval '2 minutes', expires_at = now() + interval '10 minutes'`)
	if _, err := store.SessionUser(ctx, token, idle); err != nil {
		t.Fatal(err)
	}
	if left := expiresIn(); left < 29*time.Minute {
		t.Fatalf("not renewed: %v left", left)
	}
	// Idle past the time-out: signed out.
	store.DB.Exec(ctx, `UPDATE sessions SET last_seen_at = now() - interval '31 minutes', expires_at = now() - interval '1 second'`)
	if _, err := store.SessionUser(ctx, token, idle); registry.ErrorCode(err) != registry.EUNAUTHORIZED {
		t.Fatalf("expired session: %v, want unauthorized", err)
	}
}
