package dashboard

import "outcomereg/registry"

// PooledArm is the code of the one group a blinded study's dashboard shows to a reader who
// may not see its arms (researchers, while the study is blinded): every arm together.
const PooledArm = "all"

var pooledLabel = registry.Labels{"en": "All arms (blinded study)", "sv": "Alla armar (blindad studie)", "da": "Alle arme (blindet studie)"}

// armsPooled reports whether the reader sees the study's arms pooled (registry.User.SeesArms).
// A nil Reader is the registry itself (tests, benchmarks), which sees the arms.
func armsPooled(st *registry.Study, opt Options) bool {
	return opt.Reader != nil && !opt.Reader.SeesArms(st)
}

// poolArms returns the study as the reader may see it: when its arms are pooled, a copy with
// one arm, PooledArm, and the ids of the real arms, which all count as that one.
func poolArms(st *registry.Study, opt Options) (*registry.Study, []int64) {
	if !armsPooled(st, opt) {
		return st, nil
	}
	ids := make([]int64, len(st.Arms))
	for i, a := range st.Arms {
		ids[i] = a.ID
	}
	pooled := *st
	pooled.Arms = []registry.Arm{{ID: 0, Code: PooledArm, Label: pooledLabel.In(opt.Lang)}}
	pooled.PlaceboBaselines = nil
	return &pooled, ids
}
