package dashboard

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

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
// protects the tables of the parts (and the patients table) for the whole lattice of
// views. pooledArmIDs are arms counted as the study's one arm (a blinded study, pooled for
// the reader).
func loadDisclosure(ctx context.Context, db *pgxpool.Pool, st *registry.Study, pooledArmIDs []int64, today time.Time, threshold int, parts discParts) (*disclosure, error) {
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
	loadKey := fmt.Sprintf("%p|%d|%s|%v|%s|%d|%d|%s", db, st.ID, st.Code, pooledArmIDs, day.Format(time.DateOnly), threshold, parts, before)
	disclosureCache.Lock()
	hit := disclosureCache.loaded[loadKey]
	disclosureCache.Unlock()
	if before != "" && hit != nil {
		return hit, nil
	}
	dc, err := readDisclosure(ctx, db, st, pooledArmIDs, day, threshold, parts)
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

// protectOnce protects the tables of dc, or gives the pattern already computed for the
// very same counts.
func protectOnce(dc *disclosure) *disclosure {
	key := dc.key()
	disclosureCache.Lock()
	cached := disclosureCache.m[key]
	disclosureCache.Unlock()
	if cached != nil {
		return cached
	}
	dc.protect()
	disclosureCache.Lock()
	if len(disclosureCache.m) > 64 {
		clear(disclosureCache.m)
	}
	disclosureCache.m[key] = dc
	disclosureCache.Unlock()
	return dc
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

// tables lists every table read, the patients table first.
func (dc *disclosure) tables() []*discTable {
	ts := []*discTable{dc.patients}
	ts = append(ts, dc.visits...)
	ts = append(ts, dc.home...)
	for _, t := range []*discTable{dc.ae, dc.events, dc.atRisk} {
		if t != nil { // a part not read
			ts = append(ts, t)
		}
	}
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
	// The at-risk grid's times (the same counts could sit on a grid of another step).
	w(len(dc.grid))
	for _, t := range dc.grid {
		w(int(t))
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
