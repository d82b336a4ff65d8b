package dashboard

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"outcomereg/registry"
)

// The five dimensions of every protected table: the three filters, the arm, and the
// table's own category.
const (
	dimSite = iota
	dimSex
	dimAge
	dimArm
	dimCat
)

var statuses = []string{"active", "completed", "withdrawn", "lost", "dead"}

// Categories of the visit table: done in window, done outside it, missed, overdue, and
// the rest of the arm's patients (not due yet, or no longer followed).
const (
	visitIn = iota
	visitOut
	visitMissed
	visitOverdue
	visitRest
)

// otherTerm is the row of adverse-event terms that are not on the study's list: text that
// nurses type is never shown.
const otherTerm = "other"

// disclosure is the suppression pattern of one study for researchers: for every table and
// every view of the filter lattice, which cells are suppressed.
type disclosure struct {
	threshold int
	armCodes  []string
	sites     []int64 // site ids, in the order of the site dimension
	siteCodes []string
	patients  *discTable
	visits    []*discTable // per scheduled visit
	// home, per scheduled visit: the visits answered from home (category 0) and the rest of
	// the arm's patients (1, never shown).
	home      []*discTable
	ae        *discTable
	events    *discTable
	atRisk    *discTable
	grid      []float64      // days of the at-risk columns, the same for every view
	values    [][]*discTable // per measure and visit: patients with a value
	changes   [][]*discTable // per measure and visit: change from baseline (and responders)
	terms     []*discTable
	termNames []string
	// survival per view is recomputed from these: time to the first event by site, sex,
	// age band, arm.
	times map[[4]int][]TimeCount
}

// view is a filter as coordinates of the lattice: an element per filter dimension (the
// last element of each is "all"). ok is false for a site that has no patients in the study.
type view struct {
	e  [3]int
	ok bool
}

func (dc *disclosure) viewOf(f Filter) view {
	v := view{ok: true}
	v.e[dimSite] = len(dc.sites)
	if f.Site != "" {
		i := slices.Index(dc.siteCodes, f.Site)
		if i < 0 {
			return view{}
		}
		v.e[dimSite] = i
	}
	v.e[dimSex] = 2
	if f.Sex != "" {
		v.e[dimSex] = slices.Index([]string{"F", "M"}, f.Sex)
	}
	v.e[dimAge] = len(AgeBands)
	if f.AgeBand != "" {
		v.e[dimAge] = slices.IndexFunc(AgeBands, func(b AgeBand) bool { return b.Code == f.AgeBand })
	}
	return v
}

// cell reads a table at a view, arm element and category element: its value and whether
// it is suppressed.
func (t *discTable) cell(v view, arm, cat int) (int, bool) {
	ci := t.cellIndex([]int{v.e[0], v.e[1], v.e[2], arm, cat})
	return t.value[ci], t.suppressed[ci]
}

func allOf(d discDim) int { return d.size() - 1 }

// crossDims are the filter dimensions and the arm: values and one "all" group each.
func crossDims(nSites, nArms int) []discDim {
	all := func(k int) discDim { return discDim{k: k, groups: []uint64{1<<k - 1}} }
	return []discDim{all(nSites), all(2), all(len(AgeBands)), all(nArms)}
}

// newTable makes a table over the filter dimensions, the arms and a category dimension.
// Every cell is published except totals over the arms, which only the patients table
// shows (as the number enrolled). shared marks the arm's total (the number allocated),
// which every table of patients by category has and the patients table decides.
func newTable(name string, nSites, nArms int, cat discDim, owner, byAllocation bool) *discTable {
	dims := append(crossDims(nSites, nArms), cat)
	t := &discTable{name: name, dims: dims, catSingle: owner || !byAllocation}
	catAll := cat.size() - 1
	armAll := nArms
	t.published = func(e []int) bool {
		if e[dimArm] == armAll {
			return owner && e[dimCat] == catAll
		}
		return true
	}
	if byAllocation {
		t.shared = func(e []int) bool { return e[dimCat] == catAll }
	}
	t.init()
	return t
}

func (t *discTable) add(site, sex, age, arm, cat, n int) {
	if site < 0 || sex < 0 || age < 0 || arm < 0 || cat < 0 {
		return
	}
	t.micro[t.microIndex([]int{site, sex, age, arm, cat})] += n
}

// atoms maps the ids and codes of the summary cells to coordinates.
type atoms struct {
	sites map[int64]int
	arms  map[int64]int
}

func (a atoms) coords(site int64, sex string, band int, arm int64) (int, int, int, int) {
	s, ok1 := a.sites[site]
	r, ok2 := a.arms[arm]
	b := slices.IndexFunc(AgeBands, func(x AgeBand) bool { return x.Low == band })
	x := slices.Index([]string{"F", "M"}, sex)
	if !ok1 || !ok2 {
		return -1, -1, -1, -1
	}
	return s, x, b, r
}

// disclosureCache keeps the last patterns, keyed by the data they protect: a pattern is
// reused only for exactly the same counts.
var disclosureCache = struct {
	sync.Mutex
	m      map[[32]byte]*disclosure
	loaded map[string]*disclosure // by study, day, threshold and WAL position
}{m: map[[32]byte]*disclosure{}, loaded: map[string]*disclosure{}}

// loadDisclosure reads the counts of a study per site, sex, age band and arm, and
// protects every table for the whole lattice of views.
// pooledArmIDs are arms counted as the study's one arm (a blinded study, pooled for the
// reader).
func loadDisclosure(ctx context.Context, db *pgxpool.Pool, st *registry.Study, pooledArmIDs []int64, today time.Time, threshold int) (*disclosure, error) {
	day := registry.Day(today)
	// Nothing written since the last load (the same WAL position): the same counts, the
	// same pattern, without reading them again.
	version := func() string {
		var lsn string
		if err := db.QueryRow(ctx, `SELECT current_database() || ' ' || (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
			ELSE pg_current_wal_lsn() END)::text`).Scan(&lsn); err != nil {
			return ""
		}
		return lsn
	}
	before := version()
	// The pool too: tests run several databases in one process.
	loadKey := fmt.Sprintf("%p|%d|%s|%v|%s|%d|%s", db, st.ID, st.Code, pooledArmIDs, day.Format(time.DateOnly), threshold, before)
	disclosureCache.Lock()
	hit := disclosureCache.loaded[loadKey]
	disclosureCache.Unlock()
	if before != "" && hit != nil {
		return hit, nil
	}
	dc, err := readDisclosure(ctx, db, st, pooledArmIDs, day, threshold)
	if err != nil {
		return nil, err
	}
	if after := version(); before != "" && after == before {
		disclosureCache.Lock()
		if len(disclosureCache.loaded) > 256 {
			clear(disclosureCache.loaded)
		}
		disclosureCache.loaded[loadKey] = dc
		disclosureCache.Unlock()
	}
	return dc, nil
}

// readDisclosure reads the counts and protects them (or reuses the pattern of the very
// same counts).
func readDisclosure(ctx context.Context, db *pgxpool.Pool, st *registry.Study, pooledArmIDs []int64, day time.Time, threshold int) (*disclosure, error) {
	dc := &disclosure{threshold: threshold, times: map[[4]int][]TimeCount{}}
	a := atoms{sites: map[int64]int{}, arms: map[int64]int{}}
	// The sites with patients in the study, from the cells (every patient is in one).
	rows, err := db.Query(ctx, `SELECT DISTINCT c.site_id, s.code FROM dashboard_patient_cells c JOIN sites s ON s.id = c.site_id
		WHERE c.study_id = $1 ORDER BY 2`, st.ID)
	if err != nil {
		return nil, fmt.Errorf("disclosure %s: %w", st.Code, err)
	}
	var id int64
	var code string
	if _, err := pgx.ForEachRow(rows, []any{&id, &code}, func() error {
		a.sites[id] = len(dc.sites)
		dc.sites, dc.siteCodes = append(dc.sites, id), append(dc.siteCodes, code)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("disclosure %s: %w", st.Code, err)
	}
	for i, arm := range st.Arms {
		a.arms[arm.ID] = i
	}
	for _, id := range pooledArmIDs {
		a.arms[id] = 0
	}
	dc.armCodes = make([]string, len(st.Arms))
	for i, arm := range st.Arms {
		dc.armCodes[i] = arm.Code
	}
	nS, nA := len(dc.sites), len(st.Arms)
	visitIndex := map[int64]int{}
	for i, v := range st.Visits {
		visitIndex[v.ID] = i
	}
	measureIndex := map[int64]int{}
	for i, m := range st.Measures {
		measureIndex[m.ID] = i
	}

	// The tables.
	dc.patients = newTable("patients", nS, nA, discDim{k: len(statuses), groups: []uint64{1<<len(statuses) - 1}}, true, true)
	visitCat := discDim{k: 5, groups: []uint64{1<<visitIn | 1<<visitOut, 1<<5 - 1}}
	visitCat.rels = []discRel{{5, []int{visitIn, visitOut}}, {6, []int{5, visitMissed, visitOverdue, visitRest}}}
	for _, v := range st.Visits {
		dc.visits = append(dc.visits, newTable("visit "+v.Code, nS, nA, visitCat, false, true))
		dc.home = append(dc.home, newTable("from home "+v.Code, nS, nA, discDim{k: 2, groups: []uint64{3}}, false, true))
	}
	// Adverse events: value 0 is "no adverse event"; 1+2(g-1) worst grade g not serious,
	// 2+2(g-1) worst grade g and a serious one.
	aeCat := discDim{k: 11}
	var serious, notSerious uint64
	for g := 1; g <= 5; g++ {
		aeCat.groups = append(aeCat.groups, 1<<(2*g-1)|1<<(2*g))
		notSerious |= 1 << (2*g - 1)
		serious |= 1 << (2 * g)
	}
	aeCat.groups = append(aeCat.groups, serious, notSerious, serious|notSerious, 1<<11-1)
	// Elements: 11+g-1 worst grade g, 16 serious, 17 not serious, 18 any, 19 all.
	aeCat.rels = []discRel{{19, []int{0, 18}}, {18, []int{11, 12, 13, 14, 15}}, {18, []int{16, 17}},
		{16, []int{2, 4, 6, 8, 10}}, {17, []int{1, 3, 5, 7, 9}}}
	for g := 1; g <= 5; g++ {
		aeCat.rels = append(aeCat.rels, discRel{10 + g, []int{2*g - 1, 2 * g}})
	}
	dc.ae = newTable("adverse events", nS, nA, aeCat, false, true)
	dc.events = newTable("events", nS, nA, discDim{k: 2, groups: []uint64{3}}, false, true)
	dc.values = make([][]*discTable, len(st.Measures))
	dc.changes = make([][]*discTable, len(st.Measures))
	for mi, m := range st.Measures {
		for _, v := range st.Visits {
			// Patients with a value; for a choice measure, by category (n is their total).
			valueCat := discDim{k: 1}
			if m.Kind == registry.KindChoice && len(m.Choices) > 0 {
				valueCat = discDim{k: len(m.Choices), groups: []uint64{1<<len(m.Choices) - 1}}
			}
			dc.values[mi] = append(dc.values[mi], newTable("values "+m.Code+" "+v.Code, nS, nA, valueCat, false, false))
			cat := discDim{k: 1}
			if m.MCID != nil {
				cat = discDim{k: 2, groups: []uint64{3}}
			}
			dc.changes[mi] = append(dc.changes[mi], newTable("changes "+m.Code+" "+v.Code, nS, nA, cat, false, false))
		}
	}
	dc.termNames = append(slices.Clone(st.AETerms), otherTerm)
	for _, term := range dc.termNames {
		dc.terms = append(dc.terms, newTable("term "+term, nS, nA, discDim{k: 1}, false, false))
	}

	args := []any{st.ID, day}
	b := &pgx.Batch{}
	allocated := map[[4]int]int{}
	b.Queue(`SELECT c.site_id, c.sex, c.age_band, c.arm_id, c.status, sum(c.n)::int
		FROM dashboard_patient_cells c WHERE c.study_id = $1 GROUP BY 1, 2, 3, 4, 5`, st.ID).
		Query(func(rows pgx.Rows) error {
			var site, arm int64
			var sex, status string
			var band, n int
			_, err := pgx.ForEachRow(rows, []any{&site, &sex, &band, &arm, &status, &n}, func() error {
				s, x, g, r := a.coords(site, sex, band, arm)
				dc.patients.add(s, x, g, r, slices.Index(statuses, status), n)
				if s >= 0 {
					allocated[[4]int{s, x, g, r}] += n
				}
				return nil
			})
			return err
		})
	type visitKey struct {
		visit int
		atom  [4]int
	}
	type visitCounts struct{ done, missed, inWindow, activeRecorded, closedActive, fromHome int }
	visitAtoms := map[visitKey]*visitCounts{}
	at := func(sv int64, site int64, sex string, band int, arm int64) *visitCounts {
		vi, ok := visitIndex[sv]
		s, x, g, r := a.coords(site, sex, band, arm)
		if !ok || s < 0 {
			return &visitCounts{}
		}
		k := visitKey{vi, [4]int{s, x, g, r}}
		if visitAtoms[k] == nil {
			visitAtoms[k] = &visitCounts{}
		}
		return visitAtoms[k]
	}
	// The same counts as the flow panel (panel_flow.go), per site, sex and age band.
	b.Queue(`SELECT c.scheduled_visit_id, c.site_id, c.sex, c.age_band, c.arm_id,
			sum(c.done)::int, sum(c.missed)::int, sum(c.done_in_window)::int,
			coalesce(sum(c.done + c.missed) FILTER (WHERE c.status = 'active'
				AND c.treated_month < date_trunc('month', visit_window_closed_if_treated_before($2::date, sv.target_day, sv.window_after))), 0)::int,
			sum(c.from_home)::int
		FROM dashboard_visit_cells c JOIN scheduled_visits sv ON sv.id = c.scheduled_visit_id
		WHERE c.study_id = $1 GROUP BY 1, 2, 3, 4, 5`, args...).
		Query(func(rows pgx.Rows) error {
			var sv, site, arm int64
			var sex string
			var band, done, missed, inWindow, recorded, fromHome int
			_, err := pgx.ForEachRow(rows, []any{&sv, &site, &sex, &band, &arm, &done, &missed, &inWindow, &recorded, &fromHome}, func() error {
				c := at(sv, site, sex, band, arm)
				c.done += done
				c.fromHome += fromHome
				c.missed += missed
				c.inWindow += inWindow
				c.activeRecorded += recorded
				return nil
			})
			return err
		})
	b.Queue(`SELECT sv.id, c.site_id, c.sex, c.age_band, c.arm_id, sum(c.n)::int FROM dashboard_patient_cells c
		JOIN scheduled_visits sv ON sv.study_id = c.study_id
		WHERE c.study_id = $1 AND c.status = 'active'
			AND c.treated_month < date_trunc('month', visit_window_closed_if_treated_before($2::date, sv.target_day, sv.window_after))
		GROUP BY 1, 2, 3, 4, 5`, args...).
		Query(func(rows pgx.Rows) error {
			var sv, site, arm int64
			var sex string
			var band, n int
			_, err := pgx.ForEachRow(rows, []any{&sv, &site, &sex, &band, &arm, &n}, func() error {
				at(sv, site, sex, band, arm).closedActive += n
				return nil
			})
			return err
		})
	b.Queue(closingMonthSQL("scheduled_visit_id, site_id, sex, age_band, arm_id", "$2", "sv.study_id = $1", "true"), args...).
		Query(func(rows pgx.Rows) error {
			var sv, site, arm int64
			var sex string
			var band, closed, recorded int
			_, err := pgx.ForEachRow(rows, []any{&sv, &site, &sex, &band, &arm, &closed, &recorded}, func() error {
				c := at(sv, site, sex, band, arm)
				c.closedActive += closed
				c.activeRecorded += recorded
				return nil
			})
			return err
		})
	b.Queue(`SELECT c.measure_id, c.scheduled_visit_id, c.site_id, c.sex, c.age_band, c.arm_id,
			sum(c.n)::int, sum(c.change_n)::int, sum(c.responders)::int
		FROM dashboard_outcome_cells c WHERE c.study_id = $1 GROUP BY 1, 2, 3, 4, 5, 6`, st.ID).
		Query(func(rows pgx.Rows) error {
			var m, sv, site, arm int64
			var sex string
			var band, n, changeN, responders int
			_, err := pgx.ForEachRow(rows, []any{&m, &sv, &site, &sex, &band, &arm, &n, &changeN, &responders}, func() error {
				mi, ok1 := measureIndex[m]
				vi, ok2 := visitIndex[sv]
				s, x, g, r := a.coords(site, sex, band, arm)
				if !ok1 || !ok2 || s < 0 {
					return nil
				}
				if st.Measures[mi].Kind != registry.KindChoice {
					dc.values[mi][vi].add(s, x, g, r, 0, n)
				}
				if st.Measures[mi].MCID != nil {
					dc.changes[mi][vi].add(s, x, g, r, 0, responders)
					dc.changes[mi][vi].add(s, x, g, r, 1, changeN-responders)
				} else {
					dc.changes[mi][vi].add(s, x, g, r, 0, changeN)
				}
				return nil
			})
			return err
		})
	aePatients := map[[4]int]int{}
	b.Queue(`SELECT c.site_id, c.sex, c.age_band, c.arm_id, c.worst_grade, c.serious, sum(c.n)::int
		FROM dashboard_ae_cells c WHERE c.study_id = $1 GROUP BY 1, 2, 3, 4, 5, 6`, st.ID).
		Query(func(rows pgx.Rows) error {
			var site, arm int64
			var sex string
			var band, grade, n int
			var ser bool
			_, err := pgx.ForEachRow(rows, []any{&site, &sex, &band, &arm, &grade, &ser, &n}, func() error {
				s, x, g, r := a.coords(site, sex, band, arm)
				if s < 0 || grade < 1 || grade > 5 {
					return nil
				}
				cat := 2*grade - 1
				if ser {
					cat++
				}
				dc.ae.add(s, x, g, r, cat, n)
				aePatients[[4]int{s, x, g, r}] += n
				return nil
			})
			return err
		})
	// Terms: patients with each listed term, and patients with any other text, counted once.
	b.Queue(aeTermsQuery, st.ID, st.AETerms).
		Query(func(rows pgx.Rows) error {
			var site, arm int64
			var sex, term string
			var band, n int
			_, err := pgx.ForEachRow(rows, []any{&site, &sex, &band, &arm, &term, &n}, func() error {
				s, x, g, r := a.coords(site, sex, band, arm)
				i := slices.Index(st.AETerms, term)
				if term == "" {
					i = len(st.AETerms)
				}
				if s >= 0 && i >= 0 {
					dc.terms[i].add(s, x, g, r, 0, n)
				}
				return nil
			})
			return err
		})
	// Choice measures, per category, as the choices panel counts them.
	if slices.ContainsFunc(st.Measures, func(m registry.Measure) bool { return m.Kind == registry.KindChoice }) {
		b.Queue(`SELECT vv.measure_id, v.scheduled_visit_id, p.site_id, p.sex, dashboard_age_band(p.birth_year, p.treated_on, p.enrolled_on),
				p.arm_id, vv.value, count(*)::int
			FROM visit_values vv
			JOIN measures m ON m.id = vv.measure_id AND m.kind = 'choice'
			JOIN visits v ON v.id = vv.visit_id AND v.state = 'done'
			JOIN patients p ON p.id = v.patient_id
			WHERE vv.study_id = $1 AND vv.value IS NOT NULL
			GROUP BY 1, 2, 3, 4, 5, 6, 7`, st.ID).
			Query(func(rows pgx.Rows) error {
				var m, sv, site, arm int64
				var sex string
				var band, n int
				var value float64
				_, err := pgx.ForEachRow(rows, []any{&m, &sv, &site, &sex, &band, &arm, &value, &n}, func() error {
					mi, ok1 := measureIndex[m]
					vi, ok2 := visitIndex[sv]
					s, x, g, r := a.coords(site, sex, band, arm)
					if !ok1 || !ok2 || s < 0 {
						return nil
					}
					dc.values[mi][vi].add(s, x, g, r, choiceIndex(st.Measures[mi], value), n)
					return nil
				})
				return err
			})
	}
	// Time to the first event, as the survival panel computes it.
	b.Queue(survivalCountsSQL("site_id, sex, age_band, arm_id"), pgx.NamedArgs{"study": st.ID, "today": day, "site": nil, "sex": nil, "age_band": nil}).
		Query(func(rows pgx.Rows) error {
			var site, arm int64
			var sex string
			var band int
			var tc TimeCount
			_, err := pgx.ForEachRow(rows, []any{&site, &sex, &band, &arm, &tc.Time, &tc.Events, &tc.Censored}, func() error {
				s, x, g, r := a.coords(site, sex, band, arm)
				if s >= 0 {
					k := [4]int{s, x, g, r}
					dc.times[k] = append(dc.times[k], tc)
				}
				return nil
			})
			return err
		})
	if err := db.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("disclosure %s: %w", st.Code, err)
	}

	// Categories that are the rest of an arm's patients.
	for k, c := range visitAtoms {
		t := dc.visits[k.visit]
		s, x, g, r := k.atom[0], k.atom[1], k.atom[2], k.atom[3]
		overdue := max(c.closedActive-c.activeRecorded, 0)
		t.add(s, x, g, r, visitIn, c.inWindow)
		t.add(s, x, g, r, visitOut, c.done-c.inWindow)
		t.add(s, x, g, r, visitMissed, c.missed)
		t.add(s, x, g, r, visitOverdue, overdue)
		dc.home[k.visit].add(s, x, g, r, 0, c.fromHome)
	}
	for k, n := range allocated {
		s, x, g, r := k[0], k[1], k[2], k[3]
		for vi, t := range dc.visits {
			c := visitAtoms[visitKey{vi, k}]
			if c == nil {
				c = &visitCounts{}
			}
			t.add(s, x, g, r, visitRest, max(n-c.done-c.missed-max(c.closedActive-c.activeRecorded, 0), 0))
			dc.home[vi].add(s, x, g, r, 1, max(n-c.fromHome, 0))
		}
		dc.ae.add(s, x, g, r, 0, max(n-aePatients[k], 0))
	}

	// Events and the numbers at risk, on a grid the same for every view.
	maxTime := 0.0
	for _, tcs := range dc.times {
		for _, tc := range tcs {
			maxTime = math.Max(maxTime, tc.Time)
		}
	}
	for t := 0.0; t <= maxTime; t += atRiskStep(maxTime) {
		dc.grid = append(dc.grid, t)
	}
	// At-risk categories: 0 not treated yet; 1+j left follow-up between grid times j and
	// j+1 (the last: after the last grid time). Group j: at risk at grid time j.
	nGrid := len(dc.grid)
	riskCat := discDim{k: 1 + nGrid}
	for j := range nGrid {
		var m uint64
		for c := 1 + j; c <= nGrid; c++ {
			m |= 1 << c
		}
		riskCat.groups = append(riskCat.groups, m)
	}
	riskCat.groups = append(riskCat.groups, 1<<(1+nGrid)-1)
	// Elements: 1+nGrid+j at risk at grid time j; the last, all.
	riskCat.rels = []discRel{{1 + 2*nGrid, []int{0, 1 + nGrid}}}
	for j := range nGrid {
		parts := []int{1 + j}
		if j+1 < nGrid {
			parts = append(parts, 2+nGrid+j)
		}
		riskCat.rels = append(riskCat.rels, discRel{1 + nGrid + j, parts})
	}
	dc.atRisk = newTable("at risk", nS, nA, riskCat, false, true)
	for k, n := range allocated {
		s, x, g, r := k[0], k[1], k[2], k[3]
		treated, events := 0, 0
		for _, tc := range dc.times[k] {
			treated += tc.Events + tc.Censored
			events += tc.Events
			j := 0
			for j+1 < nGrid && dc.grid[j+1] <= tc.Time {
				j++
			}
			dc.atRisk.add(s, x, g, r, 1+j, tc.Events+tc.Censored)
		}
		dc.atRisk.add(s, x, g, r, 0, max(n-treated, 0))
		dc.events.add(s, x, g, r, 0, events)
		dc.events.add(s, x, g, r, 1, max(n-events, 0))
	}

	key := dc.key()
	disclosureCache.Lock()
	cached := disclosureCache.m[key]
	disclosureCache.Unlock()
	if cached != nil {
		return cached, nil
	}
	dc.protect()
	disclosureCache.Lock()
	if len(disclosureCache.m) > 64 {
		clear(disclosureCache.m)
	}
	disclosureCache.m[key] = dc
	disclosureCache.Unlock()
	return dc, nil
}

// aeTermsSQL counts, per site, sex, age band and arm, the patients with each listed term
// ($2, matched as lower(btrim(term))) and, as the empty term, the patients with any other text: each
// patient once per listed term and once for other text. It reads the kept term sets of
// the patients (migration 0020: each set holds a patient's terms as lower(btrim(term)),
// every one once), not every adverse event.
const aeTermsSQL = `SELECT c.site_id, c.sex, c.age_band, c.arm_id, x.term, sum(c.n)::int
	FROM dashboard_ae_term_set_cells c
	CROSS JOIN LATERAL (SELECT DISTINCT coalesce(l.term, '') AS term
		FROM unnest(c.terms) AS t(term) LEFT JOIN unnest($2::text[]) AS l(term) ON lower(btrim(l.term)) = t.term) x
	WHERE c.study_id = $1 GROUP BY 1, 2, 3, 4, 5`

// aeTermsQuery is the query the disclosure reads the terms with (the tests swap in
// aeTermsFromRowsSQL to compare).
var aeTermsQuery = aeTermsSQL

// aeTermsFromRowsSQL is aeTermsSQL read from every adverse event: what the disclosure read
// before migration 0020, kept for the tests to compare against.
const aeTermsFromRowsSQL = `SELECT p.site_id, p.sex, dashboard_age_band(p.birth_year, p.treated_on, p.enrolled_on), p.arm_id,
		coalesce(l.term, ''), count(DISTINCT p.id)::int
	FROM adverse_events ae JOIN patients p ON p.id = ae.patient_id AND p.study_id = ae.study_id
	LEFT JOIN unnest($2::text[]) AS l(term) ON lower(btrim(l.term)) = lower(btrim(ae.term))
	WHERE ae.study_id = $1 GROUP BY 1, 2, 3, 4, 5`

// tables lists every table, the patients table first.
func (dc *disclosure) tables() []*discTable {
	ts := []*discTable{dc.patients}
	ts = append(ts, dc.visits...)
	ts = append(ts, dc.home...)
	ts = append(ts, dc.ae, dc.events, dc.atRisk)
	for mi := range dc.values {
		ts = append(ts, dc.values[mi]...)
		ts = append(ts, dc.changes[mi]...)
	}
	return append(ts, dc.terms...)
}

// key identifies the counts a pattern protects.
func (dc *disclosure) key() [32]byte {
	h := sha256.New()
	var buf [8]byte
	w := func(n int) {
		binary.LittleEndian.PutUint64(buf[:], uint64(n))
		h.Write(buf[:])
	}
	w(dc.threshold)
	h.Write([]byte(strings.Join(dc.siteCodes, ",") + "|" + strings.Join(dc.armCodes, ",")))
	for _, t := range dc.tables() {
		h.Write([]byte(t.name))
		w(len(t.micro))
		for _, n := range t.micro {
			w(n)
		}
	}
	// Survival times are protected through the at-risk and event tables, but the curves
	// shown are recomputed from them.
	keys := make([][4]int, 0, len(dc.times))
	for k := range dc.times {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [4]int) int { return slices.Compare(a[:], b[:]) })
	for _, k := range keys {
		for _, x := range k {
			w(x)
		}
		for _, tc := range dc.times[k] {
			w(int(tc.Time))
			w(tc.Events)
			w(tc.Censored)
		}
	}
	return [32]byte(h.Sum(nil))
}

// protect computes the pattern: the patients table first (it decides the arms' totals),
// then every table of the same patients by category follows its alternatives, then each
// table protects its own small cells.
func (dc *disclosure) protect() {
	for _, t := range dc.tables() {
		t.sum()
	}
	follow := dc.patients.run(dc.threshold)
	for _, t := range dc.tables()[1:] {
		byAllocation := !t.catSingle
		if byAllocation {
			for ci := range t.value {
				e := t.elements(ci)
				if t.published(e) && t.shared(e) {
					// The arm's total, in the patients table.
					pe := slices.Clone(e)
					pe[dimCat] = allOf(dc.patients.dims[dimCat])
					t.suppressed[ci] = dc.patients.suppressed[dc.patients.cellIndex(pe)]
				}
			}
			for _, c := range follow {
				if !t.follow(dc.patients, c) {
					t.suppressAll()
				}
			}
		}
		t.run(dc.threshold)
	}
}

// choiceIndex is the category of a value in the order the dashboard shows choices (by
// value); -1 for a value not on the list.
func choiceIndex(m registry.Measure, value float64) int {
	ordered := slices.SortedFunc(slices.Values(m.Choices), func(a, b registry.Choice) int { return cmpFloat(a.Value, b.Value) })
	return slices.IndexFunc(ordered, func(c registry.Choice) bool { return c.Value == value })
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
