package registry

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The administration pages need pieces of the sign-in work (issue 11) that had not landed
// when they were written: the password rule, the hash check, sessions with ids and the
// sign-in throttles. They are called through the functions of this file, so that only this
// file changes when it lands.

// newPasswordProblem says why a new password is not acceptable, or nil.
func newPasswordProblem(password string) error {
	if len([]rune(password)) < MinPasswordLength {
		return Errorf(EINVALID, "The password must be at least %d characters long.", MinPasswordLength)
	}
	return nil
}

// passwordMatches checks a password against a stored hash.
func passwordMatches(hash, password string) bool { return CheckPassword(hash, password) }

// AccountSession is one live session of a user, for her account page.
type AccountSession struct {
	ID         string
	CreatedAt  time.Time
	LastSeenAt time.Time
	Address    string
	Current    bool
}

// AccountSessions lists a user's live sessions, the newest first; current is the asking
// request's token. (Until the sign-in work gives sessions an id, a session is named by the
// start of its token's hash, which only its own user is shown.)
func (s *Store) AccountSessions(ctx context.Context, userID int64, current string) ([]AccountSession, error) {
	rows, err := s.DB.Query(ctx, `SELECT encode(substr(token_hash, 1, 16), 'hex'), created_at, last_seen_at, '', token_hash = $2
		FROM sessions WHERE user_id = $1 AND expires_at > now() ORDER BY created_at DESC`, userID, tokenHash(current))
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[AccountSession])
}

// EndAccountSession ends one of a user's sessions, with an audit row; another user's
// session is not found.
func (s *Store) EndAccountSession(ctx context.Context, who Actor, userID int64, id string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		n, err := exec(ctx, tx, `DELETE FROM sessions WHERE user_id = $1 AND encode(substr(token_hash, 1, 16), 'hex') = $2`, userID, id)
		if err != nil {
			return fmt.Errorf("end session: %w", err)
		}
		if n == 0 {
			return Errorf(ENOTFOUND, "There is no such session; it may have ended already.")
		}
		return insertAudit(ctx, tx, who, AuditEntry{Action: "end_session", Entity: "session", EntityID: fmt.Sprint(userID)})
	})
}

// SignInThrottle is an account (from an address) or an address whose sign-ins are throttled.
type SignInThrottle struct {
	Email, Address string
	Failures       int
	Until          *time.Time
}

// SignInThrottles lists the throttled accounts: until the sign-in work lands, the failures
// counted from the audit trail as Authenticate counts them.
func (s *Store) SignInThrottles(ctx context.Context) ([]SignInThrottle, error) {
	rows, err := s.DB.Query(ctx, `SELECT lower(entity_id), '', count(*)::int, min(at) + $2::interval
		FROM audit_log WHERE action = 'login_failed' AND at > now() - $2::interval
		GROUP BY lower(entity_id) HAVING count(*) >= $1 ORDER BY max(at) DESC`, MaxFailedLogins, interval(LoginLockout))
	if err != nil {
		return nil, fmt.Errorf("list throttles: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[SignInThrottle])
}

// ClearSignInThrottle forgets the failed sign-ins of an account or address. The throttle
// of this version counts failures in the append-only audit trail, which cannot be
// forgotten: clearing comes with the sign-in work's own throttle table.
func (s *Store) ClearSignInThrottle(ctx context.Context, who Actor, email, address string) error {
	return Errorf(EINVALID, "This version cannot clear a throttle: it ends by itself 15 minutes after the first failed sign-in.")
}
