package dashboard

// Disclosure control for researchers, the way statistical offices protect tables
// (τ-ARGUS's hypercube method, Repsilber 1994; Giessing & Repsilber 2002):
//
//   - primary suppression: a count of 1 to threshold-1 patients, and every statistic of
//     fewer patients, is not shown;
//   - secondary (complementary) suppression: every suppressed cell is one corner of a
//     "hypercube" of suppressed cells, so that adding one patient at some corners and taking
//     one away at the others gives another table, consistent with every figure shown on any
//     page (every filter of site, sex and age band, every margin). A suppressed cell can
//     then take two values and cannot be worked out by subtraction, within one answer or
//     across filters;
//   - a line whose total is shown never has suppressed parts that add up to fewer than
//     threshold patients (else the group they form would be a small count);
//   - a filtered view whose patients are suppressed (a small group, or a small rest of the
//     group it is part of) is shown as suppressed whole.
//
// The tables are built from the summary cells per site, sex and age band (the "atoms" that
// every filtered view adds up), for the whole lattice of views at once, so that the
// pattern of one view is the one every other view was protected with.

import (
	"slices"
)

// discDim is one dimension of a protected table: k values and groups of them that are
// published as totals (the last group of the filter and arm dimensions is "all").
type discDim struct {
	k      int
	groups []uint64 // bit v set: value v is in the group
	// rels are the ways a total is made of parts that a reader can subtract (elements);
	// nil: each group is the sum of its values.
	rels []discRel
}

// discRel: total = the sum of parts (elements of one dimension).
type discRel struct {
	total int
	parts []int
}

func (d discDim) relations() []discRel {
	if d.rels != nil {
		return d.rels
	}
	var out []discRel
	for g, m := range d.groups {
		r := discRel{total: d.k + g}
		for v := 0; v < d.k; v++ {
			if m&(1<<v) != 0 {
				r.parts = append(r.parts, v)
			}
		}
		out = append(out, r)
	}
	return out
}

func (d discDim) size() int { return d.k + len(d.groups) }

// contains reports whether element e (a value, or group e-k) includes value v.
func (d discDim) contains(e, v int) bool {
	if e < d.k {
		return e == v
	}
	return d.groups[e-d.k]&(1<<v) != 0
}

// elementsOf lists the elements (the value and its groups) that include value v.
func (d discDim) elementsOf(v int) []int {
	out := []int{v}
	for g, m := range d.groups {
		if m&(1<<v) != 0 {
			out = append(out, d.k+g)
		}
	}
	return out
}

// discTable is one table of counts over the five dimensions site, sex, age band, arm and
// a category of the table (status, visit state, worst grade...), protected as a whole.
type discTable struct {
	name  string
	dims  []discDim
	micro []int // counts per value combination (row-major over values)
	// structural marks value combinations that are zero by definition (a patient without
	// an adverse event has no serious one): no alternative table may fill them.
	structural []bool
	// published says which cells (element combinations) a page shows or lets one derive.
	published func(e []int) bool
	// shared: the cell is also a cell of the patients table (allocated, enrolled), whose
	// pattern this table follows rather than decides.
	shared func(e []int) bool
	// catSingle: alternative tables may change the table's total per arm (only the
	// patients table, which owns the arms' totals).
	catSingle bool

	value      []int
	suppressed []bool
	protected  []bool
	radix      []int // per dimension, the stride of its element in a cell index
	microRadix []int
}

func (t *discTable) init() {
	n, m := 1, 1
	t.radix = make([]int, len(t.dims))
	t.microRadix = make([]int, len(t.dims))
	for i := len(t.dims) - 1; i >= 0; i-- {
		t.radix[i], t.microRadix[i] = n, m
		n *= t.dims[i].size()
		m *= t.dims[i].k
	}
	if t.micro == nil {
		t.micro = make([]int, m)
	}
	if t.structural == nil {
		t.structural = make([]bool, m)
	}
	t.value = make([]int, n)
	t.suppressed = make([]bool, n)
	t.protected = make([]bool, n)
	if t.shared == nil {
		t.shared = func([]int) bool { return false }
	}
}

// sum fills in every cell's value from the microcells.
func (t *discTable) sum() {
	vals := make([]int, len(t.dims))
	for mi, c := range t.micro {
		if c == 0 {
			continue
		}
		r := mi
		for d := range t.dims {
			vals[d] = r / t.microRadix[d]
			r %= t.microRadix[d]
		}
		lists := make([][]int, len(t.dims))
		for d, dim := range t.dims {
			lists[d] = dim.elementsOf(vals[d])
		}
		product(lists, func(e []int) { t.value[t.cellIndex(e)] += c })
	}
}

func (t *discTable) cellIndex(e []int) int {
	i := 0
	for d, x := range e {
		i += x * t.radix[d]
	}
	return i
}

func (t *discTable) microIndex(v []int) int {
	i := 0
	for d, x := range v {
		i += x * t.microRadix[d]
	}
	return i
}

func (t *discTable) elements(ci int) []int {
	e := make([]int, len(t.dims))
	for d := range t.dims {
		e[d] = ci / t.radix[d]
		ci %= t.radix[d]
	}
	return e
}

// product calls f with every combination of one element from each list.
func product(lists [][]int, f func([]int)) {
	cur := make([]int, len(lists))
	var rec func(d int)
	rec = func(d int) {
		if d == len(lists) {
			f(cur)
			return
		}
		for _, x := range lists[d] {
			cur[d] = x
			rec(d + 1)
		}
	}
	rec(0)
}

// move is what an alternative table does along one dimension: add at value a and take
// away at value b (a pair: the dimension's total stays), or add at a only (single).
type move struct {
	pair    bool
	a, b    int
	changed []int // elements whose count changes
}

func (d discDim) pairMove(a, b int) move {
	m := move{pair: true, a: a, b: b, changed: []int{a, b}}
	for g, mask := range d.groups {
		if (mask&(1<<a) != 0) != (mask&(1<<b) != 0) {
			m.changed = append(m.changed, d.k+g)
		}
	}
	return m
}

func (d discDim) singleMove(a int) move {
	return move{a: a, changed: d.elementsOf(a)}
}

// moves lists what an alternative table may do along dimension dim to change element e.
func (t *discTable) moves(dim int, e int) []move {
	d := t.dims[dim]
	var out []move
	last := dim == len(t.dims)-1
	if e < d.k {
		for b := 0; b < d.k; b++ {
			if b != e {
				out = append(out, d.pairMove(e, b))
			}
		}
		if !last || t.catSingle {
			out = append(out, d.singleMove(e))
		}
		return out
	}
	mask := d.groups[e-d.k]
	for a := 0; a < d.k; a++ {
		if mask&(1<<a) == 0 {
			continue
		}
		for b := 0; b < d.k; b++ {
			if mask&(1<<b) == 0 {
				out = append(out, d.pairMove(a, b))
			}
		}
		if !last || t.catSingle {
			out = append(out, d.singleMove(a))
		}
	}
	return out
}

// cube is a chosen alternative: one move per dimension, and the direction that keeps
// every count at zero or above (+1: add at the a-corners; -1: take away there).
type cube struct {
	moves     []move
	direction int
}

// feasible reports in which directions the alternative table stays a table: no count
// below zero, no structural zero filled. 0: none.
func (t *discTable) feasible(ms []move) int {
	lists := make([][]int, len(ms))
	for d, m := range ms {
		if m.pair {
			lists[d] = []int{m.a, m.b}
		} else {
			lists[d] = []int{m.a}
		}
	}
	plusOK, minusOK := true, true
	bad := false
	product(lists, func(v []int) {
		sign := 1
		for d, m := range ms {
			if m.pair && v[d] == m.b {
				sign = -sign
			}
		}
		mi := t.microIndex(v)
		if t.structural[mi] {
			bad = true
		}
		// Direction +1 adds sign: cells of sign -1 lose one.
		if sign < 0 && t.micro[mi] < 1 {
			plusOK = false
		}
		if sign > 0 && t.micro[mi] < 1 {
			minusOK = false
		}
	})
	switch {
	case bad:
		return 0
	case plusOK:
		return 1
	case minusOK:
		return -1
	}
	return 0
}

// changedCells lists the published cells an alternative changes.
func (t *discTable) changedCells(ms []move, f func(ci int, e []int)) {
	lists := make([][]int, len(ms))
	for d, m := range ms {
		lists[d] = m.changed
	}
	product(lists, func(e []int) {
		if t.published(e) {
			f(t.cellIndex(e), e)
		}
	})
}

// protect finds the cheapest feasible cube through cell ci and suppresses its corners.
// It returns false when there is none.
func (t *discTable) protect(ci int) (cube, bool) {
	e := t.elements(ci)
	options := make([][]move, len(t.dims))
	for d := range t.dims {
		options[d] = t.moves(d, e[d])
		if len(options[d]) == 0 {
			return cube{}, false
		}
	}
	best, bestCost := cube{}, -1
	cur := make([]move, len(t.dims))
	var rec func(d int)
	rec = func(d int) {
		if d == len(t.dims) {
			dir := t.feasible(cur)
			if dir == 0 {
				return
			}
			cost := 0
			t.changedCells(cur, func(c int, ce []int) {
				if t.suppressed[c] {
					return
				}
				w := 1
				if t.shared(ce) {
					w = 50
				}
				cost += (t.value[c] + 1) * w
			})
			if bestCost < 0 || cost < bestCost {
				best, bestCost = cube{moves: slices.Clone(cur), direction: dir}, cost
			}
			return
		}
		for _, m := range options[d] {
			cur[d] = m
			rec(d + 1)
		}
	}
	rec(0)
	if bestCost < 0 {
		return cube{}, false
	}
	t.changedCells(best.moves, func(c int, _ []int) {
		t.suppressed[c], t.protected[c] = true, true
	})
	return best, true
}

func (t *discTable) small(n, threshold int) bool { return n > 0 && n < threshold }

// run protects every small published cell, then checks the lines;
// it returns the cubes that change a shared cell (for the other tables to follow).
func (t *discTable) run(threshold int) []cube {
	var follow []cube
	queue := []int{}
	for ci := range t.value {
		e := t.elements(ci)
		if !t.published(e) {
			continue
		}
		if t.small(t.value[ci], threshold) && !(t.shared(e) && !t.catSingle) {
			queue = append(queue, ci)
		}
	}
	for len(queue) > 0 {
		for _, ci := range queue {
			t.suppressed[ci] = true
			if t.protected[ci] {
				continue
			}
			c, ok := t.protect(ci)
			if !ok {
				t.suppressAll()
				return nil
			}
			if t.changesShared(c) {
				follow = append(follow, c)
			}
		}
		queue = t.lineCheck(threshold)
	}
	return follow
}

func (t *discTable) changesShared(c cube) bool {
	shared := false
	t.changedCells(c.moves, func(_ int, e []int) {
		if t.shared(e) {
			shared = true
		}
	})
	return shared
}

// suppressAll is the fallback when a small cell has no cube: nothing of the table is shown.
func (t *discTable) suppressAll() {
	for ci := range t.suppressed {
		t.suppressed[ci], t.protected[ci] = true, true
	}
}

// lineCheck finds totals that are shown and whose suppressed parts add up to a small
// count, and returns the smallest shown part of each to suppress as well.
func (t *discTable) lineCheck(threshold int) []int {
	var more []int
	for ci := range t.value {
		if t.suppressed[ci] {
			continue
		}
		e := t.elements(ci)
		if !t.published(e) {
			continue
		}
		for d, dim := range t.dims {
			for _, rel := range dim.relations() {
				if rel.total != e[d] {
					continue
				}
				hidden, pick, pickValue := 0, -1, 0
				part := slices.Clone(e)
				skip := false
				for _, x := range rel.parts {
					part[d] = x
					if !t.published(part) || (t.shared(part) && !t.catSingle) {
						skip = true // not shown, or decided by the patients table
						break
					}
					pi := t.cellIndex(part)
					if t.suppressed[pi] {
						hidden += t.value[pi]
					} else if t.value[pi] > 0 && (pick < 0 || t.value[pi] < pickValue) {
						pick, pickValue = pi, t.value[pi]
					}
				}
				if skip || !t.small(hidden, threshold) {
					continue
				}
				if pick < 0 {
					pick = ci
				}
				if !slices.Contains(more, pick) {
					more = append(more, pick)
				}
			}
		}
	}
	return more
}

// follow makes this table change along with a shared cube of the patients table: the same
// patients (by site, sex, age band and arm) are added or taken away, each in a category of
// this table where the table stays a table, and every cell that changes is suppressed.
func (t *discTable) follow(owner *discTable, c cube) bool {
	nd := len(t.dims) - 1
	lists := make([][]int, nd)
	for d := 0; d < nd; d++ {
		m := c.moves[d]
		if m.pair {
			lists[d] = []int{m.a, m.b}
		} else {
			lists[d] = []int{m.a}
		}
	}
	// The owner's change per site, sex, age band and arm.
	type corner struct {
		v     []int
		delta int
	}
	var corners []corner
	product(lists, func(v []int) {
		sign := c.direction
		for d := 0; d < nd; d++ {
			if c.moves[d].pair && v[d] == c.moves[d].b {
				sign = -sign
			}
		}
		// The owner's category move is a single (it changes the arm's total) or a pair
		// (the total stays: nothing to follow).
		if c.moves[nd].pair {
			sign = 0
		}
		if sign != 0 {
			corners = append(corners, corner{slices.Clone(v), sign})
		}
	})
	if len(corners) == 0 {
		return true
	}
	cat := t.dims[nd]
	change := map[int]int{}
	for _, co := range corners {
		best, bestN := -1, -1
		for x := 0; x < cat.k; x++ {
			mi := t.microIndex(append(slices.Clone(co.v), x))
			if t.structural[mi] {
				continue
			}
			if co.delta < 0 && t.micro[mi] < 1 {
				continue
			}
			if t.micro[mi] > bestN {
				best, bestN = x, t.micro[mi]
			}
		}
		if best < 0 {
			return false
		}
		v := append(slices.Clone(co.v), best)
		lists := make([][]int, len(t.dims))
		for d, dim := range t.dims {
			lists[d] = dim.elementsOf(v[d])
		}
		product(lists, func(e []int) {
			if t.published(e) {
				change[t.cellIndex(e)] += co.delta
			}
		})
	}
	for ci, dlt := range change {
		if dlt != 0 {
			t.suppressed[ci], t.protected[ci] = true, true
		}
	}
	return true
}
