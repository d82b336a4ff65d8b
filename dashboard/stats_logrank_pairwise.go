package dashboard

// PairwiseLogRank is the log-rank test of two of the groups alone, as R's
// survdiff on the subset of patients in those two groups. Group and Versus
// index the groups as they were passed; Test.Groups holds Group then Versus.
type PairwiseLogRank struct {
	Group  int         `json:"group"`
	Versus int         `json:"versus"`
	Test   LogRankTest `json:"test"`
}

// NoControl asks PairwiseLogRanks for every pair of groups.
const NoControl = -1

// PairwiseLogRanks tests each group against the control group (an index into
// groups), in the order of the groups, or, when control is NoControl (or
// any index outside groups), every pair (i, j) with i < j. The p-values are not adjusted for multiplicity.
func PairwiseLogRanks(control int, groups ...[]TimeCount) []PairwiseLogRank {
	var pairs []PairwiseLogRank
	if control >= 0 && control < len(groups) {
		for g := range groups {
			if g != control {
				pairs = append(pairs, PairwiseLogRank{Group: g, Versus: control})
			}
		}
	} else {
		for a := range groups {
			for b := a + 1; b < len(groups); b++ {
				pairs = append(pairs, PairwiseLogRank{Group: a, Versus: b})
			}
		}
	}
	for i := range pairs {
		pairs[i].Test = LogRankCounts(groups[pairs[i].Group], groups[pairs[i].Versus])
	}
	return pairs
}
