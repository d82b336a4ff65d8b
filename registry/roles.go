package registry

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// GrantServerRole gives role what the web server and the data commands need on the schema
// the migrations made, and nothing more: it may read and write the clinical tables, but may
// only read and append to the audit trail, only read the chain's head and the schema
// version, and owns nothing, so it can neither alter a table nor disable a trigger. It runs
// as the schema's owner after every migration, so tables a later migration adds are
// covered too. It is idempotent, and one transaction: a server running meanwhile never
// sees its rights revoked half-way.
func GrantServerRole(ctx context.Context, owner *pgxpool.Pool, role string) error {
	r := pgx.Identifier{role}.Sanitize()
	var db string
	if err := owner.QueryRow(ctx, `SELECT current_database()`).Scan(&db); err != nil {
		return fmt.Errorf("grant to %s: %w", role, err)
	}
	stmts := []string{
		`GRANT CONNECT, TEMPORARY ON DATABASE ` + pgx.Identifier{db}.Sanitize() + ` TO ` + r,
		`GRANT USAGE ON SCHEMA public TO ` + r,
		`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ` + r,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ` + r,
		`REVOKE UPDATE, DELETE ON audit_log, audit_chain, schema_migrations FROM ` + r,
		`REVOKE INSERT ON audit_chain, schema_migrations FROM ` + r,
		`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ` + r,
		`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO ` + r,
		`REVOKE EXECUTE ON FUNCTION audit_log_chain(), audit_log_chain_head() FROM ` + r,
	}
	tx, err := owner.Begin(ctx)
	if err != nil {
		return fmt.Errorf("grant to %s: %w", role, err)
	}
	defer tx.Rollback(ctx)
	if err := lockCatalog(ctx, tx); err != nil {
		return fmt.Errorf("grant to %s: %w", role, err)
	}
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			return fmt.Errorf("grant to %s: %s: %w", role, s, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("grant to %s: %w", role, err)
	}
	return nil
}

// ServerRoleProblem says why the connected role is not fit to run the web server (a
// superuser, or a role that owns the audit trail or may change or delete its rows: either
// could rewrite it), or "" when it is fit.
func ServerRoleProblem(ctx context.Context, db *pgxpool.Pool) (string, error) {
	var (
		user                            string
		super, owns, update, del, trunc bool
	)
	err := db.QueryRow(ctx, `
		SELECT current_user, r.rolsuper,
			pg_has_role(current_user, c.relowner, 'USAGE'),
			has_table_privilege('audit_log', 'UPDATE'),
			has_table_privilege('audit_log', 'DELETE'),
			has_table_privilege('audit_log', 'TRUNCATE')
		FROM pg_roles r, pg_class c
		WHERE r.rolname = current_user AND c.oid = 'audit_log'::regclass`).
		Scan(&user, &super, &owns, &update, &del, &trunc)
	if err != nil {
		return "", fmt.Errorf("check the database role: %w", err)
	}
	var why []string
	if super {
		why = append(why, "is a superuser")
	}
	if owns {
		why = append(why, "owns audit_log (it could disable its triggers)")
	}
	if !super && !owns && (update || del || trunc) {
		why = append(why, "may update, delete or truncate audit_log")
	}
	if len(why) == 0 {
		return "", nil
	}
	return fmt.Sprintf("the database role %q %s, so the application could rewrite the audit trail", user, strings.Join(why, " and ")), nil
}

// lockCatalog makes the commands that write the schema's catalog rows (granting rights,
// replacing functions) take turns until the transaction ends: two at once would update the
// same rows, which PostgreSQL refuses ("tuple concurrently updated").
func lockCatalog(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('registry: grant the server role', 0))`)
	return err
}
