package registry

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// ImportTables are the tables a CSV import can load.
var ImportTables = []string{TableLong, TableWide, TablePatients, TableEvents, TableAdverseEvents}

// MaxShownErrors is how many errors an import lists; the total is always given.
const MaxShownErrors = 100

// ImportOptions says what a file holds.
type ImportOptions struct {
	Study    string
	Table    string // one of ImportTables
	FileName string // for the record of the import
}

// LineError is one problem of an imported file: its line (1 is the header), column and what
// is wrong. Message is the English text; Format and Args are what it was made of, so that a
// UI can give it in its own language (Format is then a catalog key, and an Arg of type Phrase
// one too).
type LineError struct {
	Line    int
	Column  string
	Message string
	Format  string
	Args    []any
}

// Phrase is a fixed English text given as an argument of a LineError's Format: a UI
// translates it as it does the format.
type Phrase string

func (e LineError) String() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return fmt.Sprintf("line %d, column %s: %s", e.Line, e.Column, e.Message)
}

// ImportResult is what an import did, or why it did nothing.
type ImportResult struct {
	ID         int64 // the import's number, in the audit rows' reason: "import 12"
	Rows       int   // data rows read
	Inserted   int64 // records added: visits for long and wide, else patients, events, adverse events
	Updated    int64 // records changed; a visit whose values changed counts as changed
	Errors     []LineError
	ErrorCount int
}

// Import reads a CSV file in the shape of an export table, checks every row, and then
// applies all of them in one transaction, or none when any row is wrong. Rows are matched
// on their natural keys (patient, visit, measure; patient, event type, date; patient, term,
// onset), so importing the same file again changes nothing. Columns the export derives
// (site, arm, sex and birth year in long and wide, target_day, days_from_treatment,
// in_window) are read but not imported.
func (s *Store) Import(ctx context.Context, who Actor, o ImportOptions, r io.Reader) (*ImportResult, error) {
	if !slices.Contains(ImportTables, o.Table) {
		return nil, Errorf(EINVALID, "There is no table %q to import: choose one of %s.", o.Table, strings.Join(ImportTables, ", "))
	}
	st, err := s.Study(ctx, o.Study)
	if err != nil {
		return nil, err
	}
	im := &importer{st: st, res: &ImportResult{}, sites: map[string]importSite{}, patients: map[string]*importPatient{},
		now: s.now(), todays: map[string]time.Time{}}
	if err := im.load(ctx, s); err != nil {
		return nil, err
	}
	hash := sha256.New()
	if err := im.read(io.TeeReader(r, hash), o.Table); err != nil {
		return nil, err
	}
	if im.res.ErrorCount > 0 {
		slices.SortStableFunc(im.res.Errors, func(a, b LineError) int { return a.Line - b.Line })
		return im.res, Errorf(EINVALID, "The file has %d errors; nothing was imported.", im.res.ErrorCount)
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		return im.apply(ctx, tx, who, o, hex.EncodeToString(hash.Sum(nil)))
	})
	if err != nil {
		return nil, err
	}
	s.catchUpAfterBulk(ctx)
	return im.res, nil
}

// importer holds what checking a file needs: the study, its sites and patients.
type importer struct {
	st       *Study
	sites    map[string]importSite
	patients map[string]*importPatient // by study number
	res      *ImportResult
	style    NumberStyle          // of the file's numbers: decimal comma in a ';' file
	now      time.Time            // "today" is its date at each patient's site
	todays   map[string]time.Time // by time zone
	deaths   map[int64]int        // patient -> line of the death event in the file
	// scores are the recorded scores of instrument measures, by patient, scheduled visit
	// and measure: a file may repeat one unchanged, not type another.
	scores map[[3]int64]float64

	values []valueRow
	items  []itemRow
	// scoreRows and itemAnswers are a long file's rows of instrument scores and answers,
	// checked together when the file is read (longAnswers).
	scoreRows, itemAnswers []pendingAnswer
	visits                 []visitRow
	patientR               []patientRow
	events                 []eventRow
	aes                    []aeRow
}

// visitRow and valueRow are kept small: a file may hold millions of them.
type importSite struct {
	id       int64
	zone     string
	takePart bool // the site takes part in the study
}

// importPatient is what the rules need of a patient already in the study.
type importPatient struct {
	id       int64
	enrolled time.Time
	treated  *time.Time // nil: not treated yet
	zone     string
	deathOn  *time.Time // the date of the recorded death event, if any
	// The earliest recorded event and follow-up visit: a treatment date is not after them.
	firstEvent, firstFollowUp *time.Time
}

// today is the date at a site of the given time zone.
func (im *importer) today(zone string) time.Time {
	d, ok := im.todays[zone]
	if !ok {
		d = siteToday(im.now, zone)
		im.todays[zone] = d
	}
	return d
}

type visitRow struct {
	patient, visit int64
	date           int32 // days since 1970-01-01
	line           int32
}

type valueRow struct {
	patient, visit, measure int64
	value                   float64
	date                    int32 // days since 1970-01-01
	line                    int32
	missing                 uint8 // 0: a value; else 1 + the index of the code in MissingDataCodes
	withItems               bool  // an instrument's score with its answers (in items)
	source                  uint8 // 0: import; else 1 + the index of the file's source in Sources
}

// Sources are who may have given a value: a long file's source column keeps it (an export
// imported again, or a migration that knows its values' origin); without it, import.
var Sources = []string{SourceStaff, SourcePatient, SourceImport}

// source reads a long row's source column: empty is import.
func (r *row) source() uint8 {
	s := strings.TrimSpace(r.get("source"))
	if s == "" {
		return 0
	}
	i := slices.Index(Sources, s)
	if i < 0 {
		r.fail("source", "%q is not a source: use %s, or leave it empty (import).", s, strings.Join(Sources, ", "))
		return 0
	}
	return uint8(i + 1)
}

// pendingAnswer is a long row of an instrument: its score (item "") or an item's answer.
type pendingAnswer struct {
	patient, visit, measure int64
	item, raw, missing      string
	line, date              int32
	source                  uint8
}

// longItem reads a long row whose measure is an instrument's item (<measure>__<item>); it
// reports false when the measure names no item.
func (im *importer) longItem(r *row, p *importPatient, sv ScheduledVisit, d *time.Time, code string) bool {
	mc, item, ok := strings.Cut(code, "__")
	m, found := im.st.Measure(mc)
	if !ok || !found || m.Instrument == nil {
		return false
	}
	if _, ok := m.Instrument.Item(item); !ok {
		r.fail("measure", "%s is not a question of this instrument.", code)
		return true
	}
	if strings.TrimSpace(r.get("missing_code")) != "" {
		r.fail("missing_code", "an unanswered question has no row: leave out the row of %s", code)
	}
	if r.failed {
		return true
	}
	source := r.source()
	if r.failed {
		return true
	}
	im.itemAnswers = append(im.itemAnswers, pendingAnswer{patient: p.id, visit: sv.ID, measure: m.ID, item: item,
		raw: r.get("value"), line: int32(r.line), date: dayNumber(*d), source: source})
	return true
}

// longAnswers checks a long file's instrument rows, each score with the rows of its answers,
// by the rule the visit form keeps (CheckInstrument): each answer one of its choices; a
// score row, when given, is the answers' score (or the missing code of too few answers);
// a score with no answers in the file is taken only as the score already recorded.
func (im *importer) longAnswers() {
	type key [3]int64
	answers := map[key][]pendingAnswer{}
	for _, a := range im.itemAnswers {
		k := key{a.patient, a.visit, a.measure}
		answers[k] = append(answers[k], a)
	}
	measures := map[int64]Measure{}
	for _, m := range im.st.Measures {
		measures[m.ID] = m
	}
	scored := map[key]bool{}
	check := func(k key, score pendingAnswer, hasScore bool) {
		m := measures[k[2]]
		given := answers[k]
		if len(given) == 0 {
			r := &row{im: im, line: int(score.line), cols: map[string]int{"value": 0, "missing_code": 1}, rec: []string{score.raw, score.missing}}
			var recorded *float64
			if x, ok := im.scores[k]; ok {
				recorded = &x
			}
			if value, missing, ok := r.value(m, "value", "missing_code", true, recorded); ok {
				im.values = append(im.values, valueRow{patient: k[0], visit: k[1], measure: k[2], value: value, missing: missing,
					line: score.line, date: score.date, source: score.source})
			}
			return
		}
		items := map[string]ValueInput{}
		lines := map[string]int32{}
		for _, a := range given {
			if l, dup := lines[a.item]; dup {
				im.fail(int(a.line), "measure", "the same patient, visit and measure as line %d", l)
				return
			}
			items[a.item], lines[a.item] = ValueInput{Raw: a.raw}, a.line
		}
		v, vp, itemProblems := CheckInstrument(m, ValueInput{Missing: score.missing}, items, im.style)
		for _, it := range m.Instrument.Items {
			if ip := itemProblems[it.Code]; ip != nil {
				im.fail(int(lines[it.Code]), "value", ip.Format, ip.Args...)
			}
		}
		line, col := given[0].line, "value"
		if hasScore {
			line = score.line
			if strings.TrimSpace(score.missing) != "" && strings.TrimSpace(score.raw) == "" {
				col = "missing_code"
			}
		}
		if vp == nil && len(itemProblems) == 0 && hasScore && strings.TrimSpace(score.raw) != "" {
			x, xp := ParseNumber(score.raw, im.style)
			if xp != nil || v.Value == nil || math.Abs(x-*v.Value) > 1e-9*math.Max(1, math.Abs(x)) {
				_, vp, _ = CheckInstrument(m, ValueInput{Raw: score.raw, Missing: score.missing}, nil, im.style)
			}
		}
		if vp != nil {
			im.fail(int(line), col, vp.Format, vp.Args...)
		}
		if vp != nil || len(itemProblems) > 0 {
			return
		}
		vr := valueRow{patient: k[0], visit: k[1], measure: k[2], line: line, date: given[0].date, withItems: true, source: given[0].source}
		if hasScore {
			vr.date, vr.source = score.date, score.source
		}
		if v.Missing != "" {
			vr.missing = uint8(slices.Index(MissingDataCodes, v.Missing) + 1)
		} else {
			vr.value = *v.Value
		}
		im.values = append(im.values, vr)
		for code, x := range v.Items {
			im.items = append(im.items, itemRow{patient: k[0], visit: k[1], measure: k[2], item: code, value: x})
		}
		for _, a := range given {
			if a.date != vr.date {
				im.fail(int(a.line), "visit_date", "another date for this visit than line %d", line)
				return
			}
		}
	}
	first := map[key]int32{}
	for _, s := range im.scoreRows {
		k := key{s.patient, s.visit, s.measure}
		if l, dup := first[k]; dup {
			im.fail(int(s.line), "measure", "the same patient, visit and measure as line %d", l)
			continue
		}
		first[k], scored[k] = s.line, true
		check(k, s, true)
	}
	for _, a := range im.itemAnswers {
		if k := (key{a.patient, a.visit, a.measure}); !scored[k] {
			scored[k] = true
			check(k, pendingAnswer{}, false)
		}
	}
}

// itemRow is the answer to an instrument's item, of a wide row's item column.
type itemRow struct {
	patient, visit, measure int64
	item                    string
	value                   float64
}

type patientRow struct {
	number, sex, status string
	site, arm           int64
	birthYear           int
	enrolled            time.Time
	treated, statusOn   *time.Time
	line                int
	siteCode, armCode   string
}

type eventRow struct {
	patient, eventType int64
	on                 time.Time
	notes              string
}

type aeRow struct {
	patient                           int64
	term, relatedness, outcome, notes string
	onset                             time.Time
	ended                             *time.Time
	grade                             int
	serious                           bool
}

func (im *importer) load(ctx context.Context, s *Store) error {
	rows, err := s.DB.Query(ctx, `SELECT code, id, time_zone,
		EXISTS (SELECT 1 FROM study_sites ss WHERE ss.study_id = $1 AND ss.site_id = sites.id) FROM sites`, im.st.ID)
	if err != nil {
		return fmt.Errorf("import: load sites: %w", err)
	}
	var code string
	var site importSite
	if _, err := pgx.ForEachRow(rows, []any{&code, &site.id, &site.zone, &site.takePart}, func() error {
		im.sites[code] = site
		return nil
	}); err != nil {
		return fmt.Errorf("import: load sites: %w", err)
	}
	rows, err = s.DB.Query(ctx, `SELECT p.study_number, p.id, p.enrolled_on, p.treated_on, si.time_zone,
			(SELECT min(e.occurred_on) FROM events e JOIN event_types et ON et.id = e.event_type_id AND et.is_death
			 WHERE e.patient_id = p.id),
			(SELECT min(e.occurred_on) FROM events e WHERE e.patient_id = p.id),
			(SELECT min(v.visit_date) FROM visits v JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id
			 WHERE v.patient_id = p.id AND NOT sv.is_baseline)
		FROM patients p JOIN sites si ON si.id = p.site_id WHERE p.study_id = $1`, im.st.ID)
	if err != nil {
		return fmt.Errorf("import: load patients: %w", err)
	}
	var p importPatient
	if _, err := pgx.ForEachRow(rows, []any{&code, &p.id, &p.enrolled, &p.treated, &p.zone, &p.deathOn, &p.firstEvent, &p.firstFollowUp}, func() error {
		c := p
		im.patients[code] = &c
		return nil
	}); err != nil {
		return fmt.Errorf("import: load patients: %w", err)
	}
	if !slices.ContainsFunc(im.st.Measures, func(m Measure) bool { return m.Instrument != nil }) {
		return nil
	}
	im.scores = map[[3]int64]float64{}
	rows, err = s.DB.Query(ctx, `SELECT v.patient_id, v.scheduled_visit_id, vv.measure_id, vv.value
		FROM visit_values vv JOIN measures m ON m.id = vv.measure_id AND m.instrument IS NOT NULL
		JOIN visits v ON v.id = vv.visit_id WHERE vv.study_id = $1 AND vv.value IS NOT NULL`, im.st.ID)
	if err != nil {
		return fmt.Errorf("import: load scores: %w", err)
	}
	var key [3]int64
	var score float64
	if _, err := pgx.ForEachRow(rows, []any{&key[0], &key[1], &key[2], &score}, func() error {
		im.scores[key] = score
		return nil
	}); err != nil {
		return fmt.Errorf("import: load scores: %w", err)
	}
	return nil
}

func (im *importer) fail(line int, column, format string, args ...any) {
	im.res.ErrorCount++
	if len(im.res.Errors) < MaxShownErrors {
		im.res.Errors = append(im.res.Errors, LineError{Line: line, Column: column, Message: fmt.Sprintf(format, args...), Format: format, Args: args})
	}
}

// row is one record of the file with its columns by name.
type row struct {
	im     *importer
	rec    []string
	cols   map[string]int
	line   int
	failed bool
}

func (r *row) get(col string) string {
	i, ok := r.cols[col]
	if !ok {
		return ""
	}
	return r.rec[i]
}

// Messages of checkText, catalog keys.
const (
	importCellTooLong = "too long: at most %d characters"
	importCellNotText = "characters that are not text (not UTF-8, or control characters)"
)

// checkText refuses any cell that is not text a person would type, or longer than the
// longest free-text field it could fill (the same limits as the forms: MaxNotesLength for
// notes, MaxTermLength for a term, MaxImportCellLength for any other cell).
func (r *row) checkText() {
	for name, i := range r.cols {
		if i >= len(r.rec) {
			continue
		}
		max := MaxImportCellLength
		switch name {
		case "notes":
			max = MaxNotesLength
		case "term":
			max = MaxTermLength
		}
		switch TextProblem(r.rec[i], max) {
		case "":
		case NotTextMessage:
			r.fail(name, importCellNotText)
		default:
			r.fail(name, importCellTooLong, max)
		}
	}
}

func (r *row) fail(col, format string, args ...any) {
	r.failed = true
	r.im.fail(r.line, col, format, args...)
}

// problem fails the row with a rule's refusal; it reports whether there was one.
func (r *row) problem(col string, p *Problem) bool {
	if p == nil {
		return false
	}
	r.fail(col, p.Format, p.Args...)
	return true
}

// date reads a date column: a date from 1900 on that keeps the rule.
func (r *row) date(col string, required bool, rule DateRule) *time.Time {
	s := r.get(col)
	if s == "" {
		if required {
			r.fail(col, "a date is required")
		}
		return nil
	}
	d, p := CheckDate(s, rule)
	if r.problem(col, p) {
		return nil
	}
	return &d
}

func (r *row) patient() *importPatient {
	number := r.get("patient")
	p, ok := r.im.patients[number]
	if !ok {
		r.fail("patient", "there is no patient %q in study %s", number, r.im.st.Code)
		return nil
	}
	return p
}

// tableColumns are the columns each table's file must have; the others of the export are
// allowed and not read.
var tableColumns = map[string][]string{
	TableLong:          {"patient", "visit", "visit_date", "measure", "value", "missing_code"},
	TableWide:          {"patient", "visit", "visit_date"},
	TablePatients:      {"patient", "site", "arm", "sex", "birth_year", "enrolled_on", "treated_on", "status", "status_on"},
	TableEvents:        {"patient", "event", "occurred_on", "notes"},
	TableAdverseEvents: {"patient", "term", "onset_on", "ended_on", "grade", "serious", "relatedness", "outcome", "notes"},
}

// read checks every row of the file and keeps the good ones.
func (im *importer) read(r io.Reader, table string) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	head, _ := br.Peek(64 << 10)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	// The header shows the delimiter: its names hold none of these.
	for _, d := range []rune{';', '\t', ','} {
		if bytes.ContainsRune(head, d) {
			cr.Comma = d
			break
		}
	}
	// A semicolon-separated file is a Swedish or Danish spreadsheet's: its decimal mark is
	// the comma.
	im.style = PointDecimal
	if cr.Comma == ';' {
		im.style = DecimalComma
	}
	header, err := cr.Read()
	if err == io.EOF {
		im.fail(1, "", "the file is empty: it needs a header line")
		return nil
	}
	if err != nil {
		im.fail(1, "", "the header cannot be read: %v", csvProblem(err))
		return nil
	}
	cols := map[string]int{}
	known := map[string]bool{}
	for _, c := range Columns(im.st) {
		if c.Table == table {
			known[c.Name] = true
		}
	}
	for i, name := range header {
		name = strings.TrimSpace(name)
		if !known[name] {
			im.fail(1, name, "%s has no column %q", table, name)
		}
		if _, dup := cols[name]; dup {
			im.fail(1, name, "the column %q appears twice", name)
		}
		cols[name] = i
	}
	for _, name := range tableColumns[table] {
		if _, ok := cols[name]; !ok {
			im.fail(1, name, "the column %q is missing", name)
		}
	}
	if im.res.ErrorCount > 0 {
		return nil
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(err, csv.ErrFieldCount) {
				im.res.Rows++
				im.fail(pe.StartLine, "", "%d columns, the header has %d", len(rec), len(header))
				continue
			}
			if errors.As(err, &pe) {
				im.fail(pe.Line, "", "%s at character %d; the rest of the file was not read", csvProblem(err), pe.Column)
				return nil
			}
			return fmt.Errorf("read import file: %w", err)
		}
		// Only now: after a syntax error in its first cell a record has no fields, and
		// FieldPos(0) would panic.
		line, _ := cr.FieldPos(0)
		im.res.Rows++
		rw := &row{im: im, rec: rec, cols: cols, line: line}
		rw.checkText()
		if s, ok := cols["study"]; ok && rec[s] != im.st.Code {
			rw.fail("study", "the row is for study %q, not %s", rec[s], im.st.Code)
		}
		switch table {
		case TableLong:
			im.readLong(rw)
		case TableWide:
			im.readWide(rw)
		case TablePatients:
			im.readPatient(rw)
		case TableEvents:
			im.readEvent(rw)
		case TableAdverseEvents:
			im.readAE(rw)
		}
	}
	if im.res.Rows == 0 {
		im.fail(2, "", "the file has a header but no rows")
	}
	if table == TableLong {
		im.longAnswers()
	}
	im.checkDuplicates(table)
	return nil
}

// csvProblem says in words what a CSV syntax error is: a Phrase when it is one the UI
// translates, else the error's own text.
func csvProblem(err error) any {
	switch {
	case errors.Is(err, csv.ErrQuote):
		return Phrase(`broken quoting (a quoted cell is not closed, or text follows its closing '"')`)
	case errors.Is(err, csv.ErrBareQuote):
		return Phrase(`broken quoting (a '"' inside a cell must be written "" in a quoted cell)`)
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func (im *importer) readLong(r *row) {
	p := r.patient()
	sv, svOK := r.visit()
	d := r.visitDate(p, sv, svOK)
	mc := r.get("measure")
	m, ok := im.st.Measure(mc)
	if !ok && im.longItem(r, p, sv, d, mc) {
		return
	}
	if !ok {
		r.fail("measure", "study %s has no measure %q", im.st.Code, mc)
	}
	source := r.source()
	if ok && m.Instrument != nil && !r.failed {
		// Checked with the rows of its answers, once the whole file is read.
		im.scoreRows = append(im.scoreRows, pendingAnswer{patient: p.id, visit: sv.ID, measure: m.ID,
			raw: r.get("value"), missing: r.get("missing_code"), line: int32(r.line), date: dayNumber(*d), source: source})
		return
	}
	var value float64
	var missing uint8
	if ok {
		value, missing, _ = r.value(m, "value", "missing_code", true, r.recorded(p, sv, m))
	}
	if r.failed {
		return
	}
	im.values = append(im.values, valueRow{patient: p.id, visit: sv.ID, measure: m.ID, date: dayNumber(*d), value: value, missing: missing,
		line: int32(r.line), source: source})
}

func (r *row) visit() (ScheduledVisit, bool) {
	code := r.get("visit")
	v, ok := r.im.st.Visit(code)
	if !ok {
		r.fail("visit", "study %s has no visit %q", r.im.st.Code, code)
	}
	return v, ok
}

// visitDate reads a visit's date by the rule the visit form keeps.
func (r *row) visitDate(p *importPatient, sv ScheduledVisit, svOK bool) *time.Time {
	rule := DateRule{}
	if p != nil && svOK {
		rule = VisitDateRule(r.im.today(p.zone), sv, p.treated)
		r.problem("visit", CheckVisitScheduled(sv, p.treated))
	}
	return r.date("visit_date", true, rule)
}

// recorded is the recorded score of an instrument measure at the row's visit, if any.
func (r *row) recorded(p *importPatient, sv ScheduledVisit, m Measure) *float64 {
	if p == nil || m.Instrument == nil {
		return nil
	}
	if x, ok := r.im.scores[[3]int64{p.id, sv.ID, m.ID}]; ok {
		return &x
	}
	return nil
}

// value reads a measure's value or its missing code (1 + its index in MissingDataCodes) by
// the rules the visit form keeps: exactly one of them, unless both may be empty (a wide row
// need not hold every measure); ok is false when there is neither. An instrument's score
// without its answers is taken only as the score already recorded (a file exported and
// imported again); else it is refused as typed (CheckInstrument).
func (r *row) value(m Measure, valueCol, missingCol string, required bool, recorded *float64) (value float64, missing uint8, ok bool) {
	vs, ms := r.get(valueCol), r.get(missingCol)
	switch {
	case vs == "" && ms == "":
		if required {
			r.fail(valueCol, "a value or a missing code (in %s) is required", missingCol)
		}
		return 0, 0, false
	case vs != "" && ms != "":
		r.fail(missingCol, "a value and a missing code: give only one")
		return 0, 0, false
	}
	var v Value
	var p *Problem
	if m.Instrument != nil {
		if x, xp := ParseNumber(vs, r.im.style); vs != "" && xp == nil && recorded != nil && x == *recorded {
			return x, 0, true
		}
		v, p, _ = CheckInstrument(m, ValueInput{Raw: vs, Missing: ms}, nil, r.im.style)
	} else {
		v, p = CheckValue(m, vs, ms, r.im.style)
	}
	col := valueCol
	if ms != "" {
		col = missingCol
	}
	if r.problem(col, p) {
		return 0, 0, false
	}
	if v.Missing != "" {
		return 0, uint8(slices.Index(MissingDataCodes, v.Missing) + 1), true
	}
	return *v.Value, 0, true
}

func (im *importer) readWide(r *row) {
	p := r.patient()
	sv, svOK := r.visit()
	d := r.visitDate(p, sv, svOK)
	start, startItems := len(im.values), len(im.items)
	for _, m := range im.st.Measures {
		if m.Instrument != nil && r.hasAnswers(m) {
			r.answers(m, p, sv)
			continue
		}
		if value, missing, ok := r.value(m, m.Code, m.Code+"_missing", false, r.recorded(p, sv, m)); ok && p != nil {
			im.values = append(im.values, valueRow{patient: p.id, visit: sv.ID, measure: m.ID, value: value, missing: missing, line: int32(r.line)})
		}
	}
	if r.failed {
		im.values, im.items = im.values[:start], im.items[:startItems]
		return
	}
	for i := start; i < len(im.values); i++ {
		im.values[i].date = dayNumber(*d)
	}
	im.visits = append(im.visits, visitRow{patient: p.id, visit: sv.ID, date: dayNumber(*d), line: int32(r.line)})
}

// hasAnswers: the row answers an item of the instrument measure m.
func (r *row) hasAnswers(m Measure) bool {
	for _, it := range m.Instrument.Items {
		if strings.TrimSpace(r.get(ItemColumn(m.Code, it.Code))) != "" {
			return true
		}
	}
	return false
}

// answers reads an instrument's item columns by the rule the visit form keeps
// (CheckInstrument): each answer one of its choices, the score computed; a score column
// that is not empty must be that score (as exported).
func (r *row) answers(m Measure, p *importPatient, sv ScheduledVisit) {
	items := map[string]ValueInput{}
	for _, it := range m.Instrument.Items {
		items[it.Code] = ValueInput{Raw: r.get(ItemColumn(m.Code, it.Code))}
	}
	score, missing := r.get(m.Code), r.get(m.Code+"_missing")
	// The score as exported, when it is the answers' score, is not a typed one.
	check := ValueInput{Missing: missing}
	v, vp, itemProblems := CheckInstrument(m, check, items, r.im.style)
	if vp == nil && len(itemProblems) == 0 && strings.TrimSpace(score) != "" {
		x, xp := ParseNumber(score, r.im.style)
		if xp != nil || v.Value == nil || math.Abs(x-*v.Value) > 1e-9*math.Max(1, math.Abs(x)) {
			_, vp, _ = CheckInstrument(m, ValueInput{Raw: score, Missing: missing}, nil, r.im.style)
		}
	}
	for _, it := range m.Instrument.Items {
		if ip := itemProblems[it.Code]; ip != nil {
			r.problem(ItemColumn(m.Code, it.Code), ip)
		}
	}
	col := m.Code
	if strings.TrimSpace(missing) != "" && strings.TrimSpace(score) == "" {
		col = m.Code + "_missing"
	}
	if r.problem(col, vp) || len(itemProblems) > 0 || p == nil {
		return
	}
	row := valueRow{patient: p.id, visit: sv.ID, measure: m.ID, line: int32(r.line), withItems: true}
	if v.Missing != "" {
		row.missing = uint8(slices.Index(MissingDataCodes, v.Missing) + 1)
	} else {
		row.value = *v.Value
	}
	r.im.values = append(r.im.values, row)
	for code, x := range v.Items {
		r.im.items = append(r.im.items, itemRow{patient: p.id, visit: sv.ID, measure: m.ID, item: code, value: x})
	}
}

func (im *importer) readPatient(r *row) {
	p := patientRow{number: r.get("patient"), sex: r.get("sex"), status: r.get("status"), line: r.line,
		siteCode: r.get("site"), armCode: r.get("arm")}
	if !patientNumberPattern.MatchString(p.number) {
		r.fail("patient", "%q is not a study number (letters, digits, '-' and '_')", p.number)
	}
	site, ok := im.sites[p.siteCode]
	switch {
	case !ok:
		r.fail("site", "there is no site %q", p.siteCode)
	case !site.takePart:
		r.fail("site", "the site %q does not take part in study %s", p.siteCode, im.st.Code)
	}
	p.site = site.id
	zone := site.zone
	if !ok {
		zone = DefaultTimeZone
	}
	today := im.today(zone)
	for _, a := range im.st.Arms {
		if a.Code == p.armCode {
			p.arm = a.ID
		}
	}
	if p.arm == 0 {
		r.fail("arm", "study %s has no arm %q", im.st.Code, p.armCode)
	}
	if p.sex != "F" && p.sex != "M" {
		r.fail("sex", "%q is not F or M", p.sex)
	}
	y, yp := CheckBirthYear(r.get("birth_year"), today)
	r.problem("birth_year", yp)
	p.birthYear = y
	enrolled := r.date("enrolled_on", true, EnrolmentDateRule(today))
	// The treatment date may be empty: the patient awaits treatment.
	if enrolled != nil {
		p.enrolled = *enrolled
		p.treated = r.date("treated_on", false, TreatmentDateRule(today, *enrolled))
	}
	if old, ok := im.patients[p.number]; ok && !r.failed {
		// The records already kept must stay after the treatment, as the treatment form keeps them.
		switch {
		case p.treated != nil:
			r.problem("treated_on", CheckTreatmentAgainstRecords(*p.treated, old.firstEvent, old.firstFollowUp))
		case old.firstFollowUp != nil:
			r.fail("treated_on", "a date is required: follow-up visits of the patient are recorded")
		}
	}
	if !slices.Contains(Statuses, p.status) {
		r.fail("status", "%q is not a status: use %s", p.status, strings.Join(Statuses, ", "))
	}
	if p.status == StatusActive && r.get("status_on") != "" {
		r.fail("status_on", "an active patient has no status date")
	}
	if p.status != StatusActive && enrolled != nil {
		p.statusOn = r.date("status_on", true, StatusDateRule(today, *enrolled))
	}
	if slices.Contains(Statuses, p.status) && !r.failed {
		// The status must agree with the death events recorded, as the forms keep it.
		var deathOn *time.Time
		if old, ok := im.patients[p.number]; ok {
			deathOn = old.deathOn
		}
		switch {
		case deathOn != nil:
			r.problem("status", CheckStatusAgainstDeath(p.status, p.statusOn, deathOn))
		case p.status == StatusDead && !slices.ContainsFunc(im.st.EventTypes, func(et EventType) bool { return et.Death }):
			r.fail("status", "study %s has no death event type to record the death with", im.st.Code)
		}
		// A dead patient without a recorded death gets the death event, dated status_on.
	}
	if !r.failed {
		im.patientR = append(im.patientR, p)
	}
}

var patientNumberPattern = importNumberPattern

func (im *importer) readEvent(r *row) {
	p := r.patient()
	e := eventRow{notes: unneutralise(r.get("notes"))}
	code := r.get("event")
	var et EventType
	for _, t := range im.st.EventTypes {
		if t.Code == code {
			et = t
		}
	}
	e.eventType = et.ID
	if e.eventType == 0 {
		r.fail("event", "study %s has no event type %q", im.st.Code, code)
	}
	rule := DateRule{}
	if p != nil {
		e.patient = p.id
		rule = EventDateRule(im.today(p.zone), p.enrolled, p.treated)
	}
	if d := r.date("occurred_on", true, rule); d != nil {
		e.on = *d
	}
	if et.Death && p != nil && !r.failed {
		// One death per patient: the one recorded, or one in the file.
		switch {
		case p.deathOn != nil && !p.deathOn.Equal(e.on):
			r.fail("event", "The patient's death is already recorded (on %s).", dateText(*p.deathOn))
		case im.deaths[p.id] != 0:
			r.fail("event", "a second death of this patient (the first is on line %d)", im.deaths[p.id])
		default:
			if im.deaths == nil {
				im.deaths = map[int64]int{}
			}
			im.deaths[p.id] = r.line
		}
	}
	if !r.failed {
		im.events = append(im.events, e)
	}
}

func (im *importer) readAE(r *row) {
	p := r.patient()
	a := aeRow{term: unneutralise(r.get("term")), relatedness: r.get("relatedness"),
		outcome: r.get("outcome"), notes: unneutralise(r.get("notes"))}
	if strings.TrimSpace(a.term) == "" {
		r.fail("term", "a term is required")
	}
	var today time.Time
	onsetRule := DateRule{}
	if p != nil {
		a.patient = p.id
		today = im.today(p.zone)
		onsetRule = OnsetDateRule(today, p.enrolled)
	}
	if d := r.date("onset_on", true, onsetRule); d != nil {
		a.onset = *d
		a.ended = r.date("ended_on", false, EndDateRule(today, *d))
	}
	g, err := strconv.Atoi(r.get("grade"))
	if err != nil || g < 1 || g > 5 {
		r.fail("grade", "%q is not a grade from 1 to 5", r.get("grade"))
	}
	a.grade = g
	switch r.get("serious") {
	case "true":
		a.serious = true
	case "false":
	default:
		r.fail("serious", "%q is not true or false", r.get("serious"))
	}
	if !slices.Contains(Relatedness, a.relatedness) {
		r.fail("relatedness", "%q is not one of %s", a.relatedness, strings.Join(Relatedness, ", "))
	}
	if !slices.Contains(AEOutcomes, a.outcome) {
		r.fail("outcome", "%q is not one of %s", a.outcome, strings.Join(AEOutcomes, ", "))
	} else if err == nil && g >= 1 && g <= 5 {
		r.problem("outcome", CheckGradeOutcome(g, a.outcome))
	}
	if !r.failed {
		im.aes = append(im.aes, a)
	}
}

// checkDuplicates refuses a file that gives the same record twice: which one should win?
func (im *importer) checkDuplicates(table string) {
	switch table {
	case TableLong, TableWide:
		slices.SortFunc(im.values, func(a, b valueRow) int {
			if c := cmpInts(a.patient, b.patient, a.visit, b.visit, a.measure, b.measure); c != 0 {
				return c
			}
			return int(a.line - b.line)
		})
		for i := 1; i < len(im.values); i++ {
			a, b := im.values[i-1], im.values[i]
			if a.patient == b.patient && a.visit == b.visit {
				if a.measure == b.measure {
					im.fail(int(b.line), "measure", "the same patient, visit and measure as line %d", a.line)
				} else if a.date != b.date && table == TableLong {
					im.fail(int(b.line), "visit_date", "another date for this visit than line %d", a.line)
				}
			}
		}
		if table == TableLong {
			for i, v := range im.values {
				if i == 0 || v.patient != im.values[i-1].patient || v.visit != im.values[i-1].visit {
					im.visits = append(im.visits, visitRow{patient: v.patient, visit: v.visit, date: v.date, line: v.line})
				}
			}
			return
		}
		slices.SortFunc(im.visits, func(a, b visitRow) int {
			if c := cmpInts(a.patient, b.patient, a.visit, b.visit); c != 0 {
				return c
			}
			return int(a.line - b.line)
		})
		for i := 1; i < len(im.visits); i++ {
			if a, b := im.visits[i-1], im.visits[i]; a.patient == b.patient && a.visit == b.visit {
				im.fail(int(b.line), "visit", "the same patient and visit as line %d", a.line)
			}
		}
	case TablePatients:
		seen := map[string]int{}
		for _, p := range im.patientR {
			if l, ok := seen[p.number]; ok {
				im.fail(p.line, "patient", "the same patient as line %d", l)
			}
			seen[p.number] = p.line
		}
	}
}

func cmpInts(pairs ...int64) int {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i] != pairs[i+1] {
			if pairs[i] < pairs[i+1] {
				return -1
			}
			return 1
		}
	}
	return 0
}
