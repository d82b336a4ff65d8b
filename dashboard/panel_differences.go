package dashboard

import (
	"slices"

	"outcomereg/registry"
)

// differencesPanel compares, at each follow-up visit of each number measure, the change
// from baseline of the treatment arm with the control arm's (Welch 95% CI, p, Hedges' g;
// responders' risk difference) or, in a single-arm study, with the study's placebo
// baseline. It reads the outcomes panel's changes and queues nothing.
type differencesPanel struct {
	outcomes *outcomesPanel
}

func (p *differencesPanel) queue(*studyScope) {}

func (p *differencesPanel) build(s *studyScope, d *StudyDashboard) {
	placebo := map[[2]string]registry.PlaceboBaseline{}
	for _, pb := range s.st.PlaceboBaselines {
		placebo[[2]string{pb.Measure, pb.Visit}] = pb
	}
	control := slices.IndexFunc(s.st.Arms, func(a registry.Arm) bool { return a.Control })
	// The first arm that is not the control is the treatment compared.
	treat := slices.IndexFunc(s.st.Arms, func(a registry.Arm) bool { return !a.Control })
	for mi, m := range s.st.Measures {
		if m.Kind == registry.KindChoice {
			continue
		}
		changes, rates := p.outcomes.changes[mi], p.outcomes.rates[mi]
		for vi, v := range s.st.Visits {
			if v.Baseline {
				continue
			}
			mv := &d.Measures[mi].Visits[vi]
			if control >= 0 && s.nArms >= 2 {
				c := s.sc.comparison(Welch(changes[vi][treat], changes[vi][control]))
				mv.VsControl = &c
				r := s.sc.risk(CompareResponders(rates[vi][treat], rates[vi][control]))
				mv.RespondersVs = &r
			}
			if pb, ok := placebo[[2]string{m.Code, v.Code}]; ok && control < 0 {
				ref := SummaryOf(pb.N, pb.MeanChange, pb.SD)
				c := s.sc.comparison(Welch(changes[vi][0], ref))
				mv.VsPlacebo, mv.VsPlaceboSource = &c, pb.Source
				mv.PlaceboChange = &SummaryResult{Summary: ref}
			}
		}
	}
}
