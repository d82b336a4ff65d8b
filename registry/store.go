package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is the registry's PostgreSQL store. Every write and its audit rows happen in one
// transaction.
type Store struct {
	DB *pgxpool.Pool
	// passwordChecks holds a token for each password being checked: argon2id takes memory,
	// so only a few run at once (see PasswordCheckMemory).
	passwordChecks chan struct{}
	// Clock gives the time writers without a clock of their own (imports) count "today"
	// from, at each patient's site; nil is the system clock. Tests pin it.
	Clock func() time.Time
}

func (s *Store) now() time.Time {
	if s.Clock != nil {
		return s.Clock()
	}
	return time.Now()
}

// NewStore returns a store on pool.
func NewStore(pool *pgxpool.Pool) *Store {
	return &Store{DB: pool, passwordChecks: make(chan struct{}, max(1, PasswordCheckMemory/(argonMemory*1024)))}
}

// Actor is who did something: a signed-in user, or a command run on the server.
type Actor struct {
	UserID int64  // 0 when the actor is not a registry user (command line, seed)
	Name   string // email, or e.g. "cli" for the command line
}

// CLI is the actor of command-line changes.
var CLI = Actor{Name: "cli"}

// AuditEntry is one row of the audit trail.
type AuditEntry struct {
	Action    string // insert, update, delete, login, login_failed, logout, export, import, ...
	Entity    string // study, patient, visit, value, event, adverse_event, user, session, ...
	EntityID  string
	StudyID   int64
	PatientID int64
	Before    any // marshalled to JSON; nil for none
	After     any
	Reason    string
}

// insertAudit appends an audit row inside tx.
func insertAudit(ctx context.Context, tx pgx.Tx, who Actor, e AuditEntry) error {
	before, err := jsonOrNil(e.Before)
	if err != nil {
		return err
	}
	after, err := jsonOrNil(e.After)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO audit_log (user_id, actor, action, entity, entity_id, study_id, patient_id, before, after, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		nullID(who.UserID), who.Name, e.Action, e.Entity, e.EntityID, nullID(e.StudyID), nullID(e.PatientID),
		before, after, e.Reason)
	if err != nil {
		return fmt.Errorf("write audit row %s %s: %w", e.Action, e.Entity, err)
	}
	return nil
}

// Audit appends one audit row in a transaction of its own (logins, exports).
func (s *Store) Audit(ctx context.Context, who Actor, e AuditEntry) error {
	return s.inTx(ctx, func(tx pgx.Tx) error { return insertAudit(ctx, tx, who, e) })
}

func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx)
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func jsonOrNil(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode audit value: %w", err)
	}
	return b, nil
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// isUniqueViolation reports whether err is PostgreSQL's unique_violation.
func isUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23505"
}
