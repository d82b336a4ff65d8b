package dashboard

import (
	"strings"
	"testing"
)

// TestChartsStayOffline: the snippets draw into their fixed element and name no asset or
// address outside the registry.
func TestChartsStayOffline(t *testing.T) {
	arms := []ArmInfo{{Code: "a", Label: "Stem </script> cells"}, {Code: "p", Label: "Placebo", Control: true}}
	m := MeasureOutcome{Code: "pain", Visits: []MeasureVisit{{Day: 0, Arms: []ArmOutcome{
		{Value: SummaryResult{Summary: SummaryOf(10, 5, 1)}}, {Value: SummaryResult{Summary: SummaryOf(10, 5.5, 1)}}}}}}
	s := Survival{Arms: []ArmCurve{{Curve: KaplanMeierCounts([]TimeCount{{Time: 10, Events: 2}, {Time: 20, Censored: 5}})}, {Curve: KMCurve{}}}}
	if c := DifferenceChart("chart_difference_pain", m, "", "months", "points", "difference", "main"); strings.Contains(c.Script, `"scale":true`) {
		t.Error("the difference chart's y axis may leave out 0")
	}
	for _, c := range []Chart{
		MeansChart("chart_means_pain", m, arms, "months", "points"),
		SurvivalChart("chart_survival", s, arms, "days", "event-free", "95% CI"),
		ForestChart("chart_forest", []EffectRow{{Indication: "knee", MeasureLabel: "pain", Effect: ComparisonResult{Comparison: Welch(SummaryOf(10, 1, 1), SummaryOf(10, 2, 1))}}}, "difference",
			func(r EffectRow) string { return r.Indication }, -1, 1),
	} {
		if !strings.Contains(c.Element, `id="`+c.ID+`"`) || !strings.Contains(c.Script, "getElementById('"+c.ID+"')") || !strings.Contains(c.Script, "if (el)") {
			t.Errorf("%s: element or script does not use the fixed id:\n%s\n%s", c.ID, c.Element, c.Script)
		}
		if strings.Count(c.Script, "</script>") != 1 || !strings.HasSuffix(strings.TrimSpace(c.Script), "</script>") {
			t.Errorf("%s: the script must end with its one </script>: %s", c.ID, c.Script)
		}
		for _, bad := range []string{"http://", "https://", "go-echarts-assets", "</script>"} {
			if strings.Contains(c.Element+strings.TrimSuffix(strings.TrimSpace(c.Script), "</script>"), bad) {
				t.Errorf("%s: snippet contains %q", c.ID, bad)
			}
		}
	}
}
