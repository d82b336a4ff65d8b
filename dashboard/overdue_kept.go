package dashboard

// closingMonthSQL counts, per groupBy (expressions of x.study_id, x.scheduled_visit_id,
// x.arm_id, x.site_id, x.sex, x.age_band), the patients still followed whose visit window
// closed before day (a parameter such as "@today") among those treated in the month of
// the day the window closed for, and the visits recorded for them: the part of the overdue
// visits that the month cells cannot give (they give the months before). It reads the
// kept counts per treatment date of migration 0017, not the patients; visits restricts the
// scheduled visits sv (e.g. "sv.study_id = @study"), cells the cells c (e.g. cellFilter).
// Columns: groupBy, closed, recorded.
//
// Each scheduled visit's few days are read by index, one visit at a time (the LATERAL
// join, kept apart by OFFSET 0): joined as a whole, PostgreSQL would rather scan every
// treatment date.
func closingMonthSQL(groupBy, day, visits, cells string) string {
	return `SELECT ` + groupBy + `, sum(closed)::int, sum(recorded)::int FROM (
			SELECT sv.study_id, sv.id AS scheduled_visit_id, c.arm_id, c.site_id, c.sex, c.age_band, c.closed, c.recorded
			FROM (SELECT sv.study_id, sv.id,
					date_trunc('month', visit_window_closed_if_treated_before(` + day + `::date, sv.target_day, sv.window_after)::timestamp)::date AS month,
					visit_window_closed_if_treated_before(` + day + `::date, sv.target_day, sv.window_after) AS closes
				FROM scheduled_visits sv WHERE ` + visits + ` OFFSET 0) sv
			CROSS JOIN LATERAL (
				SELECT c.arm_id, c.site_id, c.sex, c.age_band, c.n AS closed, 0 AS recorded
				FROM dashboard_followed_cells c
				WHERE c.study_id = sv.study_id AND c.treated_on >= sv.month AND c.treated_on < sv.closes AND ` + cells + `
				UNION ALL
				SELECT c.arm_id, c.site_id, c.sex, c.age_band, 0, c.recorded
				FROM dashboard_followed_visit_cells c
				WHERE c.study_id = sv.study_id AND c.scheduled_visit_id = sv.id AND c.treated_on >= sv.month AND c.treated_on < sv.closes
					AND ` + cells + `
				OFFSET 0) c) x
		GROUP BY ` + groupBy
}
