package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"outcomereg/registry"
)

// cmdDashboard: registry dashboard rebuild [--study CODE]. Recomputes the dashboard summary
// cells from the clinical rows, of every study or of one: after a restore (which does it
// too) or when the cells are suspected to have drifted. Safe while the server runs.
func cmdDashboard(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "dashboard", "dashboard rebuild [--study CODE]")
	dataDir := dataDirFlag(fs, env)
	study := fs.String("study", "", "rebuild only this study's cells (default: every study)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || rest[0] != "rebuild" {
		fs.Usage()
		return usageError{errors.New("dashboard needs rebuild [--study CODE]")}
	}
	db, _, err := openMigrated(ctx, env, *dataDir, cliLogger(env.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	patients, err := registry.RebuildDashboards(ctx, db.Pool, *study)
	if err != nil {
		return err
	}
	what := "every study"
	if *study != "" {
		what = "study " + *study
	}
	fmt.Fprintf(env.stdout, "Dashboard summaries of %s rebuilt from %d patients in %s.\n", what, patients, time.Since(start).Round(time.Millisecond))
	return nil
}
