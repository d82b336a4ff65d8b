package dashboard

// smallCell suppresses what a researcher may not see: any count of 1 to threshold-1
// patients, and any statistic computed from fewer than threshold patients. A threshold of
// 0 suppresses nothing (statisticians and administrators).
type smallCell struct{ threshold int }

const suppressedReason = "suppressed: fewer patients than the small-cell threshold"

func (s smallCell) small(n int) bool { return s.threshold > 0 && n > 0 && n < s.threshold }

func (s smallCell) count(n int) Count {
	if s.small(n) {
		return Count{Suppressed: true}
	}
	return Count{N: n}
}

func (s smallCell) summary(x Summary) SummaryResult {
	if s.small(x.N) {
		return SummaryResult{Summary: Summary{Reason: suppressedReason}, Suppressed: true}
	}
	return SummaryResult{Summary: x}
}

func (s smallCell) comparison(c Comparison) ComparisonResult {
	if s.small(c.Treatment.N) || s.small(c.Control.N) {
		return ComparisonResult{Comparison: Comparison{Reason: suppressedReason}, Suppressed: true}
	}
	return ComparisonResult{Comparison: c}
}

func (s smallCell) rate(r ResponderRate) RateResult {
	if s.small(r.N) || s.small(r.Responders) || s.small(r.N-r.Responders) {
		return RateResult{ResponderRate: ResponderRate{Reason: suppressedReason}, Suppressed: true}
	}
	return RateResult{ResponderRate: r}
}

func (s smallCell) risk(r RiskDifference) RiskResult {
	for _, x := range []ResponderRate{r.Treatment, r.Control} {
		if s.small(x.N) || s.small(x.Responders) || s.small(x.N-x.Responders) {
			return RiskResult{RiskDifference: RiskDifference{Reason: suppressedReason}, Suppressed: true}
		}
	}
	return RiskResult{RiskDifference: r}
}

// curve hides a curve of too few patients and, for larger ones, the steps after fewer
// than threshold patients remain at risk; per-step counts of 1 to threshold-1 events or
// censorings are zeroed (survival and intervals stay: they rest on the patients at risk).
func (s smallCell) curve(ac *ArmCurve) {
	if s.threshold == 0 {
		return
	}
	if s.small(ac.Curve.N) {
		ac.Curve = KMCurve{Steps: []KMStep{}, Reason: suppressedReason}
		ac.Suppressed = true
		return
	}
	steps := ac.Curve.Steps[:0:0]
	for _, st := range ac.Curve.Steps {
		if st.AtRisk < s.threshold {
			ac.Truncated = true
			break
		}
		if s.small(st.Events) || s.small(st.Censored) {
			st.Events, st.Censored = 0, 0
		}
		steps = append(steps, st)
	}
	ac.Curve.Steps = steps
	if s.small(ac.Curve.Events) {
		ac.Curve.Events = 0
	}
}
