package dashboard

import "sync"

// survivalTimesSQL is the query of the follow-up times of a study's treated patients on
// day @today, in rows of arm_id, site_id, sex, age_band, day (from treatment), events
// (patients with the first event that day) and censored, for the filter @site, @sex and
// @age_band (cellFilter). It reads the kept counts of migration 0017, not the patients:
// the fixed times (an event, or follow-up ended) per day, less the few that do not hold yet
// on @today (a treatment or status dated after it: those patients are counted as still
// followed); the patients still followed without an event per treatment date, censored on
// day @today; and those few. Every row counts at least one patient, so a group's last
// follow-up day is the greatest day of its rows. The same counts as the patients themselves
// give:
//
//	greatest(coalesce(first event, CASE WHEN active THEN @today ELSE least(status date, @today) END) - treated, 0)
//
// over the patients treated by @today. (The counts are integers: bigint sums would be
// numeric, and slower.)
const survivalTimesSQL = `WITH later AS (
		SELECT c.arm_id, c.site_id, c.sex, c.age_band, c.survival_day AS day,
			count(*) FILTER (WHERE c.survival_event)::int AS events, count(*) FILTER (WHERE NOT c.survival_event)::int AS censored
		FROM dashboard_patient_state c WHERE c.study_id = @study AND c.survival_until > @today::date AND ` + cellFilter + `
		GROUP BY 1, 2, 3, 4, 5)
	SELECT x.* FROM (
		SELECT c.arm_id, c.site_id, c.sex, c.age_band, c.day,
			c.events::int - coalesce(l.events, 0) AS events, c.censored::int - coalesce(l.censored, 0) AS censored
		FROM dashboard_survival_cells c LEFT JOIN later l USING (arm_id, site_id, sex, age_band, day)
		WHERE c.study_id = @study AND ` + cellFilter + `) x
	WHERE x.events > 0 OR x.censored > 0
	UNION ALL
	SELECT c.arm_id, c.site_id, c.sex, c.age_band, @today::date - c.treated_on, 0, c.no_event::int
	FROM dashboard_followed_cells c WHERE c.study_id = @study AND c.treated_on <= @today::date AND c.no_event > 0
		AND ` + cellFilter + `
	UNION ALL
	SELECT c.arm_id, c.site_id, c.sex, c.age_band, @today::date - c.treated_on, 0, 1
	FROM dashboard_patient_state c WHERE c.study_id = @study AND c.survival_until > @today::date AND c.treated_on <= @today::date
		AND ` + cellFilter

// survivalCountsSQL returns the follow-up times (survivalTimesSQL) per group and day, grouped
// by groupBy (expressions of x.arm_id, x.site_id, x.sex, x.age_band), then day, events,
// censored.
func survivalCountsSQL(groupBy string) string {
	return `SELECT ` + groupBy + `, day, sum(events)::int, sum(censored)::int FROM (` + survivalTimesSQL + `) x
		GROUP BY ` + groupBy + `, day`
}

// survivalBinsSQL returns the follow-up times (survivalTimesSQL) in bins of 91 and of 365
// days from treatment, with the last day of each bin: what the numbers at risk on the
// at-risk grid need (every step atRiskStep gives is a multiple of one of the two:
// gridIndex), in a row per group and quarter rather than per group and day. Columns:
// groupBy, day / 91, day / 365, the last day, events, censored.
func survivalBinsSQL(groupBy string) string {
	return `SELECT ` + groupBy + `, day / 91, day / 365, max(day), sum(events)::int, sum(censored)::int FROM (` + survivalTimesSQL + `) x
		GROUP BY ` + groupBy + `, day / 91, day / 365`
}

// gridIndex is the index on an at-risk grid of step days (0, step, 2 step, ...) of the
// last grid time at or before the days of a bin of survivalBinsSQL.
func gridIndex(step float64, quarter, year int) int {
	if s := int(step); s%365 == 0 {
		return year / (s / 365)
	}
	return quarter / (int(step) / 91)
}

// keptCache holds what a time-to-event query returned for a view (the database, the study
// and the query's own arguments), stamped with the version of the study's kept counts
// (dashboard_survival_versions, migration 0023: the catch-up gives a study a new one
// whenever it changes them) and the day. A nurse's visit save, the commonest write, leaves
// them as they were: the pages read after it do not count them again. A view holds one
// entry, replaced when its stamp changes, so what an older version returned is not kept.
type keptCache[T any] struct {
	sync.Mutex
	m map[string]keptEntry[T]
}

// keptKey names a view's entry in a keptCache and the stamp it must carry; a zero view
// keeps nothing.
type keptKey struct{ view, stamp string }

type keptEntry[T any] struct {
	stamp string
	v     T
}

func (c *keptCache[T]) get(k keptKey) (T, bool) {
	c.Lock()
	defer c.Unlock()
	e, ok := c.m[k.view]
	if !ok || k.view == "" || e.stamp != k.stamp {
		var zero T
		return zero, false
	}
	return e.v, true
}

func (c *keptCache[T]) put(k keptKey, v T) {
	if k.view == "" {
		return
	}
	c.Lock()
	defer c.Unlock()
	if c.m == nil || len(c.m) >= 4096 { // a bound on views, never reached by a registry's studies and filters
		c.m = map[string]keptEntry[T]{}
	}
	c.m[k.view] = keptEntry[T]{k.stamp, v}
}

// survivalVersionSQL reads the version of a study's kept time-to-event counts ($1); NULL
// when it has none (then nothing is kept in a keptCache).
const survivalVersionSQL = `SELECT version::text FROM dashboard_survival_versions WHERE study_id = $1`
