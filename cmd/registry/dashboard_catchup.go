package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"outcomereg/registry"
)

// catchUpEvery is how often the server brings the dashboard summaries up to date with the
// writes since the last time. A dashboard read catches up first anyway; this keeps what it
// finds to do small.
const catchUpEvery = time.Second

// catchUpDashboards brings the dashboard summaries up to date every interval until ctx
// ends. A failure (the database restarting) is logged once until a catch-up succeeds again.
func catchUpDashboards(ctx context.Context, db *pgxpool.Pool, logger *slog.Logger, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		start := time.Now()
		patients, err := registry.CatchUpDashboards(ctx, db)
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			if !failing {
				logger.Warn("dashboard summaries not brought up to date; retrying every "+every.String(), "err", err)
			}
			failing = true
		default:
			if failing {
				logger.Info("dashboard summaries up to date again")
			}
			failing = false
			if patients > 0 {
				logger.Debug("dashboard summaries brought up to date", "patients", patients, "took", time.Since(start))
			}
		}
	}
}
