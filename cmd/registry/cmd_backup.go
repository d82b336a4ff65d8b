package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"outcomereg/registry"
	"outcomereg/registry/localpg"
)

// cmdBackup: registry backup --out FILE. pg_dump's custom format, from one snapshot, so it
// is consistent while the server keeps writing.
func cmdBackup(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "backup", "backup --out FILE")
	dataDir := dataDirFlag(fs, env)
	out := fs.String("out", "", "the backup file to write (pg_dump custom format)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *out == "" || len(rest) > 0 {
		fs.Usage()
		return usageError{errors.New("backup needs --out FILE")}
	}
	pgDump, err := localpg.Program("pg_dump")
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, env, *dataDir, cliLogger(env.stderr))
	if err != nil {
		return err
	}
	defer db.Close()

	start := time.Now()
	// Written beside the target and renamed when complete: a backup file is never half a backup.
	partial := *out + ".partial"
	conn, pgEnv := libpqConnection(db.url)
	if err := runPostgresProgram(ctx, pgEnv, pgDump, "--format=custom", "--no-password", "--file="+partial, "--dbname="+conn); err != nil {
		os.Remove(partial)
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(partial, *out); err != nil {
		os.Remove(partial)
		return fmt.Errorf("backup: %w", err)
	}
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Backup written to %s (%d bytes) in %s.\n", *out, st.Size(), time.Since(start).Round(time.Millisecond))
	return nil
}

// cmdRestore: registry restore [--force] FILE, into an empty database; then the dashboard
// cells are rebuilt from the restored rows and the audit chain is checked.
func cmdRestore(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "restore", "restore [--force] FILE")
	dataDir := dataDirFlag(fs, env)
	force := fs.Bool("force", false, "replace what the database holds (stop the server first)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		fs.Usage()
		return usageError{errors.New("restore needs one FILE")}
	}
	file := rest[0]
	pgRestore, err := localpg.Program("pg_restore")
	if err != nil {
		return err
	}
	if _, err := os.Stat(file); err != nil {
		return registry.Errorf(registry.EINVALID, "cannot read the backup %s: %v", file, err)
	}
	// A quick look at the archive's table of contents: a file that is not a backup is
	// refused before the database is touched.
	if err := runPostgresProgram(ctx, nil, pgRestore, "--list", file); err != nil {
		return registry.Errorf(registry.EINVALID, "%s is not a backup written by 'registry backup' (pg_dump custom format): %v", file, err)
	}
	db, err := openDatabase(ctx, env, *dataDir, cliLogger(env.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := registry.UserTables(ctx, db.Pool)
	if err != nil {
		return err
	}
	if n > 0 && !*force {
		return registry.Errorf(registry.ECONFLICT, "the database is not empty (%d tables and sequences): restore into an empty database, "+
			"or add --force to replace its contents (stop the server first)", n)
	}

	start := time.Now()
	restoreArgs := []string{"--single-transaction", "--no-owner", "--no-password"}
	if *force {
		restoreArgs = append(restoreArgs, "--clean", "--if-exists")
	}
	conn, pgEnv := libpqConnection(db.url)
	restoreArgs = append(restoreArgs, "--dbname="+conn, file)
	if err := runPostgresProgram(ctx, pgEnv, pgRestore, restoreArgs...); err != nil {
		return fmt.Errorf("restore (nothing was changed: it runs in one transaction): %w", err)
	}
	fmt.Fprintf(env.stdout, "Restored %s in %s.\n", file, time.Since(start).Round(time.Millisecond))
	// A backup of this schema version gets this registry's functions before the rebuild uses
	// them; an older one gets them from `migrate up`, with the rest of its upgrade.
	if v, err := registry.SchemaVersion(ctx, db.Pool); err != nil {
		return err
	} else if v == registry.LatestSchemaVersion() {
		if err := registry.ApplyFunctions(ctx, db.Pool); err != nil {
			return fmt.Errorf("the data is restored, but its functions are not replaced yet (registry migrate up does it): %w", err)
		}
	}
	if err := db.grantServerRole(ctx, db.Pool); err != nil {
		return fmt.Errorf("the data is restored, but the server's role is not granted its rights yet (registry migrate up does it): %w", err)
	}

	patients, err := registry.RebuildDashboards(ctx, db.Pool, "")
	if err != nil {
		return fmt.Errorf("the data is restored, but the dashboard summaries are not rebuilt yet (the server does it when it runs): %w", err)
	}
	fmt.Fprintf(env.stdout, "Dashboard summaries rebuilt from %d patients.\n", patients)
	verdict, err := verifyAuditChain(ctx, registry.NewStore(db.Pool))
	if err != nil {
		return fmt.Errorf("the data is restored, but the audit trail does not verify: %w", err)
	}
	fmt.Fprintf(env.stdout, "Audit trail: %s\n", verdict)
	return nil
}

// verifyAuditChain checks the audit trail's hash chain after a restore, as `registry audit
// verify` does.
func verifyAuditChain(ctx context.Context, store *registry.Store) (string, error) {
	st, err := store.VerifyAuditChain(ctx)
	if err != nil {
		return "", err
	}
	if st.Break != nil {
		return "", st.Break
	}
	return fmt.Sprintf("intact: %d rows, chained from seq 1 to %d; last hash %s", st.Rows, st.LastSeq, st.LastHash), nil
}

// libpqConnection turns the registry's connection string into what pg_dump and pg_restore
// take: the password of a URL moves to PGPASSWORD, so that it does not show in the process
// list.
func libpqConnection(conn string) (string, []string) {
	u, err := url.Parse(conn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.User == nil {
		return conn, nil
	}
	password, ok := u.User.Password()
	if !ok {
		return conn, nil
	}
	u.User = url.User(u.User.Username())
	return u.String(), []string{"PGPASSWORD=" + password}
}

// runPostgresProgram runs a PostgreSQL client program; its error output is the error.
func runPostgresProgram(ctx context.Context, extraEnv []string, program string, args ...string) error {
	cmd := exec.CommandContext(ctx, program, args...)
	cmd.Env = append(os.Environ(), extraEnv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = nil
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("%s: %s", filepath.Base(program), msg)
	}
	return nil
}
