package registry

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Login throttling: after MaxFailedLogins failures for one account (or from one client
// address) within LoginLockout, further attempts are refused until the window has passed.
const (
	MaxFailedLogins = 5
	LoginLockout    = 15 * time.Minute
)

// dummyHash is checked when the email is unknown, so that a login takes as long for an
// unknown account as for a known one.
var dummyHash, _ = HashPassword("not a password of anyone")

// Authenticate checks an email and password. Every success and failure is an audit row;
// throttled attempts get ETOOMANY with the minutes to wait in the message.
func (s *Store) Authenticate(ctx context.Context, email, password, address string) (*User, error) {
	email = strings.TrimSpace(email)
	var accountFails, addressFails int
	var oldest time.Time
	err := s.DB.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE lower(entity_id) = lower($1)),
		       count(*) FILTER (WHERE after->>'address' = $2),
		       coalesce(min(at) FILTER (WHERE lower(entity_id) = lower($1) OR after->>'address' = $2), now())
		FROM audit_log
		WHERE action = 'login_failed' AND at > now() - $3::interval`,
		email, address, fmt.Sprintf("%d seconds", int(LoginLockout.Seconds()))).Scan(&accountFails, &addressFails, &oldest)
	if err != nil {
		return nil, fmt.Errorf("check failed logins: %w", err)
	}
	if accountFails >= MaxFailedLogins || addressFails >= MaxFailedLogins*4 {
		wait := int(math.Ceil(time.Until(oldest.Add(LoginLockout)).Minutes()))
		return nil, &Error{Code: ETOOMANY, Message: fmt.Sprint(max(wait, 1))}
	}

	var u User
	var hash string
	err = s.DB.QueryRow(ctx, `
		SELECT id, email, name, role, language, disabled, password_hash,
		       coalesce((SELECT array_agg(s.code ORDER BY s.code) FROM user_sites us JOIN sites s ON s.id = us.site_id WHERE us.user_id = users.id), '{}')
		FROM users WHERE lower(email) = lower($1)`, email).
		Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Language, &u.Disabled, &hash, &u.Sites)
	if errors.Is(err, pgx.ErrNoRows) {
		CheckPassword(dummyHash, password)
	} else if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	if err != nil || u.Disabled || !CheckPassword(hash, password) {
		if aerr := s.Audit(ctx, Actor{UserID: u.ID, Name: email}, AuditEntry{Action: "login_failed", Entity: "session",
			EntityID: email, After: map[string]string{"address": address}}); aerr != nil {
			return nil, aerr
		}
		return nil, Errorf(EUNAUTHORIZED, "wrong email or password")
	}
	return &u, nil
}

// NewSession starts a session for a user and returns its token, for the cookie. The login
// is an audit row written with it.
func (s *Store) NewSession(ctx context.Context, u *User, idle time.Duration, address string) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("session token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + $3::interval)`,
			tokenHash(token), u.ID, interval(idle)); err != nil {
			return fmt.Errorf("insert session: %w", err)
		}
		return insertAudit(ctx, tx, Actor{UserID: u.ID, Name: u.Email}, AuditEntry{Action: "login", Entity: "session",
			EntityID: u.Email, After: map[string]string{"address": address}})
	})
	return token, err
}

// sessionTouchEvery is how stale a session's last-seen time may get before a request
// renews it (a tenth of the idle time-out when that is less). Renewing on every request
// would make every page a write with its own commit; this way a session ends between idle
// less this and idle after its last request.
const sessionTouchEvery = time.Minute

// SessionUser returns the user of a live session and extends its idle time-out; an unknown
// or expired token is EUNAUTHORIZED.
func (s *Store) SessionUser(ctx context.Context, token string, idle time.Duration) (*User, error) {
	if token == "" {
		return nil, Errorf(EUNAUTHORIZED, "not signed in")
	}
	var u User
	err := s.DB.QueryRow(ctx, `
		WITH live AS (
			SELECT sessions.token_hash FROM sessions JOIN users ON users.id = sessions.user_id
			WHERE sessions.token_hash = $1 AND sessions.expires_at > now() AND NOT users.disabled
		), touched AS (
			UPDATE sessions SET last_seen_at = now(), expires_at = now() + $2::interval
			FROM live WHERE sessions.token_hash = live.token_hash AND sessions.last_seen_at < now() - $3::interval
		)
		SELECT users.id, users.email, users.name, users.role, users.language,
			coalesce((SELECT array_agg(s.code ORDER BY s.code) FROM user_sites us JOIN sites s ON s.id = us.site_id WHERE us.user_id = users.id), '{}')
		FROM live JOIN sessions ON sessions.token_hash = live.token_hash JOIN users ON users.id = sessions.user_id`,
		tokenHash(token), interval(idle), interval(min(sessionTouchEvery, idle/10))).Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Language, &u.Sites)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, Errorf(EUNAUTHORIZED, "the session has ended")
	}
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	return &u, nil
}

// EndSession deletes a session (logout), with its audit row.
func (s *Store) EndSession(ctx context.Context, token string, u *User) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash(token)); err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
		return insertAudit(ctx, tx, Actor{UserID: u.ID, Name: u.Email}, AuditEntry{Action: "logout", Entity: "session", EntityID: u.Email})
	})
}

// SetLanguage remembers a user's UI language.
func (s *Store) SetLanguage(ctx context.Context, userID int64, lang string) error {
	_, err := s.DB.Exec(ctx, `UPDATE users SET language = $2 WHERE id = $1`, userID, lang)
	if err != nil {
		return fmt.Errorf("set language: %w", err)
	}
	return nil
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func interval(d time.Duration) string { return fmt.Sprintf("%d seconds", int(d.Seconds())) }
