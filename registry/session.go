package registry

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// dummyHash is checked when the email is unknown, so that a login takes as long for an
// unknown account as for a known one.
var dummyHash, _ = HashPassword("not a password of anyone")

// PasswordCheckMemory bounds the memory that checking passwords at once may take: each
// argon2id check takes argonMemory KiB, so at most PasswordCheckMemory / that run at once
// (5 with 96 MiB); further sign-ins are answered at once with ETOOMANY instead of queueing.
const PasswordCheckMemory = 96 << 20

// maxLoginInput bounds what a sign-in hashes: a longer password cannot be anyone's (the
// password rule allows MaxPasswordLength characters).
const maxLoginInput = 4 * MaxPasswordLength

// Authenticate checks an email and password from a client address. Every success and
// failure is an audit row; a throttled attempt, or one while the server is checking as
// many passwords as it may at once, is ETOOMANY with RetryAfter, and its password is not
// checked.
func (s *Store) Authenticate(ctx context.Context, email, password, address string) (*User, error) {
	email = strings.TrimSpace(email)
	// The throttle first: an attempt that must wait takes no password check, so a flood
	// of throttled attempts leaves the checks to the others.
	claim, err := s.claimLoginAttempt(ctx, email, address)
	if err != nil {
		return nil, err
	}
	select {
	case s.passwordChecks <- struct{}{}:
		defer func() { <-s.passwordChecks }()
	default:
		if err := s.unclaimLoginAttempt(ctx, claim); err != nil {
			return nil, err
		}
		return nil, &Error{Code: ETOOMANY, Message: "The server is busy checking other sign-ins.", RetryAfter: time.Second}
	}

	var u User
	var hash string
	err = s.DB.QueryRow(ctx, `
		SELECT id, email, name, role, language, disabled, password_hash,
		       coalesce((SELECT array_agg(s.code ORDER BY s.code) FROM user_sites us JOIN sites s ON s.id = us.site_id WHERE us.user_id = users.id), '{}')
		FROM users WHERE lower(email) = lower($1)`, email).
		Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Language, &u.Disabled, &hash, &u.Sites)
	if errors.Is(err, pgx.ErrNoRows) {
		VerifyPassword(dummyHash, password)
	} else if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	if err != nil || u.Disabled || len(password) > maxLoginInput || !VerifyPassword(hash, password) {
		if aerr := s.Audit(ctx, Actor{UserID: u.ID, Name: auditEmail(email)}, AuditEntry{Action: "login_failed", Entity: "session",
			EntityID: auditEmail(email), After: map[string]string{"address": address}}); aerr != nil {
			return nil, aerr
		}
		return nil, Errorf(EUNAUTHORIZED, "wrong email or password")
	}
	if err := s.releaseLoginAttempt(ctx, claim); err != nil {
		return nil, err
	}
	return &u, nil
}

// auditEmail is what the audit trail keeps of a typed email: at most MaxNameLength
// characters, so that a sign-in form cannot put a megabyte into the append-only log.
func auditEmail(email string) string {
	if r := []rune(email); len(r) > MaxNameLength {
		return string(r[:MaxNameLength]) + "…"
	}
	return email
}

// SessionLimits are how long a session lives: Idle without a request, Absolute at most
// from its sign-in, however busy.
type SessionLimits struct {
	Idle     time.Duration
	Absolute time.Duration
}

// Default session limits.
const (
	DefaultSessionIdle     = 30 * time.Minute
	DefaultSessionAbsolute = 12 * time.Hour
)

// NewSession starts a session for a user and returns its token, for the cookie. The login
// is an audit row written with it. The address and the browser (user agent) are kept so
// that the user can tell her sessions apart.
func (s *Store) NewSession(ctx context.Context, u *User, limits SessionLimits, address, userAgent string) (string, error) {
	if limits.Idle <= 0 {
		limits.Idle = DefaultSessionIdle
	}
	if limits.Absolute <= 0 {
		limits.Absolute = DefaultSessionAbsolute
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("session token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	userAgent = strings.ReplaceAll(strings.ToValidUTF8(userAgent, ""), "\x00", "")
	if r := []rune(userAgent); len(r) > MaxNameLength {
		userAgent = string(r[:MaxNameLength])
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, expires_at, ends_at, address, user_agent)
			VALUES ($1, $2, now() + least($3::interval, $4::interval), now() + $4::interval, $5, $6)`,
			tokenHash(token), u.ID, interval(limits.Idle), interval(limits.Absolute), address, userAgent); err != nil {
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

// SessionUser returns the user of a live session and extends its idle time-out, never past
// its absolute end; an unknown or expired token is EUNAUTHORIZED.
func (s *Store) SessionUser(ctx context.Context, token string, idle time.Duration) (*User, error) {
	if token == "" {
		return nil, Errorf(EUNAUTHORIZED, "not signed in")
	}
	var u User
	err := s.DB.QueryRow(ctx, `
		WITH live AS (
			SELECT sessions.token_hash FROM sessions JOIN users ON users.id = sessions.user_id
			WHERE sessions.token_hash = $1 AND sessions.expires_at > now() AND sessions.ends_at > now() AND NOT users.disabled
		), touched AS (
			UPDATE sessions SET last_seen_at = now(), expires_at = least(now() + $2::interval, sessions.ends_at)
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

// Session is one of a user's live sessions, as she sees it in her list.
type Session struct {
	ID         int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // idle expiry
	EndsAt     time.Time // absolute end
	Address    string
	UserAgent  string
	Current    bool // the session of the request that asked
}

// Sessions lists a user's live sessions, the newest first; current is the token of the
// asking request, marked Current.
func (s *Store) Sessions(ctx context.Context, userID int64, current string) ([]Session, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, created_at, last_seen_at, expires_at, ends_at, address, user_agent, token_hash = $2
		FROM sessions WHERE user_id = $1 AND expires_at > now() AND ends_at > now()
		ORDER BY created_at DESC, id DESC`, userID, tokenHash(current))
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Session])
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return list, nil
}

// EndSessionByID ends one of a user's sessions (she signs out another browser, or an
// administrator ends it), with an audit row. A session of another user is not found.
func (s *Store) EndSessionByID(ctx context.Context, who Actor, userID, sessionID int64) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		n, err := exec(ctx, tx, `DELETE FROM sessions WHERE id = $1 AND user_id = $2`, sessionID, userID)
		if err != nil {
			return fmt.Errorf("end session: %w", err)
		}
		if n == 0 {
			return Errorf(ENOTFOUND, "There is no such session; it may have ended already.")
		}
		return insertAudit(ctx, tx, who, AuditEntry{Action: "end_session", Entity: "session", EntityID: fmt.Sprint(sessionID),
			After: map[string]any{"user_id": userID}})
	})
}

// EndOtherSessions ends every session of a user but the one with token keep ("" for all:
// an administrator disabling or resetting a user), with an audit row; it returns how many
// ended.
func (s *Store) EndOtherSessions(ctx context.Context, who Actor, userID int64, keep string) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		n, err = exec(ctx, tx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, userID, tokenHash(keep))
		if err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		if n == 0 {
			return nil
		}
		return insertAudit(ctx, tx, who, AuditEntry{Action: "end_sessions", Entity: "session", EntityID: fmt.Sprint(userID),
			After: map[string]any{"user_id": userID, "ended": n}})
	})
	return n, err
}

// ForgetExpired deletes what can never be used again: sessions past their idle or absolute
// end, sign-in throttles and the patients' link throttles quiet for longer than their scope
// forgets. The server calls it every hour, so no such table grows without bound.
func (s *Store) ForgetExpired(ctx context.Context) error {
	if _, err := s.DB.Exec(ctx, `DELETE FROM sessions WHERE expires_at < now() OR ends_at < now()`); err != nil {
		return fmt.Errorf("forget expired sessions: %w", err)
	}
	if err := s.pruneLoginThrottles(ctx); err != nil {
		return err
	}
	return s.ForgetLinkThrottles(ctx)
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

// SessionOwner returns the email of the user a session token belonged to, even when the
// session has ended (until ForgetExpired deletes it): a form posted after the time-out is
// held for that user only. An unknown token is ENOTFOUND.
func (s *Store) SessionOwner(ctx context.Context, token string) (string, error) {
	var email string
	err := s.DB.QueryRow(ctx, `SELECT users.email FROM sessions JOIN users ON users.id = sessions.user_id
		WHERE sessions.token_hash = $1 AND NOT users.disabled`, tokenHash(token)).Scan(&email)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", Errorf(ENOTFOUND, "no such session")
	}
	if err != nil {
		return "", fmt.Errorf("session owner: %w", err)
	}
	return email, nil
}
