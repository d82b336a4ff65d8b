package dashboard

// survivalCountsSQL returns the query of the follow-up times of a study's treated patients
// on day @today, as patients with the first event (events) and censored per group and day from
// treatment, grouped by groupBy (expressions of x.arm_id, x.site_id, x.sex, x.age_band, then day), for
// the filter @site, @sex and @age_band (cellFilter). It reads the kept counts of migration 0017, not the
// patients: the fixed times (an event, or follow-up ended) per day; the patients still
// followed without an event per treatment date, censored on day @today; and the few kept
// times that do not hold yet on @today (a treatment or status dated after it), taken out and
// counted as of @today. The same counts as the patients themselves give:
//
//	greatest(coalesce(first event, CASE WHEN active THEN @today ELSE least(status date, @today) END) - treated, 0)
//
// over the patients treated by @today. (The counts are summed as integers: bigint sums
// would be numeric, and slower.)
func survivalCountsSQL(groupBy string) string {
	return `WITH counts AS (
			SELECT c.arm_id, c.site_id, c.sex, c.age_band, c.day, c.events::int AS events, c.censored::int AS censored
			FROM dashboard_survival_cells c WHERE c.study_id = @study AND ` + cellFilter + `
			UNION ALL
			SELECT c.arm_id, c.site_id, c.sex, c.age_band, @today::date - c.treated_on, 0, c.no_event::int
			FROM dashboard_followed_cells c WHERE c.study_id = @study AND c.treated_on <= @today::date AND c.no_event > 0
				AND ` + cellFilter + `
			UNION ALL
			SELECT c.arm_id, c.site_id, c.sex, c.age_band, c.survival_day, -c.survival_event::int, -(NOT c.survival_event)::int
			FROM dashboard_patient_state c WHERE c.study_id = @study AND c.survival_until > @today::date AND ` + cellFilter + `
			UNION ALL
			SELECT c.arm_id, c.site_id, c.sex, c.age_band, @today::date - c.treated_on, 0, 1
			FROM dashboard_patient_state c WHERE c.study_id = @study AND c.survival_until > @today::date AND c.treated_on <= @today::date
				AND ` + cellFilter + `)
		SELECT ` + groupBy + `, day, sum(events)::int, sum(censored)::int FROM counts x
		GROUP BY ` + groupBy + `, day HAVING sum(events) <> 0 OR sum(censored) <> 0`
}

// survivalBinsSQL is survivalCountsSQL(groupBy) in bins of 91 and of 365 days from
// treatment, with the last day of each bin: what the numbers at risk on the at-risk grid
// need (every step atRiskStep gives is a multiple of one of the two: gridIndex), in a row
// per group and quarter rather than per group and day. Columns: groupBy, day / 91,
// day / 365, the last day, events, censored.
func survivalBinsSQL(groupBy string) string {
	return `SELECT ` + groupBy + `, day / 91, day / 365, max(day), sum(events)::int, sum(censored)::int
		FROM (` + survivalCountsSQL(groupBy) + `) y (` + groupBy + `, day, events, censored)
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
