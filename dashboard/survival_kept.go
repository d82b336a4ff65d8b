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
// over the patients treated by @today.
func survivalCountsSQL(groupBy string) string {
	return `WITH counts AS (
			SELECT c.arm_id, c.site_id, c.sex, c.age_band, c.day, c.events, c.censored
			FROM dashboard_survival_cells c WHERE c.study_id = @study AND ` + cellFilter + `
			UNION ALL
			SELECT c.arm_id, c.site_id, c.sex, c.age_band, @today::date - c.treated_on, 0, c.no_event
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
