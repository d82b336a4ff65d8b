package registry

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// PatientLinkThrottle throttles requests to the patients' links (/p/) per client address,
// with the sign-in throttle's rule (throttle.go): the first requests are free, then each
// further one makes the next wait, twice as long each time, up to a cap; an address quiet
// for the forget period starts again at zero. Only requests for links that do not exist
// stay counted (ReturnLinkRequest gives back the others): someone trying tokens is slowed
// to one a minute, while the patients of one waiting room, behind the hospital's one
// guest address, answer their own links without waiting. Every server counts in the same
// table, so that two servers do not double the allowance.
var PatientLinkThrottle = throttleScope{name: "patient_link", free: 60, firstDelay: time.Second,
	maxDelay: time.Minute, forget: 10 * time.Minute}

// ClaimLinkRequest counts a request to a patient's link from address, or refuses it with
// ETOOMANY (and the time to wait) while the address must wait; a refused request is not
// counted.
func (s *Store) ClaimLinkRequest(ctx context.Context, address string) error {
	sc := PatientLinkThrottle
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var requests int
		var last, now time.Time
		err := tx.QueryRow(ctx, `INSERT INTO patient_link_throttles AS t (address, requests, last_at) VALUES ($1, 0, now())
			ON CONFLICT (address) DO UPDATE SET requests = t.requests
			RETURNING t.requests, t.last_at, now()`, address).Scan(&requests, &last, &now)
		if err != nil {
			return fmt.Errorf("link throttle: %w", err)
		}
		if now.Sub(last) > sc.forget {
			requests = 0
		}
		// Within the free requests there is no wait: another transaction's last_at may lie
		// after this one's now() (it took the row's lock first), which is no reason to refuse.
		if wait := last.Add(sc.wait(requests)).Sub(now); sc.wait(requests) > 0 && wait > 0 {
			return &Error{Code: ETOOMANY, Message: "Too many requests from your address. Please wait a minute and try again.", RetryAfter: wait}
		}
		if _, err := tx.Exec(ctx, `UPDATE patient_link_throttles SET requests = $2, last_at = now() WHERE address = $1`, address, requests+1); err != nil {
			return fmt.Errorf("link throttle: %w", err)
		}
		return nil
	})
}

// ReturnLinkRequest gives back a request ClaimLinkRequest counted, once the link turned
// out to exist: a patient's own link never brings her address nearer a wait. The time of
// the last request stays, so a refund never shortens a wait already due.
func (s *Store) ReturnLinkRequest(ctx context.Context, address string) error {
	if _, err := s.DB.Exec(ctx, `UPDATE patient_link_throttles SET requests = greatest(requests - 1, 0) WHERE address = $1`,
		address); err != nil {
		return fmt.Errorf("link throttle: %w", err)
	}
	return nil
}

// ForgetLinkThrottles deletes the addresses quiet for longer than the forget period.
func (s *Store) ForgetLinkThrottles(ctx context.Context) error {
	if _, err := s.DB.Exec(ctx, `DELETE FROM patient_link_throttles WHERE last_at < now() - $1::interval`,
		interval(PatientLinkThrottle.forget)); err != nil {
		return fmt.Errorf("forget link throttles: %w", err)
	}
	return nil
}
