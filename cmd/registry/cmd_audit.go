package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"outcomereg/registry"
)

// cmdAudit: registry audit verify [--against FILE] | export --out FILE.
func cmdAudit(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "audit", "audit verify [--against FILE] | export --out FILE")
	dataDir := dataDirFlag(fs, env)
	out := fs.String("out", "", "export: the file to write (CSV with the hashes)")
	against := fs.String("against", "", "verify: also compare with an earlier export, which catches a rewritten and re-hashed trail")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || (rest[0] != "verify" && rest[0] != "export") || (rest[0] == "export") != (*out != "") ||
		(rest[0] == "export" && *against != "") {
		fs.Usage()
		return usageError{errors.New("audit needs verify [--against FILE], or export --out FILE")}
	}
	var earlier *os.File
	if *against != "" {
		if earlier, err = os.Open(*against); err != nil {
			return registry.Errorf(registry.EINVALID, "cannot open %s: %v", *against, errors.Unwrap(err))
		}
		defer earlier.Close()
	}
	db, store, err := openMigrated(ctx, env, *dataDir, cliLogger(env.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	if rest[0] == "export" {
		var n int64
		err := writeOut(env, *out, func(w io.Writer) error {
			var err error
			n, err = store.ExportAuditChain(ctx, w, registry.CLI)
			return err
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "Wrote %d audit rows with their hashes to %s.\n", n, *out)
		return nil
	}
	st, err := store.VerifyAuditChain(ctx)
	if err != nil {
		return err
	}
	if st.Break != nil {
		fmt.Fprintf(env.stdout, "The audit trail is NOT intact (%d rows read; intact up to seq %d).\n", st.Rows, st.LastSeq)
		return st.Break
	}
	fmt.Fprintf(env.stdout, "The audit trail is intact: %d rows, chained from seq 1 to %d; last hash %s.\n", st.Rows, st.LastSeq, st.LastHash)
	if earlier == nil {
		return nil
	}
	n, brk, err := store.CompareAuditExport(ctx, earlier)
	if err != nil {
		return err
	}
	if brk != nil {
		fmt.Fprintf(env.stdout, "The audit trail does NOT match %s.\n", *against)
		return brk
	}
	fmt.Fprintf(env.stdout, "The %d rows of %s are unchanged in it.\n", n, *against)
	return nil
}
