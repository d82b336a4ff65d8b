package registry

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// MissingDataCodes are the missing-data codes: recorded instead of a value, never stored as 0.
var MissingDataCodes = []string{"not_done", "unknown", "not_applicable"}

// Visit is a recorded visit: done with its values, or missed with a reason.
type Visit struct {
	ID            int64
	VisitCode     string
	State         string // done or missed
	Date          *time.Time
	MissedReason  string
	Notes         string
	Version       int
	UpdatedAt     time.Time
	Values        map[string]Value // by measure code
	OutsideWindow bool
}

// Value is a measured value or, instead of it, a missing-data code.
type Value struct {
	Value   *float64 `json:"value,omitempty"`
	Missing string   `json:"missing,omitempty"`
	// Items are the answers to the items of an instrument measure, by item code (an item
	// not answered is absent); Value is their score.
	Items map[string]float64 `json:"items,omitempty"`
	// Source says who gave the value: "" for the staff (stored as SourceStaff),
	// SourcePatient or SourceImport.
	Source string `json:"source,omitempty"`
}

// Sources of a value.
const (
	SourceStaff   = "staff"
	SourcePatient = "patient"
	SourceImport  = "import"
)

// Text shows a value as typed in a form: the number, or "" when a missing code stands in.
func (v Value) Text() string {
	if v.Value == nil {
		return ""
	}
	return strconv.FormatFloat(*v.Value, 'f', -1, 64)
}

// VisitInput is the visit form as typed: every field a string, so that a form with errors
// comes back exactly as it was.
type VisitInput struct {
	State        string // done or missed
	Date         string
	MissedReason string
	Notes        string
	Values       map[string]ValueInput // by measure code
	// Items are the answers to instrument items, by measure code then item code; an
	// instrument measure's value is their score, never typed (its Values entry holds only
	// a missing-data code, when the items are not answered).
	Items   map[string]map[string]ValueInput
	Version int    // of the visit being corrected; 0 for a new visit
	Reason  string // why saved data is changed; required for a correction
	// Source is who answers: "" or SourceStaff (a nurse), SourcePatient (the patient's
	// link: only the patient-reported measures are read, the others are left as they are).
	Source string
}

// ValueInput is one field of the visit form: a value, or a missing-data code.
type ValueInput struct {
	Raw     string
	Missing string
}

// MeasureField is the form field name of a measure's value.
func MeasureField(code string) string { return "m_" + code }

// ItemField is the form field name (and import column) of an instrument item's answer,
// such as m_koos_pain__p1.
func ItemField(measure, item string) string { return "m_" + ItemColumn(measure, item) }

// VisitConflict is the answer to a save based on an out-of-date version of the visit: someone
// else saved it in between. Nothing was saved.
type VisitConflict struct{ err *Error }

func (c *VisitConflict) Error() string { return c.err.Error() }
func (c *VisitConflict) Unwrap() error { return c.err }

func visitConflict() error {
	return &VisitConflict{err: Errorf(ECONFLICT, "Someone else saved this visit while you were editing it. Nothing was saved.")}
}

// IsVisitConflict reports whether err is a refused save of an out-of-date visit.
func IsVisitConflict(err error) bool {
	var c *VisitConflict
	return errors.As(err, &c)
}

// parseVisit validates the form against the study's measures. Messages are plain sentences
// (catalog keys) so that the form can show them in the nurse's language.
func parseVisit(st *Study, sv ScheduledVisit, p *Patient, in VisitInput, today time.Time) (*Visit, error) {
	errs := newProblems()
	v := &Visit{VisitCode: sv.Code, State: in.State, Notes: strings.TrimSpace(in.Notes), Values: map[string]Value{}}
	errs.CheckText("notes", in.Notes, MaxNotesLength)
	errs.CheckText("reason", in.Reason, MaxReasonLength)
	if in.Version > 0 && strings.TrimSpace(in.Reason) == "" {
		errs.Add("reason", "Give a reason for changing saved data.")
	}
	if vp := CheckVisitScheduled(sv, p.TreatedOn); vp != nil {
		errs.Put("visit_date", vp)
		return nil, errs.Err("The visit was not saved; check the marked fields.")
	}
	switch in.State {
	case StateDone:
		d, dp := CheckDate(in.Date, VisitDateRule(today, sv, p.TreatedOn))
		if dp == nil {
			v.Date = &d
			w := sv.WindowOf(p.TreatedOn)
			v.OutsideWindow = w.Known() && !w.Contains(d)
		}
		errs.Put("visit_date", dp)
		source := ""
		if in.Source == SourcePatient {
			source = SourcePatient
		}
		for _, m := range st.Measures {
			if source == SourcePatient && !m.PatientReported() {
				continue // the patient answers only her own measures
			}
			var val Value
			var vp *Problem
			var itemProblems map[string]*Problem
			if m.Instrument != nil {
				val, vp, itemProblems = CheckInstrument(m, in.Values[m.Code], in.Items[m.Code], Typed)
			} else {
				val, vp = CheckValue(m, in.Values[m.Code].Raw, in.Values[m.Code].Missing, Typed)
				if len(in.Items[m.Code]) > 0 {
					vp = problem("%s is not a question of this instrument.", strings.Join(slices.Sorted(maps.Keys(in.Items[m.Code])), ", "))
				}
			}
			for code, ip := range itemProblems {
				errs.Put(ItemField(m.Code, code), ip)
			}
			if vp != nil {
				errs.Put(MeasureField(m.Code), vp)
			}
			if vp != nil || len(itemProblems) > 0 {
				continue
			}
			val.Source = source
			v.Values[m.Code] = val
		}
	case StateMissed:
		v.MissedReason = strings.TrimSpace(in.MissedReason)
		errs.CheckText("missed_reason", in.MissedReason, MaxMissedReasonLength)
		if v.MissedReason == "" {
			errs.Add("missed_reason", "Give the reason the visit was missed.")
		}
	default:
		errs.Add("state", "Choose whether the visit was done or missed.")
	}
	if err := errs.Err("The visit was not saved; check the marked fields."); err != nil {
		return nil, err
	}
	return v, nil
}

// VisitForm is what the visit form needs: the study, the patient, the scheduled visit, its
// window, and the recorded visit when there is one.
type VisitForm struct {
	Study    *Study
	Patient  *Patient
	Visit    ScheduledVisit
	Window   Window
	Recorded *Visit
	// AwaitsReview: the patient answered this visit from home and no nurse has reviewed it.
	AwaitsReview bool
}

// VisitForm loads a visit's form for u.
func (s *Store) VisitForm(ctx context.Context, u *User, study, number, visit string) (*VisitForm, error) {
	st, err := s.Study(ctx, study)
	if err != nil {
		return nil, err
	}
	sv, ok := st.Visit(visit)
	if !ok {
		return nil, Errorf(ENOTFOUND, "This study has no such visit.")
	}
	p, err := s.Patient(ctx, u, study, number)
	if err != nil {
		return nil, err
	}
	visits, err := visitsOf(ctx, s.DB, st, p)
	if err != nil {
		return nil, err
	}
	return &VisitForm{Study: st, Patient: p, Visit: sv, Window: sv.WindowOf(p.TreatedOn), Recorded: visits[sv.ID]}, nil
}

// SaveVisit records a visit or corrects a recorded one. A correction must be based on the
// current version (else a *VisitConflict, nothing saved) and give a reason. The visit, its
// values and an audit row per change are written in one transaction.
func (s *Store) SaveVisit(ctx context.Context, who Actor, u *User, study, number, visit string, in VisitInput, now time.Time) (*Visit, error) {
	return s.saveVisit(ctx, who, u, study, number, visit, in, now, nil)
}

// saveVisit is SaveVisit, with also (when set) run in its transaction after the visit is
// written: the patient's link marks its invitation answered in the same transaction.
func (s *Store) saveVisit(ctx context.Context, who Actor, u *User, study, number, visit string, in VisitInput, now time.Time,
	also func(tx pgx.Tx, p *Patient, v *Visit) error) (*Visit, error) {
	st, err := s.Study(ctx, study)
	if err != nil {
		return nil, err
	}
	sv, ok := st.Visit(visit)
	if !ok {
		return nil, Errorf(ENOTFOUND, "This study has no such visit.")
	}
	var saved *Visit
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		p, err := patientFor(ctx, tx, u, study, number, false)
		if err != nil {
			return err
		}
		v, err := parseVisit(st, sv, p, in, p.Today(now))
		if err != nil {
			return err
		}
		cur, err := visitFor(ctx, tx, st, p, sv, true)
		if err != nil {
			return err
		}
		if in.Source == SourcePatient && cur != nil {
			keepStaffPart(st, cur, v)
		}
		switch {
		case cur == nil && in.Version != 0, cur != nil && cur.Version != in.Version:
			return visitConflict()
		case cur == nil:
			err = insertVisit(ctx, tx, who, st, p, sv, v)
		default:
			err = updateVisit(ctx, tx, who, st, p, cur, v, strings.TrimSpace(in.Reason))
			if err == nil && in.Source != SourcePatient {
				// A nurse's correction of the patient's answers is her review of them.
				err = reviewPatientAnswers(ctx, tx, who, st, p, sv, "correct")
			}
		}
		if err == nil && also != nil {
			err = also(tx, p, v)
		}
		saved = v
		return err
	})
	if err != nil {
		return nil, err
	}
	return saved, nil
}

func insertVisit(ctx context.Context, tx pgx.Tx, who Actor, st *Study, p *Patient, sv ScheduledVisit, v *Visit) error {
	err := tx.QueryRow(ctx, `INSERT INTO visits (study_id, patient_id, scheduled_visit_id, state, visit_date, missed_reason, notes)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (patient_id, scheduled_visit_id) DO NOTHING RETURNING id, version`,
		st.ID, p.ID, sv.ID, v.State, v.Date, v.MissedReason, v.Notes).Scan(&v.ID, &v.Version)
	if err == pgx.ErrNoRows {
		return visitConflict() // recorded by someone else since the form was opened
	}
	if err != nil {
		return fmt.Errorf("insert visit: %w", err)
	}
	if err := writeValues(ctx, tx, st, v, nil); err != nil {
		return err
	}
	return insertAudit(ctx, tx, who, AuditEntry{Action: "insert", Entity: "visit", EntityID: sv.Code,
		StudyID: st.ID, PatientID: p.ID, After: auditVisit(v, true)})
}

func updateVisit(ctx context.Context, tx pgx.Tx, who Actor, st *Study, p *Patient, cur, v *Visit, reason string) error {
	v.ID = cur.ID
	err := tx.QueryRow(ctx, `UPDATE visits SET state = $2, visit_date = $3, missed_reason = $4, notes = $5,
			version = version + 1, updated_at = now()
		WHERE id = $1 RETURNING version`, cur.ID, v.State, v.Date, v.MissedReason, v.Notes).Scan(&v.Version)
	if err != nil {
		return fmt.Errorf("update visit: %w", err)
	}
	if before, after := auditVisit(cur, false), auditVisit(v, false); !sameJSON(before, after) {
		if err := insertAudit(ctx, tx, who, AuditEntry{Action: "update", Entity: "visit", EntityID: v.VisitCode,
			StudyID: st.ID, PatientID: p.ID, Before: before, After: after, Reason: reason}); err != nil {
			return err
		}
	}
	if err := writeValues(ctx, tx, st, v, cur.Values); err != nil {
		return err
	}
	// One audit row per changed value.
	for _, m := range st.Measures {
		old, had := cur.Values[m.Code]
		now, has := v.Values[m.Code]
		if had == has && (!had || sameValue(old, now)) {
			continue
		}
		e := AuditEntry{Action: "update", Entity: "value", EntityID: v.VisitCode + "/" + m.Code,
			StudyID: st.ID, PatientID: p.ID, Reason: reason}
		if had {
			e.Before = old
		}
		if has {
			e.After = now
		}
		if err := insertAudit(ctx, tx, who, e); err != nil {
			return err
		}
	}
	return nil
}

// writeValues makes the visit's stored values those of v (a missed visit has none), in as
// few statements as it takes: new values in one INSERT, changed ones in one UPDATE, dropped
// ones in one DELETE. Statement triggers on visit_values (the dashboard summaries) then run
// once per kind of change, and a new visit never fires an UPDATE trigger. A changed value
// takes the source of v; an unchanged one keeps its own. The items of an instrument whose
// answers changed are replaced.
func writeValues(ctx context.Context, tx pgx.Tx, st *Study, v *Visit, old map[string]Value) error {
	type rows struct {
		ids     []int64
		values  []*float64
		missing []string
		sources []string
	}
	add := func(r *rows, id int64, val Value) {
		r.ids, r.values, r.missing = append(r.ids, id), append(r.values, val.Value), append(r.missing, val.Missing)
		r.sources = append(r.sources, sourceOf(val))
	}
	var added, changed rows
	var dropped, itemsChanged []int64
	var items struct {
		measures []int64
		codes    []string
		values   []float64
	}
	for _, m := range st.Measures {
		now, has := v.Values[m.Code]
		was, had := old[m.Code]
		switch {
		case has && !had:
			add(&added, m.ID, now)
		case has && !sameValue(was, now):
			add(&changed, m.ID, now)
		case had && !has:
			dropped = append(dropped, m.ID)
		case has:
			now.Source = was.Source
			v.Values[m.Code] = now
		}
		if !sameItems(was.Items, now.Items) {
			if len(was.Items) > 0 {
				itemsChanged = append(itemsChanged, m.ID)
			}
			for _, it := range instrumentItems(m) {
				if x, ok := now.Items[it]; ok {
					items.measures, items.codes, items.values = append(items.measures, m.ID), append(items.codes, it), append(items.values, x)
				}
			}
		}
	}
	if len(added.ids) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO visit_values (study_id, visit_id, measure_id, value, missing_code, source)
			SELECT $1, $2, u.measure_id, u.value, NULLIF(u.missing, ''), u.source
			FROM unnest($3::bigint[], $4::float8[], $5::text[], $6::text[]) AS u (measure_id, value, missing, source)`,
			st.ID, v.ID, added.ids, added.values, added.missing, added.sources); err != nil {
			return fmt.Errorf("insert visit values: %w", err)
		}
	}
	if len(changed.ids) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE visit_values vv SET value = u.value, missing_code = NULLIF(u.missing, ''), source = u.source
			FROM unnest($2::bigint[], $3::float8[], $4::text[], $5::text[]) AS u (measure_id, value, missing, source)
			WHERE vv.visit_id = $1 AND vv.measure_id = u.measure_id`,
			v.ID, changed.ids, changed.values, changed.missing, changed.sources); err != nil {
			return fmt.Errorf("update visit values: %w", err)
		}
	}
	if len(dropped) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM visit_values WHERE visit_id = $1 AND measure_id = ANY ($2)`, v.ID, dropped); err != nil {
			return fmt.Errorf("delete visit values: %w", err)
		}
	}
	if len(itemsChanged) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM visit_items WHERE visit_id = $1 AND measure_id = ANY ($2)`, v.ID, itemsChanged); err != nil {
			return fmt.Errorf("delete visit items: %w", err)
		}
	}
	if len(items.measures) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO visit_items (study_id, visit_id, measure_id, item_code, value)
			SELECT $1, $2, u.measure_id, u.item_code, u.value
			FROM unnest($3::bigint[], $4::text[], $5::float8[]) AS u (measure_id, item_code, value)`,
			st.ID, v.ID, items.measures, items.codes, items.values); err != nil {
			return fmt.Errorf("insert visit items: %w", err)
		}
	}
	return nil
}

// sourceOf is a value's source, staff when unsaid.
func sourceOf(v Value) string {
	if v.Source == "" {
		return SourceStaff
	}
	return v.Source
}

func instrumentItems(m Measure) []string {
	if m.Instrument == nil {
		return nil
	}
	codes := make([]string, len(m.Instrument.Items))
	for i, it := range m.Instrument.Items {
		codes[i] = it.Code
	}
	return codes
}

// DeleteVisit removes a recorded visit entered by mistake, with a reason; its values go with
// it, and the audit row keeps what was there.
func (s *Store) DeleteVisit(ctx context.Context, who Actor, u *User, study, number, visit string, version int, reason string) error {
	st, err := s.Study(ctx, study)
	if err != nil {
		return err
	}
	sv, ok := st.Visit(visit)
	if !ok {
		return Errorf(ENOTFOUND, "This study has no such visit.")
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		p, err := patientFor(ctx, tx, u, study, number, false)
		if err != nil {
			return err
		}
		if err := checkDeletionReason(reason); err != nil {
			return err
		}
		cur, err := visitFor(ctx, tx, st, p, sv, true)
		if err != nil {
			return err
		}
		if cur == nil {
			return Errorf(ENOTFOUND, "This visit is not recorded.")
		}
		if cur.Version != version {
			return visitConflict()
		}
		if _, err := tx.Exec(ctx, `DELETE FROM visits WHERE id = $1`, cur.ID); err != nil {
			return fmt.Errorf("delete visit: %w", err)
		}
		return insertAudit(ctx, tx, who, AuditEntry{Action: "delete", Entity: "visit", EntityID: sv.Code,
			StudyID: st.ID, PatientID: p.ID, Before: auditVisit(cur, true), Reason: strings.TrimSpace(reason)})
	})
}

// visitsOf loads a patient's recorded visits with their values, by scheduled visit id.
func visitsOf(ctx context.Context, q pgxQuerier, st *Study, p *Patient) (map[int64]*Visit, error) {
	rows, err := q.Query(ctx, `SELECT v.id, v.scheduled_visit_id, v.state, v.visit_date, v.missed_reason, v.notes, v.version,
			v.updated_at, vv.measure_id, vv.value, vv.missing_code, vv.source
		FROM visits v LEFT JOIN visit_values vv ON vv.visit_id = v.id
		WHERE v.study_id = $1 AND v.patient_id = $2 ORDER BY v.id`, st.ID, p.ID)
	if err != nil {
		return nil, fmt.Errorf("load visits of %s: %w", p.Number, err)
	}
	visits, err := scanVisits(rows, st, p)
	if err != nil {
		return nil, err
	}
	return visits, loadItems(ctx, q, st, visits)
}

// loadItems adds the answers to instrument items to the visits' values.
func loadItems(ctx context.Context, q pgxQuerier, st *Study, visits map[int64]*Visit) error {
	if !slices.ContainsFunc(st.Measures, func(m Measure) bool { return m.Instrument != nil }) || len(visits) == 0 {
		return nil
	}
	byID := map[int64]*Visit{}
	ids := make([]int64, 0, len(visits))
	for _, v := range visits {
		byID[v.ID] = v
		ids = append(ids, v.ID)
	}
	measureCode := map[int64]string{}
	for _, m := range st.Measures {
		measureCode[m.ID] = m.Code
	}
	rows, err := q.Query(ctx, `SELECT visit_id, measure_id, item_code, value FROM visit_items WHERE visit_id = ANY ($1)`, ids)
	if err != nil {
		return fmt.Errorf("load visit items: %w", err)
	}
	var visitID, measureID int64
	var item string
	var x float64
	_, err = pgx.ForEachRow(rows, []any{&visitID, &measureID, &item, &x}, func() error {
		v := byID[visitID]
		code := measureCode[measureID]
		val := v.Values[code]
		if val.Items == nil {
			val.Items = map[string]float64{}
		}
		val.Items[item] = x
		v.Values[code] = val
		return nil
	})
	if err != nil {
		return fmt.Errorf("read visit items: %w", err)
	}
	return nil
}

// visitFor loads one recorded visit (nil when none), locked for update when asked.
func visitFor(ctx context.Context, tx pgx.Tx, st *Study, p *Patient, sv ScheduledVisit, lock bool) (*Visit, error) {
	sql := `SELECT v.id, v.scheduled_visit_id, v.state, v.visit_date, v.missed_reason, v.notes, v.version,
			v.updated_at, vv.measure_id, vv.value, vv.missing_code, vv.source
		FROM visits v LEFT JOIN visit_values vv ON vv.visit_id = v.id
		WHERE v.patient_id = $1 AND v.scheduled_visit_id = $2`
	if lock {
		sql += ` FOR UPDATE OF v`
	}
	rows, err := tx.Query(ctx, sql, p.ID, sv.ID)
	if err != nil {
		return nil, fmt.Errorf("load visit %s of %s: %w", sv.Code, p.Number, err)
	}
	defer rows.Close()
	visits, err := scanVisits(rows, st, p)
	if err != nil {
		return nil, err
	}
	if err := loadItems(ctx, tx, st, visits); err != nil {
		return nil, err
	}
	return visits[sv.ID], nil
}

type pgxQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func scanVisits(rows pgx.Rows, st *Study, p *Patient) (map[int64]*Visit, error) {
	defer rows.Close()
	measureCode := map[int64]string{}
	for _, m := range st.Measures {
		measureCode[m.ID] = m.Code
	}
	visitByID := map[int64]ScheduledVisit{}
	for _, sv := range st.Visits {
		visitByID[sv.ID] = sv
	}
	visits := map[int64]*Visit{}
	for rows.Next() {
		var r Visit
		var svID int64
		var measureID *int64
		var value *float64
		var missing, source *string
		if err := rows.Scan(&r.ID, &svID, &r.State, &r.Date, &r.MissedReason, &r.Notes, &r.Version, &r.UpdatedAt,
			&measureID, &value, &missing, &source); err != nil {
			return nil, fmt.Errorf("read visit: %w", err)
		}
		v, ok := visits[svID]
		if !ok {
			v = &r
			sv := visitByID[svID]
			v.VisitCode, v.Values = sv.Code, map[string]Value{}
			if w := sv.WindowOf(p.TreatedOn); v.Date != nil && w.Known() {
				v.OutsideWindow = !w.Contains(*v.Date)
			}
			visits[svID] = v
		}
		if measureID != nil {
			val := Value{Value: value}
			if missing != nil {
				val.Missing = *missing
			}
			if source != nil && *source != SourceStaff {
				val.Source = *source
			}
			v.Values[measureCode[*measureID]] = val
		}
	}
	return visits, rows.Err()
}

// auditVisit is a visit as its audit row records it.
func auditVisit(v *Visit, withValues bool) map[string]any {
	m := map[string]any{"state": v.State, "notes": v.Notes}
	if v.Date != nil {
		m["visit_date"] = dateText(*v.Date)
	}
	if v.MissedReason != "" {
		m["missed_reason"] = v.MissedReason
	}
	if withValues && len(v.Values) > 0 {
		m["values"] = v.Values
	}
	return m
}

// sameValue: the same number or missing-data code, from the same answers; who gave it is
// not compared.
func sameValue(a, b Value) bool {
	if a.Missing != b.Missing || (a.Value == nil) != (b.Value == nil) || !sameItems(a.Items, b.Items) {
		return false
	}
	return a.Value == nil || *a.Value == *b.Value
}

func sameItems(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, x := range a {
		if y, ok := b[k]; !ok || x != y {
			return false
		}
	}
	return true
}

func sameJSON(a, b any) bool {
	x, _ := jsonOrNil(a)
	y, _ := jsonOrNil(b)
	return string(x) == string(y)
}

// keepStaffPart keeps in v, a patient's answers, what the staff recorded of the visit:
// the values of the measures that are not patient-reported and the notes.
func keepStaffPart(st *Study, cur, v *Visit) {
	v.Notes = cur.Notes
	for _, m := range st.Measures {
		if val, ok := cur.Values[m.Code]; ok && !m.PatientReported() {
			v.Values[m.Code] = val
		}
	}
}

// Input returns a recorded visit as its form, to correct it.
func (v *Visit) Input() VisitInput {
	in := VisitInput{State: v.State, MissedReason: v.MissedReason, Notes: v.Notes, Version: v.Version,
		Values: map[string]ValueInput{}}
	if v.Date != nil {
		in.Date = dateText(*v.Date)
	}
	for code, val := range v.Values {
		if val.Items != nil {
			// An instrument's score is computed, not typed: its form holds the answers.
			in.Values[code] = ValueInput{Missing: val.Missing}
			if in.Items == nil {
				in.Items = map[string]map[string]ValueInput{}
			}
			in.Items[code] = map[string]ValueInput{}
			for item, x := range val.Items {
				in.Items[code][item] = ValueInput{Raw: strconv.FormatFloat(x, 'f', -1, 64)}
			}
			continue
		}
		in.Values[code] = ValueInput{Raw: val.Text(), Missing: val.Missing}
	}
	return in
}

// checkDeletionReason refuses a deletion without a reason or with one that is too long; it
// is checked after access, so that a patient of another site answers not found whatever the form holds.
func checkDeletionReason(reason string) error {
	msg := TextProblem(reason, MaxReasonLength)
	if strings.TrimSpace(reason) == "" {
		msg = "Give a reason for changing saved data."
	}
	if msg == "" {
		return nil
	}
	return &Error{Code: EINVALID, Message: "Nothing was deleted.", Fields: FieldErrors{"reason": msg}}
}
