package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// ApplyResult says what applying a study definition changed.
type ApplyResult struct {
	Created bool
	Changes int // rows inserted, updated or removed; 0 when the file matched the database
}

// ApplyStudy creates or updates a study from its definition, in one transaction. Applying
// the same definition twice changes nothing. Removing an arm, visit, measure or event type
// that data already refers to is refused, and then nothing is applied.
func (s *Store) ApplyStudy(ctx context.Context, who Actor, st *Study) (ApplyResult, error) {
	if err := st.Validate(); err != nil {
		return ApplyResult{}, err
	}
	var res ApplyResult
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		res, err = applyStudy(ctx, tx, st)
		if err != nil || res.Changes == 0 {
			return err
		}
		action := "update"
		if res.Created {
			action = "insert"
		}
		return insertAudit(ctx, tx, who, AuditEntry{
			Action: action, Entity: "study", EntityID: st.Code, StudyID: st.ID, After: st,
			Reason: "study definition applied",
		})
	})
	if err != nil {
		return ApplyResult{}, fmt.Errorf("apply study %s: %w", st.Code, err)
	}
	if res.Changes > 0 {
		s.catchUpAfterBulk(ctx)
	}
	return res, nil
}

func applyStudy(ctx context.Context, tx pgx.Tx, st *Study) (ApplyResult, error) {
	var res ApplyResult
	// Serialise concurrent applies of the same study.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('study:' || $1))`, st.Code); err != nil {
		return res, err
	}
	err := tx.QueryRow(ctx, `SELECT id FROM studies WHERE code = $1`, st.Code).Scan(&st.ID)
	if err == pgx.ErrNoRows {
		err = tx.QueryRow(ctx, `
			INSERT INTO studies (code, title, indication, design, main_measure, main_visit, title_labels, number_pattern, indication_labels) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			RETURNING id`, st.Code, st.Title, st.Indication, st.Design, st.MainMeasure, st.MainVisit, labelsJSON(st.TitleLabels), st.NumberPattern, labelsJSON(st.IndicationLabels)).Scan(&st.ID)
		res.Created, res.Changes = true, 1
	} else if err == nil {
		var tag int64
		tag, err = exec(ctx, tx, `
			UPDATE studies SET title = $2, indication = $3, design = $4, main_measure = $5, main_visit = $6, title_labels = $7, number_pattern = $8, indication_labels = $9
			WHERE id = $1 AND (title, indication, design, main_measure, main_visit, title_labels, number_pattern, indication_labels)
				IS DISTINCT FROM ($2, $3, $4, $5, $6, $7::jsonb, $8, $9::jsonb)`,
			st.ID, st.Title, st.Indication, st.Design, st.MainMeasure, st.MainVisit, labelsJSON(st.TitleLabels), st.NumberPattern, labelsJSON(st.IndicationLabels))
		res.Changes += int(tag)
	}
	if err != nil {
		return res, fmt.Errorf("save study: %w", err)
	}

	steps := []func(context.Context, pgx.Tx, *Study) (int, error){
		applyArms, applyVisits, applyMeasures, applyEventTypes, applyAETerms, applyPlaceboBaselines, applySitesOfFile,
	}
	for _, step := range steps {
		n, err := step(ctx, tx, st)
		if err != nil {
			return res, err
		}
		res.Changes += n
	}
	n, err := applyBlinding(ctx, tx, st)
	res.Changes += n
	return res, err
}

func exec(ctx context.Context, tx pgx.Tx, sql string, args ...any) (int64, error) {
	tag, err := tx.Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}

// removeMissing deletes the study's rows of table whose code is not in keep, unless data
// refers to them: then it refuses with a message naming them.
func removeMissing(ctx context.Context, tx pgx.Tx, st *Study, table, what, usedBy string, keep []string) (int, error) {
	rows, err := tx.Query(ctx, fmt.Sprintf(`
		SELECT t.code, (SELECT count(*) FROM %[2]s u WHERE u.%[3]s = t.id)
		FROM %[1]s t WHERE t.study_id = $1 AND NOT t.code = ANY($2) ORDER BY t.code`,
		table, usedBy, usedColumn[table]), st.ID, keep)
	if err != nil {
		return 0, fmt.Errorf("find removed %s: %w", what, err)
	}
	codes, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (struct {
		code string
		used int64
	}, error) {
		var v struct {
			code string
			used int64
		}
		return v, r.Scan(&v.code, &v.used)
	})
	if err != nil {
		return 0, err
	}
	var remove []string
	for _, c := range codes {
		if c.used > 0 {
			return 0, Errorf(ECONFLICT, "the %s %q cannot be removed from study %s: %d recorded rows refer to it; keep it in the file",
				what, c.code, st.Code, c.used)
		}
		remove = append(remove, c.code)
	}
	if len(remove) == 0 {
		return 0, nil
	}
	n, err := exec(ctx, tx, fmt.Sprintf(`DELETE FROM %s WHERE study_id = $1 AND code = ANY($2)`, table), st.ID, remove)
	return int(n), err
}

var usedColumn = map[string]string{
	"arms": "arm_id", "scheduled_visits": "scheduled_visit_id", "measures": "measure_id", "event_types": "event_type_id",
}

func applyArms(ctx context.Context, tx pgx.Tx, st *Study) (int, error) {
	keep := make([]string, len(st.Arms))
	for i, a := range st.Arms {
		keep[i] = a.Code
	}
	changes, err := removeMissing(ctx, tx, st, "arms", "arm", "patients", keep)
	if err != nil {
		return 0, err
	}
	// Clear a control flag that moves to another arm first, for the one-control index.
	n, err := exec(ctx, tx, `UPDATE arms SET is_control = false WHERE study_id = $1 AND is_control
		AND code <> ALL($2)`, st.ID, controlCodes(st))
	if err != nil {
		return 0, err
	}
	changes += int(n)
	for i := range st.Arms {
		a := &st.Arms[i]
		n, err := exec(ctx, tx, `
			INSERT INTO arms (study_id, code, label, is_control, position, labels) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (study_id, code) DO UPDATE SET label = EXCLUDED.label, is_control = EXCLUDED.is_control,
				position = EXCLUDED.position, labels = EXCLUDED.labels
			WHERE (arms.label, arms.is_control, arms.position, arms.labels)
				IS DISTINCT FROM (EXCLUDED.label, EXCLUDED.is_control, EXCLUDED.position, EXCLUDED.labels)`,
			st.ID, a.Code, a.Label, a.Control, i, labelsJSON(a.Labels))
		if err != nil {
			return 0, fmt.Errorf("save arm %s: %w", a.Code, err)
		}
		changes += int(n)
	}
	return changes, nil
}

func controlCodes(st *Study) []string {
	codes := []string{}
	if a, ok := st.ControlArm(); ok {
		codes = append(codes, a.Code)
	}
	return codes
}

func applyVisits(ctx context.Context, tx pgx.Tx, st *Study) (int, error) {
	keep := make([]string, len(st.Visits))
	baseline := []string{}
	for i, v := range st.Visits {
		keep[i] = v.Code
		if v.Baseline {
			baseline = append(baseline, v.Code)
		}
	}
	changes, err := removeMissing(ctx, tx, st, "scheduled_visits", "visit", "visits", keep)
	if err != nil {
		return 0, err
	}
	n, err := exec(ctx, tx, `UPDATE scheduled_visits SET is_baseline = false WHERE study_id = $1 AND is_baseline
		AND code <> ALL($2)`, st.ID, baseline)
	if err != nil {
		return 0, err
	}
	changes += int(n)
	for i, v := range st.Visits {
		n, err := exec(ctx, tx, `
			INSERT INTO scheduled_visits (study_id, code, label, target_day, window_before, window_after, is_baseline, position, labels)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (study_id, code) DO UPDATE SET label = EXCLUDED.label, target_day = EXCLUDED.target_day,
				window_before = EXCLUDED.window_before, window_after = EXCLUDED.window_after,
				is_baseline = EXCLUDED.is_baseline, position = EXCLUDED.position, labels = EXCLUDED.labels
			WHERE (scheduled_visits.label, scheduled_visits.target_day, scheduled_visits.window_before,
				scheduled_visits.window_after, scheduled_visits.is_baseline, scheduled_visits.position, scheduled_visits.labels)
			IS DISTINCT FROM (EXCLUDED.label, EXCLUDED.target_day, EXCLUDED.window_before, EXCLUDED.window_after,
				EXCLUDED.is_baseline, EXCLUDED.position, EXCLUDED.labels)`,
			st.ID, v.Code, v.Label, v.TargetDay, v.WindowBefore, v.WindowAfter, v.Baseline, i, labelsJSON(v.Labels))
		if err != nil {
			return 0, fmt.Errorf("save visit %s: %w", v.Code, err)
		}
		changes += int(n)
	}
	return changes, nil
}

func applyMeasures(ctx context.Context, tx pgx.Tx, st *Study) (int, error) {
	keep := make([]string, len(st.Measures))
	for i, m := range st.Measures {
		keep[i] = m.Code
	}
	changes, err := removeMissing(ctx, tx, st, "measures", "measure", "visit_values", keep)
	if err != nil {
		return 0, err
	}
	if err := checkInstrumentChanges(ctx, tx, st); err != nil {
		return 0, err
	}
	if err := checkMeasureChanges(ctx, tx, st); err != nil {
		return 0, err
	}
	for i, m := range st.Measures {
		labels, _ := json.Marshal(m.Labels)
		choices, _ := json.Marshal(nonNil(m.Choices))
		var instrument []byte
		if m.Instrument != nil {
			instrument, _ = json.Marshal(m.Instrument)
		}
		n, err := exec(ctx, tx, `
			INSERT INTO measures (study_id, code, labels, kind, unit, min_value, max_value, step, choices, direction, mcid, position, unit_labels,
				reported_by, question, instrument)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
			ON CONFLICT (study_id, code) DO UPDATE SET labels = EXCLUDED.labels, kind = EXCLUDED.kind,
				unit = EXCLUDED.unit, min_value = EXCLUDED.min_value, max_value = EXCLUDED.max_value,
				step = EXCLUDED.step, choices = EXCLUDED.choices, direction = EXCLUDED.direction,
				mcid = EXCLUDED.mcid, position = EXCLUDED.position, unit_labels = EXCLUDED.unit_labels,
				reported_by = EXCLUDED.reported_by, question = EXCLUDED.question, instrument = EXCLUDED.instrument
			WHERE (measures.labels, measures.kind, measures.unit, measures.min_value, measures.max_value, measures.step,
				measures.choices, measures.direction, measures.mcid, measures.position, measures.unit_labels,
				measures.reported_by, measures.question, measures.instrument)
			IS DISTINCT FROM (EXCLUDED.labels, EXCLUDED.kind, EXCLUDED.unit, EXCLUDED.min_value, EXCLUDED.max_value,
				EXCLUDED.step, EXCLUDED.choices, EXCLUDED.direction, EXCLUDED.mcid, EXCLUDED.position, EXCLUDED.unit_labels,
				EXCLUDED.reported_by, EXCLUDED.question, EXCLUDED.instrument)`,
			st.ID, m.Code, labels, m.Kind, m.Unit, m.Min, m.Max, m.Step, choices, m.Direction, m.MCID, i, labelsJSON(m.UnitLabels),
			m.ReportedBy, labelsJSON(m.Question), instrument)
		if err != nil {
			return 0, fmt.Errorf("save measure %s: %w", m.Code, err)
		}
		changes += int(n)
	}
	return changes, nil
}

// labelsJSON is labels as stored: {} when there are none.
func labelsJSON(l Labels) []byte {
	if len(l) == 0 {
		return []byte("{}")
	}
	b, _ := json.Marshal(l)
	return b
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func applyEventTypes(ctx context.Context, tx pgx.Tx, st *Study) (int, error) {
	keep := make([]string, len(st.EventTypes))
	for i, e := range st.EventTypes {
		keep[i] = e.Code
	}
	changes, err := removeMissing(ctx, tx, st, "event_types", "event type", "events", keep)
	if err != nil {
		return 0, err
	}
	for i, e := range st.EventTypes {
		labels, _ := json.Marshal(e.Labels)
		n, err := exec(ctx, tx, `
			INSERT INTO event_types (study_id, code, labels, is_death, position) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (study_id, code) DO UPDATE SET labels = EXCLUDED.labels, is_death = EXCLUDED.is_death,
				position = EXCLUDED.position
			WHERE (event_types.labels, event_types.is_death, event_types.position)
			IS DISTINCT FROM (EXCLUDED.labels, EXCLUDED.is_death, EXCLUDED.position)`,
			st.ID, e.Code, labels, e.Death, i)
		if err != nil {
			return 0, fmt.Errorf("save event type %s: %w", e.Code, err)
		}
		changes += int(n)
	}
	return changes, nil
}

func applyAETerms(ctx context.Context, tx pgx.Tx, st *Study) (int, error) {
	terms := nonNil(st.AETerms)
	n, err := exec(ctx, tx, `DELETE FROM ae_terms WHERE study_id = $1 AND NOT term = ANY($2)`, st.ID, terms)
	if err != nil {
		return 0, fmt.Errorf("remove adverse event terms: %w", err)
	}
	changes := int(n)
	for i, t := range terms {
		n, err := exec(ctx, tx, `
			INSERT INTO ae_terms (study_id, term, position, labels) VALUES ($1, $2, $3, $4)
			ON CONFLICT (study_id, term) DO UPDATE SET position = EXCLUDED.position, labels = EXCLUDED.labels
			WHERE (ae_terms.position, ae_terms.labels) IS DISTINCT FROM (EXCLUDED.position, EXCLUDED.labels)`,
			st.ID, t, i, labelsJSON(st.AETermLabels[t]))
		if err != nil {
			return 0, fmt.Errorf("save adverse event term %q: %w", t, err)
		}
		changes += int(n)
	}
	return changes, nil
}

func applyPlaceboBaselines(ctx context.Context, tx pgx.Tx, st *Study) (int, error) {
	// Placebo baselines are reference values, not data: the file replaces them.
	measures, visits := make([]string, len(st.PlaceboBaselines)), make([]string, len(st.PlaceboBaselines))
	for i, b := range st.PlaceboBaselines {
		measures[i], visits[i] = b.Measure, b.Visit
	}
	n, err := exec(ctx, tx, `
		DELETE FROM placebo_baselines pb USING measures m, scheduled_visits v
		WHERE pb.study_id = $1 AND m.id = pb.measure_id AND v.id = pb.visit_id
		  AND (m.code, v.code) NOT IN (SELECT * FROM unnest($2::text[], $3::text[]))`, st.ID, measures, visits)
	if err != nil {
		return 0, fmt.Errorf("remove placebo baselines: %w", err)
	}
	changes := int(n)
	for _, b := range st.PlaceboBaselines {
		n, err := exec(ctx, tx, `
			INSERT INTO placebo_baselines (study_id, measure_id, visit_id, mean_change, sd, n, source)
			SELECT $1, m.id, v.id, $4, $5, $6, $7
			FROM measures m, scheduled_visits v
			WHERE m.study_id = $1 AND m.code = $2 AND v.study_id = $1 AND v.code = $3
			ON CONFLICT (study_id, measure_id, visit_id) DO UPDATE SET mean_change = EXCLUDED.mean_change,
				sd = EXCLUDED.sd, n = EXCLUDED.n, source = EXCLUDED.source
			WHERE (placebo_baselines.mean_change, placebo_baselines.sd, placebo_baselines.n, placebo_baselines.source)
			IS DISTINCT FROM (EXCLUDED.mean_change, EXCLUDED.sd, EXCLUDED.n, EXCLUDED.source)`,
			st.ID, b.Measure, b.Visit, b.MeanChange, b.SD, b.N, b.Source)
		if err != nil {
			return 0, fmt.Errorf("save placebo baseline %s at %s: %w", b.Measure, b.Visit, err)
		}
		changes += int(n)
	}
	return changes, nil
}

// checkInstrumentChanges refuses a study file that would leave stored answers without
// their question or choice, or stored scores computed by another rule: an instrument
// removed from a measure whose answers are kept item by item, an item or a choice removed
// that answers use, or a scoring rule (or an item's HAQ-DI category or aid mark) changed
// while scores are stored. Labels may change, and items and choices may be added.
func checkInstrumentChanges(ctx context.Context, tx pgx.Tx, st *Study) error {
	rows, err := tx.Query(ctx, `SELECT m.code, vi.item_code, vi.value, count(*) FROM visit_items vi
		JOIN measures m ON m.id = vi.measure_id WHERE vi.study_id = $1 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`, st.ID)
	if err != nil {
		return fmt.Errorf("stored instrument answers: %w", err)
	}
	var measure, item string
	var value float64
	var n int64
	var refusal error
	if _, err := pgx.ForEachRow(rows, []any{&measure, &item, &value, &n}, func() error {
		m, ok := st.Measure(measure)
		switch {
		case refusal != nil || !ok: // a removed measure is refused by removeMissing
		case m.Instrument == nil:
			refusal = Errorf(ECONFLICT, "the instrument of measure %q cannot be removed from study %s: recorded visits hold its answers item by item; keep it in the file",
				measure, st.Code)
		default:
			it, ok := m.Instrument.Item(item)
			if !ok {
				refusal = Errorf(ECONFLICT, "the item %q of measure %q cannot be removed from study %s: %d recorded answers refer to it; keep it in the file",
					item, measure, st.Code, n)
			} else if !slices.ContainsFunc(it.Choices, func(c Choice) bool { return c.Value == value }) {
				refusal = Errorf(ECONFLICT, "the answer %s to item %q of measure %q cannot be removed from study %s: %d recorded answers hold it; keep it among the item's choices",
					strconv.FormatFloat(value, 'f', -1, 64), item, measure, st.Code, n)
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("stored instrument answers: %w", err)
	}
	if refusal != nil {
		return refusal
	}
	rows, err = tx.Query(ctx, `SELECT m.code, m.instrument FROM measures m WHERE m.study_id = $1 AND m.instrument IS NOT NULL
		AND EXISTS (SELECT 1 FROM visit_values vv WHERE vv.study_id = m.study_id AND vv.measure_id = m.id AND vv.value IS NOT NULL)
		ORDER BY m.code`, st.ID)
	if err != nil {
		return fmt.Errorf("stored instrument scores: %w", err)
	}
	var stored []byte
	if _, err := pgx.ForEachRow(rows, []any{&measure, &stored}, func() error {
		var old Instrument
		m, ok := st.Measure(measure)
		if refusal != nil || !ok || json.Unmarshal(stored, &old) != nil {
			return nil
		}
		changed := m.Instrument == nil || m.Instrument.Scoring != old.Scoring
		for _, was := range old.Items {
			if m.Instrument == nil {
				break
			}
			if it, ok := m.Instrument.Item(was.Code); ok && (it.Category != was.Category || it.Aid != was.Aid) {
				changed = true
			}
		}
		if changed {
			refusal = Errorf(ECONFLICT, "the scoring of measure %q cannot be changed in study %s: recorded visits hold scores computed by the rule in use; keep it in the file",
				measure, st.Code)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("stored instrument scores: %w", err)
	}
	return refusal
}

// checkMeasureChanges refuses a study file that would change a measure so that its stored
// values no longer fit it: a choice removed that values hold, a range narrowed or a step
// changed so that values fall outside or between steps, a whole-number type for values with
// decimals, or a number measure made a choice one (or the reverse) while it has values.
// Each distinct stored value is checked once, by the rule a writer checks a new value with
// (checkNumber). Labels, units, a wider range, new choices, the direction and the MCID may
// change.
func checkMeasureChanges(ctx context.Context, tx pgx.Tx, st *Study) error {
	rows, err := tx.Query(ctx, `SELECT code, kind, min_value, max_value, step, choices FROM measures
		WHERE study_id = $1 ORDER BY code`, st.ID)
	if err != nil {
		return fmt.Errorf("stored measures: %w", err)
	}
	old := map[string]Measure{}
	var changed []string
	var m Measure
	var choices []byte
	if _, err := pgx.ForEachRow(rows, []any{&m.Code, &m.Kind, &m.Min, &m.Max, &m.Step, &choices}, func() error {
		was := Measure{Code: m.Code, Kind: m.Kind, Min: m.Min, Max: m.Max, Step: m.Step}
		if err := json.Unmarshal(choices, &was.Choices); err != nil {
			return err
		}
		if now, ok := st.Measure(was.Code); ok && !sameRule(was, now) {
			old[was.Code] = was
			changed = append(changed, was.Code)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("stored measures: %w", err)
	}
	if len(changed) == 0 {
		return nil
	}
	rows, err = tx.Query(ctx, `SELECT m.code, vv.value, count(*) FROM visit_values vv
		JOIN measures m ON m.id = vv.measure_id
		WHERE vv.study_id = $1 AND m.study_id = $1 AND m.code = ANY($2) AND vv.value IS NOT NULL
		GROUP BY 1, 2 ORDER BY 1, 2`, st.ID, changed)
	if err != nil {
		return fmt.Errorf("stored values: %w", err)
	}
	type misfit struct {
		stored, bad int64
		first       *Problem // the refusal of the first value that does not fit
		value       float64  // that value
		valueCount  int64    // how many stored values hold it
	}
	misfits := map[string]*misfit{}
	var code string
	var value float64
	var n int64
	if _, err := pgx.ForEachRow(rows, []any{&code, &value, &n}, func() error {
		now, _ := st.Measure(code)
		f := misfits[code]
		if f == nil {
			f = &misfit{}
			misfits[code] = f
		}
		f.stored += n
		if p := checkNumber(now, value, num(value)); p != nil {
			if f.first == nil {
				f.first, f.value, f.valueCount = p, value, n
			}
			f.bad += n
		}
		return nil
	}); err != nil {
		return fmt.Errorf("stored values: %w", err)
	}
	for _, code := range changed {
		f := misfits[code]
		if f == nil {
			continue
		}
		was := old[code]
		now, _ := st.Measure(code)
		switch {
		case (was.Kind == KindChoice) != (now.Kind == KindChoice):
			return Errorf(ECONFLICT, "the type of measure %q cannot be changed from %s to %s in study %s: %d recorded values hold it; keep its type in the file",
				code, was.Kind, now.Kind, st.Code, f.stored)
		case f.first == nil:
		case now.Kind == KindChoice:
			return Errorf(ECONFLICT, "the choice %s of measure %q cannot be removed from study %s: %d recorded values hold it; keep it among the measure's choices",
				num(f.value), code, st.Code, f.valueCount)
		default:
			return Errorf(ECONFLICT, "the measure %q of study %s cannot be changed so: %d recorded values would not fit it (%s); keep a type, range and step that hold them",
				code, st.Code, f.bad, f.first)
		}
	}
	return nil
}

// sameRule reports whether two definitions of a measure take the same values.
func sameRule(a, b Measure) bool {
	sameFloat := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	values := func(cs []Choice) []float64 {
		v := make([]float64, len(cs))
		for i, c := range cs {
			v[i] = c.Value
		}
		slices.Sort(v)
		return v
	}
	return a.Kind == b.Kind && sameFloat(a.Min, b.Min) && sameFloat(a.Max, b.Max) && sameFloat(a.Step, b.Step) &&
		slices.Equal(values(a.Choices), values(b.Choices))
}
