package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"outcomereg/registry"
)

// cmdExport: registry export --study CODE --table TABLE [--delimiter D] [--site CODE] [--out FILE].
// It writes with the same function as the web download, so both give the same bytes.
func cmdExport(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "export", "export --study CODE --table TABLE|all [--delimiter comma|semicolon|tab] [--decimal point|comma] [--site CODE] [--out FILE]")
	dataDir := dataDirFlag(fs, env)
	study := fs.String("study", "", "study code")
	table := fs.String("table", "", strings.Join(registry.ExportTables, ", ")+", or all (a ZIP; needs --out)")
	delimiter := fs.String("delimiter", "", "comma (the default), semicolon or tab")
	decimal := fs.String("decimal", "point", "the decimal mark of values: point, or comma (with the semicolon as the delimiter)")
	site := fs.String("site", "", "only the patients of this site")
	out := fs.String("out", "", "write to this file instead of standard output")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *study == "" || *table == "" || len(rest) > 0 {
		fs.Usage()
		return usageError{errors.New("export needs --study and --table")}
	}
	o := registry.ExportOptions{Study: *study, Table: *table, Delimiter: *delimiter, Decimal: *decimal, Site: *site, WithAudit: true}
	if err := o.Validate(); err != nil {
		return err
	}
	if *table == "all" && *out == "" {
		return registry.Errorf(registry.EINVALID, "--table all writes a ZIP file: give it a name with --out FILE.zip")
	}
	db, store, err := openMigrated(ctx, env, *dataDir, cliLogger(env.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	return writeOut(env, *out, func(w io.Writer) error {
		if *table == "all" {
			_, err := store.ExportZip(ctx, w, registry.CLI, o)
			return err
		}
		_, err := store.Export(ctx, w, registry.CLI, o)
		return err
	})
}

// writeOut writes to standard output, or to a file that appears only once complete.
func writeOut(env *environment, name string, write func(io.Writer) error) error {
	if name == "" {
		return write(env.stdout)
	}
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(f.Name(), name); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// cmdImport: registry import --study CODE --table TABLE FILE.
func cmdImport(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "import", "import --study CODE --table "+strings.Join(registry.ImportTables, "|")+" FILE")
	dataDir := dataDirFlag(fs, env)
	study := fs.String("study", "", "study code")
	table := fs.String("table", "", strings.Join(registry.ImportTables, ", "))
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *study == "" || *table == "" || len(rest) != 1 {
		fs.Usage()
		return usageError{errors.New("import needs --study, --table and one FILE")}
	}
	f, err := os.Open(rest[0])
	if err != nil {
		return registry.Errorf(registry.EINVALID, "cannot open %s: %v", rest[0], errors.Unwrap(err))
	}
	defer f.Close()
	db, store, err := openMigrated(ctx, env, *dataDir, cliLogger(env.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := store.Import(ctx, registry.CLI, registry.ImportOptions{Study: *study, Table: *table, FileName: filepath.Base(rest[0])}, f)
	if res != nil && res.ErrorCount > 0 {
		for _, e := range res.Errors {
			fmt.Fprintf(env.stderr, "%s: %s\n", rest[0], e)
		}
		if res.ErrorCount > len(res.Errors) {
			fmt.Fprintf(env.stderr, "... and %d more errors.\n", res.ErrorCount-len(res.Errors))
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Import %d: %d rows read, %d records added, %d changed.\n", res.ID, res.Rows, res.Inserted, res.Updated)
	return nil
}
