package dashboard

import (
	"encoding/json"
	"strconv"
)

// Count is a number of patients (or visits, or events) that a researcher may not see when
// it is small: suppressed counts encode as JSON null.
type Count struct {
	N          int
	Suppressed bool
}

// MarshalJSON writes the number, or null when suppressed.
func (c Count) MarshalJSON() ([]byte, error) {
	if c.Suppressed {
		return []byte("null"), nil
	}
	return []byte(strconv.Itoa(c.N)), nil
}

// UnmarshalJSON reads what MarshalJSON writes (for tests and clients in Go).
func (c *Count) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*c = Count{Suppressed: true}
		return nil
	}
	return json.Unmarshal(b, &c.N)
}

// StudyInfo is what the study list shows of a study.
type StudyInfo struct {
	Code       string `json:"code"`
	Title      string `json:"title"`
	Indication string `json:"indication"`
	// IndicationLabel is the indication in the page's language.
	IndicationLabel string `json:"indication_label"`
	Design          string `json:"design"`
	Enrolled        Count  `json:"enrolled"`
	// VisitsDue counts scheduled visits whose window has closed for patients still
	// followed then; VisitsRecorded those recorded (done or missed) among all patients.
	VisitsDone   Count   `json:"visits_done"`
	VisitsMissed Count   `json:"visits_missed"`
	VisitsDue    Count   `json:"visits_due"`
	Completeness float64 `json:"follow_up_completeness"` // recorded / (recorded + overdue), 0..1
	HasFollowUp  bool    `json:"has_follow_up"`
}

// ArmInfo names an arm.
type ArmInfo struct {
	Code    string `json:"code"`
	Label   string `json:"label"`
	Control bool   `json:"control"`
}

// StudyDashboard is everything the study dashboard shows, and its JSON.
type StudyDashboard struct {
	Study      StudyInfo `json:"study"`
	Filter     Filter    `json:"filter"`
	Today      string    `json:"today"`
	Suppressed bool      `json:"small_cells_suppressed"`
	SmallCell  int       `json:"small_cell_threshold"`
	Arms       []ArmInfo `json:"arms"`
	Control    string    `json:"control_arm,omitempty"`
	Flow       Flow      `json:"flow"`
	// Main is the answer at a glance: the main measure's difference at the main visit.
	Main     *MainResult      `json:"main_result,omitempty"`
	Measures []MeasureOutcome `json:"measures"`
	Survival Survival         `json:"survival"`
	Adverse  AdverseEvents    `json:"adverse_events"`

	// ViewSuppressed: the filter leaves too few patients (or too few outside it) for a
	// researcher to see anything of it.
	ViewSuppressed bool `json:"view_suppressed,omitempty"`
}

// MainResult is the study's main measure at its main visit: treatment minus control (or
// minus the placebo baseline) in change from baseline.
type MainResult struct {
	Measure      string   `json:"measure"`
	MeasureLabel string   `json:"measure_label"`
	Unit         string   `json:"unit,omitempty"`
	MCID         *float64 `json:"mcid,omitempty"`
	Visit        string   `json:"visit"`
	VisitLabel   string   `json:"visit_label"`
	Treatment    string   `json:"treatment_arm"`
	Comparator   string   `json:"comparator"` // "control" or "placebo_baseline"
	// ComparatorLabel: the control arm's label, or the placebo baseline's source.
	ComparatorLabel string           `json:"comparator_label"`
	Effect          ComparisonResult `json:"effect"`
	// VisitsCompared is how many visits of the main measure have a comparison: each is
	// tested alone.
	VisitsCompared int `json:"visits_compared"`
}

// Flow is the CONSORT-style follow-up flow.
type Flow struct {
	Enrolled  Count       `json:"enrolled"`
	Allocated []ArmCount  `json:"allocated"`
	Visits    []VisitFlow `json:"visits"`
	Status    []ArmStatus `json:"status"`
	// Analysed: patients with a change from baseline of the main measure at AnalysedVisit.
	AnalysedMeasure string     `json:"analysed_measure,omitempty"`
	AnalysedVisit   string     `json:"analysed_visit,omitempty"`
	Analysed        []ArmCount `json:"analysed"`
	// InWindow is the share of done visits that were done inside their window.
	InWindow      float64 `json:"in_window_share"`
	InWindowKnown bool    `json:"in_window_known"`
	// InWindowSuppressed: the share is hidden by the disclosure control (it would give a
	// sum of hidden counts), which is not the same as no visits yet.
	InWindowSuppressed bool `json:"in_window_suppressed"`
	// FromHomeAsked: the study has patient-reported measures, which a patient may answer
	// from home; each visit then says how many were (VisitArmCount.FromHome).
	FromHomeAsked bool `json:"answered_from_home_asked"`
}

// ArmCount is a count for one arm.
type ArmCount struct {
	Arm   string `json:"arm"`
	Count Count  `json:"n"`
}

// ArmStatus is how many of an arm's patients are in each status.
type ArmStatus struct {
	Arm       string `json:"arm"`
	Active    Count  `json:"active"`
	Completed Count  `json:"completed"`
	Withdrawn Count  `json:"withdrawn"`
	Lost      Count  `json:"lost"`
	Dead      Count  `json:"dead"`
}

// VisitFlow is one scheduled visit of the flow, per arm.
type VisitFlow struct {
	Visit string          `json:"visit"`
	Label string          `json:"label"`
	Day   int             `json:"day"`
	Arms  []VisitArmCount `json:"arms"`
}

// VisitArmCount: visits seen (done), missed, overdue (window closed, patient active, nothing
// recorded) and done inside the window, for one arm at one visit.
type VisitArmCount struct {
	Arm      string `json:"arm"`
	Seen     Count  `json:"seen"`
	Missed   Count  `json:"missed"`
	Overdue  Count  `json:"overdue"`
	InWindow Count  `json:"done_in_window"`
	// FromHome: seen visits whose patient-reported values the patient gave from home.
	FromHome Count `json:"answered_from_home"`
}

// MeasureOutcome is one outcome measure over the visits.
type MeasureOutcome struct {
	Code      string   `json:"code"`
	Label     string   `json:"label"`
	Unit      string   `json:"unit,omitempty"`
	Direction string   `json:"direction"`
	MCID      *float64 `json:"mcid,omitempty"`
	// Type is the measure's kind: number, integer or choice. Choices (ordered by value)
	// are counted per category, not averaged.
	Type    string         `json:"type"`
	Choices []ChoiceInfo   `json:"choices,omitempty"`
	Visits  []MeasureVisit `json:"visits"`
}

// ChoiceInfo is one category of a choice measure.
type ChoiceInfo struct {
	Value float64 `json:"value"`
	Label string  `json:"label"`
}

// ArmCategories is how many of an arm's patients are in each category of a choice
// measure at a visit (in the order of MeasureOutcome.Choices), with their shares.
type ArmCategories struct {
	Arm    string  `json:"arm"`
	N      Count   `json:"n"`
	Counts []Count `json:"counts"`
	Shares []Share `json:"shares"`
}

// Share is a proportion of an arm's patients; null when its count is suppressed or the
// arm has none.
type Share struct {
	Proportion float64
	Known      bool
}

// OrdinalComparison compares treatment with control on an ordered choice measure: the
// Wilcoxon rank-sum test and the difference in the share in the best category.
type OrdinalComparison struct {
	RankSum    RankSumTest     `json:"wilcoxon"`
	BestShare  ShareDifference `json:"best_category_share_difference"`
	Suppressed bool            `json:"suppressed,omitempty"`
}

// MeasureVisit is a measure at one visit: per arm, and treatment against control (or the
// single arm against the study's placebo baseline).
type MeasureVisit struct {
	Visit     string            `json:"visit"`
	Label     string            `json:"label"`
	Day       int               `json:"day"`
	Baseline  bool              `json:"baseline"`
	Arms      []ArmOutcome      `json:"arms"`
	VsControl *ComparisonResult `json:"vs_control,omitempty"`
	// Categories and OrdinalVs are for choice measures (instead of means).
	Categories      []ArmCategories    `json:"categories,omitempty"`
	OrdinalVs       *OrdinalComparison `json:"ordinal_vs_control,omitempty"`
	RespondersVs    *RiskResult        `json:"responders_vs_control,omitempty"`
	VsPlaceboSource string             `json:"placebo_baseline_source,omitempty"`
	VsPlacebo       *ComparisonResult  `json:"vs_placebo_baseline,omitempty"`
	PlaceboChange   *SummaryResult     `json:"placebo_baseline_change,omitempty"`
}

// ArmOutcome is one arm at one visit: the values, the change from baseline and responders.
type ArmOutcome struct {
	Arm        string        `json:"arm"`
	Value      SummaryResult `json:"value"`
	Change     SummaryResult `json:"change"`
	Responders RateResult    `json:"responders"`
}

// SummaryResult is a Summary that may be suppressed for a researcher.
type SummaryResult struct {
	Summary
	Suppressed bool `json:"suppressed,omitempty"`
}

// ComparisonResult is a Comparison that may be suppressed.
type ComparisonResult struct {
	Comparison
	Suppressed bool `json:"suppressed,omitempty"`
}

// RateResult is a ResponderRate that may be suppressed.
type RateResult struct {
	ResponderRate
	Suppressed bool `json:"suppressed,omitempty"`
}

// RiskResult is a RiskDifference that may be suppressed.
type RiskResult struct {
	RiskDifference
	Suppressed bool `json:"suppressed,omitempty"`
}

// Survival is time to the first event of any of the study's event types.
type Survival struct {
	EventTypes []string    `json:"event_types"`
	Arms       []ArmCurve  `json:"arms"`
	Times      []float64   `json:"at_risk_times"` // days at which AtRisk is given
	LogRank    LogRankTest `json:"log_rank"`
	Suppressed bool        `json:"log_rank_suppressed,omitempty"`
	// AtTimes are the days of ArmCurve.SurvivalAt.
	AtTimes []float64 `json:"survival_at_times"`
	// Pairwise are the log-rank tests of two arms alone when a study has more than two:
	// each arm against the control, or every pair when there is none (as R's survdiff
	// on the pair).
	Pairwise []PairLogRank `json:"pairwise_log_rank,omitempty"`
}

// PairLogRank is the log-rank test of one arm against another.
type PairLogRank struct {
	Arm        string      `json:"arm"`
	Versus     string      `json:"versus"`
	Test       LogRankTest `json:"test"`
	Suppressed bool        `json:"suppressed,omitempty"`
}

// ArmCurve is one arm's Kaplan–Meier curve; for researchers the curve stops where fewer
// patients than the small-cell threshold remain at risk.
type ArmCurve struct {
	Arm    string  `json:"arm"`
	Events Count   `json:"events"`
	Curve  KMCurve `json:"curve"`
	AtRisk []Count `json:"at_risk"`
	// SurvivalGrid is the curve at each of Survival.Times (the chart's numbers as a
	// table); not estimable past the (possibly truncated) curve's end.
	SurvivalGrid []SurvivalPoint `json:"survival_at_grid"`
	// SurvivalAt is the curve at Survival.AtTimes (1, 2, 5 and 10 years, or ?times=),
	// as R's summary(survfit, times = ...).
	SurvivalAt []SurvivalAtTime `json:"survival_at"`
	Suppressed bool             `json:"suppressed,omitempty"`
	Truncated  bool             `json:"truncated,omitempty"`
}

// AdverseEvents summarises adverse events by arm.
type AdverseEvents struct {
	Arms  []ArmAE  `json:"arms"`
	Terms []TermAE `json:"top_terms"`
}

// ArmAE: patients in an arm with any AE, with a serious AE, and by worst CTCAE grade (1..5).
type ArmAE struct {
	Arm        string   `json:"arm"`
	Patients   Count    `json:"patients"`
	AnyAE      Count    `json:"with_any_ae"`
	Serious    Count    `json:"with_serious_ae"`
	WorstGrade [5]Count `json:"by_worst_grade"`
}

// TermAE is an adverse-event term with the patients reporting it, per arm (in Arms order).
type TermAE struct {
	Term     string  `json:"term"`
	Label    string  `json:"-"` // the term in the page's language
	Total    int     `json:"-"`
	Patients []Count `json:"patients_by_arm"`
}

// SurvivalPoint is the Kaplan–Meier estimate at one time with its log-scale 95% interval.
type SurvivalPoint struct {
	Time      float64  `json:"time"`
	Survival  float64  `json:"survival"`
	CI        Interval `json:"ci_log"`
	Estimable bool     `json:"estimable"`
}
