package seed

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"outcomereg/registry"
)

// Options control the synthetic data.
type Options struct {
	Seed     uint64    // the same seed, study and day give the same data
	Today    time.Time // the day visits are planned around; zero means today
	Progress func(done, total int)
}

// batchSize patients are generated and copied at a time: memory stays flat for any N.
const batchSize = 5000

// Patients adds n synthetic patients to the study, with their visits, values, events and
// adverse events, in one transaction loaded with COPY.
func Patients(ctx context.Context, store *registry.Store, code string, n int, opt Options) error {
	if n <= 0 {
		return registry.Errorf(registry.EINVALID, "the number of patients must be positive, got %d", n)
	}
	st, err := store.Study(ctx, code)
	if err != nil {
		return err
	}
	prof, ok := profiles[code]
	if !ok {
		prof = genericProfile()
	}
	sites, err := siteIDs(ctx, store, prof.sites)
	if err != nil {
		return err
	}
	if opt.Today.IsZero() {
		opt.Today = time.Now()
	}

	tx, err := store.DB.Begin(ctx)
	if err != nil {
		return fmt.Errorf("seed %s: %w", code, err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('seed:' || $1))`, code); err != nil {
		return err
	}
	var last int
	err = tx.QueryRow(ctx, `SELECT coalesce(max(substring(study_number from $2)::int), 0)
		FROM patients WHERE study_id = $1`, st.ID, "^"+prof.prefix+`-(\d+)$`).Scan(&last)
	if err != nil {
		return fmt.Errorf("seed %s: find last study number: %w", code, err)
	}

	g := &generator{st: st, prof: prof, sites: sites, today: registry.Day(opt.Today),
		rng:     rand.New(rand.NewPCG(opt.Seed, uint64(last)+uint64(len(code))<<32)),
		answers: rand.New(rand.NewPCG(opt.Seed^0x9e3779b97f4a7c15, uint64(last)+uint64(len(code))<<32))}
	for done := 0; done < n; {
		size := min(batchSize, n-done)
		if err := g.batch(ctx, tx, last+done+1, size); err != nil {
			return fmt.Errorf("seed %s: %w", code, err)
		}
		done += size
		if opt.Progress != nil {
			opt.Progress(done, n)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log (actor, action, entity, entity_id, study_id, after, reason)
		VALUES ('seed', 'insert', 'synthetic_patients', $1, $2, $3, 'synthetic demo data')`,
		code, st.ID, map[string]any{"patients": n, "seed": opt.Seed, "first_number": last + 1}); err != nil {
		return fmt.Errorf("seed %s: audit: %w", code, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("seed %s: commit: %w", code, err)
	}
	// Build the new patients' dashboard summaries now rather than at the first dashboard.
	if _, err := registry.CatchUpDashboards(ctx, store.DB); err != nil {
		return fmt.Errorf("seed %s: %w", code, err)
	}
	return nil
}

func siteIDs(ctx context.Context, store *registry.Store, codes []string) ([]int64, error) {
	all, err := store.Sites(ctx)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, s := range all {
		for _, c := range codes {
			if s.Code == c {
				ids = append(ids, s.ID)
			}
		}
	}
	if len(ids) == 0 {
		for _, s := range all {
			ids = append(ids, s.ID)
		}
	}
	if len(ids) == 0 {
		return nil, registry.Errorf(registry.EINVALID, "there are no sites yet: run 'registry seed --demo' or add a site first")
	}
	return ids, nil
}

type generator struct {
	st    *registry.Study
	prof  profile
	sites []int64
	today time.Time
	rng   *rand.Rand
	// answers draws the answers to instruments and who gave them (answers.go).
	answers *rand.Rand
	// blocks holds, per site, what is left of the current permuted block of arms.
	blocks map[int64][]int64
}

// rows collects one batch's rows per table, in COPY column order.
type rows struct {
	patients, visits, values, items, events, aes [][]any
}

func (g *generator) batch(ctx context.Context, tx pgx.Tx, first, n int) error {
	patientIDs, err := reserveIDs(ctx, tx, "patients_id_seq", n)
	if err != nil {
		return err
	}
	var r rows
	var pendingVisits []pendingVisit
	for i := range n {
		pendingVisits = g.patient(&r, patientIDs[i], first+i, pendingVisits)
	}
	visitIDs, err := reserveIDs(ctx, tx, "visits_id_seq", len(pendingVisits))
	if err != nil {
		return err
	}
	for i, v := range pendingVisits {
		r.visits = append(r.visits, []any{visitIDs[i], g.st.ID, v.patientID, v.scheduledID, v.state, v.date, v.reason, ""})
		for _, val := range v.values {
			r.values = append(r.values, []any{g.st.ID, visitIDs[i], val.measureID, val.value, val.missing, val.source})
			for _, code := range sortedKeys(val.items) {
				r.items = append(r.items, []any{g.st.ID, visitIDs[i], val.measureID, code, val.items[code]})
			}
		}
	}
	copies := []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"patients", []string{"id", "study_id", "site_id", "study_number", "arm_id", "sex", "birth_year", "enrolled_on", "treated_on", "status", "status_on"}, r.patients},
		{"visits", []string{"id", "study_id", "patient_id", "scheduled_visit_id", "state", "visit_date", "missed_reason", "notes"}, r.visits},
		{"visit_values", []string{"study_id", "visit_id", "measure_id", "value", "missing_code", "source"}, r.values},
		{"visit_items", []string{"study_id", "visit_id", "measure_id", "item_code", "value"}, r.items},
		{"events", []string{"study_id", "patient_id", "event_type_id", "occurred_on", "notes"}, r.events},
		{"adverse_events", []string{"study_id", "patient_id", "term", "onset_on", "ended_on", "grade", "serious", "relatedness", "outcome", "notes"}, r.aes},
	}
	for _, c := range copies {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return fmt.Errorf("copy %s: %w", c.table, err)
		}
	}
	return nil
}

// reserveIDs takes n values of a sequence, so that rows can be linked before they are copied.
func reserveIDs(ctx context.Context, tx pgx.Tx, seq string, n int) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT nextval($1::regclass) FROM generate_series(1, $2)`, seq, n)
	if err != nil {
		return nil, fmt.Errorf("reserve %d ids of %s: %w", n, seq, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

type pendingVisit struct {
	patientID, scheduledID int64
	state                  string
	date                   *time.Time
	reason                 string
	values                 []pendingValue
}

type pendingValue struct {
	measureID int64
	value     *float64
	missing   *string
	source    string             // staff or patient
	items     map[string]float64 // an instrument's answers
}

var missedReasons = []string{"Patient did not attend", "Patient too ill to travel", "Patient could not be reached", "Visit cancelled by the clinic"}

func (g *generator) patient(r *rows, id int64, number int, visits []pendingVisit) []pendingVisit {
	rng := g.rng
	site := g.sites[rng.IntN(len(g.sites))]
	arm := g.allocate(site)
	sex := "M"
	if rng.Float64() < g.prof.femaleRate {
		sex = "F"
	}
	// Nothing is dated after today: a draw in the month ahead is mirrored into the month
	// before (the same number of draws keeps the rest of the data as it was).
	offset := -rng.IntN(int(g.prof.yearsBack*365)+1) + 30
	treated := g.today.AddDate(0, 0, -abs(offset))
	enrolled := treated.AddDate(0, 0, -7-rng.IntN(35))
	age := g.prof.ageFrom + rng.IntN(g.prof.ageTo-g.prof.ageFrom+1)

	// Events first: death or dropping out ends follow-up.
	end := g.today
	status, statusOn := "active", (*time.Time)(nil)
	armCode := g.armCode(arm)
	type happened struct {
		typeID int64
		day    time.Time
		death  bool
	}
	var events []happened
	for _, e := range g.prof.events {
		et, ok := g.eventType(e.code)
		if !ok {
			continue
		}
		days := math.Inf(1)
		if rate := armValue(e.perArm, armCode); rate > 0 {
			days = rng.ExpFloat64() / rate * 365
		}
		if e.early > 0 && rng.Float64() < e.early {
			days = math.Min(days, float64(10+rng.IntN(90)))
		}
		day := treated.AddDate(0, 0, int(days))
		if days < 20*365 && day.Before(g.today) {
			events = append(events, happened{et.ID, day, et.Death})
		}
	}
	sort.Slice(events, func(i, j int) bool { return events[i].day.Before(events[j].day) })
	for i, e := range events {
		if e.death {
			end, status = e.day, "dead"
			statusOn = &events[i].day
			events = events[:i+1]
			break
		}
	}
	if status == "active" {
		if u := rng.Float64(); u < 0.06 {
			drop := treated.AddDate(0, 0, 30+rng.IntN(int(g.prof.yearsBack*365)))
			if drop.Before(g.today) {
				end, status, statusOn = drop, "withdrawn", &drop
				if u < 0.03 {
					status = "lost"
				}
			}
		}
	}
	lastVisit := g.st.Visits[len(g.st.Visits)-1].WindowFor(treated)
	if status == "active" && lastVisit.Closes.Before(g.today) {
		day := lastVisit.Closes
		status, statusOn = "completed", &day
	}
	r.patients = append(r.patients, []any{id, g.st.ID, site, fmt.Sprintf("%s-%06d", g.prof.prefix, number), arm, sex,
		treated.Year() - age, enrolled, treated, status, statusOn})

	for _, e := range events {
		r.events = append(r.events, []any{g.st.ID, id, e.typeID, e.day, ""})
	}
	g.adverseEvents(r, id, armCode, treated, end, status == "dead")

	// The patient's own response to treatment, per measure.
	response := make(map[int64][2]float64, len(g.st.Measures))
	for _, m := range g.st.Measures {
		response[m.ID] = [2]float64{rng.NormFloat64(), rng.NormFloat64()}
	}
	for _, sv := range g.st.Visits {
		w := sv.WindowFor(treated)
		if w.Opens.After(end) {
			break
		}
		v := pendingVisit{patientID: id, scheduledID: sv.ID}
		u := rng.Float64()
		switch {
		case sv.Baseline:
			v.state = registry.StateDone
			d := w.Opens.AddDate(0, 0, rng.IntN(registry.DaysBetween(w.Opens, w.Closes)+1))
			v.date = &d
		case w.Closes.Before(end):
			switch {
			case u < 0.86:
				v.state = registry.StateDone
				d := w.Opens.AddDate(0, 0, rng.IntN(registry.DaysBetween(w.Opens, w.Closes)+1))
				if u < 0.08 { // some visits happen late, outside their window
					d = w.Closes.AddDate(0, 0, 1+rng.IntN(30))
				}
				if d.After(g.today) {
					d = g.today
				}
				v.date = &d
			case u < 0.92:
				v.state = registry.StateMissed
				v.reason = missedReasons[rng.IntN(len(missedReasons))]
			default:
				continue // never recorded: overdue
			}
		case !w.Opens.After(g.today) && status == "active":
			if u > 0.4 {
				continue // due, not yet recorded
			}
			v.state = registry.StateDone
			d := w.Opens.AddDate(0, 0, rng.IntN(registry.DaysBetween(w.Opens, g.today)+1))
			v.date = &d
		default:
			continue
		}
		if v.state == registry.StateDone {
			home := !sv.Baseline && g.answers.Float64() < homeShare
			for _, m := range g.st.Measures {
				pv := g.value(m, armCode, registry.DaysBetween(treated, *v.date), response[m.ID])
				answer(g.answers, m, &pv)
				pv.source = registry.SourceStaff
				if home && m.PatientReported() {
					pv.source = registry.SourcePatient
				}
				v.values = append(v.values, pv)
			}
		}
		visits = append(visits, v)
	}
	return visits
}

// allocate returns the next arm for a site from permuted blocks of random size.
func (g *generator) allocate(site int64) int64 {
	if g.blocks == nil {
		g.blocks = map[int64][]int64{}
	}
	if len(g.blocks[site]) == 0 {
		reps := 1 + g.rng.IntN(2)
		var block []int64
		for range reps {
			for _, a := range g.st.Arms {
				block = append(block, a.ID)
			}
		}
		g.rng.Shuffle(len(block), func(i, j int) { block[i], block[j] = block[j], block[i] })
		g.blocks[site] = block
	}
	arm := g.blocks[site][0]
	g.blocks[site] = g.blocks[site][1:]
	return arm
}

func (g *generator) armCode(id int64) string {
	for _, a := range g.st.Arms {
		if a.ID == id {
			return a.Code
		}
	}
	return ""
}

func (g *generator) eventType(code string) (registry.EventType, bool) {
	for _, e := range g.st.EventTypes {
		if e.Code == code {
			return e, true
		}
	}
	return registry.EventType{}, false
}

func armValue(m map[string]float64, arm string) float64 {
	if v, ok := m[arm]; ok {
		return v
	}
	return m[""]
}

// value draws a measure's value at a day after treatment.
func (g *generator) value(m registry.Measure, arm string, day int, z [2]float64) pendingValue {
	pv := pendingValue{measureID: m.ID}
	if u := g.rng.Float64(); u < 0.02 {
		code := "not_done"
		if u < 0.007 {
			code = "unknown"
		}
		pv.missing = &code
		return pv
	}
	t, ok := g.prof.measures[m.Code]
	if !ok {
		t = genericTrajectory(m)
	}
	years := math.Max(0, float64(day)/365)
	f := math.Pow(math.Min(years, 1), 0.7)
	change := f*armValue(t.effect, arm) + math.Max(0, years-1)*t.drift + f*t.patientSD*z[1] + t.noise*g.rng.NormFloat64()
	var v float64
	if t.logNormal {
		v = t.base * math.Exp(t.baseSD*z[0]+change)
	} else {
		v = t.base + t.baseSD*z[0] + change
	}
	v = fit(m, v)
	pv.value = &v
	return pv
}

func genericTrajectory(m registry.Measure) trajectory {
	lo, hi := 0.0, 100.0
	if m.Min != nil {
		lo = *m.Min
	}
	if m.Max != nil {
		hi = *m.Max
	}
	return trajectory{base: (lo + hi) / 2, baseSD: (hi - lo) / 8, patientSD: (hi - lo) / 16, noise: (hi - lo) / 20}
}

// fit rounds a drawn value to what the measure allows.
func fit(m registry.Measure, v float64) float64 {
	switch {
	case m.Kind == registry.KindChoice:
		best := m.Choices[0].Value
		for _, c := range m.Choices {
			if math.Abs(c.Value-v) < math.Abs(best-v) {
				best = c.Value
			}
		}
		return best
	case m.Kind == registry.KindInteger:
		v = math.Round(v)
	case m.Step != nil:
		v = math.Round(v / *m.Step) * *m.Step
	default:
		v = math.Round(v*10) / 10
	}
	if m.Min != nil {
		v = math.Max(v, *m.Min)
	}
	if m.Max != nil {
		v = math.Min(v, *m.Max)
	}
	return v
}

var relatedness = []string{"unrelated", "unlikely", "possible", "probable", "definite"}

func (g *generator) adverseEvents(r *rows, patient int64, arm string, treated, end time.Time, died bool) {
	rng := g.rng
	for _, a := range g.prof.aes {
		if rng.Float64() >= armValue(a.perArm, arm) {
			continue
		}
		onset := treated.AddDate(0, 0, a.onsetDays[0]+rng.IntN(a.onsetDays[1]-a.onsetDays[0]+1))
		if onset.After(end) {
			continue
		}
		grade := 1
		for u, acc := rng.Float64(), 0.0; grade <= len(a.grades); grade++ {
			acc += a.grades[grade-1]
			if u < acc {
				break
			}
		}
		grade = min(grade, len(a.grades))
		if grade == 5 && !died {
			grade = 4
		}
		var ended *time.Time
		outcome := "recovering"
		if e := onset.AddDate(0, 0, a.lastsDays[0]+rng.IntN(a.lastsDays[1]-a.lastsDays[0]+1)); !e.After(g.today) {
			ended, outcome = &e, "recovered"
		}
		if grade == 5 {
			outcome = "fatal"
		}
		rel := relatedness[2+rng.IntN(3)]
		if a.onsetDays[0] > 30 {
			rel = relatedness[rng.IntN(3)]
		}
		r.aes = append(r.aes, []any{g.st.ID, patient, a.term, onset, ended, grade, grade >= 3, rel, outcome, ""})
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
