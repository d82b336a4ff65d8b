package registry

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// CatchUpDashboards brings the dashboard summary cells (migrations 0003 and 0005) up to
// date with every write committed before it was called, and returns how many patients'
// contributions it replaced. Writers only note the patients they touched, so that a
// nurse's save does not wait for the summaries; the server catches up every second, each
// dashboard read first, and the bulk writers (seed, import, study apply) when they are
// done.
func CatchUpDashboards(ctx context.Context, db *pgxpool.Pool) (int, error) {
	var patients int
	if err := db.QueryRow(ctx, `SELECT dashboard_catch_up()`).Scan(&patients); err != nil {
		return 0, fmt.Errorf("bring the dashboard summaries up to date: %w", err)
	}
	return patients, nil
}

// catchUpAfterBulk brings the summaries up to date after a bulk write has committed, so
// that the next dashboard does not pay for it. The write stands whatever happens here: on
// failure its notes stay, and the next catch-up takes them.
func (s *Store) catchUpAfterBulk(ctx context.Context) {
	_, _ = CatchUpDashboards(ctx, s.DB)
}
