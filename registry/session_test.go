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
	token, err := store.NewSession(ctx, u, registry.SessionLimits{Idle: idle, Absolute: 12 * time.Hour}, "127.0.0.1", "test")
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

// A session ends at its absolute lifetime however busy it is: renewing never passes it.
func TestSessionAbsoluteLifetime(t *testing.T) {
	ctx := context.Background()
	store := registry.NewStore(testdb.New(t))
	u := addUser(t, store, "abs@x.org")
	const idle = 30 * time.Minute
	token, err := store.NewSession(ctx, u, registry.SessionLimits{Idle: idle, Absolute: 12 * time.Hour}, "10.0.0.1", "Firefox")
	if err != nil {
		t.Fatal(err)
	}
	// Busy for 11 h 50 min: a renewal stops at the absolute end, 10 minutes away.
	store.DB.Exec(ctx, `UPDATE sessions SET created_at = now() - interval '11 hours 50 minutes', ends_at = now() + interval '10 minutes',
		last_seen_at = now() - interval '2 minutes'`)
	if _, err := store.SessionUser(ctx, token, idle); err != nil {
		t.Fatal(err)
	}
	var left float64
	store.DB.QueryRow(ctx, `SELECT extract(epoch FROM expires_at - now()) FROM sessions`).Scan(&left)
	if left > 10*60+1 {
		t.Fatalf("renewed past the absolute end: %.0f s left", left)
	}
	// Past the absolute end, still within the idle time: signed out.
	store.DB.Exec(ctx, `UPDATE sessions SET ends_at = now() - interval '1 second', expires_at = now() + interval '20 minutes'`)
	if _, err := store.SessionUser(ctx, token, idle); registry.ErrorCode(err) != registry.EUNAUTHORIZED {
		t.Fatalf("session past its absolute end: %v, want unauthorized", err)
	}
}

// A user sees her live sessions and ends one of the others; she cannot end another user's.
func TestSessionsListAndEnd(t *testing.T) {
	ctx := context.Background()
	store := registry.NewStore(testdb.New(t))
	u := addUser(t, store, "list@x.org")
	other := addUser(t, store, "other@x.org")
	limits := registry.SessionLimits{Idle: time.Hour, Absolute: 12 * time.Hour}
	here, _ := store.NewSession(ctx, u, limits, "10.0.0.1", "Firefox")
	there, _ := store.NewSession(ctx, u, limits, "10.0.0.2", "Chromium")
	third, _ := store.NewSession(ctx, u, limits, "10.0.0.3", "Safari")
	theirs, _ := store.NewSession(ctx, other, limits, "10.0.0.9", "Edge")
	list, err := store.Sessions(ctx, u.ID, here)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("%d sessions listed, want 3: %+v", len(list), list)
	}
	var thereID int64
	for _, s := range list {
		if s.Current != (s.Address == "10.0.0.1") {
			t.Errorf("session from %s: current = %v", s.Address, s.Current)
		}
		if s.Address == "10.0.0.2" {
			thereID = s.ID
			if s.UserAgent != "Chromium" {
				t.Errorf("user agent %q", s.UserAgent)
			}
		}
	}
	theirList, _ := store.Sessions(ctx, other.ID, theirs)
	if err := store.EndSessionByID(ctx, registry.Actor{UserID: u.ID, Name: u.Email}, u.ID, theirList[0].ID); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Fatalf("ending another user's session: %v, want not found", err)
	}
	if err := store.EndSessionByID(ctx, registry.Actor{UserID: u.ID, Name: u.Email}, u.ID, thereID); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SessionUser(ctx, there, time.Hour); registry.ErrorCode(err) != registry.EUNAUTHORIZED {
		t.Fatalf("ended session still works: %v", err)
	}
	if _, err := store.SessionUser(ctx, theirs, time.Hour); err != nil {
		t.Fatalf("the other user's session ended too: %v", err)
	}
	// Sign out everywhere else: only this session is left.
	if n, err := store.EndOtherSessions(ctx, registry.Actor{UserID: u.ID, Name: u.Email}, u.ID, here); err != nil || n != 1 {
		t.Fatalf("end other sessions: %d, %v", n, err)
	}
	if _, err := store.SessionUser(ctx, third, time.Hour); registry.ErrorCode(err) != registry.EUNAUTHORIZED {
		t.Fatalf("third session still works: %v", err)
	}
	if _, err := store.SessionUser(ctx, here, time.Hour); err != nil {
		t.Fatalf("this session ended: %v", err)
	}
}

func addUser(t *testing.T, store *registry.Store, email string) *registry.User {
	t.Helper()
	ctx := context.Background()
	if err := store.SetUser(ctx, registry.CLI, registry.NewUser{Email: email, Name: "N", Role: registry.RoleAdmin,
		Password: "a long enough password"}); err != nil {
		t.Fatal(err)
	}
	u, err := store.Authenticate(ctx, email, "a long enough password", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Expired sessions and quiet throttles are deleted, live ones kept: neither table keeps
// what can never be used again.
func TestForgetExpired(t *testing.T) {
	ctx := context.Background()
	store := registry.NewStore(testdb.New(t))
	u := addUser(t, store, "old@x.org")
	limits := registry.SessionLimits{Idle: time.Hour, Absolute: 12 * time.Hour}
	live, _ := store.NewSession(ctx, u, limits, "10.0.0.1", "a")
	store.NewSession(ctx, u, limits, "10.0.0.2", "b")
	store.NewSession(ctx, u, limits, "10.0.0.3", "c")
	store.DB.Exec(ctx, `UPDATE sessions SET expires_at = now() - interval '1 second' WHERE address = '10.0.0.2'`)
	store.DB.Exec(ctx, `UPDATE sessions SET ends_at = now() - interval '1 second' WHERE address = '10.0.0.3'`)
	store.Authenticate(ctx, "old@x.org", "wrong password", "10.0.0.8")
	store.Authenticate(ctx, "old@x.org", "wrong password", "10.0.0.9")
	store.DB.Exec(ctx, `UPDATE login_throttles SET last_failed_at = now() - interval '25 hours' WHERE address = '10.0.0.8'`)
	store.ClaimLinkRequest(ctx, "10.0.1.8")
	store.ClaimLinkRequest(ctx, "10.0.1.9")
	store.DB.Exec(ctx, `UPDATE patient_link_throttles SET last_at = now() - interval '1 hour' WHERE address = '10.0.1.8'`)
	if err := store.ForgetExpired(ctx); err != nil {
		t.Fatal(err)
	}
	var sessions, throttles int
	store.DB.QueryRow(ctx, `SELECT count(*) FROM sessions`).Scan(&sessions)
	store.DB.QueryRow(ctx, `SELECT count(*) FROM login_throttles WHERE address = '10.0.0.8'`).Scan(&throttles)
	if sessions != 1 || throttles != 0 {
		t.Fatalf("%d sessions and %d throttles of the quiet address left; want 1 and 0", sessions, throttles)
	}
	if _, err := store.SessionUser(ctx, live, time.Hour); err != nil {
		t.Fatalf("the live session was deleted: %v", err)
	}
	var kept int
	store.DB.QueryRow(ctx, `SELECT count(*) FROM login_throttles WHERE address = '10.0.0.9' AND failures > 0`).Scan(&kept)
	if kept == 0 {
		t.Fatal("a recent failure was forgotten")
	}
	var links []string
	rows, _ := store.DB.Query(ctx, `SELECT address FROM patient_link_throttles ORDER BY 1`)
	for rows.Next() {
		var a string
		rows.Scan(&a)
		links = append(links, a)
	}
	if len(links) != 1 || links[0] != "10.0.1.9" {
		t.Fatalf("patients' link throttles left: %v; want only the recent 10.0.1.9", links)
	}
}
