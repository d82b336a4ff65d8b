package dashboard

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// Chart is a go-echarts chart rendered as a snippet for a templ page: the element it draws
// in and the script that draws it. The page loads /static/echarts.min.js itself (served by
// the registry from the npm package), so nothing is fetched from elsewhere.
type Chart struct {
	ID      string
	Element string
	Script  string
}

// assetsHost replaces go-echarts' default CDN; snippets carry no asset links, and this
// makes sure none could point outside the registry.
const assetsHost = "/static/"

// echartsChart is what the chart types of go-echarts share.
type echartsChart interface {
	Validate()
	JSONNotEscaped() template.HTML
}

// snippet renders a chart as its element and script. It does what go-echarts'
// RenderSnippet does, without its templates and regular expressions over the whole
// output, which cost more than the dashboard's queries for a survival curve of 100,000
// patients. id must be a JavaScript identifier: letters, digits and underscores.
func snippet(id, height string, c echartsChart) Chart {
	c.Validate()
	// Labels come from study definitions; "</" inside the inline script would end it.
	option := strings.ReplaceAll(strings.TrimSpace(string(c.JSONNotEscaped())), "</", `<\/`)
	// go-echarts types an axis label's line height as a string, which ECharts ignores.
	option = strings.ReplaceAll(option, `"lineHeight":"16"`, `"lineHeight":16`)
	return Chart{
		ID:      id,
		Element: fmt.Sprintf(`<div class="container"><div class="item" id="%s" style="width:100%%;height:%s;"></div></div>`, id, height),
		// The chart draws only if its element is on the page (an empty dashboard leaves
		// some out).
		Script: fmt.Sprintf(`<script>"use strict"; (function (el) { if (el) echarts.init(el, "white", {renderer: "canvas"}).setOption(%s); })(document.getElementById('%s'));</script>`,
			option, id),
	}
}

func initOpts(id, height string) charts.GlobalOpts {
	return charts.WithInitializationOpts(opts.Initialization{ChartID: id, Width: "100%", Height: height, AssetsHost: assetsHost})
}

// months turns a day after treatment into months, for x axes.
func months(day float64) float64 { return math.Round(day/30.4375*10) / 10 }

// armColors are the arms' colours, in the order of the study's arms: a series and its
// interval share one colour, so the legend lists only the arms.
var armColors = []string{"#3b6fb6", "#e0892b", "#3a9a5b", "#b5485d", "#7a5aa8", "#5f6b7a"}

func armColor(i int) string { return armColors[i%len(armColors)] }

// axes are the options every chart with two value axes shares: the legend on top, the
// axis names outside the grid, nothing drawn over anything else.
func axes(id, height, xLabel, yLabel string, legend []string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		initOpts(id, height),
		charts.WithGridOpts(opts.Grid{Top: "48", Bottom: "48", Left: "64", Right: "24"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: xLabel, NameLocation: "middle", NameGap: 28}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: yLabel, NameLocation: "middle", NameGap: 44, Scale: opts.Bool(true)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0", Data: legend}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithAnimation(false),
	}
}

func armLabels(arms []ArmInfo) []string {
	var labels []string
	for _, a := range arms {
		labels = append(labels, a.Label)
	}
	return labels
}

// inColor draws a series (its line, points and marks) in one colour.
func inColor(color string, width float32, opacity float32) charts.SeriesOpts {
	return func(s *charts.SingleSeries) {
		s.LineStyle = &opts.LineStyle{Color: color, Width: width, Opacity: opts.Float(opacity)}
		s.ItemStyle = &opts.ItemStyle{Color: color}
	}
}

// MeansChart draws a measure's mean per visit by arm as lines, with 95% CIs as error bars
// in the arm's colour (one legend entry per arm: the bars are a series of the same name).
// Suppressed or not estimable points are left out.
func MeansChart(id string, m MeasureOutcome, arms []ArmInfo, xLabel, yLabel string) Chart {
	line := charts.NewLine()
	line.SetGlobalOptions(axes(id, "340px", xLabel, yLabel, armLabels(arms))...)
	for ai, a := range arms {
		// Arms side by side: a small offset keeps their error bars apart.
		offset := (float64(ai) - float64(len(arms)-1)/2) * 0.25
		var means, bars []opts.LineData
		for _, v := range m.Visits {
			s := v.Arms[ai].Value
			if !s.Estimable {
				continue
			}
			x := months(float64(v.Day)) + offset
			means = append(means, opts.LineData{Value: []any{x, round(s.Mean)}})
			bars = append(bars, opts.LineData{Value: []any{x, round(s.Lower)}}, opts.LineData{Value: []any{x, round(s.Upper)}}, opts.LineData{Value: []any{x, "-"}})
		}
		line.AddSeries(a.Label, means, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true)}), inColor(armColor(ai), 2, 1))
		line.AddSeries(a.Label, bars, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), ConnectNulls: opts.Bool(false)}),
			inColor(armColor(ai), 2, 0.8))
	}
	return snippet(id, "340px", line)
}

// DifferenceChart draws treatment minus control (or minus the placebo baseline) in change
// from baseline per visit with its 95% CI, a dashed line at 0, and the main visit marked
// ("" for none).
func DifferenceChart(id string, m MeasureOutcome, mainVisit, xLabel, yLabel, label, mainLabel string) Chart {
	line := charts.NewLine()
	legend := []string{label}
	if mainVisit != "" {
		legend = append(legend, mainLabel)
	}
	// The y axis always holds 0: the line of no difference is the point of the chart.
	g := append(axes(id, "300px", xLabel, yLabel, legend), charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: yLabel, NameLocation: "middle", NameGap: 44}))
	line.SetGlobalOptions(g...)
	var points, bars, main []opts.LineData
	for _, v := range m.Visits {
		c := v.VsControl
		if c == nil {
			c = v.VsPlacebo
		}
		if c == nil || !c.Estimable {
			continue
		}
		x := months(float64(v.Day))
		points = append(points, opts.LineData{Value: []any{x, round(c.Difference)}})
		bars = append(bars, opts.LineData{Value: []any{x, round(c.Lower)}}, opts.LineData{Value: []any{x, round(c.Upper)}}, opts.LineData{Value: []any{x, "-"}})
		if v.Visit == mainVisit {
			main = append(main, opts.LineData{Value: []any{x, round(c.Difference)}})
		}
	}
	line.AddSeries(label, points, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true)}), inColor(armColor(0), 2, 1), zeroLine("y"))
	line.AddSeries(label, bars, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), ConnectNulls: opts.Bool(false)}), inColor(armColor(0), 2, 0.8))
	if len(main) > 0 {
		line.AddSeries(mainLabel, main, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), Symbol: "diamond", SymbolSize: 16}),
			inColor(armColor(0), 0, 0))
	}
	return snippet(id, "300px", line)
}

// zeroLine marks "no difference": a plain grey line, no arrow, no end points.
func zeroLine(axis string) charts.SeriesOpts {
	item := map[string]any{"name": "0"}
	item[axis+"Axis"] = 0
	return func(s *charts.SingleSeries) {
		s.MarkLines = &opts.MarkLines{Data: []any{item}, MarkLineStyle: opts.MarkLineStyle{
			Symbol: []string{"none", "none"}, Label: &opts.Label{Show: opts.Bool(false)},
			LineStyle: &opts.LineStyle{Color: "#666", Type: "dashed", Width: 1}}}
	}
}

// SurvivalChart draws Kaplan–Meier curves by arm as step lines with a log-scale 95% CI
// band in the arm's colour. The band is a row of rectangles (a mark area), one per step:
// between two event times the curve and its interval are constant. (Stacked series on a
// numeric x axis would add up the days, not the survival.)
func SurvivalChart(id string, s Survival, arms []ArmInfo, xLabel, yLabel, ciLabel string) Chart {
	line := charts.NewLine()
	g := axes(id, "360px", xLabel, yLabel, armLabels(arms))
	g = append(g, charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: yLabel, NameLocation: "middle", NameGap: 44, Min: 0, Max: 1}))
	line.SetGlobalOptions(g...)
	for ai, ac := range s.Arms {
		if !ac.Curve.Estimable {
			continue
		}
		type point struct{ t, s, lo, hi float64 }
		points := []point{{0, 1, 1, 1}}
		prev := 1.0
		for i, st := range ac.Curve.Steps {
			// Survival and its interval change only at events: censoring-only steps add
			// nothing to a step line but size (a study of 100,000 has thousands).
			if st.Survival == prev && i < len(ac.Curve.Steps)-1 {
				continue
			}
			prev = st.Survival
			lo, hi := st.Survival, st.Survival
			if st.LogCI.Estimable {
				lo, hi = st.LogCI.Lower, st.LogCI.Upper
			}
			points = append(points, point{st.Time, st.Survival, lo, hi})
		}
		var curve []opts.LineData
		var band []any
		for i, p := range points {
			curve = append(curve, opts.LineData{Value: []any{p.t, round(p.s)}})
			if i+1 < len(points) && points[i+1].t > p.t && p.hi > p.lo {
				band = append(band, []map[string]any{
					{"coord": []any{p.t, round(p.lo)}}, {"coord": []any{points[i+1].t, round(p.hi)}}})
			}
		}
		color := armColor(ai)
		line.AddSeries(arms[ai].Label, curve, charts.WithLineChartOpts(opts.LineChart{Step: "end", ShowSymbol: opts.Bool(false)}),
			inColor(color, 2, 1), func(s *charts.SingleSeries) {
				s.MarkAreas = &opts.MarkAreas{Data: band, MarkAreaStyle: opts.MarkAreaStyle{
					Label:     &opts.Label{Show: opts.Bool(false)},
					ItemStyle: &opts.ItemStyle{Color: color, Opacity: opts.Float(0.15)}}}
			})
	}
	return snippet(id, "360px", line)
}

// ForestChart draws each study's Hedges' g (treatment minus comparator, in SDs, so that
// measures on different scales share one axis) with its 95% CI, one row per study with
// its n; a dashed line marks no difference. Labels are wrapped, not cut. xMin and xMax
// fix the axis, so that two forest plots (randomised, single-arm) can be compared.
func ForestChart(id string, rows []EffectRow, xLabel string, label func(EffectRow) string, xMin, xMax float64) Chart {
	line := charts.NewLine()
	var labels []string
	height := fmt.Sprintf("%dpx", 106+56*len(rows))
	for _, r := range rows {
		labels = append(labels, wrap(label(r), 48))
	}
	line.SetGlobalOptions(
		initOpts(id, height),
		// The axis name is centred under the plot, right of the row labels: wrapped, so that
		// a long name (Swedish, Danish) stays inside a narrow window.
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: wrap(xLabel, 40), NameLocation: "middle", NameGap: 28, Min: xMin, Max: xMax}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: labels, Inverse: opts.Bool(true),
			AxisLabel: &opts.AxisLabel{Interval: "0", LineHeight: "16"}, AxisLine: &opts.AxisLine{OnZero: opts.Bool(false)}}),
		charts.WithGridOpts(opts.Grid{Left: "16", Right: "24", Top: "16", Bottom: "64", ContainLabel: opts.Bool(true)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithAnimation(false),
	)
	var points, bars []opts.LineData
	for i, r := range rows {
		if !r.Effect.Estimable || !r.HedgesGCI.Estimable {
			continue
		}
		points = append(points, opts.LineData{Value: []any{round(r.Effect.HedgesG), labels[i]}})
		bars = append(bars, opts.LineData{Value: []any{round(r.HedgesGCI.Lower), labels[i]}}, opts.LineData{Value: []any{round(r.HedgesGCI.Upper), labels[i]}}, opts.LineData{Value: []any{"-", labels[i]}})
	}
	line.AddSeries("95% CI", bars, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), ConnectNulls: opts.Bool(false)}),
		inColor(armColor(0), 2, 1), zeroLine("x"))
	line.AddSeries("Hedges' g", points, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), Symbol: "rect", SymbolSize: 10}),
		inColor(armColor(0), 0, 0))
	return snippet(id, height, line)
}

// ForestRange is an axis that holds every row's interval and 0, in whole halves.
func ForestRange(rows []EffectRow) (lo, hi float64) {
	for _, r := range rows {
		if r.Effect.Estimable && r.HedgesGCI.Estimable {
			lo, hi = math.Min(lo, r.HedgesGCI.Lower), math.Max(hi, r.HedgesGCI.Upper)
		}
	}
	return math.Floor(lo*2) / 2, math.Ceil(hi*2) / 2
}

// wrap breaks a label into lines of about width characters at spaces, for chart axes
// that would otherwise cut it.
func wrap(s string, width int) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len([]rune(line))+1+len([]rune(w)) > width {
			lines = append(lines, line)
			line = w
			continue
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return strings.Join(append(lines, line), "\n")
}

// round keeps charts' JSON short; tables show the full figures.
func round(x float64) float64 { return math.Round(x*1e6) / 1e6 }
