package dashboard

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"

	"outcomereg/registry"
)

// viewSuppressedReason says why a filtered view shows nothing.
const viewSuppressedReason = "suppressed: this filter leaves too few patients, or too few outside it, to show anything without revealing a small number; widen the filter"

// hide suppresses c when the pattern does, or when the model's figure is not the one the
// pattern protected (then nothing vouches for it).
func hide(c *Count, n int, suppressed bool) {
	if suppressed || (!c.Suppressed && c.N != n) {
		*c = Count{Suppressed: true}
	}
}

func hiddenSummary() SummaryResult {
	return SummaryResult{Summary: Summary{Reason: suppressedReason}, Suppressed: true}
}

// apply hides what the pattern suppresses in a finished dashboard. curves are the survival
// panel's Kaplan–Meier curves of the view, per arm, before its own small-cell pass.
func (dc *disclosure) apply(st *registry.Study, d *StudyDashboard, curves []KMCurve) {
	v := dc.viewOf(d.Filter)
	if !v.ok {
		return // a site with no patients in the study: nothing to show or hide
	}
	nArms := len(st.Arms)
	pt := dc.patients
	statusAll := allOf(pt.dims[dimCat])
	if _, sup := pt.cell(v, nArms, statusAll); sup {
		dc.suppressWhole(d)
		return
	}
	armOf := func(code string) int {
		return slices.IndexFunc(st.Arms, func(a registry.Arm) bool { return a.Code == code })
	}
	visitOf := func(code string) int {
		return slices.IndexFunc(st.Visits, func(x registry.ScheduledVisit) bool { return x.Code == code })
	}
	measureOf := func(code string) int {
		return slices.IndexFunc(st.Measures, func(x registry.Measure) bool { return x.Code == code })
	}

	// Flow.
	n, sup := pt.cell(v, nArms, statusAll)
	hide(&d.Flow.Enrolled, n, sup)
	d.Study.Enrolled = d.Flow.Enrolled
	for i := range d.Flow.Allocated {
		ai := armOf(d.Flow.Allocated[i].Arm)
		n, sup := pt.cell(v, ai, statusAll)
		hide(&d.Flow.Allocated[i].Count, n, sup)
	}
	for i := range d.Flow.Status {
		s := &d.Flow.Status[i]
		ai := armOf(s.Arm)
		for si, c := range []*Count{&s.Active, &s.Completed, &s.Withdrawn, &s.Lost, &s.Dead} {
			n, sup := pt.cell(v, ai, si)
			hide(c, n, sup)
		}
	}
	allShown := true
	for i := range d.Flow.Visits {
		vf := &d.Flow.Visits[i]
		t := dc.visits[visitOf(vf.Visit)]
		for j := range vf.Arms {
			ac := &vf.Arms[j]
			ai := armOf(ac.Arm)
			seen := t.dims[dimCat].k // the group "seen": in and outside the window
			for _, x := range []struct {
				c   *Count
				cat int
			}{{&ac.Seen, seen}, {&ac.Missed, visitMissed}, {&ac.Overdue, visitOverdue}, {&ac.InWindow, visitIn}} {
				n, sup := t.cell(v, ai, x.cat)
				hide(x.c, n, sup)
			}
			n, sup := dc.home[visitOf(vf.Visit)].cell(v, ai, 0)
			hide(&ac.FromHome, n, sup)
			allShown = allShown && !ac.Seen.Suppressed && !ac.InWindow.Suppressed
		}
	}
	if !allShown {
		// The share of visits done in window would give a sum of hidden counts.
		d.Flow.InWindowSuppressed = d.Flow.InWindowKnown
		d.Flow.InWindow, d.Flow.InWindowKnown = 0, false
	}
	if mi, vi := measureOf(d.Flow.AnalysedMeasure), visitOf(d.Flow.AnalysedVisit); mi >= 0 && vi >= 0 {
		t := dc.changes[mi][vi]
		for i := range d.Flow.Analysed {
			n, sup := t.cell(v, armOf(d.Flow.Analysed[i].Arm), allOf(t.dims[dimCat]))
			hide(&d.Flow.Analysed[i].Count, n, sup)
		}
	}

	// Measures: a statistic is shown only with the count of its patients.
	for i := range d.Measures {
		mo := &d.Measures[i]
		mi := measureOf(mo.Code)
		for j := range mo.Visits {
			mv := &mo.Visits[j]
			vi := visitOf(mv.Visit)
			values, changes := dc.values[mi][vi], dc.changes[mi][vi]
			changeHidden, rateHidden := false, false
			for k := range mv.Arms {
				ao := &mv.Arms[k]
				ai := armOf(ao.Arm)
				if n, sup := values.cell(v, ai, allOf(values.dims[dimCat])); sup || (!ao.Value.Suppressed && ao.Value.N != n) {
					ao.Value = hiddenSummary()
				}
				if mv.Baseline {
					continue
				}
				n, sup := changes.cell(v, ai, allOf(changes.dims[dimCat]))
				if sup || (!ao.Change.Suppressed && ao.Change.N != n) {
					ao.Change = hiddenSummary()
					sup = true
				}
				changeHidden = changeHidden || sup || ao.Change.Suppressed
				rsup := sup
				if changes.dims[dimCat].k == 2 {
					_, r := changes.cell(v, ai, 0)
					_, nr := changes.cell(v, ai, 1)
					rsup = rsup || r || nr
				}
				if rsup {
					ao.Responders = RateResult{ResponderRate: ResponderRate{Reason: suppressedReason}, Suppressed: true}
				}
				rateHidden = rateHidden || rsup || ao.Responders.Suppressed
			}
			// Choice measures: counts per category, their total and shares; the ordinal
			// comparison only when both arms show everything.
			categoriesHidden := false
			for k := range mv.Categories {
				ac := &mv.Categories[k]
				ai := armOf(ac.Arm)
				n, sup := values.cell(v, ai, allOf(values.dims[dimCat]))
				hide(&ac.N, n, sup)
				for ci := range ac.Counts {
					if ci >= values.dims[dimCat].k {
						ac.Counts[ci] = Count{Suppressed: true}
						continue
					}
					n, sup := values.cell(v, ai, ci)
					hide(&ac.Counts[ci], n, sup)
				}
				for ci := range ac.Shares {
					if ac.N.Suppressed || ci >= len(ac.Counts) || ac.Counts[ci].Suppressed {
						ac.Shares[ci] = Share{}
					}
				}
				categoriesHidden = categoriesHidden || ac.N.Suppressed || slices.ContainsFunc(ac.Counts, func(c Count) bool { return c.Suppressed })
			}
			if categoriesHidden && mv.OrdinalVs != nil {
				mv.OrdinalVs = &OrdinalComparison{RankSum: RankSumTest{Reason: suppressedReason}, BestShare: ShareDifference{Reason: suppressedReason}, Suppressed: true}
			}
			if changeHidden && mv.VsControl != nil {
				mv.VsControl = &ComparisonResult{Comparison: Comparison{Reason: suppressedReason}, Suppressed: true}
			}
			if changeHidden && mv.VsPlacebo != nil {
				mv.VsPlacebo = &ComparisonResult{Comparison: Comparison{Reason: suppressedReason}, Suppressed: true}
			}
			if rateHidden && mv.RespondersVs != nil {
				mv.RespondersVs = &RiskResult{RiskDifference: RiskDifference{Reason: suppressedReason}, Suppressed: true}
			}
		}
	}

	// The answer at a glance repeats a comparison: it follows what the comparison shows.
	if d.Main != nil {
		d.Main = mainResult(st, d)
	}

	dc.applySurvival(st, v, d, curves)

	// Adverse events.
	ae := dc.ae
	g := ae.dims[dimCat].k // the grades' groups come first, then serious, not serious, any, all
	for i := range d.Adverse.Arms {
		a := &d.Adverse.Arms[i]
		ai := armOf(a.Arm)
		n, sup := pt.cell(v, ai, statusAll)
		hide(&a.Patients, n, sup)
		n, sup = ae.cell(v, ai, g+7)
		hide(&a.AnyAE, n, sup)
		n, sup = ae.cell(v, ai, g+5)
		hide(&a.Serious, n, sup)
		for grade := range a.WorstGrade {
			n, sup := ae.cell(v, ai, g+grade)
			hide(&a.WorstGrade[grade], n, sup)
		}
	}
	// Terms: only the study's own list (other text counted as "other"), and a term only
	// with a count shown.
	d.Adverse.Terms = []TermAE{}
	for i, term := range dc.termNames {
		t := TermAE{Term: term}
		shown := false
		for _, arm := range d.Arms {
			n, sup := dc.terms[i].cell(v, armOf(arm.Code), 0)
			c := Count{N: n}
			hide(&c, n, sup)
			t.Patients = append(t.Patients, c)
			if !sup {
				t.Total += n
				shown = shown || n > 0
			}
		}
		if shown {
			d.Adverse.Terms = append(d.Adverse.Terms, t)
		}
	}
}

// suppressWhole empties a view whose group is suppressed: the page says so.
func (dc *disclosure) suppressWhole(d *StudyDashboard) {
	hidden := Count{Suppressed: true}
	d.ViewSuppressed = true
	d.Study.Enrolled = hidden
	d.Study.HasFollowUp = false
	d.Flow = Flow{Enrolled: hidden, Allocated: []ArmCount{}, Visits: []VisitFlow{}, Status: []ArmStatus{}, Analysed: []ArmCount{}}
	d.Measures = []MeasureOutcome{}
	d.Main = nil
	d.Survival = Survival{EventTypes: []string{}, Arms: []ArmCurve{}, Times: []float64{}, AtTimes: []float64{},
		LogRank: LogRankTest{Reason: viewSuppressedReason}, Suppressed: true}
	d.Adverse = AdverseEvents{Arms: []ArmAE{}, Terms: []TermAE{}}
}

// applySurvival replaces the curves by Kaplan–Meier estimates without per-step counts, at
// fixed times only (the at-risk grid, the same for every filter, and 1, 2, 5 and 10
// years), shown only where at least the threshold's number of events happened since the
// last time shown (or none): no step is one patient, and no choice of times or filters
// gives a finer curve. A curve is shown only when it counts the same patients and events as
// the pattern (a write between the two reads: nothing vouches for it).
func (dc *disclosure) applySurvival(st *registry.Study, v view, d *StudyDashboard, curves []KMCurve) {
	if len(d.Survival.Arms) == 0 {
		return
	}
	d.Survival.Times = slices.Clone(dc.grid)
	fixed := slices.Sorted(slices.Values(append(slices.Clone(dc.grid), DefaultSurvivalTimes...)))
	fixed = slices.Compact(fixed)
	hiddenArm := make([]bool, len(st.Arms))
	for i := range d.Survival.Arms {
		ac := &d.Survival.Arms[i]
		ai := slices.IndexFunc(st.Arms, func(a registry.Arm) bool { return a.Code == ac.Arm })
		var full KMCurve
		if ai >= 0 && ai < len(curves) {
			full = curves[ai]
		}
		events, evSup := dc.events.cell(v, ai, 0)
		ac.Events = Count{N: events}
		hide(&ac.Events, events, evSup)
		risk := dc.atRisk
		ac.AtRisk = nil
		for j := range dc.grid {
			n, sup := risk.cell(v, ai, risk.dims[dimCat].k+j)
			c := Count{N: n}
			hide(&c, n, sup)
			ac.AtRisk = append(ac.AtRisk, c)
		}
		treated, trSup := 0, true
		if len(ac.AtRisk) > 0 {
			treated, trSup = ac.AtRisk[0].N, ac.AtRisk[0].Suppressed
		}
		// The curve and the tests are shown only from the counts the pattern protected: an
		// arm whose curve counts other patients or events than the pattern (a write read
		// by one and not the other) is hidden, and so are the tests that carry its counts.
		hiddenArm[ai] = evSup || trSup || full.N != treated || full.Events != events
		ac.Truncated = false
		shown := map[float64]KMStep{}
		if hiddenArm[ai] || full.N < dc.threshold || !full.Estimable {
			ac.Curve = KMCurve{Steps: []KMStep{}, Reason: suppressedReason}
			ac.Suppressed = true
		} else {
			coarse := KMCurve{N: treated, Events: events, Estimable: true, Steps: []KMStep{}}
			lastEvents, k, cum := 0, 0, 0
			var at *KMStep // the last step at or before t
			for _, t := range fixed {
				for k < len(full.Steps) && full.Steps[k].Time <= t {
					cum += full.Steps[k].Events
					at = &full.Steps[k]
					k++
				}
				reach := len(full.Steps) > 0 && t <= full.Steps[len(full.Steps)-1].Time
				since := cum - lastEvents
				if !reach || (since > 0 && since < dc.threshold) {
					continue
				}
				s := KMStep{Time: t, Survival: 1, LogCI: Interval{Lower: 1, Upper: 1, Estimable: true}, StdErrEstimable: true}
				s.LogLogCI = s.LogCI
				if at != nil {
					s = KMStep{Time: t, Survival: at.Survival, StdErr: at.StdErr, StdErrEstimable: at.StdErrEstimable,
						LogCI: at.LogCI, LogLogCI: at.LogLogCI}
				}
				coarse.Steps = append(coarse.Steps, s)
				shown[t] = s
				lastEvents = cum
				if !coarse.MedianReached && s.Survival <= 0.5 {
					coarse.Median, coarse.MedianReached = t, true
				}
			}
			ac.Curve = coarse
		}
		ac.SurvivalGrid = []SurvivalPoint{}
		for _, t := range d.Survival.Times {
			p := SurvivalPoint{Time: t}
			if s, ok := shown[t]; ok {
				p.Survival, p.CI, p.Estimable = s.Survival, s.LogCI, true
			}
			ac.SurvivalGrid = append(ac.SurvivalGrid, p)
		}
		for j := range ac.SurvivalAt {
			p := &ac.SurvivalAt[j]
			s, ok := shown[p.Time]
			*p = SurvivalAtTime{Time: p.Time, Reason: "suppressed: researchers see survival only at the at-risk times and at 1, 2, 5 and 10 years, where it rests on at least the threshold's number of events"}
			if ok {
				p.Survival, p.LogCI, p.LogLogCI, p.Estimable, p.Reason = s.Survival, s.LogCI, s.LogLogCI, true, ""
				if s.StdErrEstimable {
					p.StdErr, p.StdErrEstimable = s.Survival*s.StdErr, true
				}
			}
		}
	}
	if slices.Contains(hiddenArm, true) && !d.Survival.Suppressed {
		d.Survival.LogRank = LogRankTest{Reason: suppressedReason}
		d.Survival.Suppressed = true
	}
	for i := range d.Survival.Pairwise {
		pr := &d.Survival.Pairwise[i]
		a := slices.IndexFunc(st.Arms, func(x registry.Arm) bool { return x.Code == pr.Arm })
		b := slices.IndexFunc(st.Arms, func(x registry.Arm) bool { return x.Code == pr.Versus })
		if a < 0 || b < 0 || hiddenArm[a] || hiddenArm[b] {
			pr.Test, pr.Suppressed = LogRankTest{Reason: suppressedReason}, true
		}
	}
}

// discloseOverview applies each study's pattern to its row of the cross-study overview: a
// change is shown only where the study's own dashboard shows it under the same filter.
func discloseOverview(ctx context.Context, db *pgxpool.Pool, studies []*registry.Study, ov *Overview, opt Options) error {
	for i := range ov.Rows {
		row := &ov.Rows[i]
		si := slices.IndexFunc(studies, func(st *registry.Study) bool { return st.Code == row.Study })
		if si < 0 {
			continue
		}
		st := studies[si]
		dc, err := loadDisclosure(ctx, db, st, nil, opt.Today, opt.SmallCell, partOutcomes)
		if err != nil {
			return err
		}
		v := dc.viewOf(ov.Filter)
		if !v.ok {
			continue
		}
		if _, sup := dc.patients.cell(v, len(st.Arms), allOf(dc.patients.dims[dimCat])); sup {
			row.TreatmentChange = hiddenSummary()
			if row.Comparator == "control" {
				row.ComparatorChange = hiddenSummary()
			}
			row.Effect = ComparisonResult{Comparison: Comparison{Reason: viewSuppressedReason}, Suppressed: true}
			continue
		}
		mi := slices.IndexFunc(st.Measures, func(m registry.Measure) bool { return m.Code == row.Measure })
		vi := slices.IndexFunc(st.Visits, func(x registry.ScheduledVisit) bool { return x.Code == row.Visit })
		if mi < 0 || vi < 0 {
			continue
		}
		t := dc.changes[mi][vi]
		hidden := false
		check := func(s *SummaryResult, ai int) {
			if ai < 0 {
				return
			}
			n, sup := t.cell(v, ai, allOf(t.dims[dimCat]))
			if sup || (!s.Suppressed && s.N != n) {
				*s = hiddenSummary()
			}
			hidden = hidden || s.Suppressed
		}
		check(&row.TreatmentChange, slices.IndexFunc(st.Arms, func(a registry.Arm) bool { return !a.Control }))
		if row.Comparator == "control" {
			check(&row.ComparatorChange, slices.IndexFunc(st.Arms, func(a registry.Arm) bool { return a.Control }))
		}
		if hidden {
			row.Effect = ComparisonResult{Comparison: Comparison{Reason: suppressedReason}, Suppressed: true}
		}
	}
	return nil
}

// discloseStudyList hides, in the study list, the totals over visits that would give the
// sum of counts the study's dashboard suppresses. The studies' patterns are read side by
// side.
func discloseStudyList(ctx context.Context, db *pgxpool.Pool, list []StudyInfo, opt Options) error {
	store := registry.NewStore(db)
	errs := make([]error, len(list))
	var wg sync.WaitGroup
	for i := range list {
		wg.Go(func() { errs[i] = discloseListed(ctx, store, &list[i], opt) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// discloseListed applies a study's pattern to its row of the study list: only the flow's
// tables are read (discParts).
func discloseListed(ctx context.Context, store *registry.Store, s *StudyInfo, opt Options) error {
	st, err := store.Study(ctx, s.Code)
	if err != nil {
		return err
	}
	// A blinded study's row follows the pattern of its pooled dashboard, not of its arms.
	st, pooledArmIDs := poolArms(st, opt)
	dc, err := loadDisclosure(ctx, store.DB, st, pooledArmIDs, opt.Today, opt.SmallCell, partFlow)
	if err != nil {
		return err
	}
	v := dc.viewOf(Filter{})
	n, sup := dc.patients.cell(v, len(st.Arms), allOf(dc.patients.dims[dimCat]))
	hide(&s.Enrolled, n, sup)
	seen, missed, overdue := true, true, true
	for _, t := range dc.visits {
		for ai := range st.Arms {
			_, a := t.cell(v, ai, t.dims[dimCat].k)
			_, b := t.cell(v, ai, visitMissed)
			_, c := t.cell(v, ai, visitOverdue)
			seen, missed, overdue = seen && !a, missed && !b, overdue && !c
		}
	}
	if !seen {
		s.VisitsDone = Count{Suppressed: true}
	}
	if !missed {
		s.VisitsMissed = Count{Suppressed: true}
	}
	if !seen || !missed || !overdue {
		s.VisitsDue = Count{Suppressed: true}
	}
	if s.VisitsDone.Suppressed || s.VisitsDue.Suppressed {
		// The share would give one from the other.
		s.Completeness = 0
	}
	return nil
}
