package dashboard

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestHypercubesLeaveNoSuppressedCellDetermined checks the suppression pattern of random
// small tables with exact linear algebra (not the hypercubes' own reasoning): a suppressed
// cell is determined by the shown ones exactly when its vector over the microcells lies in
// the span of the shown cells' vectors. None may, and no shown total may have suppressed
// parts adding up to a small count.
func TestHypercubesLeaveNoSuppressedCellDetermined(t *testing.T) {
	const threshold = 5
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 12 {
		nSites, nArms := 1+round%3, 1+round%2
		tb := newTable("random", nSites, nArms, discDim{k: 3, groups: []uint64{7}}, true, true)
		for i := range tb.micro {
			if rng.IntN(3) > 0 {
				tb.micro[i] = rng.IntN(4 + 4*(round%3))
			}
		}
		tb.sum()
		tb.run(threshold)

		// Every published cell as a vector over the microcells.
		nm := len(tb.micro)
		vec := func(ci int) []float64 {
			e := tb.elements(ci)
			v := make([]float64, nm)
			for mi := range nm {
				r, in := mi, true
				for d, dim := range tb.dims {
					x := r / tb.microRadix[d]
					r %= tb.microRadix[d]
					in = in && dim.contains(e[d], x)
				}
				if in {
					v[mi] = 1
				}
			}
			return v
		}
		var basis [][]float64 // rows in echelon form, with their pivot columns
		var pivots []int
		reduce := func(v []float64) []float64 {
			v = append([]float64(nil), v...)
			for k, row := range basis {
				if f := v[pivots[k]]; f != 0 {
					for j := range v {
						v[j] -= f * row[j]
					}
				}
			}
			return v
		}
		small, suppressed, shown := 0, 0, 0
		for ci := range tb.value {
			if !tb.published(tb.elements(ci)) || tb.suppressed[ci] {
				continue
			}
			shown++
			v := reduce(vec(ci))
			p := -1
			for j, x := range v {
				if math.Abs(x) > 1e-9 {
					p = j
					break
				}
			}
			if p < 0 {
				continue
			}
			f := v[p]
			for j := range v {
				v[j] /= f
			}
			for k, row := range basis { // keep the basis reduced
				if g := row[p]; g != 0 {
					for j := range row {
						basis[k][j] -= g * v[j]
					}
				}
			}
			basis, pivots = append(basis, v), append(pivots, p)
		}
		for ci := range tb.value {
			e := tb.elements(ci)
			if !tb.published(e) || !tb.suppressed[ci] || tb.value[ci] == 0 {
				continue
			}
			suppressed++
			if tb.small(tb.value[ci], threshold) {
				small++
			}
			v := reduce(vec(ci))
			determined := true
			for _, x := range v {
				if math.Abs(x) > 1e-9 {
					determined = false
					break
				}
			}
			if determined {
				t.Errorf("round %d: cell %v (value %d) is determined by the shown cells", round, e, tb.value[ci])
			}
		}
		if more := tb.lineCheck(threshold); len(more) > 0 {
			t.Errorf("round %d: %d shown totals have suppressed parts adding up to 1-%d", round, len(more), threshold-1)
		}
		if small == 0 {
			t.Errorf("round %d: no small cell: the test proves nothing", round)
		}
		t.Logf("round %d: %d sites, %d arms: %d shown, %d suppressed (%d small)", round, nSites, nArms, shown, suppressed, small)
	}
}

// TestFollowersKeepTheArmsTotalsHidden: a second table of the same patients (visits by
// state, say) must not give away an arm's total that the patients table suppresses: the
// two tables together, with the arms' totals equal in both, leave every suppressed cell
// undetermined.
func TestFollowersKeepTheArmsTotalsHidden(t *testing.T) {
	const threshold = 5
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 6 {
		nSites, nArms := 1+round%3, 1+round%2
		owner := newTable("patients", nSites, nArms, discDim{k: 3, groups: []uint64{7}}, true, true)
		follower := newTable("visits", nSites, nArms, discDim{k: 4, groups: []uint64{15}}, false, true)
		atoms := len(owner.micro) / 3
		for a := range atoms {
			total := 0
			for c := range 3 {
				if rng.IntN(3) > 0 {
					owner.micro[a*3+c] = rng.IntN(5)
				}
				total += owner.micro[a*3+c]
			}
			for ; total > 0; total-- { // the same patients, by another category
				follower.micro[a*4+rng.IntN(4)]++
			}
		}
		owner.sum()
		follower.sum()
		for _, c := range owner.run(threshold) {
			if !follower.follow(owner, c) {
				follower.suppressAll()
			}
		}
		for ci := range follower.value {
			if e := follower.elements(ci); follower.published(e) && follower.shared(e) {
				pe := append([]int(nil), e...)
				pe[dimCat] = allOf(owner.dims[dimCat])
				follower.suppressed[ci] = owner.suppressed[owner.cellIndex(pe)]
			}
		}
		follower.run(threshold)

		// Unknowns: both tables' microcells. Known: every shown cell of either table, and
		// that each site, sex, age band and arm has as many patients in one as in the other.
		nm := len(owner.micro) + len(follower.micro)
		vec := func(tb *discTable, off, ci int) []float64 {
			e := tb.elements(ci)
			v := make([]float64, nm)
			for mi := range tb.micro {
				r, in := mi, true
				for d, dim := range tb.dims {
					x := r / tb.microRadix[d]
					r %= tb.microRadix[d]
					in = in && dim.contains(e[d], x)
				}
				if in {
					v[off+mi] = 1
				}
			}
			return v
		}
		var rows [][]float64
		for a := range atoms {
			v := make([]float64, nm)
			for c := range 3 {
				v[a*3+c] = 1
			}
			for c := range 4 {
				v[len(owner.micro)+a*4+c] = -1
			}
			rows = append(rows, v)
		}
		tables := []struct {
			tb  *discTable
			off int
		}{{owner, 0}, {follower, len(owner.micro)}}
		for _, x := range tables {
			for ci := range x.tb.value {
				if x.tb.published(x.tb.elements(ci)) && !x.tb.suppressed[ci] {
					rows = append(rows, vec(x.tb, x.off, ci))
				}
			}
		}
		inSpan := spanChecker(rows)
		checked := 0
		for _, x := range tables {
			for ci := range x.tb.value {
				if !x.tb.published(x.tb.elements(ci)) || !x.tb.suppressed[ci] || x.tb.value[ci] == 0 {
					continue
				}
				checked++
				if inSpan(vec(x.tb, x.off, ci)) {
					t.Errorf("round %d: %s cell %v (value %d) is determined", round, x.tb.name, x.tb.elements(ci), x.tb.value[ci])
				}
			}
		}
		t.Logf("round %d: %d suppressed cells checked", round, checked)
	}
}

// spanChecker returns a test of whether a vector lies in the span of rows (Gaussian
// elimination to reduced row echelon form).
func spanChecker(rows [][]float64) func([]float64) bool {
	var basis [][]float64
	var pivots []int
	reduce := func(v []float64) []float64 {
		v = append([]float64(nil), v...)
		for k, row := range basis {
			if f := v[pivots[k]]; f != 0 {
				for j := range v {
					v[j] -= f * row[j]
				}
			}
		}
		return v
	}
	for _, r := range rows {
		v := reduce(r)
		p := -1
		for j, x := range v {
			if math.Abs(x) > 1e-9 {
				p = j
				break
			}
		}
		if p < 0 {
			continue
		}
		f := v[p]
		for j := range v {
			v[j] /= f
		}
		for k, row := range basis {
			if g := row[p]; g != 0 {
				for j := range row {
					basis[k][j] -= g * v[j]
				}
			}
		}
		basis, pivots = append(basis, v), append(pivots, p)
	}
	return func(v []float64) bool {
		for _, x := range reduce(v) {
			if math.Abs(x) > 1e-9 {
				return false
			}
		}
		return true
	}
}
