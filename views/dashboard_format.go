package views

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"outcomereg/dashboard"
)

// Formatting of the dashboards' figures: every number a table shows, and what it shows
// instead when a figure is suppressed or cannot be estimated.

// DashboardData is what the study dashboard page needs besides the figures.
type DashboardData struct {
	D       *dashboard.StudyDashboard
	Sites   []SiteOption
	JSONURL string
	Charts  DashboardCharts
}

// DashboardCharts are the rendered chart snippets of a study dashboard.
type DashboardCharts struct {
	Means      map[string]dashboard.Chart // by measure code
	Difference map[string]dashboard.Chart // by measure code, when there is a comparator
	Survival   dashboard.Chart
}

// SiteOption is a site in the filter form.
type SiteOption struct{ Code, Name string }

// OverviewData is what the cross-study dashboard page needs.
type OverviewData struct {
	O       *dashboard.Overview
	Sites   []SiteOption
	JSONURL string
	// Forest plots: randomised comparisons (against a control arm) and single-arm ones
	// (against a placebo baseline from the literature), on one axis.
	Forest, ForestSingleArm dashboard.Chart
}

// StudyListData is the study list.
type StudyListData struct {
	Studies     []dashboard.StudyInfo
	ShowFigures bool // researchers, statisticians, admins
	Dashboards  bool // may open the dashboards
	SmallCell   int
}

func countText(ctx context.Context, c dashboard.Count, threshold int) string {
	if c.Suppressed {
		return suppressedMark
	}
	return strconv.Itoa(c.N)
}

// num shows a figure with up to 3 decimals, without trailing zeros beyond 2, with the
// language's decimal mark (as every figure below).
func num(ctx context.Context, x float64) string {
	if x == 0 {
		return "0"
	}
	digits := 2
	if math.Abs(x) < 1 {
		digits = 3
	}
	return localNumber(ctx, strconv.FormatFloat(x, 'f', digits, 64))
}

// plain shows a number as it is: days as integers ("1825", not "1825.00"), an MCID of 2
// as "2".
func plain(ctx context.Context, x float64) string {
	return localNumber(ctx, strconv.FormatFloat(x, 'f', -1, 64))
}

func pText(ctx context.Context, p float64) string {
	if p < 0.001 {
		return localNumber(ctx, "<0.001")
	}
	return localNumber(ctx, strconv.FormatFloat(p, 'f', 3, 64))
}

func percent(ctx context.Context, x float64) string {
	return localNumber(ctx, strconv.FormatFloat(100*x, 'f', 1, 64)) + " %"
}

// ciText keeps an interval on one line (non-breaking spaces).
func ciText(ctx context.Context, lo, hi float64) string {
	return T(ctx, "%s\u00a0to\u00a0%s", num(ctx, lo), num(ctx, hi))
}

// unavailable says why a figure is missing: suppressed or not estimable.
func unavailable(ctx context.Context, suppressed bool, reason string, threshold int) string {
	if suppressed {
		return suppressedMark
	}
	if reason == "" {
		return T(ctx, "not estimable")
	}
	return T(ctx, "not estimable (%s)", reasonText(ctx, reason))
}

// reasonText is why a figure is not given, in the page's language: the dashboard's reasons
// are catalog keys (messages_dashboard_reasons.go), and "treatment: " or "control: " before
// one names the arm it is about. A reason outside the catalog stays as it is.
func reasonText(ctx context.Context, reason string) string {
	for _, arm := range []string{"treatment", "control"} {
		if rest, ok := strings.CutPrefix(reason, arm+": "); ok {
			return T(ctx, arm) + ": " + reasonText(ctx, rest)
		}
	}
	if strings.Contains(reason, "%") || !Translated(reason) {
		return reason
	}
	return T(ctx, reason)
}

func designText(ctx context.Context, design string) string {
	switch design {
	case "randomised-double-blind":
		return T(ctx, "randomised, double-blind")
	case "randomised-open":
		return T(ctx, "randomised, open")
	case "single-arm-cohort":
		return T(ctx, "single-arm cohort")
	case "cohort":
		return T(ctx, "cohort")
	}
	return design
}

func armLabel(arms []dashboard.ArmInfo, code string) string {
	for _, a := range arms {
		if a.Code == code {
			return a.Label
		}
	}
	return code
}

func directionText(ctx context.Context, m dashboard.MeasureOutcome) string {
	s := T(ctx, "higher is better")
	if m.Direction == "lower" {
		s = T(ctx, "lower is better")
	}
	if m.MCID != nil {
		s += "; " + T(ctx, "responder: improvement of at least %s (MCID)", plain(ctx, *m.MCID))
	}
	return s
}

func graded(i int) string { return strconv.Itoa(i + 1) }

func inWindowText(ctx context.Context, f dashboard.Flow) string {
	if f.InWindowSuppressed {
		return suppressedMark
	}
	if !f.InWindowKnown {
		return T(ctx, "no visits yet")
	}
	return percent(ctx, f.InWindow)
}

func hasPlacebo(m dashboard.MeasureOutcome) bool {
	for _, v := range m.Visits {
		if v.VsPlacebo != nil {
			return true
		}
	}
	return false
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}

func directionWord(ctx context.Context, direction string) string {
	if direction == "lower" {
		return T(ctx, "lower is better")
	}
	return T(ctx, "higher is better")
}

func changeText(ctx context.Context, s dashboard.SummaryResult, threshold int) string {
	if s.Suppressed {
		return suppressedMark
	}
	if !s.Estimable {
		if s.N == 0 {
			return "–"
		}
		return T(ctx, "not estimable (n %d)", s.N)
	}
	return fmt.Sprintf("%s (%d)", num(ctx, s.Mean), s.N)
}

// ForestLabel names a row of the cross-study forest plot: indication, outcome and the
// patients compared.
func ForestLabel(ctx context.Context, r dashboard.EffectRow) string {
	label := r.IndicationLabel + ": " + r.MeasureLabel
	if r.Effect.Estimable {
		label += " " + T(ctx, "(n %d vs %d)", r.Effect.Treatment.N, r.Effect.Control.N)
	}
	return label
}

// choiceList names a choice measure's categories in order.
func choiceList(m dashboard.MeasureOutcome) string {
	var labels []string
	for _, c := range m.Choices {
		labels = append(labels, c.Label)
	}
	return joinComma(labels)
}

// bestChoice is the category whose share is compared: the first when lower is better.
func bestChoice(m dashboard.MeasureOutcome) string {
	if len(m.Choices) == 0 {
		return ""
	}
	if m.Direction == "higher" {
		return m.Choices[len(m.Choices)-1].Label
	}
	return m.Choices[0].Label
}

// shareText is a category's count and share, e.g. "12 (40.0 %)".
func shareText(ctx context.Context, c dashboard.Count, s dashboard.Share, threshold int) string {
	if !s.Known {
		return countText(ctx, c, threshold)
	}
	return countText(ctx, c, threshold) + " (" + percent(ctx, s.Proportion) + ")"
}

// timeText names a time after treatment: whole years as years, else days.
func timeText(ctx context.Context, days float64) string {
	if y := days / 365; y == math.Trunc(y) && y >= 1 {
		return Tn(ctx, int(y), "%d year", "%d years", int(y))
	}
	return Tn(ctx, int(days), "%s day", "%s days", plain(ctx, days))
}

// HasComparison: some visit of the measure compares treatment with a comparator.
func HasComparison(m dashboard.MeasureOutcome) bool {
	for _, v := range m.Visits {
		if v.VsControl != nil && v.VsControl.Estimable || v.VsPlacebo != nil && v.VsPlacebo.Estimable {
			return true
		}
	}
	return false
}

// mainSentence says the main result in one plain sentence, with no verdict: the
// difference, its interval and the MCID to judge it by.
func mainSentence(ctx context.Context, r *dashboard.MainResult, threshold int) string {
	if !r.Effect.Estimable {
		return T(ctx, "At %s, the difference in %s cannot be given: %s.", r.VisitLabel, r.MeasureLabel,
			unavailable(ctx, r.Effect.Suppressed, r.Effect.Reason, threshold))
	}
	comparator := r.ComparatorLabel
	if r.Comparator == "placebo_baseline" {
		comparator = T(ctx, "the placebo baseline (%s)", r.ComparatorLabel)
	}
	s := T(ctx, "At %s, the change in %s with %s differed from %s by %s %s (95%% CI %s to %s).",
		r.VisitLabel, r.MeasureLabel, r.Treatment, comparator, num(ctx, r.Effect.Difference), r.Unit, num(ctx, r.Effect.Lower), num(ctx, r.Effect.Upper))
	if r.MCID != nil {
		s += " " + T(ctx, "The MCID is %s %s.", plain(ctx, *r.MCID), r.Unit)
	}
	if r.VisitsCompared > 1 {
		s += " " + T(ctx, "Each of the %d visits compared is tested alone: with several, one may exclude 0 by chance.", r.VisitsCompared)
	}
	return s
}
