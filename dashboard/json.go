package dashboard

import (
	"bytes"
	"encoding/json"
)

// The JSON of the dashboards gives every figure that is defined and null for one that is
// not: the mean of one value is given, its SD and CI are null; a test with an empty arm
// is null, never 0. In Go the figures stay plain numbers beside their Estimable flags;
// these methods are where the flags become nulls. (Decoding needs nothing: null leaves a
// number at zero.)

// maybe is x when it is defined, else nil (JSON null).
func maybe(x float64, defined bool) *float64 {
	if !defined || !finite(x) {
		return nil
	}
	return &x
}

// meanDefined: a summary of one value has a mean (the value) but no SD or CI.
func (s Summary) meanDefined() bool { return s.Estimable || s.N == 1 && s.Reason == fewerThanTwo }

// MarshalJSON writes null for the figures a summary does not have.
func (s Summary) MarshalJSON() ([]byte, error) {
	type plain Summary
	return json.Marshal(struct {
		plain
		Mean  *float64 `json:"mean"`
		SD    *float64 `json:"sd"`
		Lower *float64 `json:"ci_low"`
		Upper *float64 `json:"ci_high"`
	}{plain(s), maybe(s.Mean, s.meanDefined()), maybe(s.SD, s.Estimable), maybe(s.Lower, s.Estimable), maybe(s.Upper, s.Estimable)})
}

// MarshalJSON writes null for the figures of a comparison that could not be made.
func (c Comparison) MarshalJSON() ([]byte, error) {
	type plain Comparison
	ok := c.Estimable
	return json.Marshal(struct {
		plain
		Difference *float64 `json:"difference"`
		Lower      *float64 `json:"ci_low"`
		Upper      *float64 `json:"ci_high"`
		T          *float64 `json:"welch_t"`
		DF         *float64 `json:"welch_df"`
		P          *float64 `json:"p_value"`
		CohensD    *float64 `json:"cohens_d"`
		HedgesG    *float64 `json:"hedges_g"`
	}{plain(c), maybe(c.Difference, ok), maybe(c.Lower, ok), maybe(c.Upper, ok), maybe(c.T, ok), maybe(c.DF, ok),
		maybe(c.P, ok), maybe(c.CohensD, ok), maybe(c.HedgesG, ok)})
}

// MarshalJSON: no proportion without patients.
func (r ResponderRate) MarshalJSON() ([]byte, error) {
	type plain ResponderRate
	return json.Marshal(struct {
		plain
		Proportion *float64 `json:"proportion"`
	}{plain(r), maybe(r.Proportion, r.Estimable)})
}

// MarshalJSON writes null for a risk difference that could not be computed.
func (r RiskDifference) MarshalJSON() ([]byte, error) {
	type plain RiskDifference
	return json.Marshal(struct {
		plain
		Difference *float64 `json:"risk_difference"`
		Lower      *float64 `json:"ci_low"`
		Upper      *float64 `json:"ci_high"`
	}{plain(r), maybe(r.Difference, r.Estimable), maybe(r.Lower, r.Estimable), maybe(r.Upper, r.Estimable)})
}

// MarshalJSON writes null for the statistic of a test that could not be made.
func (l LogRankTest) MarshalJSON() ([]byte, error) {
	type plain LogRankTest
	var df *int
	if l.Estimable {
		df = &l.DF
	}
	if l.Groups == nil {
		l.Groups = []LogRankGroup{}
	}
	return json.Marshal(struct {
		plain
		ChiSq *float64 `json:"chisq"`
		DF    *int     `json:"df"`
		P     *float64 `json:"p_value"`
	}{plain(l), maybe(l.ChiSq, l.Estimable), df, maybe(l.P, l.Estimable)})
}

// MarshalJSON: an unreached median is null.
func (c KMCurve) MarshalJSON() ([]byte, error) {
	type plain KMCurve
	return json.Marshal(struct {
		plain
		Median *float64 `json:"median"`
	}{plain(c), maybe(c.Median, c.Estimable && c.MedianReached)})
}

// MarshalJSON: R's infinite standard error (survival 0) is null.
func (s KMStep) MarshalJSON() ([]byte, error) {
	type plain KMStep
	return json.Marshal(struct {
		plain
		StdErr *float64 `json:"std_err"`
	}{plain(s), maybe(s.StdErr, s.StdErrEstimable)})
}

// MarshalJSON writes an interval that does not exist as nulls.
func (i Interval) MarshalJSON() ([]byte, error) {
	type plain Interval
	return json.Marshal(struct {
		plain
		Lower *float64 `json:"ci_low"`
		Upper *float64 `json:"ci_high"`
	}{plain(i), maybe(i.Lower, i.Estimable), maybe(i.Upper, i.Estimable)})
}

// MarshalJSON: survival past the end of follow-up is null.
func (p SurvivalPoint) MarshalJSON() ([]byte, error) {
	type plain SurvivalPoint
	return json.Marshal(struct {
		plain
		Survival *float64 `json:"survival"`
	}{plain(p), maybe(p.Survival, p.Estimable)})
}

// MarshalJSON: completeness without any visit due is null.
func (s StudyInfo) MarshalJSON() ([]byte, error) {
	type plain StudyInfo
	return json.Marshal(struct {
		plain
		Completeness *float64 `json:"follow_up_completeness"`
	}{plain(s), maybe(s.Completeness, s.HasFollowUp)})
}

// MarshalJSON: the share done in window is null before any visit is done.
func (f Flow) MarshalJSON() ([]byte, error) {
	type plain Flow
	return json.Marshal(struct {
		plain
		InWindow *float64 `json:"in_window_share"`
	}{plain(f), maybe(f.InWindow, f.InWindowKnown)})
}

// The results that may be suppressed embed a statistic, and with it its MarshalJSON;
// theirs add the flag.

func (s SummaryResult) MarshalJSON() ([]byte, error)    { return flagged(s.Summary, s.Suppressed) }
func (c ComparisonResult) MarshalJSON() ([]byte, error) { return flagged(c.Comparison, c.Suppressed) }
func (r RateResult) MarshalJSON() ([]byte, error)       { return flagged(r.ResponderRate, r.Suppressed) }
func (r RiskResult) MarshalJSON() ([]byte, error)       { return flagged(r.RiskDifference, r.Suppressed) }

// flagged encodes v (an object) and adds "suppressed": true when it is.
func flagged(v any, suppressed bool) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || !suppressed {
		return b, err
	}
	b = bytes.TrimSuffix(bytes.TrimSpace(b), []byte("}"))
	if !bytes.HasSuffix(b, []byte("{")) {
		b = append(b, ',')
	}
	return append(b, `"suppressed":true}`...), nil
}

// MarshalJSON: a share is a number or null.
func (s Share) MarshalJSON() ([]byte, error) { return json.Marshal(maybe(s.Proportion, s.Known)) }

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Share) UnmarshalJSON(b []byte) error {
	var p *float64
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*s = Share{}
	if p != nil {
		*s = Share{Proportion: *p, Known: true}
	}
	return nil
}

// MarshalJSON writes null for the statistic of a test that could not be made.
func (r RankSumTest) MarshalJSON() ([]byte, error) {
	type plain RankSumTest
	return json.Marshal(struct {
		plain
		W *float64 `json:"w"`
		P *float64 `json:"p_value"`
	}{plain(r), maybe(r.W, r.Estimable), maybe(r.P, r.Estimable)})
}

// MarshalJSON writes null for a difference that could not be computed.
func (d ShareDifference) MarshalJSON() ([]byte, error) {
	type plain ShareDifference
	return json.Marshal(struct {
		plain
		Difference *float64 `json:"difference"`
		Lower      *float64 `json:"ci_low"`
		Upper      *float64 `json:"ci_high"`
	}{plain(d), maybe(d.Difference, d.Estimable), maybe(d.Lower, d.Estimable), maybe(d.Upper, d.Estimable)})
}

// MarshalJSON: survival at a time past follow-up is null, and so is its standard error.
func (a SurvivalAtTime) MarshalJSON() ([]byte, error) {
	type plain SurvivalAtTime
	return json.Marshal(struct {
		plain
		Survival *float64 `json:"survival"`
		StdErr   *float64 `json:"std_err"`
	}{plain(a), maybe(a.Survival, a.Estimable), maybe(a.StdErr, a.Estimable && a.StdErrEstimable)})
}
