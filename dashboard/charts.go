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
	return Chart{
		ID:      id,
		Element: fmt.Sprintf(`<div class="container"><div class="item" id="%s" style="width:100%%;height:%s;"></div></div>`, id, height),
		Script: fmt.Sprintf(`<script>"use strict"; echarts.init(document.getElementById('%s'), "white", {renderer: "canvas"}).setOption(%s);</script>`,
			id, option),
	}
}

func initOpts(id, height string) charts.GlobalOpts {
	return charts.WithInitializationOpts(opts.Initialization{ChartID: id, Width: "100%", Height: height, AssetsHost: assetsHost})
}

// months turns a day after treatment into months, for x axes.
func months(day float64) float64 { return math.Round(day/30.4375*10) / 10 }

// MeansChart draws a measure's mean per visit by arm as lines, with 95% CIs as error bars.
// Suppressed or not estimable points are left out.
func MeansChart(id string, m MeasureOutcome, arms []ArmInfo, xLabel, yLabel string) Chart {
	line := charts.NewLine()
	line.SetGlobalOptions(
		initOpts(id, "340px"),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: xLabel, NameLocation: "middle", NameGap: 25}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: yLabel, Scale: opts.Bool(true)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "bottom"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithAnimation(false),
	)
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
		line.AddSeries(a.Label, means, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true)}))
		line.AddSeries(a.Label+" 95% CI", bars, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), ConnectNulls: opts.Bool(false)}),
			charts.WithLineStyleOpts(opts.LineStyle{Width: 2}))
	}
	return snippet(id, "340px", line)
}

// SurvivalChart draws Kaplan–Meier curves by arm as step lines with a log-scale 95% CI
// band (a transparent lower line with the band's width stacked on it).
func SurvivalChart(id string, s Survival, arms []ArmInfo, xLabel, yLabel, ciLabel string) Chart {
	line := charts.NewLine()
	line.SetGlobalOptions(
		initOpts(id, "360px"),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: xLabel, NameLocation: "middle", NameGap: 25}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: yLabel, Min: 0, Max: 1}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "bottom"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithAnimation(false),
	)
	for ai, ac := range s.Arms {
		if !ac.Curve.Estimable {
			continue
		}
		curve := []opts.LineData{{Value: []any{0, 1}}}
		lower := []opts.LineData{{Value: []any{0, 1}}}
		band := []opts.LineData{{Value: []any{0, 0}}}
		prev := 1.0
		for i, st := range ac.Curve.Steps {
			// Survival and its interval change only at events: censoring-only steps add
			// nothing to a step line but size (a study of 100,000 has thousands).
			if st.Survival == prev && i < len(ac.Curve.Steps)-1 {
				continue
			}
			prev = st.Survival
			curve = append(curve, opts.LineData{Value: []any{st.Time, round(st.Survival)}})
			lo, hi := st.Survival, st.Survival
			if st.LogCI.Estimable {
				lo, hi = st.LogCI.Lower, st.LogCI.Upper
			}
			lower = append(lower, opts.LineData{Value: []any{st.Time, round(lo)}})
			band = append(band, opts.LineData{Value: []any{st.Time, round(hi - lo)}})
		}
		label := arms[ai].Label
		stack := fmt.Sprintf("ci-%d", ai)
		line.AddSeries(label, curve, charts.WithLineChartOpts(opts.LineChart{Step: "end", ShowSymbol: opts.Bool(false)}))
		line.AddSeries(label+" "+ciLabel, lower, charts.WithLineChartOpts(opts.LineChart{Step: "end", ShowSymbol: opts.Bool(false), Stack: stack}),
			charts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)}))
		line.AddSeries(label+" "+ciLabel, band, charts.WithLineChartOpts(opts.LineChart{Step: "end", ShowSymbol: opts.Bool(false), Stack: stack}),
			charts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)}), charts.WithAreaStyleOpts(opts.AreaStyle{Opacity: opts.Float(0.2)}))
	}
	return snippet(id, "360px", line)
}

// ForestChart draws each study's effect (treatment minus comparator) with its 95% CI on a
// shared axis, one row per study; a vertical line marks no difference.
func ForestChart(id string, rows []EffectRow, xLabel string) Chart {
	line := charts.NewLine()
	var labels []string
	height := fmt.Sprintf("%dpx", 120+50*len(rows))
	for _, r := range rows {
		labels = append(labels, r.Indication+": "+r.MeasureLabel)
	}
	line.SetGlobalOptions(
		initOpts(id, height),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: xLabel, NameLocation: "middle", NameGap: 25}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: labels, Inverse: opts.Bool(true)}),
		charts.WithGridOpts(opts.Grid{Left: "30%"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithAnimation(false),
	)
	var points, bars []opts.LineData
	for i, r := range rows {
		if !r.Effect.Estimable {
			continue
		}
		points = append(points, opts.LineData{Value: []any{round(r.Effect.Difference), labels[i]}})
		bars = append(bars, opts.LineData{Value: []any{round(r.Effect.Lower), labels[i]}}, opts.LineData{Value: []any{round(r.Effect.Upper), labels[i]}}, opts.LineData{Value: []any{"-", labels[i]}})
	}
	line.AddSeries("95% CI", bars, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), ConnectNulls: opts.Bool(false)}),
		charts.WithLineStyleOpts(opts.LineStyle{Width: 2}),
		charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{Name: "0", XAxis: 0}))
	line.AddSeries("effect", points, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true)}),
		charts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)}))
	return snippet(id, height, line)
}

// round keeps charts' JSON short; tables show the full figures.
func round(x float64) float64 { return math.Round(x*1e6) / 1e6 }
