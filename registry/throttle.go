package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Sign-in throttling. Failures are counted in two scopes: per account and client address,
// and per client address (whatever the account). Neither ever refuses a correct password
// from an address that has not been failing: an outsider cannot lock a nurse out from
// elsewhere. Within a scope the first failures are free; after them every further failure
// makes the next attempt wait, twice as long each time, up to a cap: a delay, never a lock.
// An attempt is counted before its password is checked, in a transaction that locks the
// scope's rows, so that a concurrent burst is counted one by one, not raced; a success takes
// its count back. Counts are forgotten after a quiet period.
//
// The state is in login_throttles, not in the append-only audit trail (which still records
// every failure): administrators can list it and clear it.
type throttleScope struct {
	name       string
	free       int           // failures before any delay
	firstDelay time.Duration // delay after the first failure beyond the free ones
	maxDelay   time.Duration
	forget     time.Duration // a scope without failures for this long starts again at zero
}

var (
	// accountAddressScope is the guessing of one account's password from one address.
	accountAddressScope = throttleScope{name: "account_address", free: 5, firstDelay: 10 * time.Second,
		maxDelay: 15 * time.Minute, forget: 24 * time.Hour}
	// addressScope is one address trying many accounts; short delays, because a hospital's
	// whole staff may share one address behind NAT.
	addressScope = throttleScope{name: "address", free: 30, firstDelay: 2 * time.Second,
		maxDelay: time.Minute, forget: 15 * time.Minute}
)

// wait is how long after its last failure a scope with this many failures makes the next
// attempt wait.
func (sc throttleScope) wait(failures int) time.Duration {
	if failures < sc.free {
		return 0
	}
	d := sc.firstDelay
	for i := sc.free; i < failures && d < sc.maxDelay; i++ {
		d *= 2
	}
	return min(d, sc.maxDelay)
}

func scopeNamed(name string) throttleScope {
	if name == addressScope.name {
		return addressScope
	}
	return accountAddressScope
}

// LoginThrottle is one throttled scope, for the administrators' list.
type LoginThrottle struct {
	Scope         string // "account_address" or "address"
	Email         string // "" for an address
	Address       string
	Failures      int
	FirstFailedAt time.Time
	LastFailedAt  time.Time
	WaitUntil     time.Time // no attempt is checked before this; zero when none waits
}

// throttleClaim is an attempt counted before its password is checked, to be taken back if
// the password is right.
type throttleClaim struct {
	email, address string
	at             time.Time            // the claim's time, its last_failed_at
	prevLast       map[string]time.Time // scope -> last_failed_at before the claim
}

func throttleKey(sc throttleScope, email, address string) string {
	if sc.name == addressScope.name {
		return address
	}
	return strings.ToLower(email) + " " + address
}

// claimLoginAttempt counts an attempt in both scopes, or refuses it with ETOOMANY and the
// time to wait when either scope still waits.
func (s *Store) claimLoginAttempt(ctx context.Context, email, address string) (*throttleClaim, error) {
	claim := &throttleClaim{email: email, address: address}
	for attempt := 0; ; attempt++ {
		err := s.inTx(ctx, func(tx pgx.Tx) error {
			var now time.Time
			if err := tx.QueryRow(ctx, `SELECT now()`).Scan(&now); err != nil {
				return fmt.Errorf("throttle: %w", err)
			}
			claim.at, claim.prevLast = now, map[string]time.Time{}
			var wait time.Duration
			type state struct {
				failures int
				last     time.Time
			}
			states := map[string]state{}
			// Always the same order (address, then account and address), so that two
			// claims never wait for each other's locks in a cycle.
			for _, sc := range []throttleScope{addressScope, accountAddressScope} {
				key := throttleKey(sc, email, address)
				var em string
				if sc.name == accountAddressScope.name {
					em = strings.ToLower(email)
				}
				if _, err := tx.Exec(ctx, `INSERT INTO login_throttles (scope, key, email, address, failures, first_failed_at, last_failed_at)
					VALUES ($1, $2, $3, $4, 0, now(), now()) ON CONFLICT DO NOTHING`, sc.name, key, em, address); err != nil {
					return fmt.Errorf("throttle: %w", err)
				}
				var st state
				err := tx.QueryRow(ctx, `SELECT failures, last_failed_at FROM login_throttles WHERE scope = $1 AND key = $2 FOR UPDATE`,
					sc.name, key).Scan(&st.failures, &st.last)
				if errors.Is(err, pgx.ErrNoRows) {
					return errThrottleRowGone
				}
				if err != nil {
					return fmt.Errorf("throttle: %w", err)
				}
				if now.Sub(st.last) > sc.forget {
					st.failures = 0
				}
				if w := st.last.Add(sc.wait(st.failures)).Sub(now); w > wait {
					wait = w
				}
				states[sc.name] = st
			}
			if wait > 0 {
				return &Error{Code: ETOOMANY, Message: "Too many failed sign-ins from this address.", RetryAfter: wait}
			}
			for name, st := range states {
				sc := scopeNamed(name)
				claim.prevLast[name] = st.last
				if _, err := tx.Exec(ctx, `UPDATE login_throttles SET failures = $3, last_failed_at = now(),
						first_failed_at = CASE WHEN $3 = 1 THEN now() ELSE first_failed_at END
					WHERE scope = $1 AND key = $2`, sc.name, throttleKey(sc, email, address), st.failures+1); err != nil {
					return fmt.Errorf("throttle: %w", err)
				}
			}
			return nil
		})
		if errors.Is(err, errThrottleRowGone) && attempt < 3 {
			continue // forgotten by a concurrent prune between insert and lock
		}
		if err != nil {
			return nil, err
		}
		return claim, nil
	}
}

var errThrottleRowGone = errors.New("throttle row deleted concurrently")

// releaseLoginAttempt takes a claimed attempt back after a correct password: the account
// and address start again at zero; the address's count goes down by one, with the time of
// its last real failure back.
func (s *Store) releaseLoginAttempt(ctx context.Context, c *throttleClaim) error {
	_, err := s.DB.Exec(ctx, `
		WITH account AS (
			DELETE FROM login_throttles WHERE scope = 'account_address' AND key = $1
		)
		UPDATE login_throttles SET failures = greatest(failures - 1, 0),
			last_failed_at = CASE WHEN last_failed_at = $4 THEN $3 ELSE last_failed_at END
		WHERE scope = 'address' AND key = $2`,
		throttleKey(accountAddressScope, c.email, c.address), c.address, c.prevLast[addressScope.name], c.at)
	if err != nil {
		return fmt.Errorf("throttle: %w", err)
	}
	return nil
}

// unclaimLoginAttempt takes back an attempt whose password was not checked (every check
// was busy): both scopes count one failure less, with the time of their last real failure
// back unless another attempt came since.
func (s *Store) unclaimLoginAttempt(ctx context.Context, c *throttleClaim) error {
	for _, sc := range []throttleScope{addressScope, accountAddressScope} {
		if _, err := s.DB.Exec(ctx, `UPDATE login_throttles SET failures = greatest(failures - 1, 0),
				last_failed_at = CASE WHEN last_failed_at = $3 THEN $4 ELSE last_failed_at END
			WHERE scope = $1 AND key = $2`, sc.name, throttleKey(sc, c.email, c.address), c.at, c.prevLast[sc.name]); err != nil {
			return fmt.Errorf("throttle: %w", err)
		}
	}
	return nil
}

// pruneLoginThrottles forgets scopes quiet for longer than their forget period.
func (s *Store) pruneLoginThrottles(ctx context.Context) error {
	_, err := s.DB.Exec(ctx, `DELETE FROM login_throttles
		WHERE (scope = 'address' AND last_failed_at < now() - $1::interval)
		   OR (scope = 'account_address' AND last_failed_at < now() - $2::interval)
		   OR (failures = 0 AND last_failed_at < now() - interval '1 minute')`,
		interval(addressScope.forget), interval(accountAddressScope.forget))
	if err != nil {
		return fmt.Errorf("prune throttles: %w", err)
	}
	return nil
}

// LoginThrottles lists the scopes that have failures, the most recent first, for the
// administrators.
func (s *Store) LoginThrottles(ctx context.Context) ([]LoginThrottle, error) {
	if err := s.pruneLoginThrottles(ctx); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT scope, email, address, failures, first_failed_at, last_failed_at
		FROM login_throttles WHERE failures > 0 ORDER BY last_failed_at DESC, scope, key`)
	if err != nil {
		return nil, fmt.Errorf("list throttles: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (LoginThrottle, error) {
		var t LoginThrottle
		err := row.Scan(&t.Scope, &t.Email, &t.Address, &t.Failures, &t.FirstFailedAt, &t.LastFailedAt)
		if w := scopeNamed(t.Scope).wait(t.Failures); w > 0 && t.LastFailedAt.Add(w).After(time.Now()) {
			t.WaitUntil = t.LastFailedAt.Add(w)
		}
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("list throttles: %w", err)
	}
	return list, nil
}

// ClearLoginThrottles forgets the failures of an address (email "") or of an account from
// an address, or of an account from every address (address ""), with an audit row.
func (s *Store) ClearLoginThrottles(ctx context.Context, who Actor, email, address string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" && address == "" {
		return Errorf(EINVALID, "Say which account or address to clear.")
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		n, err := exec(ctx, tx, `DELETE FROM login_throttles
			WHERE ($1 = '' AND scope = 'address' AND address = $2)
			   OR ($1 <> '' AND scope = 'account_address' AND email = $1 AND ($2 = '' OR address = $2))`, email, address)
		if err != nil {
			return fmt.Errorf("clear throttles: %w", err)
		}
		if n == 0 {
			return Errorf(ENOTFOUND, "Nothing was throttled for that account or address.")
		}
		return insertAudit(ctx, tx, who, AuditEntry{Action: "clear_throttle", Entity: "session", EntityID: email,
			After: map[string]any{"email": email, "address": address, "cleared": n}})
	})
}
