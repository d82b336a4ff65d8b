package main

import (
	"encoding/json"
	"net/http"
	"time"

	"outcomereg/dashboard"
	"outcomereg/registry"
	"outcomereg/views"
)

// dashboardToday is the day the dashboards are computed for; tests fix it.
var dashboardToday = func() time.Time { return time.Now() }

// dashboardOptions: researchers see small cells suppressed; statisticians and
// administrators see every figure.
func (a *app) dashboardOptions(r *http.Request) dashboard.Options {
	opt := dashboard.Options{Today: dashboardToday(), Lang: views.Lang(r.Context()), Reader: userOf(r)}
	if u := userOf(r); u != nil && u.Role == registry.RoleResearcher {
		opt.SmallCell = a.cfg.smallCell
	}
	return opt
}

// dashboardFilter reads the filter from the query string; a bad value is a 400.
func (a *app) dashboardFilter(r *http.Request) (dashboard.Filter, []views.SiteOption, error) {
	sites, err := a.store.Sites(r.Context())
	if err != nil {
		return dashboard.Filter{}, nil, err
	}
	f, err := dashboard.ParseFilter(r.URL.Query(), sites)
	if err != nil {
		return f, nil, err
	}
	var options []views.SiteOption
	for _, s := range sites {
		options = append(options, views.SiteOption{Code: s.Code, Name: s.Name})
	}
	return f, options, nil
}

func (a *app) studyList(w http.ResponseWriter, r *http.Request) {
	opt := a.dashboardOptions(r)
	list, err := dashboard.LoadStudyList(r.Context(), a.store.DB, opt)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	role := userOf(r).Role
	reader := role == registry.RoleResearcher || role == registry.RoleStatistician || role == registry.RoleAdmin
	a.render(w, r, http.StatusOK, views.StudyList(a.page(r, views.T(r.Context(), "Studies")),
		views.StudyListData{Studies: list, ShowFigures: reader, Dashboards: reader, SmallCell: opt.SmallCell}))
}

// loadStudyDashboard is shared by the page and its JSON: 404 for an unknown study, 400 for
// a bad filter.
func (a *app) loadStudyDashboard(r *http.Request) (*dashboard.StudyDashboard, []views.SiteOption, error) {
	st, err := a.store.Study(r.Context(), r.PathValue("code"))
	if err != nil {
		return nil, nil, err
	}
	f, sites, err := a.dashboardFilter(r)
	if err != nil {
		return nil, nil, err
	}
	opt := a.dashboardOptions(r)
	if opt.SurvivalTimes, err = dashboard.ParseSurvivalTimes(r.URL.Query().Get("times")); err != nil {
		return nil, nil, err
	}
	d, err := dashboard.LoadStudy(r.Context(), a.store.DB, st, f, opt)
	return d, sites, err
}

func (a *app) studyDashboard(w http.ResponseWriter, r *http.Request) {
	d, sites, err := a.loadStudyDashboard(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ctx := r.Context()
	charts := views.DashboardCharts{Means: map[string]dashboard.Chart{}, Difference: map[string]dashboard.Chart{}}
	for _, m := range d.Measures {
		if m.Type == "choice" {
			continue // counted per category, in a table
		}
		charts.Means[m.Code] = dashboard.MeansChart("chart_means_"+m.Code, m, d.Arms, views.T(ctx, "months after treatment"), m.Unit)
		if views.HasComparison(m) {
			main := ""
			if d.Main != nil && d.Main.Measure == m.Code {
				main = d.Main.Visit
			}
			charts.Difference[m.Code] = dashboard.DifferenceChart("chart_difference_"+m.Code, m, main,
				views.T(ctx, "months after treatment"), m.Unit, views.T(ctx, "difference in change from baseline (95%% CI)"), views.T(ctx, "main result"))
		}
	}
	if len(d.Survival.EventTypes) > 0 {
		charts.Survival = dashboard.SurvivalChart("chart_survival", d.Survival, d.Arms,
			views.T(ctx, "days after treatment"), views.T(ctx, "event-free"), views.T(ctx, "95%% CI"))
	}
	a.render(w, r, http.StatusOK, views.StudyDashboard(a.page(r, d.Study.Title), views.DashboardData{
		D: d, Sites: sites, Charts: charts, JSONURL: "/studies/" + d.Study.Code + "/dashboard.json" + d.Filter.Query(),
	}))
}

func (a *app) studyDashboardJSON(w http.ResponseWriter, r *http.Request) {
	d, _, err := a.loadStudyDashboard(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, d)
}

func (a *app) loadOverview(r *http.Request) (*dashboard.Overview, []views.SiteOption, error) {
	f, sites, err := a.dashboardFilter(r)
	if err != nil {
		return nil, nil, err
	}
	o, err := dashboard.LoadOverview(r.Context(), a.store, f, a.dashboardOptions(r))
	return o, sites, err
}

func (a *app) overview(w http.ResponseWriter, r *http.Request) {
	o, sites, err := a.loadOverview(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ctx := r.Context()
	data := views.OverviewData{O: o, Sites: sites, JSONURL: "/dashboard.json" + o.Filter.Query()}
	var randomised, singleArm []dashboard.EffectRow
	for _, row := range o.Rows {
		if row.Randomised {
			randomised = append(randomised, row)
		} else if row.Comparator == "placebo_baseline" {
			singleArm = append(singleArm, row)
		}
	}
	lo, hi := dashboard.ForestRange(o.Rows)
	label := func(r dashboard.EffectRow) string { return views.ForestLabel(ctx, r) }
	axis := views.T(ctx, "Hedges' g of the change from baseline (treatment minus comparator)")
	if len(randomised) > 0 {
		data.Forest = dashboard.ForestChart("chart_forest", randomised, axis, label, lo, hi)
	}
	if len(singleArm) > 0 {
		data.ForestSingleArm = dashboard.ForestChart("chart_forest_single_arm", singleArm, axis, label, lo, hi)
	}
	a.render(w, r, http.StatusOK, views.Overview(a.page(r, views.T(ctx, "Dashboard")), data))
}

func (a *app) overviewJSON(w http.ResponseWriter, r *http.Request) {
	o, _, err := a.loadOverview(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, o)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	enc.Encode(v)
}

// echartsJS serves the charting library embedded in the binary (copied from the npm
// package by make), so that the dashboards draw with no internet and no files beside the
// binary. It may be cached: its name changes with nothing but a new binary.
func (a *app) echartsJS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.ServeFileFS(w, r, views.Static, "static/echarts.min.js")
}
