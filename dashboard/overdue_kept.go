package dashboard

// closingMonthSQL counts, per groupBy (columns of study_id, scheduled_visit_id, arm_id,
// site_id, sex, age_band), the patients still followed whose visit window closed before
// day (a parameter such as "@today") among those treated in the month of the day the window
// closed for, and the visits recorded for them: the part of the overdue visits that the
// month cells cannot give (they give the months before). It reads the kept counts per
// treatment date of migration 0017, not the patients; where restricts the scheduled
// visits sv and the cells c (e.g. "sv.study_id = @study AND " + cellFilter). Columns:
// groupBy, closed, recorded.
func closingMonthSQL(groupBy, day, where string) string {
	closes := `visit_window_closed_if_treated_before(` + day + `::date, sv.target_day, sv.window_after)`
	inMonth := `c.treated_on >= date_trunc('month', ` + closes + `)::date AND c.treated_on < ` + closes
	return `SELECT ` + groupBy + `, sum(closed)::int, sum(recorded)::int FROM (
			SELECT sv.study_id, sv.id AS scheduled_visit_id, c.arm_id, c.site_id, c.sex, c.age_band, c.n AS closed, 0 AS recorded
			FROM scheduled_visits sv JOIN dashboard_followed_cells c ON c.study_id = sv.study_id AND ` + inMonth + `
			WHERE ` + where + `
			UNION ALL
			SELECT sv.study_id, sv.id, c.arm_id, c.site_id, c.sex, c.age_band, 0, c.recorded
			FROM scheduled_visits sv JOIN dashboard_followed_visit_cells c ON c.study_id = sv.study_id
				AND c.scheduled_visit_id = sv.id AND ` + inMonth + `
			WHERE ` + where + `) x
		GROUP BY ` + groupBy
}
