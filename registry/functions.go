package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"outcomereg/migrations"
)

// functionsHash identifies the functions.sql this binary carries.
var functionsHash = func() string {
	h := sha256.Sum256([]byte(migrations.Functions))
	return hex.EncodeToString(h[:])
}()

// ApplyFunctions creates or replaces every function of migrations/functions.sql, as the
// schema's owner, in one transaction, and records which version it applied. It runs after
// the migrations (Migrator.Up), so the functions may read every table; it is idempotent.
func ApplyFunctions(ctx context.Context, owner *pgxpool.Pool) error {
	tx, err := owner.Begin(ctx)
	if err != nil {
		return fmt.Errorf("apply functions: %w", err)
	}
	defer tx.Rollback(ctx)
	if err := lockCatalog(ctx, tx); err != nil {
		return fmt.Errorf("apply functions: %w", err)
	}
	if _, err := tx.Exec(ctx, migrations.Functions); err != nil {
		return fmt.Errorf("apply functions.sql: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE OR REPLACE FUNCTION registry_functions_sha256() RETURNS text
		LANGUAGE sql IMMUTABLE RETURN '`+functionsHash+`'`); err != nil {
		return fmt.Errorf("apply functions: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("apply functions: %w", err)
	}
	return nil
}

// FunctionsCurrent reports whether the database's functions are the ones of this binary's
// functions.sql, for a role that may not replace them.
func FunctionsCurrent(ctx context.Context, db *pgxpool.Pool) (bool, error) {
	var exists bool
	if err := db.QueryRow(ctx, `SELECT to_regprocedure('registry_functions_sha256()') IS NOT NULL`).Scan(&exists); err != nil {
		return false, fmt.Errorf("read the functions' version: %w", err)
	}
	if !exists {
		return false, nil
	}
	var have string
	if err := db.QueryRow(ctx, `SELECT registry_functions_sha256()`).Scan(&have); err != nil {
		return false, fmt.Errorf("read the functions' version: %w", err)
	}
	return have == functionsHash, nil
}

var functionNameRE = regexp.MustCompile(`(?m)^CREATE OR REPLACE FUNCTION (\w+)\(`)

// DropFunctions drops every function functions.sql defines (every signature of its names),
// and its version: what a schema rolled back to nothing keeps of them (the down migrations
// drop the tables, types and the functions they made, not those the file added).
func DropFunctions(ctx context.Context, owner *pgxpool.Pool) error {
	names := []string{"registry_functions_sha256"}
	for _, m := range functionNameRE.FindAllStringSubmatch(migrations.Functions, -1) {
		names = append(names, m[1])
	}
	// CASCADE: a function may call an earlier one of the file (SQL bodies depend on them).
	_, err := owner.Exec(ctx, `DO $$
		DECLARE f regprocedure;
		BEGIN
			FOR f IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
				WHERE n.nspname = current_schema() AND p.proname = ANY (string_to_array('`+strings.Join(names, ",")+`', ','))
			LOOP
				-- One dropped with an earlier one (CASCADE) is gone by now.
				IF EXISTS (SELECT 1 FROM pg_proc WHERE oid = f) THEN
					EXECUTE 'DROP FUNCTION ' || f::text || ' CASCADE';
				END IF;
			END LOOP;
		END $$`)
	if err != nil {
		return fmt.Errorf("drop functions: %w", err)
	}
	return nil
}
