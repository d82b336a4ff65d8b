package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"outcomereg/dashboard"
	"outcomereg/seed"
)

// The attacker: a curious researcher who fetches the dashboard of every study under every
// filter of site, sex and age band, and the cross-study overview, and tries to work out
// any count the registry suppressed, and any statistic of fewer than the threshold's
// patients. It has its own arithmetic (nothing of the dashboard's suppression code):
// every figure shown is a fact, every table a set of equations (a total is the sum of its
// parts, within one answer; a view's figure is the sum of its sub-views', across
// filters), and it solves them by substitution until nothing new comes out. The truth
// to compare with is what a statistician sees.

const attackThreshold = 5

// attackVar is one count the attacker would like to know.
type attackVar struct {
	name     string
	truth    int
	hasTruth bool
	shown    bool // the researcher saw it
	known    bool
	value    float64
	route    string
}

type attackEq struct {
	vars  []int
	coefs []float64
	route string
}

// attackSystem holds facts and equations; float so that sums of values (n × mean) fit.
type attackSystem struct {
	vars  []*attackVar
	index map[string]int
	eqs   []attackEq
}

func newAttackSystem() *attackSystem { return &attackSystem{index: map[string]int{}} }

func (s *attackSystem) v(name string) int {
	if i, ok := s.index[name]; ok {
		return i
	}
	s.vars = append(s.vars, &attackVar{name: name})
	s.index[name] = len(s.vars) - 1
	return len(s.vars) - 1
}

// fact: the researcher saw this figure in its own place.
func (s *attackSystem) fact(name string, value float64) { s.factVia(name, value, "") }

// factVia: the researcher saw this figure elsewhere (route says where: the log-rank test,
// the overview...).
func (s *attackSystem) factVia(name string, value float64, route string) {
	x := s.vars[s.v(name)]
	if route == "" {
		x.shown = true
	}
	if x.known {
		return
	}
	x.known, x.value, x.route = true, value, cmp.Or(route, "shown")
}

func (s *attackSystem) truth(name string, value int) {
	x := s.vars[s.v(name)]
	x.truth, x.hasTruth = value, true
}

// sum: total = Σ parts.
func (s *attackSystem) sum(route, total string, parts ...string) {
	eq := attackEq{route: route, vars: []int{s.v(total)}, coefs: []float64{1}}
	for _, p := range parts {
		eq.vars = append(eq.vars, s.v(p))
		eq.coefs = append(eq.coefs, -1)
	}
	s.eqs = append(s.eqs, eq)
}

// solve substitutes until no equation has a single unknown left.
func (s *attackSystem) solve() {
	for changed := true; changed; {
		changed = false
		for _, eq := range s.eqs {
			unknown, rest := -1, 0.0
			for k, i := range eq.vars {
				if s.vars[i].known {
					rest += eq.coefs[k] * s.vars[i].value
				} else if unknown >= 0 {
					unknown = -2
					break
				} else {
					unknown = k
				}
			}
			if unknown < 0 {
				continue
			}
			x := s.vars[eq.vars[unknown]]
			x.known, x.value, x.route = true, -rest/eq.coefs[unknown], eq.route
			changed = true
		}
	}
}

// small groups: an equation whose unknowns all count the same way and add up to a small
// number gives a count of fewer patients than the threshold (say, "lost or withdrawn").
func (s *attackSystem) smallGroups() []string {
	var out []string
	for _, eq := range s.eqs {
		rest, sign, n := 0.0, 0.0, 0
		var names []string
		mixed := false
		for k, i := range eq.vars {
			x := s.vars[i]
			if x.known {
				rest += eq.coefs[k] * x.value
				continue
			}
			if sign != 0 && eq.coefs[k] != sign {
				mixed = true
			}
			sign = eq.coefs[k]
			n++
			names = append(names, x.name)
		}
		if mixed || n < 2 {
			continue
		}
		total := -rest / sign
		if total > 0.5 && total < attackThreshold-0.5 {
			out = append(out, fmt.Sprintf("%s add up to %g (%s)", strings.Join(names, " + "), total, eq.route))
		}
	}
	return out
}

// attackView is one filter and what the researcher and the statistician got for it.
type attackView struct {
	site, sex, age string
	res, stat      dashboard.StudyDashboard
}

// denseTimes asks for survival at 20 times (the most one request takes), some between
// the fixed ones.
const denseTimes = "30,60,91,120,182,240,300,365,420,500,548,600,730,900,1095,1300,1460,1825,2555,3650"

func (v attackView) key() string {
	or := func(s string) string {
		if s == "" {
			return "*"
		}
		return s
	}
	return or(v.site) + "/" + or(v.sex) + "/" + or(v.age)
}

func (v attackView) query() string {
	return dashboard.Filter{Site: v.site, Sex: v.sex, AgeBand: v.age}.Query()
}

// fetchAll gets a JSON for each path with each client, two at a time, through the handler.
func fetchAll(t *testing.T, h http.Handler, cookies map[string][]*http.Cookie, paths []string, into func(i int, role string, body []byte)) {
	t.Helper()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i, p := range paths {
		for role, cs := range cookies {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				req := httptest.NewRequest(http.MethodGet, p, nil)
				for _, c := range cs {
					req.AddCookie(c)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					t.Errorf("%s as %s: %d %s", p, role, rec.Code, rec.Body.String())
					return
				}
				into(i, role, rec.Body.Bytes())
			}()
		}
	}
	wg.Wait()
}

func sessionCookies(t *testing.T, tr *testRegistry, email string) []*http.Cookie {
	c := tr.client(t, email)
	u, _ := http.NewRequest(http.MethodGet, tr.URL, nil)
	return c.Jar.Cookies(u.URL)
}

// TestResearcherCannotWorkOutSuppressedCells attacks the suppression with every filter
// combination of every demo study: directly (log-rank counts), by subtraction within one
// answer, from Kaplan–Meier steps, across filters (a view minus its shown sub-views), from
// means (n × mean of a view minus those of its shown sub-views), and through adverse-event
// terms. No count of 1 to 4 patients, and no sum or mean of fewer than 5 patients, may
// come out.
func TestResearcherCannotWorkOutSuppressedCells(t *testing.T) {
	tr := newTestRegistry(t)
	start := time.Now()
	h := tr.app.routes()
	cookies := map[string][]*http.Cookie{
		"researcher":   sessionCookies(t, tr, researcher),
		"statistician": sessionCookies(t, tr, statistician),
	}
	ctx := context.Background()
	sites, err := tr.store.Sites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	siteCodes := []string{""}
	for _, s := range sites {
		siteCodes = append(siteCodes, s.Code)
	}
	sexes := []string{"", "F", "M"}
	ages := []string{""}
	for _, b := range dashboard.AgeBands {
		ages = append(ages, b.Code)
	}
	var views []attackView
	for _, s := range siteCodes {
		for _, x := range sexes {
			for _, a := range ages {
				views = append(views, attackView{site: s, sex: x, age: a})
			}
		}
	}
	codes, err := tr.store.StudyCodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sys := newAttackSystem()
	means := newAttackSystem()
	var mu sync.Mutex
	var breaches []string
	routes := map[string]int{}
	breach := func(route, format string, args ...any) {
		mu.Lock()
		breaches = append(breaches, fmt.Sprintf(format, args...))
		routes[route]++
		mu.Unlock()
	}
	allViews := map[string][]attackView{}
	wholeViews := 0
	list, err := dashboard.LoadStudyList(ctx, tr.store.DB, dashboard.Options{Today: demoToday, Lang: "en", SmallCell: tr.app.cfg.smallCell})
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range codes {
		st, err := tr.store.Study(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		vs := slices.Clone(views)
		// The researcher asks for survival at times of her choosing too (they include
		// the default ones).
		var paths []string
		for _, v := range vs {
			q := v.query()
			if q == "" {
				q = "?"
			} else {
				q += "&"
			}
			paths = append(paths, "/studies/"+code+"/dashboard.json"+q+"times="+denseTimes)
		}
		t0 := time.Now()
		fetchAll(t, h, cookies, paths, func(i int, role string, body []byte) {
			var d dashboard.StudyDashboard
			if err := json.Unmarshal(body, &d); err != nil {
				t.Errorf("%s: %v", paths[i], err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if role == "researcher" {
				vs[i].res = d
			} else {
				vs[i].stat = d
			}
		})
		allViews[code] = vs
		for _, v := range vs {
			if v.stat.Suppressed || v.stat.Flow.Enrolled.Suppressed {
				t.Errorf("%s %s: the statistician's view is suppressed", code, v.key())
			}
			if v.res.Flow.Enrolled.Suppressed {
				wholeViews++
			}
		}
		// The study list: visits done, missed and due in all, over every visit and arm.
		p := code + "|" + attackView{}.key() + "|"
		for i, info := range list {
			if info.Code != code {
				continue
			}
			var seen, missed, due []string
			for _, vf := range vs[0].stat.Flow.Visits {
				for _, a := range vs[0].res.Arms {
					q := p + "visit:" + vf.Visit + ":" + a.Code + ":"
					seen = append(seen, q+"seen")
					missed = append(missed, q+"missed")
					due = append(due, q+"seen", q+"missed", q+"overdue")
				}
			}
			for _, x := range []struct {
				name  string
				c     dashboard.Count
				parts []string
			}{{"list:done", info.VisitsDone, seen}, {"list:missed", info.VisitsMissed, missed}, {"list:due", info.VisitsDue, due}} {
				if !x.c.Suppressed {
					sys.factVia(p+x.name, float64(x.c.N), "the study list")
				}
				sys.sum("the study list's total minus the shown visits", p+x.name, x.parts...)
			}
			if !list[i].Enrolled.Suppressed {
				sys.factVia(p+"enrolled", float64(list[i].Enrolled.N), "the study list")
			}
		}
		// The page shows what the JSON shows: a view suppressed whole says so, and no
		// adverse-event text the JSON leaves out appears.
		var hpaths []string
		for _, v := range vs {
			hpaths = append(hpaths, "/studies/"+code+"/dashboard"+v.query())
		}
		fetchAll(t, h, map[string][]*http.Cookie{"researcher": cookies["researcher"]}, hpaths, func(i int, _ string, body []byte) {
			page, v := string(body), vs[i]
			if v.res.Flow.Enrolled.Suppressed != strings.Contains(page, `id="view-suppressed"`) {
				breach("HTML", "%s: the page and the JSON disagree on suppressing the view", hpaths[i])
			}
			for _, term := range v.stat.Adverse.Terms {
				if !slices.ContainsFunc(v.res.Adverse.Terms, func(x dashboard.TermAE) bool { return x.Term == term.Term }) &&
					strings.Contains(page, html.EscapeString(term.Term)) {
					breach("HTML", "%s: the page shows the adverse-event term %q the JSON leaves out", hpaths[i], term.Term)
				}
			}
		})
		t.Logf("%s: %v", code, time.Since(t0))
		for _, v := range vs {
			if len(v.res.Arms) == 1 && v.res.Arms[0].Code == dashboard.PooledArm && len(v.stat.Arms) > 1 {
				v.stat = pooledTruth(v.stat, v.res.Arms) // a blinded study: researchers see it pooled
			}
			attackStudyView(sys, means, st.AETerms, code, v, breach)
		}
		acrossFilters(sys, means, code, vs, siteCodes, sexes, ages)
	}

	// The overview: each study's change at its comparison visit, by filter.
	var opaths []string
	for _, v := range views {
		opaths = append(opaths, "/dashboard.json"+v.query())
	}
	fetchAll(t, h, map[string][]*http.Cookie{"researcher": cookies["researcher"]}, opaths, func(i int, _ string, body []byte) {
		var o dashboard.Overview
		if err := json.Unmarshal(body, &o); err != nil {
			t.Errorf("%s: %v", opaths[i], err)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, row := range o.Rows {
			vs := allViews[row.Study]
			if len(vs) == 0 || row.Visit == "" {
				continue
			}
			arms := vs[0].stat.Arms
			treat := slices.IndexFunc(arms, func(a dashboard.ArmInfo) bool { return !a.Control })
			control := slices.IndexFunc(arms, func(a dashboard.ArmInfo) bool { return a.Control })
			prefix := row.Study + "|" + views[i].key() + "|"
			for _, x := range []struct {
				arm int
				s   dashboard.SummaryResult
			}{{treat, row.TreatmentChange}, {control, row.ComparatorChange}} {
				if x.arm < 0 || x.s.Suppressed || x.s.N == 0 {
					continue
				}
				name := prefix + "change:" + row.Measure + ":" + row.Visit + ":" + arms[x.arm].Code
				sys.factVia(name, float64(x.s.N), "directly, from the overview")
				means.factVia(name+":n", float64(x.s.N), "directly, from the overview")
				means.factVia(name+":total", float64(x.s.N)*x.s.Mean, "directly, from the overview")
			}
		}
	})

	t.Logf("fetched: %v", time.Since(start))
	sys.solve()
	means.solve()
	t.Logf("solved: %v", time.Since(start))
	derived, secondary := 0, 0
	for _, x := range sys.vars {
		if x.shown || !x.known {
			continue // shown where it belongs, or not worked out
		}
		n := int(math.Round(x.value))
		if x.hasTruth && n != x.truth {
			t.Errorf("attacker's arithmetic: %s derived as %g by %s, truth %d", x.name, x.value, x.route, x.truth)
			continue
		}
		if n > 0 && n < attackThreshold {
			breach(x.route, "%s = %d (suppressed; worked out by %s)", x.name, n, x.route)
			derived++
		} else if n >= attackThreshold {
			secondary++
		}
	}
	for _, g := range sys.smallGroups() {
		breach("a small sum of suppressed counts", "%s", g)
	}
	// Means: a total derived for a cell whose n is below the threshold is that cell's mean.
	for _, x := range means.vars {
		if x.shown || !x.known || !strings.HasSuffix(x.name, ":total") {
			continue
		}
		nv := means.vars[means.v(strings.TrimSuffix(x.name, ":total")+":n")]
		if nv.known && nv.value > 0.5 && nv.value < attackThreshold-0.5 {
			breach("from means", "%s: the sum of %g patients' values is %.4g (worked out by %s)", x.name, nv.value, x.value, x.route)
		} else if !nv.known && nv.hasTruth && nv.truth > 0 && nv.truth < attackThreshold {
			breach("from means", "%s: the sum of the values of %d patients is %.4g (worked out by %s)", x.name, nv.truth, x.value, x.route)
		}
	}
	sort.Strings(breaches)
	for i, b := range breaches {
		if i == 40 {
			t.Errorf("... and %d more", len(breaches)-40)
			break
		}
		t.Error(b)
	}
	if wholeViews == 0 {
		t.Error("no filter was suppressed whole: the demo data should have some")
	}
	t.Logf("%d views suppressed whole", wholeViews)
	t.Logf("breaches by route: %v", routes)
	t.Logf("%d views per study, %d studies: %d counts the attacker tracked, %d small counts worked out, %d breaches in all; %d suppressed counts of 5 or more worked out",
		len(views), len(codes), len(sys.vars), derived, len(breaches), secondary)
}

// attackStudyView records what one answer shows and how its figures hang together.
func attackStudyView(sys, means *attackSystem, terms []string, code string, v attackView, breach func(string, string, ...any)) {
	p := code + "|" + v.key() + "|"
	p0 := p
	r, s := &v.res, &v.stat
	count := func(name string, shown dashboard.Count, truth dashboard.Count) {
		sys.truth(p+name, truth.N)
		if !shown.Suppressed {
			sys.fact(p+name, float64(shown.N))
		}
	}
	hidden := func(name string, truth int) { sys.truth(p+name, truth) }
	count("enrolled", r.Flow.Enrolled, s.Flow.Enrolled)
	var arms []string
	for _, a := range s.Arms {
		arms = append(arms, a.Code)
	}
	// Arms from enrolled.
	var allocs []string
	for i, a := range arms {
		allocs = append(allocs, "alloc:"+a)
		var shown dashboard.Count = dashboard.Count{Suppressed: true}
		if i < len(r.Flow.Allocated) {
			shown = r.Flow.Allocated[i].Count
		}
		count("alloc:"+a, shown, s.Flow.Allocated[i].Count)
	}
	sys.sum("enrolled minus the other arms", p+"enrolled", prefixAll(p, allocs)...)
	// Status from allocated.
	for i, a := range arms {
		st := s.Flow.Status[i]
		rs := dashboard.ArmStatus{Active: hiddenCount, Completed: hiddenCount, Withdrawn: hiddenCount, Lost: hiddenCount, Dead: hiddenCount}
		if i < len(r.Flow.Status) {
			rs = r.Flow.Status[i]
		}
		names := []string{}
		for k, pair := range [][2]dashboard.Count{{rs.Active, st.Active}, {rs.Completed, st.Completed}, {rs.Withdrawn, st.Withdrawn}, {rs.Lost, st.Lost}, {rs.Dead, st.Dead}} {
			name := fmt.Sprintf("status:%s:%d", a, k)
			count(name, pair[0], pair[1])
			names = append(names, name)
		}
		sys.sum("allocated minus the other statuses", p+"alloc:"+a, prefixAll(p, names)...)
	}
	// Visits: seen, missed, overdue and the rest of the arm; done in window and not.
	for vi, vf := range s.Flow.Visits {
		for i, a := range arms {
			sc := vf.Arms[i]
			rc := dashboard.VisitArmCount{Seen: hiddenCount, Missed: hiddenCount, Overdue: hiddenCount, InWindow: hiddenCount, FromHome: hiddenCount}
			if vi < len(r.Flow.Visits) && i < len(r.Flow.Visits[vi].Arms) {
				rc = r.Flow.Visits[vi].Arms[i]
			}
			q := fmt.Sprintf("visit:%s:%s:", vf.Visit, a)
			count(q+"seen", rc.Seen, sc.Seen)
			count(q+"missed", rc.Missed, sc.Missed)
			count(q+"overdue", rc.Overdue, sc.Overdue)
			count(q+"inwin", rc.InWindow, sc.InWindow)
			hidden(q+"out", sc.Seen.N-sc.InWindow.N)
			hidden(q+"rest", s.Flow.Allocated[i].Count.N-sc.Seen.N-sc.Missed.N-sc.Overdue.N)
			sys.sum("seen minus done in window", p+q+"seen", p+q+"inwin", p+q+"out")
			sys.sum("allocated minus seen, missed, overdue", p+"alloc:"+a, p+q+"seen", p+q+"missed", p+q+"overdue", p+q+"rest")
			// Answered from home, and the rest of the arm's patients.
			count(q+"home", rc.FromHome, sc.FromHome)
			hidden(q+"nothome", s.Flow.Allocated[i].Count.N-sc.FromHome.N)
			sys.sum("allocated minus answered from home", p+"alloc:"+a, p+q+"home", p+q+"nothome")
		}
	}
	// Adverse events: any AE from the worst grades; serious and not; none from allocated.
	for i, a := range arms {
		sa := s.Adverse.Arms[i]
		ra := dashboard.ArmAE{AnyAE: hiddenCount, Serious: hiddenCount, WorstGrade: [5]dashboard.Count{hiddenCount, hiddenCount, hiddenCount, hiddenCount, hiddenCount}}
		if i < len(r.Adverse.Arms) {
			ra = r.Adverse.Arms[i]
		}
		q := "ae:" + a + ":"
		count(q+"any", ra.AnyAE, sa.AnyAE)
		count(q+"serious", ra.Serious, sa.Serious)
		hidden(q+"notserious", sa.AnyAE.N-sa.Serious.N)
		hidden(q+"none", s.Flow.Allocated[i].Count.N-sa.AnyAE.N)
		grades := []string{}
		for g := range 5 {
			name := fmt.Sprintf("%sg%d", q, g+1)
			count(name, ra.WorstGrade[g], sa.WorstGrade[g])
			grades = append(grades, p+name)
		}
		sys.sum("any AE minus the other worst grades", p+q+"any", grades...)
		sys.sum("any AE minus serious", p+q+"any", p+q+"serious", p+q+"notserious")
		sys.sum("allocated minus any AE", p+"alloc:"+a, p+q+"any", p+q+"none")
	}
	// Terms: only the study's list and "other", each with a count shown.
	for _, term := range r.Adverse.Terms {
		if term.Term != "other" && !slices.Contains(terms, term.Term) {
			breach("AE terms", "%s: adverse-event term %q is not on the study's list", p, term.Term)
		}
		shown := false
		for i, c := range term.Patients {
			if !c.Suppressed {
				shown = true
				if i < len(arms) {
					sys.fact(p+"term:"+term.Term+":"+arms[i], float64(c.N))
				}
			}
		}
		if !shown {
			breach("AE terms", "%s: adverse-event term %q shown with every count suppressed", p, term.Term)
		}
	}
	for _, term := range s.Adverse.Terms {
		for i, c := range term.Patients {
			if slices.Contains(terms, term.Term) && i < len(arms) {
				sys.truth(p+"term:"+term.Term+":"+arms[i], c.N)
			}
		}
	}
	// Survival: events, and the numbers at risk at the times the researcher is given.
	for i, a := range arms {
		if i >= len(s.Survival.Arms) {
			break
		}
		sc := s.Survival.Arms[i]
		q := "km:" + a + ":"
		sys.truth(p+q+"events", sc.Curve.Events)
		hidden(q+"noevents", s.Flow.Allocated[i].Count.N-sc.Curve.Events)
		if i < len(r.Survival.Arms) && !r.Survival.Arms[i].Events.Suppressed {
			sys.fact(p+q+"events", float64(r.Survival.Arms[i].Events.N))
		}
		sys.sum("allocated minus events", p+"alloc:"+a, p+q+"events", p+q+"noevents")
		if i < len(r.Survival.Arms) {
			rc := r.Survival.Arms[i]
			atRisk := func(t float64) int {
				for _, st := range sc.Curve.Steps {
					if st.Time >= t {
						return st.AtRisk
					}
				}
				return 0
			}
			prev := ""
			for j, t := range r.Survival.Times {
				name := fmt.Sprintf("%srisk@%g", q, t)
				sys.truth(p+name, atRisk(t))
				if j < len(rc.AtRisk) && !rc.AtRisk[j].Suppressed {
					sys.fact(p+name, float64(rc.AtRisk[j].N))
				}
				if j == 0 {
					hidden(q+"untreated", s.Flow.Allocated[i].Count.N-atRisk(t))
					sys.sum("allocated minus at risk at the start", p+"alloc:"+a, p+name, p+q+"untreated")
				} else {
					left := fmt.Sprintf("%sleft@%g", q, t)
					hidden(left, atRisk(r.Survival.Times[j-1])-atRisk(t))
					sys.sum("differences of the numbers at risk", p+prev, p+name, p+left)
				}
				prev = name
			}
			// Every survival figure the researcher sees, wherever it is shown: between two
			// times with different survival, at least the threshold's number of events.
			points := map[float64]float64{}
			for _, st := range rc.Curve.Steps {
				points[st.Time] = st.Survival
			}
			for _, p := range rc.SurvivalGrid {
				if p.Estimable {
					points[p.Time] = p.Survival
				}
			}
			for _, d := range []dashboard.StudyDashboard{*r} {
				if i < len(d.Survival.Arms) {
					for _, p := range d.Survival.Arms[i].SurvivalAt {
						if p.Estimable {
							points[p.Time] = p.Survival
						}
						if p.Events > 0 && p.Events < attackThreshold {
							breach("survival at chosen times", "%s%s: %d events up to day %g shown", p0, q, p.Events, p.Time)
						}
						if p.Censored > 0 && p.Censored < attackThreshold {
							breach("survival at chosen times", "%s%s: %d censored up to day %g shown", p0, q, p.Censored, p.Time)
						}
					}
				}
			}
			ts := slices.Sorted(maps.Keys(points))
			for k := 1; k < len(ts); k++ {
				if points[ts[k]] == points[ts[k-1]] {
					continue
				}
				n := 0
				for _, st := range sc.Curve.Steps {
					if st.Time > ts[k-1] && st.Time <= ts[k] {
						n += st.Events
					}
				}
				if n > 0 && n < attackThreshold {
					breach("survival at chosen times", "%s%s: survival falls from day %g to %g on %d events", p0, q, ts[k-1], ts[k], n)
				}
			}
			// Kaplan–Meier steps: n_risk × (1 − S(t)/S(t−)) events, and censored from the
			// differences of n_risk.
			last := 1.0
			for k, st := range rc.Curve.Steps {
				if st.AtRisk > 0 {
					d := float64(st.AtRisk) * (1 - st.Survival/last)
					if n := math.Round(d); math.Abs(d-n) < 1e-6 && n > 0 && n < attackThreshold {
						breach("from KM steps", "%s%s: %g events at day %g from n_risk × (1 − S(t)/S(t−))", p, q, n, st.Time)
					}
					if k+1 < len(rc.Curve.Steps) && rc.Curve.Steps[k+1].AtRisk > 0 {
						c := st.AtRisk - rc.Curve.Steps[k+1].AtRisk - int(math.Round(d))
						if c > 0 && c < attackThreshold {
							breach("from KM steps", "%s%s: %d censored at day %g from differences of n_risk", p, q, c, st.Time)
						}
					}
				}
				if st.Events > 0 && st.Events < attackThreshold {
					breach("KM steps shown", "%s%s: %d events at day %g shown", p, q, st.Events, st.Time)
				}
				last = st.Survival
			}
		}
	}
	// Log-rank: observed events per arm, and n (those treated).
	for i, g := range r.Survival.LogRank.Groups {
		if i < len(arms) && (g.N > 0 || g.Observed > 0) {
			sys.factVia(p+"km:"+arms[i]+":events", float64(g.Observed), "directly, from the log-rank groups")
		}
	}
	// Outcomes: patients with a value and with a change (responders and not), and the
	// sums of their values (n × mean), for the attack from means.
	for mi, m := range s.Measures {
		for vi, mv := range m.Visits {
			for i, a := range arms {
				sao := mv.Arms[i]
				var rao *dashboard.ArmOutcome
				if mi < len(r.Measures) && vi < len(r.Measures[mi].Visits) && i < len(r.Measures[mi].Visits[vi].Arms) {
					rao = &r.Measures[mi].Visits[vi].Arms[i]
				}
				for _, kind := range []string{"value", "change"} {
					if kind == "change" && mv.Baseline {
						continue
					}
					ss := sao.Value
					if kind == "change" {
						ss = sao.Change
					}
					name := fmt.Sprintf("%s:%s:%s:%s", kind, m.Code, mv.Visit, a)
					sys.truth(p+name, ss.N)
					means.truth(p+name+":n", ss.N)
					if rao == nil {
						continue
					}
					rs := rao.Value
					if kind == "change" {
						rs = rao.Change
					}
					if !rs.Suppressed && (rs.N > 0 || ss.N == 0) {
						sys.fact(p+name, float64(rs.N))
						means.fact(p+name+":n", float64(rs.N))
						means.fact(p+name+":total", float64(rs.N)*rs.Mean)
					}
				}
				// Choice measures: patients per category add up to n; a share of n is a count.
				if i < len(mv.Categories) {
					sc := mv.Categories[i]
					var rc *dashboard.ArmCategories
					if rao != nil && i < len(r.Measures[mi].Visits[vi].Categories) {
						rc = &r.Measures[mi].Visits[vi].Categories[i]
					}
					total := fmt.Sprintf("value:%s:%s:%s", m.Code, mv.Visit, a)
					var parts []string
					for ci, c := range sc.Counts {
						name := fmt.Sprintf("choice:%s:%s:%s:%d", m.Code, mv.Visit, a, ci)
						parts = append(parts, p+name)
						sys.truth(p+name, c.N)
						if rc == nil || ci >= len(rc.Counts) {
							continue
						}
						if !rc.Counts[ci].Suppressed {
							sys.fact(p+name, float64(rc.Counts[ci].N))
						}
						if ci < len(rc.Shares) && rc.Shares[ci].Known && !rc.N.Suppressed {
							sys.factVia(p+name, math.Round(rc.Shares[ci].Proportion*float64(rc.N.N)), "a share of n")
						}
					}
					if rc != nil && !rc.N.Suppressed {
						sys.fact(p+total, float64(rc.N.N))
					}
					sys.sum("n minus the other categories", p+total, parts...)
				}
				if mv.Baseline || m.MCID == nil {
					continue
				}
				q := fmt.Sprintf("%s:%s:%s:", m.Code, mv.Visit, a)
				sys.truth(p+"resp:"+q, sao.Responders.Responders)
				hidden("nonresp:"+q, sao.Change.N-sao.Responders.Responders)
				if rao != nil && !rao.Responders.Suppressed && rao.Responders.Estimable {
					sys.fact(p+"resp:"+q, float64(rao.Responders.Responders))
					sys.factVia(p+fmt.Sprintf("change:%s:%s:%s", m.Code, mv.Visit, a), float64(rao.Responders.N), "directly, from the responders' n")
				}
				sys.sum("patients with a change minus responders", p+fmt.Sprintf("change:%s:%s:%s", m.Code, mv.Visit, a), p+"resp:"+q, p+"nonresp:"+q)
			}
		}
	}
}

var hiddenCount = dashboard.Count{Suppressed: true}

func prefixAll(p string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = p + n
	}
	return out
}

// acrossFilters: a view's count is the sum of its sub-views' along each filter (all
// sites = the sum of the sites, both sexes = F + M, every age = the sum of the bands).
func acrossFilters(sys, means *attackSystem, code string, vs []attackView, sites, sexes, ages []string) {
	names := map[string]bool{}
	for _, x := range sys.vars {
		if parts := strings.SplitN(x.name, "|", 3); len(parts) == 3 && parts[0] == code {
			names[parts[2]] = true
		}
	}
	meanNames := map[string]bool{}
	for _, x := range means.vars {
		if parts := strings.SplitN(x.name, "|", 3); len(parts) == 3 && parts[0] == code {
			meanNames[parts[2]] = true
		}
	}
	key := func(site, sex, age string) string {
		return attackView{site: site, sex: sex, age: age}.key()
	}
	dims := [][]string{sites, sexes, ages}
	for _, v := range vs {
		coords := []string{v.site, v.sex, v.age}
		for d := range 3 {
			if coords[d] != "" {
				continue
			}
			var subs []string
			for _, x := range dims[d][1:] {
				c := slices.Clone(coords)
				c[d] = x
				subs = append(subs, key(c[0], c[1], c[2]))
			}
			for _, sys := range []*attackSystem{sys, means} {
				ns := names
				if sys == means {
					ns = meanNames
				}
				for n := range ns {
					var parts []string
					for _, sub := range subs {
						parts = append(parts, code+"|"+sub+"|"+n)
					}
					sys.sum("a view minus its other sub-views", code+"|"+v.key()+"|"+n, parts...)
				}
			}
		}
	}
}

// pooledTruth is what the statistician's figures say about a blinded study's arms pooled
// (as researchers see it): every count summed over the arms.
func pooledTruth(s dashboard.StudyDashboard, arms []dashboard.ArmInfo) dashboard.StudyDashboard {
	sum := func(n int, f func(i int) dashboard.Count) dashboard.Count {
		c := dashboard.Count{}
		for i := range n {
			c.N += f(i).N
		}
		return c
	}
	out := s
	na := len(s.Arms)
	out.Arms = arms
	code := arms[0].Code
	out.Flow.Allocated = []dashboard.ArmCount{{Arm: code, Count: sum(na, func(i int) dashboard.Count { return s.Flow.Allocated[i].Count })}}
	st := dashboard.ArmStatus{Arm: code}
	for _, x := range s.Flow.Status {
		st.Active.N += x.Active.N
		st.Completed.N += x.Completed.N
		st.Withdrawn.N += x.Withdrawn.N
		st.Lost.N += x.Lost.N
		st.Dead.N += x.Dead.N
	}
	out.Flow.Status = []dashboard.ArmStatus{st}
	out.Flow.Visits = nil
	for _, vf := range s.Flow.Visits {
		c := dashboard.VisitArmCount{Arm: code}
		for _, x := range vf.Arms {
			c.Seen.N += x.Seen.N
			c.Missed.N += x.Missed.N
			c.Overdue.N += x.Overdue.N
			c.InWindow.N += x.InWindow.N
			c.FromHome.N += x.FromHome.N
		}
		vf.Arms = []dashboard.VisitArmCount{c}
		out.Flow.Visits = append(out.Flow.Visits, vf)
	}
	ae := dashboard.ArmAE{Arm: code}
	for _, x := range s.Adverse.Arms {
		ae.Patients.N += x.Patients.N
		ae.AnyAE.N += x.AnyAE.N
		ae.Serious.N += x.Serious.N
		for g := range ae.WorstGrade {
			ae.WorstGrade[g].N += x.WorstGrade[g].N
		}
	}
	out.Adverse.Arms = []dashboard.ArmAE{ae}
	out.Adverse.Terms = nil
	for _, t := range s.Adverse.Terms {
		t.Patients = []dashboard.Count{sum(len(t.Patients), func(i int) dashboard.Count { return t.Patients[i] })}
		out.Adverse.Terms = append(out.Adverse.Terms, t)
	}
	// The pooled curve's steps: at each time, those at risk and the events of every arm.
	var times []float64
	events := 0
	for _, a := range s.Survival.Arms {
		events += a.Curve.Events
		for _, st := range a.Curve.Steps {
			times = append(times, st.Time)
		}
	}
	times = slices.Compact(slices.Sorted(slices.Values(times)))
	curve := dashboard.ArmCurve{Arm: code, Curve: dashboard.KMCurve{Events: events}}
	for _, t := range times {
		step := dashboard.KMStep{Time: t}
		for _, a := range s.Survival.Arms {
			for _, st := range a.Curve.Steps {
				if st.Time >= t {
					step.AtRisk += st.AtRisk
					if st.Time == t {
						step.Events += st.Events
					}
					break
				}
			}
		}
		curve.Curve.Steps = append(curve.Curve.Steps, step)
	}
	out.Survival.Arms = []dashboard.ArmCurve{curve}
	out.Measures = nil
	for _, m := range s.Measures {
		mo := m
		mo.Visits = nil
		for _, mv := range m.Visits {
			ao := dashboard.ArmOutcome{Arm: code}
			for _, x := range mv.Arms {
				ao.Value.N += x.Value.N
				ao.Change.N += x.Change.N
				ao.Responders.Responders += x.Responders.Responders
			}
			pv := mv
			pv.Arms = []dashboard.ArmOutcome{ao}
			pv.Categories = nil
			if len(mv.Categories) > 0 {
				c := dashboard.ArmCategories{Arm: code, Counts: make([]dashboard.Count, len(mv.Categories[0].Counts))}
				for _, x := range mv.Categories {
					c.N.N += x.N.N
					for k := range c.Counts {
						c.Counts[k].N += x.Counts[k].N
					}
				}
				pv.Categories = []dashboard.ArmCategories{c}
			}
			mo.Visits = append(mo.Visits, pv)
		}
		out.Measures = append(out.Measures, mo)
	}
	return out
}

// TestDisclosureFollowsWrites: the pattern is reused only while nothing is written; after
// new patients, the researcher's figures are the new ones (a stale pattern would hide them).
func TestDisclosureFollowsWrites(t *testing.T) {
	tr := newTestRegistry(t)
	c := tr.client(t, researcher)
	var before, after dashboard.StudyDashboard
	if s := getJSON(t, c, tr.URL+"/studies/liver-msc/dashboard.json", &before); s != http.StatusOK {
		t.Fatalf("status %d", s)
	}
	if err := seed.Patients(context.Background(), tr.store, "liver-msc", 7, seed.Options{Seed: 9, Today: demoToday}); err != nil {
		t.Fatal(err)
	}
	if s := getJSON(t, c, tr.URL+"/studies/liver-msc/dashboard.json", &after); s != http.StatusOK {
		t.Fatalf("status %d", s)
	}
	if before.Flow.Enrolled.Suppressed || after.Flow.Enrolled.Suppressed || after.Flow.Enrolled.N != before.Flow.Enrolled.N+7 {
		t.Errorf("enrolled %+v, then %+v after 7 more patients", before.Flow.Enrolled, after.Flow.Enrolled)
	}
}
