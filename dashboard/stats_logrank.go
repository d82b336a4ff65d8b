package dashboard

// LogRankGroup is one group's share of the log-rank test.
type LogRankGroup struct {
	N        int     `json:"n"`
	Observed int     `json:"observed"`
	Expected float64 `json:"expected"`
}

// LogRankTest compares survival curves of two or more groups, as R's
// survdiff (rho = 0). Groups are in the order they were passed and are
// filled whenever the input is valid; ChiSq, DF and P are meaningful only
// when Estimable.
type LogRankTest struct {
	ChiSq     float64        `json:"chisq"`
	DF        int            `json:"df"`
	P         float64        `json:"p_value"`
	Groups    []LogRankGroup `json:"groups"`
	Estimable bool           `json:"estimable"`
	Reason    string         `json:"reason,omitempty"`
}

// LogRank tests whether the groups (e.g. active, placebo) share one survival
// curve. Like survdiff, groups without expected events (empty, or out of
// follow-up before the first event) are left out of the test and its degrees
// of freedom.
func LogRank(groups ...[]SurvivalTime) LogRankTest {
	counts := make([][]TimeCount, len(groups))
	for g, obs := range groups {
		if !validTimes(obs) {
			return LogRankTest{Groups: make([]LogRankGroup, len(groups)), Reason: "a follow-up time is missing, infinite or negative"}
		}
		counts[g] = countsOf(obs)
	}
	return LogRankCounts(counts...)
}
