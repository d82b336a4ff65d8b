package dashboard

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"outcomereg/registry"
)

// discParts are the tables a page needs besides the patients table, which every other
// table follows and so is always read. Each table's pattern depends only on its own counts
// and the patients table's pattern, so a page that shows only some tables (the study list,
// the overview) reads and protects only those, and gets the very patterns the study's
// dashboard shows.
type discParts uint8

const (
	partFlow     discParts = 1 << iota // visits done, missed and overdue; answered from home
	partOutcomes                       // patients with a value and with a change
	partAdverse                        // adverse events by worst grade and seriousness; terms
	partSurvival                       // events and the numbers at risk
	allParts     = partFlow | partOutcomes | partAdverse | partSurvival
)

// discReader reads one study's counts per site, sex, age band and arm into the tables of
// a disclosure: each part queues its queries on one batch and, once the batch has run,
// completes its tables (the categories that are the rest of an arm's patients).
type discReader struct {
	dc    *disclosure
	st    *registry.Study
	day   time.Time
	a     atoms
	nS    int
	nA    int
	b     *pgx.Batch
	after []func()
	// allocated are the patients per site, sex, age band and arm (the patients table).
	allocated map[[4]int]int
	visits    map[int64]int
	measures  map[int64]int
	// survivalKey names the study's time-to-event bins in keptBins (keptCache).
	survivalKey keptKey
}

// readDisclosure reads the counts of the parts and protects them (or reuses the pattern of
// the very same counts).
func readDisclosure(ctx context.Context, db *pgxpool.Pool, st *registry.Study, pooledArmIDs []int64, day time.Time, threshold int, parts discParts) (*disclosure, error) {
	r := &discReader{dc: &disclosure{threshold: threshold}, st: st, day: day,
		a: atoms{sites: map[int64]int{}, arms: map[int64]int{}}, b: &pgx.Batch{},
		allocated: map[[4]int]int{}, visits: map[int64]int{}, measures: map[int64]int{}}
	dc := r.dc
	// One snapshot for every count (the version of the kept time-to-event counts is that of
	// the bins read with it), and no parallel workers: on the registry's two cores their
	// start costs more than they save on these few thousand cells (the time-to-event bins
	// at 1,000,000 patients: 100-126 ms with them, 42-63 ms without).
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("disclosure %s: %w", st.Code, err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SET LOCAL max_parallel_workers_per_gather = 0`); err != nil {
		return nil, fmt.Errorf("disclosure %s: %w", st.Code, err)
	}
	// The sites with patients in the study, from the cells (every patient is in one), and
	// the version of its kept time-to-event counts.
	pre := &pgx.Batch{}
	var id int64
	var code string
	pre.Queue(`SELECT DISTINCT c.site_id, s.code FROM dashboard_patient_cells c JOIN sites s ON s.id = c.site_id
		WHERE c.study_id = $1 ORDER BY 2`, st.ID).
		Query(each([]any{&id, &code}, func() error {
			r.a.sites[id] = len(dc.sites)
			dc.sites, dc.siteCodes = append(dc.sites, id), append(dc.siteCodes, code)
			return nil
		}))
	var version *string
	pre.Queue(survivalVersionSQL, st.ID).QueryRow(func(row pgx.Row) error {
		err := row.Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
	if err := tx.SendBatch(ctx, pre).Close(); err != nil {
		return nil, fmt.Errorf("disclosure %s: %w", st.Code, err)
	}
	if version != nil {
		r.survivalKey = keptKey{fmt.Sprintf("%p|%d", db, st.ID), *version + "|" + day.Format(time.DateOnly)}
	}
	for i, arm := range st.Arms {
		r.a.arms[arm.ID] = i
		dc.armCodes = append(dc.armCodes, arm.Code)
	}
	for _, id := range pooledArmIDs {
		r.a.arms[id] = 0
	}
	r.nS, r.nA = len(dc.sites), len(st.Arms)
	for i, v := range st.Visits {
		r.visits[v.ID] = i
	}
	for i, m := range st.Measures {
		r.measures[m.ID] = i
	}

	r.patients()
	for _, part := range []struct {
		part discParts
		read func()
	}{{partFlow, r.flow}, {partOutcomes, r.outcomes}, {partAdverse, r.adverse}, {partSurvival, r.survival}} {
		if parts&part.part != 0 {
			part.read()
		}
	}
	if err := tx.SendBatch(ctx, r.b).Close(); err != nil {
		return nil, fmt.Errorf("disclosure %s: %w", st.Code, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("disclosure %s: %w", st.Code, err)
	}
	for _, complete := range r.after {
		complete()
	}
	return protectOnce(dc), nil
}

// each scans the rows of a count by site, sex, age band and arm (the first four columns,
// then dest) and calls fn with the coordinates of the rows of this study's sites and arms.
func (r *discReader) each(dest []any, fn func(s, x, g, a int)) func(pgx.Rows) error {
	var site, arm int64
	var sex string
	var band int
	return func(rows pgx.Rows) error {
		_, err := pgx.ForEachRow(rows, append([]any{&site, &sex, &band, &arm}, dest...), func() error {
			if s, x, g, a := r.a.coords(site, sex, band, arm); s >= 0 {
				fn(s, x, g, a)
			}
			return nil
		})
		return err
	}
}

// patients is the patients table: by status, with the arms' and the study's totals.
func (r *discReader) patients() {
	dc := r.dc
	dc.patients = newTable("patients", r.nS, r.nA, discDim{k: len(statuses), groups: []uint64{1<<len(statuses) - 1}}, true, true)
	var status string
	var n int
	r.b.Queue(`SELECT c.site_id, c.sex, c.age_band, c.arm_id, c.status, sum(c.n)::int
		FROM dashboard_patient_cells c WHERE c.study_id = $1 GROUP BY 1, 2, 3, 4, 5`, r.st.ID).
		Query(r.each([]any{&status, &n}, func(s, x, g, a int) {
			dc.patients.add(s, x, g, a, slices.Index(statuses, status), n)
			r.allocated[[4]int{s, x, g, a}] += n
		}))
}

// flow is the visits table of each scheduled visit (done in window, done outside it,
// missed, overdue, the rest of the arm) and the visits answered from home, with the same
// counts as the flow panel (panel_flow.go).
func (r *discReader) flow() {
	dc, st := r.dc, r.st
	visitCat := discDim{k: 5, groups: []uint64{1<<visitIn | 1<<visitOut, 1<<5 - 1}}
	visitCat.rels = []discRel{{5, []int{visitIn, visitOut}}, {6, []int{5, visitMissed, visitOverdue, visitRest}}}
	for _, v := range st.Visits {
		dc.visits = append(dc.visits, newTable("visit "+v.Code, r.nS, r.nA, visitCat, false, true))
		dc.home = append(dc.home, newTable("from home "+v.Code, r.nS, r.nA, discDim{k: 2, groups: []uint64{3}}, false, true))
	}
	type visitKey struct {
		visit int
		atom  [4]int
	}
	type visitCounts struct{ done, missed, inWindow, activeRecorded, closedActive, fromHome int }
	counts := map[visitKey]*visitCounts{}
	var sv int64
	at := func(s, x, g, a int) *visitCounts {
		vi, ok := r.visits[sv]
		if !ok {
			return &visitCounts{}
		}
		k := visitKey{vi, [4]int{s, x, g, a}}
		if counts[k] == nil {
			counts[k] = &visitCounts{}
		}
		return counts[k]
	}
	args := []any{st.ID, r.day}
	var done, missed, inWindow, recorded, fromHome, closed int
	r.b.Queue(`SELECT c.site_id, c.sex, c.age_band, c.arm_id, c.scheduled_visit_id,
			sum(c.done)::int, sum(c.missed)::int, sum(c.done_in_window)::int,
			coalesce(sum(c.done + c.missed) FILTER (WHERE c.status = 'active'
				AND c.treated_month < date_trunc('month', visit_window_closed_if_treated_before($2::date, sv.target_day, sv.window_after))), 0)::int,
			sum(c.from_home)::int
		FROM dashboard_visit_cells c JOIN scheduled_visits sv ON sv.id = c.scheduled_visit_id
		WHERE c.study_id = $1 GROUP BY 1, 2, 3, 4, 5`, args...).
		Query(r.each([]any{&sv, &done, &missed, &inWindow, &recorded, &fromHome}, func(s, x, g, a int) {
			c := at(s, x, g, a)
			c.done += done
			c.fromHome += fromHome
			c.missed += missed
			c.inWindow += inWindow
			c.activeRecorded += recorded
		}))
	// Overdue: the active patients whose window has closed, less those with the visit
	// recorded; in whole months of treatment from the patient cells, and the closing month
	// day by day from the kept treatment dates (overdue_kept.go).
	r.b.Queue(`SELECT c.site_id, c.sex, c.age_band, c.arm_id, sv.id, sum(c.n)::int FROM dashboard_patient_cells c
		JOIN scheduled_visits sv ON sv.study_id = c.study_id
		WHERE c.study_id = $1 AND c.status = 'active'
			AND c.treated_month < date_trunc('month', visit_window_closed_if_treated_before($2::date, sv.target_day, sv.window_after))
		GROUP BY 1, 2, 3, 4, 5`, args...).
		Query(r.each([]any{&sv, &closed}, func(s, x, g, a int) {
			at(s, x, g, a).closedActive += closed
		}))
	r.b.Queue(closingMonthSQL("site_id, sex, age_band, arm_id, scheduled_visit_id", "$2", "sv.study_id = $1", "true"), args...).
		Query(r.each([]any{&sv, &closed, &recorded}, func(s, x, g, a int) {
			c := at(s, x, g, a)
			c.closedActive += closed
			c.activeRecorded += recorded
		}))
	r.after = append(r.after, func() {
		for k, c := range counts {
			t := dc.visits[k.visit]
			s, x, g, a := k.atom[0], k.atom[1], k.atom[2], k.atom[3]
			t.add(s, x, g, a, visitIn, c.inWindow)
			t.add(s, x, g, a, visitOut, c.done-c.inWindow)
			t.add(s, x, g, a, visitMissed, c.missed)
			t.add(s, x, g, a, visitOverdue, max(c.closedActive-c.activeRecorded, 0))
			dc.home[k.visit].add(s, x, g, a, 0, c.fromHome)
		}
		// The rest of each arm's patients: not due yet, or no longer followed.
		for k, n := range r.allocated {
			s, x, g, a := k[0], k[1], k[2], k[3]
			for vi, t := range dc.visits {
				c := counts[visitKey{vi, k}]
				if c == nil {
					c = &visitCounts{}
				}
				t.add(s, x, g, a, visitRest, max(n-c.done-c.missed-max(c.closedActive-c.activeRecorded, 0), 0))
				dc.home[vi].add(s, x, g, a, 1, max(n-c.fromHome, 0))
			}
		}
	})
}

// outcomes are, per measure and visit, the patients with a value (a choice measure's by
// category, as the choices panel counts them) and those with a change from baseline (by
// responder, where the measure has an MCID).
func (r *discReader) outcomes() {
	dc, st := r.dc, r.st
	dc.values = make([][]*discTable, len(st.Measures))
	dc.changes = make([][]*discTable, len(st.Measures))
	for mi, m := range st.Measures {
		for _, v := range st.Visits {
			// Patients with a value; for a choice measure, by category (n is their total).
			valueCat := discDim{k: 1}
			if m.Kind == registry.KindChoice && len(m.Choices) > 0 {
				valueCat = discDim{k: len(m.Choices), groups: []uint64{1<<len(m.Choices) - 1}}
			}
			dc.values[mi] = append(dc.values[mi], newTable("values "+m.Code+" "+v.Code, r.nS, r.nA, valueCat, false, false))
			cat := discDim{k: 1}
			if m.MCID != nil {
				cat = discDim{k: 2, groups: []uint64{3}}
			}
			dc.changes[mi] = append(dc.changes[mi], newTable("changes "+m.Code+" "+v.Code, r.nS, r.nA, cat, false, false))
		}
	}
	// table returns the measure's and visit's indexes, false for another study's.
	var m, sv int64
	table := func() (int, int, bool) {
		mi, ok1 := r.measures[m]
		vi, ok2 := r.visits[sv]
		return mi, vi, ok1 && ok2
	}
	var n, changeN, responders int
	r.b.Queue(`SELECT c.site_id, c.sex, c.age_band, c.arm_id, c.measure_id, c.scheduled_visit_id,
			sum(c.n)::int, sum(c.change_n)::int, sum(c.responders)::int
		FROM dashboard_outcome_cells c WHERE c.study_id = $1 GROUP BY 1, 2, 3, 4, 5, 6`, st.ID).
		Query(r.each([]any{&m, &sv, &n, &changeN, &responders}, func(s, x, g, a int) {
			mi, vi, ok := table()
			if !ok {
				return
			}
			if st.Measures[mi].Kind != registry.KindChoice {
				dc.values[mi][vi].add(s, x, g, a, 0, n)
			}
			if st.Measures[mi].MCID != nil {
				dc.changes[mi][vi].add(s, x, g, a, 0, responders)
				dc.changes[mi][vi].add(s, x, g, a, 1, changeN-responders)
			} else {
				dc.changes[mi][vi].add(s, x, g, a, 0, changeN)
			}
		}))
	if !slices.ContainsFunc(st.Measures, func(m registry.Measure) bool { return m.Kind == registry.KindChoice }) {
		return
	}
	var value float64
	r.b.Queue(`SELECT p.site_id, p.sex, dashboard_age_band(p.birth_year, p.treated_on, p.enrolled_on), p.arm_id,
			vv.measure_id, v.scheduled_visit_id, vv.value, count(*)::int
		FROM visit_values vv
		JOIN measures m ON m.id = vv.measure_id AND m.kind = 'choice'
		JOIN visits v ON v.id = vv.visit_id AND v.state = 'done'
		JOIN patients p ON p.id = v.patient_id
		WHERE vv.study_id = $1 AND vv.value IS NOT NULL
		GROUP BY 1, 2, 3, 4, 5, 6, 7`, st.ID).
		Query(r.each([]any{&m, &sv, &value, &n}, func(s, x, g, a int) {
			if mi, vi, ok := table(); ok {
				dc.values[mi][vi].add(s, x, g, a, choiceIndex(st.Measures[mi], value), n)
			}
		}))
}

// adverse is the adverse-events table (patients by worst grade and seriousness, and
// those with none) and, per term on the study's list and for any other text, the patients
// with it.
func (r *discReader) adverse() {
	dc, st := r.dc, r.st
	// Categories: 0 is "no adverse event"; 1+2(g-1) worst grade g not serious, 2+2(g-1)
	// worst grade g and a serious one.
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
	dc.ae = newTable("adverse events", r.nS, r.nA, aeCat, false, true)
	dc.termNames = append(slices.Clone(st.AETerms), otherTerm)
	for _, term := range dc.termNames {
		dc.terms = append(dc.terms, newTable("term "+term, r.nS, r.nA, discDim{k: 1}, false, false))
	}

	withAE := map[[4]int]int{}
	var grade, n int
	var ser bool
	r.b.Queue(`SELECT c.site_id, c.sex, c.age_band, c.arm_id, c.worst_grade, c.serious, sum(c.n)::int
		FROM dashboard_ae_cells c WHERE c.study_id = $1 GROUP BY 1, 2, 3, 4, 5, 6`, st.ID).
		Query(r.each([]any{&grade, &ser, &n}, func(s, x, g, a int) {
			if grade < 1 || grade > 5 {
				return
			}
			cat := 2*grade - 1
			if ser {
				cat++
			}
			dc.ae.add(s, x, g, a, cat, n)
			withAE[[4]int{s, x, g, a}] += n
		}))
	// Terms: patients with each listed term, and patients with any other text, counted once.
	var term string
	r.b.Queue(aeTermsQuery, st.ID, st.AETerms).
		Query(r.each([]any{&term, &n}, func(s, x, g, a int) {
			i := slices.Index(st.AETerms, term)
			if term == "" {
				i = len(st.AETerms)
			}
			if i >= 0 {
				dc.terms[i].add(s, x, g, a, 0, n)
			}
		}))
	r.after = append(r.after, func() {
		for k, n := range r.allocated {
			dc.ae.add(k[0], k[1], k[2], k[3], 0, max(n-withAE[k], 0))
		}
	})
}

// survivalBin is a row of survivalBinsSQL: a group's patients in a quarter and year from
// treatment.
type survivalBin struct {
	site                                  int64
	sex                                   string
	band                                  int
	arm                                   int64
	quarter, year, last, events, censored int
}

// keptBins keeps the disclosure's time-to-event bins by discReader.survivalKey.
var keptBins keptCache[[]survivalBin]

// survival is time to the first event, as the survival panel counts it, in bins of days
// from treatment: the events table (patients with an event, and the rest) and the numbers
// at risk on a grid the same for every view. (The curves a view shows are the survival
// panel's own, checked against these counts in applySurvival.)
func (r *discReader) survival() {
	dc, st := r.dc, r.st
	rows, hit := keptBins.get(r.survivalKey)
	if !hit {
		var sb survivalBin
		r.b.Queue(survivalBinsSQL("site_id, sex, age_band, arm_id"), pgx.NamedArgs{"study": st.ID, "today": r.day, "site": nil, "sex": nil, "age_band": nil}).
			Query(each([]any{&sb.site, &sb.sex, &sb.band, &sb.arm, &sb.quarter, &sb.year, &sb.last, &sb.events, &sb.censored}, func() error {
				rows = append(rows, sb)
				return nil
			}))
	}
	r.after = append(r.after, func() {
		if !hit {
			keptBins.put(r.survivalKey, rows)
		}
		bins := map[[4]int][]survivalBin{}
		for _, sb := range rows {
			if s, x, g, a := r.a.coords(sb.site, sb.sex, sb.band, sb.arm); s >= 0 {
				k := [4]int{s, x, g, a}
				bins[k] = append(bins[k], sb)
			}
		}
		maxTime := 0
		for _, sbs := range bins {
			for _, sb := range sbs {
				maxTime = max(maxTime, sb.last)
			}
		}
		step := atRiskStep(float64(maxTime))
		for t := 0.0; t <= float64(maxTime); t += step {
			dc.grid = append(dc.grid, t)
		}
		// At-risk categories: 0 not treated yet; 1+j left follow-up between grid times j
		// and j+1 (the last: after the last grid time). Group j: at risk at grid time j.
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
		dc.atRisk = newTable("at risk", r.nS, r.nA, riskCat, false, true)
		dc.events = newTable("events", r.nS, r.nA, discDim{k: 2, groups: []uint64{3}}, false, true)
		for k, n := range r.allocated {
			s, x, g, a := k[0], k[1], k[2], k[3]
			treated, events := 0, 0
			for _, sb := range bins[k] {
				treated += sb.events + sb.censored
				events += sb.events
				j := min(gridIndex(step, sb.quarter, sb.year), nGrid-1)
				dc.atRisk.add(s, x, g, a, 1+j, sb.events+sb.censored)
			}
			dc.atRisk.add(s, x, g, a, 0, max(n-treated, 0))
			dc.events.add(s, x, g, a, 0, events)
			dc.events.add(s, x, g, a, 1, max(n-events, 0))
		}
	})
}
