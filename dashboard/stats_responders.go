package dashboard

import "math"

// Direction says which way an outcome improves.
type Direction int

const (
	// LowerIsBetter: a responder's change is at or below the threshold
	// (e.g. pain NRS, threshold -2).
	LowerIsBetter Direction = iota
	// HigherIsBetter: a responder's change is at or above the threshold.
	HigherIsBetter
)

// responderTolerance absorbs float subtraction noise: 4.1 - 6.1 is
// -1.9999999999999996, which must still count as a drop of 2 points.
const responderTolerance = 1e-9

// ResponderRate is the share of one arm's patients whose change reached the
// responder threshold (typically the MCID). When Estimable is false only
// Responders, N and Reason are meaningful.
type ResponderRate struct {
	Responders int     `json:"responders"`
	N          int     `json:"n"`
	Proportion float64 `json:"proportion"`
	Estimable  bool    `json:"estimable"`
	Reason     string  `json:"reason,omitempty"`
}

// Responders counts the patients whose change from baseline reached
// threshold in the direction of improvement.
func Responders(changes []float64, threshold float64, better Direction) ResponderRate {
	r := ResponderRate{N: len(changes)}
	switch {
	case !finite(changes...) || !finite(threshold):
		r.Reason = "a change or the threshold is missing or infinite"
		return r
	case r.N == 0:
		r.Reason = "no patients"
		return r
	}
	for _, c := range changes {
		if better == HigherIsBetter && c >= threshold-responderTolerance ||
			better == LowerIsBetter && c <= threshold+responderTolerance {
			r.Responders++
		}
	}
	r.Proportion = float64(r.Responders) / float64(r.N)
	r.Estimable = true
	return r
}

// RiskDifference is the treatment minus control responder proportion with a
// Wald 95% interval. When Estimable is false only Treatment, Control and
// Reason are meaningful.
type RiskDifference struct {
	Treatment  ResponderRate `json:"treatment"`
	Control    ResponderRate `json:"control"`
	Difference float64       `json:"risk_difference"`
	Lower      float64       `json:"ci_low"`
	Upper      float64       `json:"ci_high"`
	Estimable  bool          `json:"estimable"`
	Reason     string        `json:"reason,omitempty"`
}

// CompareResponders computes the risk difference between two arms.
func CompareResponders(treatment, control ResponderRate) RiskDifference {
	rd := RiskDifference{Treatment: treatment, Control: control}
	switch {
	case !treatment.Estimable:
		rd.Reason = "treatment: " + reasonOr(treatment.Reason, "not estimable")
		return rd
	case !control.Estimable:
		rd.Reason = "control: " + reasonOr(control.Reason, "not estimable")
		return rd
	}
	p1, p2 := treatment.Proportion, control.Proportion
	se := math.Sqrt(p1*(1-p1)/float64(treatment.N) + p2*(1-p2)/float64(control.N))
	// The Wald interval has zero width when both arms are all or none
	// responders; that is a failure of the method, not certainty.
	if se == 0 || !finite(se) {
		rd.Reason = "Wald interval undefined: every patient or none responded in both arms"
		return rd
	}
	diff := p1 - p2
	rd.Difference, rd.Lower, rd.Upper = diff, diff-z975*se, diff+z975*se
	rd.Estimable = true
	return rd
}
