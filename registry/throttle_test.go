package registry_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"outcomereg/registry"
	"outcomereg/registry/testdb"
)

const rightPassword = "a long enough password"

// An outsider failing from other addresses never keeps the nurse out: her correct
// password from her own address works at once, however many failures there were elsewhere,
// for her account and from any address.
func TestThrottleOutsiderCannotLockOut(t *testing.T) {
	ctx := context.Background()
	store := registry.NewStore(testdb.New(t))
	addUser(t, store, "nurse@x.org")
	addUser(t, store, "other@x.org")
	// 40 failures for her account from 8 addresses, and 100 for other accounts from one.
	for i := range 40 {
		_, err := store.Authenticate(ctx, "nurse@x.org", "wrong password", fmt.Sprintf("203.0.113.%d", i%8))
		if c := registry.ErrorCode(err); c != registry.EUNAUTHORIZED && c != registry.ETOOMANY {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	for i := range 100 {
		store.Authenticate(ctx, fmt.Sprintf("guess%d@x.org", i), "wrong password", "198.51.100.7")
	}
	if _, err := store.Authenticate(ctx, "nurse@x.org", rightPassword, "192.0.2.10"); err != nil {
		t.Fatalf("the nurse from her own address after failures elsewhere: %v", err)
	}
	// The attacker's own addresses wait, with a growing delay, not a lock.
	_, err := store.Authenticate(ctx, "nurse@x.org", rightPassword, "203.0.113.1")
	var e *registry.Error
	if registry.ErrorCode(err) != registry.ETOOMANY || !asError(err, &e) || e.RetryAfter <= 0 || e.RetryAfter > 15*time.Minute {
		t.Fatalf("a failing address: %v, want too many with a wait of at most 15 minutes", err)
	}
	_, err = store.Authenticate(ctx, "other@x.org", rightPassword, "198.51.100.7")
	if !asError(err, &e) || e.Code != registry.ETOOMANY || e.RetryAfter > time.Minute {
		t.Fatalf("an address that tried many accounts: %v, want a wait of at most a minute", err)
	}
	// No failure and no wait is in the audit trail's hands: the throttle has a table, which
	// an administrator lists and clears.
	list, err := store.LoginThrottles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, th := range list {
		if th.Scope == "account_address" && th.Email == "nurse@x.org" && th.Address == "203.0.113.1" {
			found = th.Failures == 5 && !th.WaitUntil.IsZero()
		}
	}
	if !found {
		t.Fatalf("throttle of nurse@x.org from 203.0.113.1 not listed with 5 failures and a wait: %+v", list)
	}
	if err := store.ClearLoginThrottles(ctx, registry.CLI, "nurse@x.org", "203.0.113.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Authenticate(ctx, "nurse@x.org", rightPassword, "203.0.113.1"); err != nil {
		t.Fatalf("after the admin cleared the throttle: %v", err)
	}
	if err := store.ClearLoginThrottles(ctx, registry.CLI, "", "198.51.100.7"); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Authenticate(ctx, "other@x.org", rightPassword, "198.51.100.7"); err != nil {
		t.Fatalf("after the admin cleared the address: %v", err)
	}
}

// The delay grows with each failure beyond the free ones, and a success starts the
// account again at zero.
func TestThrottleDelaysGrow(t *testing.T) {
	ctx := context.Background()
	store := registry.NewStore(testdb.New(t))
	addUser(t, store, "n@x.org")
	var waits []time.Duration
	for range 9 {
		// Time passes: the last failure was long enough ago for the next attempt.
		store.DB.Exec(ctx, `UPDATE login_throttles SET last_failed_at = now() - interval '1 hour' WHERE scope = 'account_address'`)
		_, err := store.Authenticate(ctx, "n@x.org", "wrong password", "10.1.1.1")
		if registry.ErrorCode(err) != registry.EUNAUTHORIZED {
			t.Fatalf("attempt after the wait: %v", err)
		}
		_, err = store.Authenticate(ctx, "n@x.org", "wrong password", "10.1.1.1")
		var e *registry.Error
		if asError(err, &e) && e.Code == registry.ETOOMANY {
			waits = append(waits, e.RetryAfter.Round(time.Second))
		} else if registry.ErrorCode(err) != registry.EUNAUTHORIZED {
			t.Fatal(err)
		}
	}
	// 9 rounds of one counted failure (plus the free ones counted by the second attempt).
	if len(waits) < 3 {
		t.Fatalf("waits %v: want delays after the free failures", waits)
	}
	for i := 1; i < len(waits); i++ {
		if waits[i] < waits[i-1] || waits[i] > 15*time.Minute {
			t.Fatalf("waits %v do not grow up to the cap", waits)
		}
	}
	if waits[len(waits)-1] <= waits[0] {
		t.Fatalf("waits %v do not grow", waits)
	}
	store.DB.Exec(ctx, `UPDATE login_throttles SET last_failed_at = now() - interval '1 hour'`)
	if _, err := store.Authenticate(ctx, "n@x.org", rightPassword, "10.1.1.1"); err != nil {
		t.Fatal(err)
	}
	var n int
	store.DB.QueryRow(ctx, `SELECT count(*) FROM login_throttles WHERE scope = 'account_address' AND failures > 0`).Scan(&n)
	if n != 0 {
		t.Fatalf("after a success the account still has failures")
	}
}

// A concurrent burst against one account from one address is counted attempt by attempt:
// only the free failures reach the password check, the rest are refused, and the counter
// has seen every checked attempt.
func TestThrottleConcurrentBurst(t *testing.T) {
	ctx := context.Background()
	store := registry.NewStore(testdb.New(t))
	addUser(t, store, "burst@x.org")
	registry.SetPasswordChecks(store, 100) // the burst meets the throttle, not the limit on checks
	const attempts = 40
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := store.Authenticate(ctx, "burst@x.org", "wrong password", "10.9.9.9")
			mu.Lock()
			codes[registry.ErrorCode(err)]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	var audited int
	store.DB.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'login_failed' AND entity_id = 'burst@x.org'`).Scan(&audited)
	if codes[registry.EUNAUTHORIZED] > 5 || audited > 5 {
		t.Fatalf("%d of %d concurrent attempts had their password checked (%d audited); want at most 5: %v",
			codes[registry.EUNAUTHORIZED], attempts, audited, codes)
	}
	if codes[registry.EUNAUTHORIZED]+codes[registry.ETOOMANY] != attempts {
		t.Fatalf("answers %v", codes)
	}
}

func asError(err error, e **registry.Error) bool {
	var x *registry.Error
	ok := errorsAs(err, &x)
	*e = x
	return ok
}

var errorsAs = errors.As

// While the server checks as many passwords as it may at once, a further sign-in is
// answered at once: ETOOMANY with a short wait, its password not checked, nothing counted.
func TestPasswordChecksBounded(t *testing.T) {
	ctx := context.Background()
	store := registry.NewStore(testdb.New(t))
	addUser(t, store, "busy@x.org")
	release := registry.HoldPasswordChecks(store)
	answered := make(chan error, 1)
	go func() {
		_, err := store.Authenticate(ctx, "busy@x.org", rightPassword, "10.2.2.2")
		answered <- err
	}()
	var err error
	select {
	case err = <-answered:
	case <-time.After(30 * time.Second):
		t.Fatal("the sign-in waits for a free check instead of being answered at once")
	}
	release()
	var e *registry.Error
	if !asError(err, &e) || e.Code != registry.ETOOMANY || e.RetryAfter != time.Second {
		t.Fatalf("sign-in while every check is busy: %v, want too many, retry after 1 s", err)
	}
	var rows int
	store.DB.QueryRow(ctx, `SELECT count(*) FROM login_throttles WHERE address = '10.2.2.2' AND failures > 0`).Scan(&rows)
	if rows != 0 {
		t.Fatalf("a refused attempt was counted")
	}
	if _, err := store.Authenticate(ctx, "busy@x.org", rightPassword, "10.2.2.2"); err != nil {
		t.Fatalf("after the checks are free: %v", err)
	}
}
