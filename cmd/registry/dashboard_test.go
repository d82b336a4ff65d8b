package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"outcomereg/dashboard"
	"outcomereg/registry"
	"outcomereg/seed"
)

func init() {
	decide("GET /studies", "admin", "nurse", "researcher", "statistician")
	decide("GET /studies/{code}/dashboard", "admin", "researcher", "statistician")
	decide("GET /studies/{code}/dashboard.json", "admin", "researcher", "statistician")
	decide("GET /dashboard", "admin", "researcher", "statistician")
	decide("GET /dashboard.json", "admin", "researcher", "statistician")
	decide("GET /static/echarts.min.js", "public")
	samples["code"] = "knee-oa"
	dashboardToday = func() time.Time { return demoToday }
}

const (
	researcher   = "researcher@demo.registry"
	statistician = "statistician@demo.registry"
)

func getJSON(t *testing.T, c *http.Client, u string, v any) int {
	t.Helper()
	status, body := get(t, c, u)
	if status == http.StatusOK {
		if err := json.Unmarshal([]byte(body), v); err != nil {
			t.Fatalf("%s: %v\n%s", u, err, body)
		}
	}
	return status
}

func measureVisit(t *testing.T, d *dashboard.StudyDashboard, measure, visit string) dashboard.MeasureVisit {
	t.Helper()
	for _, m := range d.Measures {
		for _, v := range m.Visits {
			if m.Code == measure && v.Visit == visit {
				return v
			}
		}
	}
	t.Fatalf("no %s at %s", measure, visit)
	return dashboard.MeasureVisit{}
}

// TestStudyDashboardFigures: the knee study's dashboard, as a statistician sees it, in JSON
// and in HTML, with the same numbers in both.
func TestStudyDashboardFigures(t *testing.T) {
	tr := newTestRegistry(t)
	c := tr.client(t, statistician)
	var d dashboard.StudyDashboard
	if status := getJSON(t, c, tr.URL+"/studies/knee-oa/dashboard.json", &d); status != http.StatusOK {
		t.Fatalf("dashboard.json: %d", status)
	}
	var patients int
	tr.store.DB.QueryRow(context.Background(), `SELECT count(*) FROM patients p JOIN studies s ON s.id = p.study_id WHERE s.code = 'knee-oa'`).Scan(&patients)
	if d.Flow.Enrolled.N != patients || d.Flow.Enrolled.Suppressed || patients == 0 {
		t.Errorf("enrolled %+v, want %d", d.Flow.Enrolled, patients)
	}
	allocated := 0
	for _, a := range d.Flow.Allocated {
		allocated += a.Count.N
	}
	if allocated != patients || len(d.Arms) != 2 || d.Control != "placebo" {
		t.Errorf("allocated %d of %d; arms %+v; control %q", allocated, patients, d.Arms, d.Control)
	}
	v := measureVisit(t, &d, "pain_nrs", "m12")
	if v.VsControl == nil || !v.VsControl.Estimable || v.VsControl.Treatment.N < 10 {
		t.Fatalf("pain at 12 months vs placebo: %+v", v.VsControl)
	}
	// The treatment summary inside the comparison is the change shown for the arm.
	if v.VsControl.Treatment.Mean != v.Arms[0].Change.Mean || v.VsControl.Control.N != v.Arms[1].Change.N {
		t.Errorf("comparison %+v does not use the arms' changes %+v", v.VsControl, v.Arms)
	}
	if v.RespondersVs == nil || !v.RespondersVs.Estimable {
		t.Errorf("responders vs placebo: %+v", v.RespondersVs)
	}
	if len(d.Survival.Arms) != 2 || !d.Survival.Arms[0].Curve.Estimable || len(d.Survival.Times) == 0 {
		t.Errorf("survival: %+v", d.Survival)
	}
	if len(d.Adverse.Arms) != 2 || d.Adverse.Arms[0].AnyAE.N == 0 || len(d.Adverse.Terms) == 0 {
		t.Errorf("adverse events: %+v", d.Adverse)
	}
	seen := 0
	for _, vf := range d.Flow.Visits {
		for _, a := range vf.Arms {
			seen += a.Seen.N
		}
	}
	var done int
	tr.store.DB.QueryRow(context.Background(), `SELECT count(*) FROM visits v JOIN studies s ON s.id = v.study_id WHERE s.code = 'knee-oa' AND v.state = 'done'`).Scan(&done)
	if seen != done {
		t.Errorf("flow: %d visits seen, the database has %d", seen, done)
	}

	status, html := get(t, c, tr.URL+"/studies/knee-oa/dashboard")
	if status != http.StatusOK {
		t.Fatalf("dashboard: %d", status)
	}
	for _, want := range []string{
		`id="chart_means_pain_nrs"`, `id="chart_survival"`, `src="/static/echarts.min.js"`, `id="survival-at"`,
		fmt.Sprintf("Enrolled: %d.", patients),
		numForTest(v.VsControl.Lower) + "\u00a0to\u00a0" + numForTest(v.VsControl.Upper),
	} {
		if !strings.Contains(html, want) {
			t.Errorf("dashboard page lacks %q", want)
		}
	}
	if m := notANumber.FindString(html); m != "" {
		t.Errorf("dashboard page shows %q", m)
	}
	if strings.Contains(html, "%!") {
		t.Error("dashboard page has a broken format verb (%!)")
	}
	if strings.Contains(html, "https://") || strings.Contains(html, "go-echarts-assets") {
		t.Error("dashboard page links outside the registry")
	}
}

// notANumber finds NaN or Inf shown as a figure (not inside words such as "Infection").
var notANumber = regexp.MustCompile(`\b(NaN|Inf)\b`)

// numForTest formats a figure as the tables do.
func numForTest(x float64) string {
	digits := 2
	if math.Abs(x) < 1 {
		digits = 3
	}
	return strconv.FormatFloat(x, 'f', digits, 64)
}

// TestSingleArmAgainstPlaceboBaseline: the transplant study has no placebo arm; its change
// is compared with the placebo baseline from the literature, whose source is shown.
func TestSingleArmAgainstPlaceboBaseline(t *testing.T) {
	tr := newTestRegistry(t)
	c := tr.client(t, statistician)
	st, err := tr.store.Study(context.Background(), "ssc-ahsct")
	if err != nil || len(st.PlaceboBaselines) == 0 {
		t.Fatalf("ssc-ahsct placebo baselines: %v", err)
	}
	pb := st.PlaceboBaselines[0]
	var d dashboard.StudyDashboard
	if status := getJSON(t, c, tr.URL+"/studies/ssc-ahsct/dashboard.json", &d); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	v := measureVisit(t, &d, pb.Measure, pb.Visit)
	if v.VsPlacebo == nil || !v.VsPlacebo.Estimable || v.VsPlaceboSource != pb.Source {
		t.Fatalf("%s at %s against the placebo baseline: %+v (source %q)", pb.Measure, pb.Visit, v.VsPlacebo, v.VsPlaceboSource)
	}
	want := dashboard.Welch(v.Arms[0].Change.Summary, dashboard.SummaryOf(pb.N, pb.MeanChange, pb.SD))
	if math.Abs(v.VsPlacebo.Difference-want.Difference) > 1e-12 || v.VsPlacebo.Control.N != pb.N {
		t.Errorf("difference %+v, want %+v", v.VsPlacebo.Comparison, want)
	}
	_, html := get(t, c, tr.URL+"/studies/ssc-ahsct/dashboard")
	if !strings.Contains(html, pb.Source) {
		t.Errorf("the page does not show the placebo baseline's source %q", pb.Source)
	}
}

// TestSmallCellsSuppressedForResearchers: a narrow filter leaves cells of fewer than 5
// patients; researchers get them as null / "x", statisticians get the figures.
func TestSmallCellsSuppressedForResearchers(t *testing.T) {
	tr := newTestRegistry(t)
	// knee-oa is blinded: researchers would see its arms pooled. Compare by arm after unblinding.
	if err := tr.store.Unblind(context.Background(), registry.CLI, "knee-oa", "compare suppression by arm"); err != nil {
		t.Fatal(err)
	}
	u := tr.URL + "/studies/knee-oa/dashboard.json?site=aarhus&sex=M&age=70-plus"
	var asStat, asRes dashboard.StudyDashboard
	if s := getJSON(t, tr.client(t, statistician), u, &asStat); s != http.StatusOK {
		t.Fatalf("statistician: %d", s)
	}
	if s := getJSON(t, tr.client(t, researcher), u, &asRes); s != http.StatusOK {
		t.Fatalf("researcher: %d", s)
	}
	if asStat.Suppressed || !asRes.Suppressed || asRes.SmallCell != 5 {
		t.Errorf("suppression flags: statistician %v, researcher %v (threshold %d)", asStat.Suppressed, asRes.Suppressed, asRes.SmallCell)
	}
	small := 0
	for i, a := range asStat.Flow.Allocated {
		r := asRes.Flow.Allocated[i]
		if a.Count.N > 0 && a.Count.N < 5 {
			small++
			if !r.Count.Suppressed || r.Count.N != 0 {
				t.Errorf("arm %s: %d patients shown to a researcher as %+v", a.Arm, a.Count.N, r.Count)
			}
		}
	}
	for mi, m := range asStat.Measures {
		for vi, v := range m.Visits {
			for ai, a := range v.Arms {
				r := asRes.Measures[mi].Visits[vi].Arms[ai]
				if a.Value.N > 0 && a.Value.N < 5 {
					small++
					if !r.Value.Suppressed || r.Value.N != 0 || r.Value.Mean != 0 {
						t.Errorf("%s %s %s: n=%d shown to a researcher: %+v", m.Code, v.Visit, a.Arm, a.Value.N, r.Value)
					}
				}
				// A cell of 5 or more may be hidden too (complementary suppression), but
				// what is shown is the true figure.
				if a.Value.N >= 5 && !r.Value.Suppressed && (r.Value.N != a.Value.N || r.Value.Mean != a.Value.Mean) {
					t.Errorf("%s %s %s: n=%d shown to a researcher as %+v", m.Code, v.Visit, a.Arm, a.Value.N, r.Value)
				}
			}
		}
	}
	if small == 0 {
		t.Fatal("the filter left no small cells: choose a narrower one")
	}
	_, html := get(t, tr.client(t, researcher), strings.Replace(u, "dashboard.json", "dashboard", 1))
	if !strings.Contains(html, ">x<") || !strings.Contains(html, `id="suppression-note"`) {
		t.Error("the researcher's page shows no suppressed cell")
	}
	// A hidden share of visits done in window is marked hidden, not "no visits yet": the
	// statistician sees visits done.
	if !asStat.Flow.InWindowKnown || asRes.Flow.InWindowKnown || !asRes.Flow.InWindowSuppressed {
		t.Errorf("share in window: statistician known %v, researcher known %v suppressed %v",
			asStat.Flow.InWindowKnown, asRes.Flow.InWindowKnown, asRes.Flow.InWindowSuppressed)
	}
	if strings.Contains(html, "no visits yet") {
		t.Error(`the researcher's page says "no visits yet" where the share is hidden`)
	}
}

// TestDashboardBadInput: unknown studies are 404, bad filters 400 with a message, and a
// study without patients or follow-up shows empty states.
func TestDashboardBadInput(t *testing.T) {
	tr := newTestRegistry(t)
	c := tr.client(t, researcher)
	for _, tc := range []struct {
		path, want string
		status     int
	}{
		{"/studies/no-such-study/dashboard", "no-such-study", http.StatusNotFound},
		{"/studies/no-such-study/dashboard.json", "no-such-study", http.StatusNotFound},
		{"/studies/knee-oa/dashboard?site=atlantis", "site must be one of", http.StatusBadRequest},
		{"/studies/knee-oa/dashboard.json?sex=X", "sex must be F or M", http.StatusBadRequest},
		{"/dashboard?age=12", "age must be one of", http.StatusBadRequest},
		{"/dashboard.json?age=12&sex=Q", "sex must be F or M", http.StatusBadRequest},
	} {
		status, body := get(t, c, tr.URL+tc.path)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %q, want %d with %q", tc.path, status, body[:min(len(body), 200)], tc.status, tc.want)
		}
	}

	// A study with no patients at all.
	ctx := context.Background()
	studies, _ := seed.Studies()
	empty := *studies[0]
	empty.Code, empty.Title, empty.TitleLabels = "empty-study", "A study nobody is in yet", nil
	if _, err := tr.store.ApplyStudy(ctx, registry.CLI, &empty); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/studies/empty-study/dashboard", "/studies/knee-oa/dashboard?site=madrid"} {
		status, html := get(t, c, tr.URL+path)
		if status != http.StatusOK || !strings.Contains(html, `id="empty"`) || notANumber.MatchString(html) {
			t.Errorf("%s: %d, want the empty state", path, status)
		}
	}
	var d dashboard.StudyDashboard
	if status := getJSON(t, c, tr.URL+"/studies/empty-study/dashboard.json", &d); status != http.StatusOK || d.Flow.Enrolled.N != 0 {
		t.Errorf("empty study JSON: %d %+v", status, d.Flow)
	}
	var o dashboard.Overview
	if status := getJSON(t, c, tr.URL+"/dashboard.json", &o); status != http.StatusOK {
		t.Fatalf("overview with an empty study: %d", status)
	}
	for _, r := range o.Rows {
		if r.Study == "empty-study" && (r.Effect.Estimable || r.Effect.Reason == "") {
			t.Errorf("empty study in the overview: %+v", r)
		}
	}

	// Patients but no follow-up yet.
	if _, err := tr.store.DB.Exec(ctx, `INSERT INTO patients (study_id, site_id, study_number, arm_id, sex, birth_year, enrolled_on, treated_on)
		SELECT s.id, (SELECT min(id) FROM sites), 'E-' || g, (SELECT min(id) FROM arms a WHERE a.study_id = s.id), 'F', 1960, $1::date, $1::date
		FROM studies s, generate_series(1, 6) g WHERE s.code = 'empty-study'`, demoToday); err != nil {
		t.Fatal(err)
	}
	status, html := get(t, c, tr.URL+"/studies/empty-study/dashboard")
	if status != http.StatusOK || !strings.Contains(html, `id="no-followup"`) || notANumber.MatchString(html) {
		t.Errorf("study without follow-up: %d, want its empty state", status)
	}
}

// TestOverviewAcrossStudies: /dashboard puts every study's main outcome side by side.
func TestOverviewAcrossStudies(t *testing.T) {
	tr := newTestRegistry(t)
	c := tr.client(t, statistician)
	var o dashboard.Overview
	if status := getJSON(t, c, tr.URL+"/dashboard.json", &o); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	byStudy := map[string]dashboard.EffectRow{}
	for _, r := range o.Rows {
		byStudy[r.Study] = r
	}
	knee, ssc := byStudy["knee-oa"], byStudy["ssc-ahsct"]
	if knee.Comparator != "control" || !knee.Effect.Estimable || knee.Visit != "m12" || knee.Measure != "pain_nrs" {
		t.Errorf("knee-oa: %+v", knee)
	}
	if ssc.Comparator != "placebo_baseline" || !ssc.Effect.Estimable || ssc.Source == "" {
		t.Errorf("ssc-ahsct: %+v", ssc)
	}
	// The same figure as the study's own dashboard.
	var d dashboard.StudyDashboard
	getJSON(t, c, tr.URL+"/studies/knee-oa/dashboard.json", &d)
	if v := measureVisit(t, &d, "pain_nrs", "m12"); v.VsControl.Difference != knee.Effect.Difference {
		t.Errorf("overview %v, study dashboard %v", knee.Effect.Difference, v.VsControl.Difference)
	}
	status, html := get(t, c, tr.URL+"/dashboard?sex=F")
	if status != http.StatusOK || !strings.Contains(html, `id="chart_forest"`) || !strings.Contains(html, ssc.Source) {
		t.Errorf("overview page: %d", status)
	}
}

// TestStudyListByRole: researchers see enrolment and completeness and reach dashboards;
// nurses see the studies without figures and get 403 on a dashboard.
func TestStudyListByRole(t *testing.T) {
	tr := newTestRegistry(t)
	status, html := get(t, tr.client(t, researcher), tr.URL+"/studies")
	if status != http.StatusOK || !strings.Contains(html, `href="/studies/knee-oa/dashboard"`) || !strings.Contains(html, "Follow-up completeness") {
		t.Errorf("researcher's study list: %d", status)
	}
	nurse := tr.client(t, "nurse.copenhagen@demo.registry")
	status, html = get(t, nurse, tr.URL+"/studies")
	if status != http.StatusOK || strings.Contains(html, "/dashboard\"") || strings.Contains(html, "Follow-up completeness") || !strings.Contains(html, "knee") {
		t.Errorf("nurse's study list: %d", status)
	}
	for _, p := range []string{"/studies/knee-oa/dashboard", "/studies/knee-oa/dashboard.json", "/dashboard", "/dashboard.json"} {
		if status, _ := get(t, nurse, tr.URL+p); status != http.StatusForbidden {
			t.Errorf("nurse %s: %d, want 403", p, status)
		}
	}
}
