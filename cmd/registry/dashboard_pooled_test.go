package main

import (
	"math"
	"testing"

	"outcomereg/dashboard"
)

// TestPooledDashboardSumsTheArms: a researcher reads a blinded study with its arms pooled
// (dashboard_arm_shown); every figure shown is the arms' together, as the statistician's
// figures by arm add up: allocated, visits seen, missed and in window, patients with a value
// and their mean. Before the grouping moved into SQL the last arm's row overwrote the
// others', and the disclosure pass then hid every such figure.
func TestPooledDashboardSumsTheArms(t *testing.T) {
	tr := newTestRegistry(t)
	var r, s dashboard.StudyDashboard
	getJSON(t, tr.client(t, "researcher@demo.registry"), tr.URL+"/studies/knee-oa/dashboard.json", &r)
	getJSON(t, tr.client(t, "statistician@demo.registry"), tr.URL+"/studies/knee-oa/dashboard.json", &s)
	if len(r.Arms) != 1 || r.Arms[0].Code != dashboard.PooledArm || len(s.Arms) != 2 {
		t.Fatalf("arms: researcher %v, statistician %v", r.Arms, s.Arms)
	}
	shown, checked := 0, 0
	check := func(what string, got dashboard.Count, want int) {
		t.Helper()
		checked++
		if got.Suppressed {
			return
		}
		shown++
		if got.N != want {
			t.Errorf("%s: researcher sees %d, the arms add up to %d", what, got.N, want)
		}
	}
	sum := func(n int, f func(i int) dashboard.Count) int {
		total := 0
		for i := range n {
			total += f(i).N
		}
		return total
	}
	check("allocated", r.Flow.Allocated[0].Count, sum(2, func(i int) dashboard.Count { return s.Flow.Allocated[i].Count }))
	for vi, v := range r.Flow.Visits {
		sa := s.Flow.Visits[vi].Arms
		check(v.Visit+" seen", v.Arms[0].Seen, sum(2, func(i int) dashboard.Count { return sa[i].Seen }))
		check(v.Visit+" missed", v.Arms[0].Missed, sum(2, func(i int) dashboard.Count { return sa[i].Missed }))
		check(v.Visit+" in window", v.Arms[0].InWindow, sum(2, func(i int) dashboard.Count { return sa[i].InWindow }))
	}
	for mi, m := range r.Measures {
		if m.Type == "choice" {
			continue
		}
		for vi, v := range m.Visits {
			got, arms := v.Arms[0].Value, s.Measures[mi].Visits[vi].Arms
			n, total := 0, 0.0
			for _, a := range arms {
				n += a.Value.N
				total += float64(a.Value.N) * a.Value.Mean
			}
			check(m.Code+" "+v.Visit+" n", dashboard.Count{N: got.N, Suppressed: got.Suppressed}, n)
			if !got.Suppressed && n > 0 && math.Abs(got.Mean-total/float64(n)) > 1e-9 {
				t.Errorf("%s %s: researcher's mean %v, the arms' %v", m.Code, v.Visit, got.Mean, total/float64(n))
			}
		}
	}
	if shown < checked/2 {
		t.Fatalf("only %d of %d pooled figures shown to the researcher", shown, checked)
	}
}
