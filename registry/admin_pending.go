package registry

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// The administration pages reach the sign-in rules (issue 11: the password rule, the hash
// check, sessions with ids and the sign-in throttles) through the functions of this file.

// newPasswordProblem says why a new password is not acceptable, or nil: CheckPassword.
func newPasswordProblem(password string) error { return CheckPassword(password) }

// passwordMatches checks a password against a stored hash.
func passwordMatches(hash, password string) bool { return VerifyPassword(hash, password) }

// AccountSession is one live session of a user, for her account page.
type AccountSession struct {
	ID         string
	CreatedAt  time.Time
	LastSeenAt time.Time
	Address    string
	Current    bool
}

// AccountSessions lists a user's live sessions, the newest first; current is the asking
// request's token.
func (s *Store) AccountSessions(ctx context.Context, userID int64, current string) ([]AccountSession, error) {
	list, err := s.Sessions(ctx, userID, current)
	if err != nil {
		return nil, err
	}
	out := make([]AccountSession, len(list))
	for i, se := range list {
		out[i] = AccountSession{ID: strconv.FormatInt(se.ID, 10), CreatedAt: se.CreatedAt, LastSeenAt: se.LastSeenAt,
			Address: se.Address, Current: se.Current}
	}
	return out, nil
}

// EndAccountSession ends one of a user's sessions, with an audit row; another user's
// session is not found.
func (s *Store) EndAccountSession(ctx context.Context, who Actor, userID int64, id string) error {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return Errorf(ENOTFOUND, "There is no such session; it may have ended already.")
	}
	return s.EndSessionByID(ctx, who, userID, n)
}

// SignInThrottle is an account (from an address) or an address whose sign-ins are throttled.
type SignInThrottle struct {
	Email, Address string
	Failures       int
	Until          *time.Time
}

// SignInThrottles lists the accounts and addresses with failed sign-ins, and until when
// their next attempt waits (nil: it does not wait).
func (s *Store) SignInThrottles(ctx context.Context) ([]SignInThrottle, error) {
	list, err := s.LoginThrottles(ctx)
	if err != nil {
		return nil, fmt.Errorf("list throttles: %w", err)
	}
	out := make([]SignInThrottle, len(list))
	for i, t := range list {
		out[i] = SignInThrottle{Email: t.Email, Address: t.Address, Failures: t.Failures}
		if !t.WaitUntil.IsZero() {
			until := t.WaitUntil
			out[i].Until = &until
		}
	}
	return out, nil
}

// ClearSignInThrottle forgets the failed sign-ins of an account (from an address, or from
// every address when address is "") or of an address (email "").
func (s *Store) ClearSignInThrottle(ctx context.Context, who Actor, email, address string) error {
	return s.ClearLoginThrottles(ctx, who, email, address)
}
