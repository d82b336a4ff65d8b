package registry

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Export tables: the shapes a statistician downloads.
const (
	TableLong          = "long"
	TableWide          = "wide"
	TableVisits        = "visits"
	TableItems         = "items"
	TablePatients      = "patients"
	TableEvents        = "events"
	TableAdverseEvents = "adverse_events"
	TableCodebook      = "codebook"
	TableAudit         = "audit"
)

// ExportTables lists every table, in the order of the ZIP of them all.
var ExportTables = []string{TableLong, TableWide, TableVisits, TableItems, TablePatients, TableEvents, TableAdverseEvents, TableCodebook, TableAudit}

// Delimiters a CSV export may use, by name.
var Delimiters = map[string]rune{"comma": ',', "semicolon": ';', "tab": '\t'}

// ExportOptions says what to export.
type ExportOptions struct {
	Study     string
	Table     string // one of ExportTables
	Delimiter string // comma (default), semicolon or tab
	Site      string // a site code to limit the rows to; "" for every site
	// Decimal is the decimal mark of the measured values: "point" (default) or "comma", for
	// Swedish and Danish spreadsheets; a decimal comma needs the semicolon as the delimiter.
	Decimal string
	// WithAudit includes the audit trail in the ZIP of every table (administrators only).
	WithAudit bool
}

// Validate checks the options a person chose; the study and site are looked up later.
func (o *ExportOptions) Validate() error {
	switch o.Decimal {
	case "", "point":
		o.Decimal = "point"
	case "comma":
		if o.Delimiter == "" {
			o.Delimiter = "semicolon"
		}
		if o.Delimiter != "semicolon" {
			return Errorf(EINVALID, "A decimal comma needs the semicolon as the delimiter, not %s.", o.Delimiter)
		}
	default:
		return Errorf(EINVALID, "The decimal mark must be point or comma, not %q.", o.Decimal)
	}
	if o.Delimiter == "" {
		o.Delimiter = "comma"
	}
	if _, ok := Delimiters[o.Delimiter]; !ok {
		return Errorf(EINVALID, "The delimiter must be comma, semicolon or tab, not %q.", o.Delimiter)
	}
	if o.Table != "all" && !slices.Contains(ExportTables, o.Table) {
		return Errorf(EINVALID, "There is no table %q to export: choose one of %s.", o.Table, strings.Join(ExportTables, ", "))
	}
	return nil
}

// exporter writes one study's tables within one transaction.
type exporter struct {
	st     *Study
	siteID int64 // 0: every site
	delim  rune
	comma  bool // values with a decimal comma
	tx     pgx.Tx
}

// Export writes one table as CSV to w and returns the number of data rows. It streams:
// memory stays flat whatever the size. The export is recorded in the audit trail.
func (s *Store) Export(ctx context.Context, w io.Writer, who Actor, o ExportOptions) (int64, error) {
	if err := o.Validate(); err != nil {
		return 0, err
	}
	if o.Table == "all" {
		return 0, Errorf(EINVALID, "All tables at once come as a ZIP file.")
	}
	var rows int64
	started := false
	err := s.exportTx(ctx, o, func(e *exporter) error {
		started = true
		var err error
		rows, err = e.write(ctx, w, o.Table)
		return err
	})
	if err != nil {
		if started {
			s.auditBrokenExport(ctx, who, o)
		}
		return 0, err
	}
	return rows, s.auditExport(ctx, who, o, map[string]int64{o.Table: rows})
}

// auditBrokenExport records an export that broke off: some of its rows may have gone out.
// It is written even when the request is gone (a closed download). The caller returns the
// export's own error, so a failure here has nowhere more useful to go.
func (s *Store) auditBrokenExport(ctx context.Context, who Actor, o ExportOptions) {
	_ = s.auditExport(context.WithoutCancel(ctx), who, o, nil)
}

// ExportZip writes every table, a README.txt and an R script that reads them, as one ZIP,
// all from one snapshot of the database.
func (s *Store) ExportZip(ctx context.Context, w io.Writer, who Actor, o ExportOptions) (map[string]int64, error) {
	o.Table = "all"
	if err := o.Validate(); err != nil {
		return nil, err
	}
	counts := map[string]int64{}
	var names []string
	started := false
	err := s.exportTx(ctx, o, func(e *exporter) error {
		started = true
		zw := zip.NewWriter(w)
		for _, table := range ExportTables {
			if table == TableAudit && !o.WithAudit {
				continue
			}
			// No modification time: the same data gives the same archive, byte for byte.
			f, err := zw.CreateHeader(&zip.FileHeader{Name: table + ".csv", Method: zip.Deflate})
			if err != nil {
				return err
			}
			n, err := e.write(ctx, f, table)
			if err != nil {
				return err
			}
			counts[table] = n
			names = append(names, table)
		}
		for _, doc := range []struct{ name, text string }{
			{"README.txt", zipReadme(e.st, o, names, counts)},
			{"read_" + strings.ReplaceAll(e.st.Code, "-", "_") + ".R", rScript(e.st, o, names)},
			{"read_" + strings.ReplaceAll(e.st.Code, "-", "_") + ".do", stataScript(e.st, o, names)},
			{"read_" + strings.ReplaceAll(e.st.Code, "-", "_") + ".sps", spssScript(e.st, o, names)},
		} {
			f, err := zw.CreateHeader(&zip.FileHeader{Name: doc.name, Method: zip.Deflate})
			if err != nil {
				return err
			}
			if _, err := io.WriteString(f, doc.text); err != nil {
				return err
			}
		}
		return zw.Close()
	})
	if err != nil {
		if started {
			s.auditBrokenExport(ctx, who, o)
		}
		return nil, err
	}
	return counts, s.auditExport(ctx, who, o, counts)
}

// exportTx runs fn in one REPEATABLE READ, read-only transaction, so that every table of an
// export comes from the same snapshot, with the settings that make dates ISO 8601 and
// numbers exact.
func (s *Store) exportTx(ctx context.Context, o ExportOptions, fn func(*exporter) error) error {
	st, err := s.Study(ctx, o.Study)
	if err != nil {
		return err
	}
	e := &exporter{st: st, delim: Delimiters[o.Delimiter], comma: o.Decimal == "comma"}
	if o.Site != "" {
		err := s.DB.QueryRow(ctx, `SELECT id FROM sites WHERE code = $1`, o.Site).Scan(&e.siteID)
		if err == pgx.ErrNoRows {
			return Errorf(ENOTFOUND, "There is no site %q.", o.Site)
		}
		if err != nil {
			return fmt.Errorf("look up site %s: %w", o.Site, err)
		}
	}
	tx, err := s.DB.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("begin export: %w", err)
	}
	defer tx.Rollback(ctx)
	// extra_float_digits 1 prints the shortest text that reads back as the same double.
	// work_mem lets the sort of a large study's rows stay in memory.
	if _, err := tx.Exec(ctx, `SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL extra_float_digits = 1; SET LOCAL TimeZone = 'UTC';
		SET LOCAL work_mem = '64MB'`); err != nil {
		return fmt.Errorf("export settings: %w", err)
	}
	e.tx = tx
	if err := fn(e); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// auditExport records an export: who, which table, which filters, how many rows (nil rows:
// the export broke off).
func (s *Store) auditExport(ctx context.Context, who Actor, o ExportOptions, rows map[string]int64) error {
	filters := map[string]string{"delimiter": o.Delimiter}
	if o.Decimal == "comma" {
		filters["decimal"] = o.Decimal
	}
	if o.Site != "" {
		filters["site"] = o.Site
	}
	var studyID int64
	if err := s.DB.QueryRow(ctx, `SELECT id FROM studies WHERE code = $1`, o.Study).Scan(&studyID); err != nil {
		return fmt.Errorf("audit export: %w", err)
	}
	return s.Audit(ctx, who, AuditEntry{
		Action: "export", Entity: "export", EntityID: o.Table, StudyID: studyID,
		After: map[string]any{"table": o.Table, "filters": filters, "rows": rows, "complete": rows != nil},
	})
}

// write writes one table and returns its number of data rows.
func (e *exporter) write(ctx context.Context, w io.Writer, table string) (int64, error) {
	if table == TableCodebook {
		return e.writeCodebook(w)
	}
	query, err := e.query(table)
	if err != nil {
		return 0, err
	}
	tag, err := e.tx.Conn().PgConn().CopyTo(ctx, w, e.copySQL(query))
	if err != nil {
		return 0, fmt.Errorf("export %s of %s: %w", table, e.st.Code, err)
	}
	return tag.RowsAffected(), nil
}

// number is a measured value's column: as it is, or with a decimal comma.
func (e *exporter) number(expr string) string {
	if !e.comma {
		return expr
	}
	return "replace((" + expr + ")::text, '.', ',')"
}

// copySQL wraps a table's SELECT in the COPY that writes it as CSV.
func (e *exporter) copySQL(query string) string {
	delim := "','"
	switch e.delim {
	case ';':
		delim = "';'"
	case '\t':
		delim = `E'\t'`
	}
	return fmt.Sprintf(`COPY (%s) TO STDOUT WITH (FORMAT csv, HEADER true, DELIMITER %s)`, query, delim)
}

// text neutralises free text that a spreadsheet would run as a formula: text starting with
// = + - @ tab or carriage return gets a leading apostrophe. Text that starts with an
// apostrophe gets one more, so that an import can take exactly one away again. Empty text
// is an empty cell.
func text(expr string) string {
	return fmt.Sprintf(`NULLIF(CASE WHEN left(%[1]s, 1) IN ('=', '+', '-', '@', E'\t', E'\r', '''') THEN '''' || %[1]s ELSE %[1]s END, '')`, expr)
}

// Neutralise is text() for Go: what the export does to a free-text cell.
func Neutralise(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r'", rune(s[0])) {
		return "'" + s
	}
	return s
}

// unneutralise undoes Neutralise on an imported cell.
func unneutralise(s string) string {
	if len(s) >= 2 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r'", rune(s[1])) {
		return s[1:]
	}
	return s
}

func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// patientColumns are the first columns of the long and wide tables.
const patientColumns = `%[1]s AS study, si.code AS site, p.study_number AS patient, a.code AS arm, p.sex, p.birth_year`

const visitColumns = `sv.code AS visit, sv.target_day, v.visit_date, v.visit_date - p.treated_on AS days_from_treatment,
	(` + inWindow + `)::text AS in_window` // empty while the treatment date is not recorded

// inWindow is the rule "in window" (visit_in_window, migrations/functions.sql) for a visit v
// of a patient p at scheduled visit sv: NULL for a visit without a date.
const inWindow = `visit_in_window(v.visit_date, p.treated_on, sv.target_day, sv.window_before, sv.window_after)`

// query returns the SELECT of a table. Ids are numbers and codes are quoted, so the text is
// safe to build; COPY takes no parameters.
func (e *exporter) query(table string) (string, error) {
	study := literal(e.st.Code)
	site := ""
	if e.siteID != 0 {
		site = " AND p.site_id = " + strconv.FormatInt(e.siteID, 10)
	}
	id := strconv.FormatInt(e.st.ID, 10)
	switch table {
	case TableLong:
		if e.hasInstruments() {
			return e.longWithItems(study, id, site), nil
		}
		return fmt.Sprintf(`SELECT `+patientColumns+`, `+visitColumns+`, m.code AS measure, `+e.number("vv.value")+` AS value, vv.missing_code,
				vv.source
			FROM visit_values vv
			JOIN visits v ON v.id = vv.visit_id
			JOIN patients p ON p.id = v.patient_id
			JOIN sites si ON si.id = p.site_id
			JOIN arms a ON a.id = p.arm_id
			JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id
			JOIN measures m ON m.id = vv.measure_id
			WHERE vv.study_id = %[2]s%[3]s
			ORDER BY p.study_number, sv.position, m.position`, study, id, site), nil
	case TableWide:
		var cols strings.Builder
		items := ""
		for _, m := range e.st.Measures {
			mid := strconv.FormatInt(m.ID, 10)
			fmt.Fprintf(&cols, `, %s AS %s, max(vv.missing_code) FILTER (WHERE vv.measure_id = %s) AS %s`,
				e.number(`max(vv.value) FILTER (WHERE vv.measure_id = `+mid+`)`), pgx.Identifier{m.Code}.Sanitize(), mid, pgx.Identifier{m.Code + "_missing"}.Sanitize())
			for _, code := range instrumentItems(m) {
				// The answers of a visit come as one JSON object keyed "measure id/item".
				fmt.Fprintf(&cols, `, %s AS %s`, e.number(`(vi.answers ->> `+literal(mid+"/"+code)+`)::float8`),
					pgx.Identifier{ItemColumn(m.Code, code)}.Sanitize())
				items = `
			LEFT JOIN LATERAL (SELECT jsonb_object_agg(i.measure_id || '/' || i.item_code, i.value) AS answers
				FROM visit_items i WHERE i.visit_id = v.id) vi ON true`
			}
		}
		groupItems := ""
		if items != "" {
			groupItems = ", vi.answers"
		}
		return fmt.Sprintf(`SELECT `+patientColumns+`, `+visitColumns+`%[4]s
			FROM visits v
			JOIN patients p ON p.id = v.patient_id
			JOIN sites si ON si.id = p.site_id
			JOIN arms a ON a.id = p.arm_id
			JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id
			LEFT JOIN visit_values vv ON vv.visit_id = v.id%[5]s
			WHERE v.study_id = %[2]s AND v.state = 'done'%[3]s
			GROUP BY v.id, p.id, si.code, a.code, sv.id%[6]s
			ORDER BY p.study_number, sv.position`, study, id, site, cols.String(), items, groupItems), nil
	case TableItems:
		// One row per answered item of an instrument, with the source of its score.
		return fmt.Sprintf(`SELECT %[1]s AS study, si.code AS site, p.study_number AS patient, sv.code AS visit, v.visit_date,
				m.code AS measure, i.item_code AS item, `+e.number("i.value")+` AS value, vv.source
			FROM visit_items i
			JOIN visit_values vv ON vv.visit_id = i.visit_id AND vv.measure_id = i.measure_id
			JOIN visits v ON v.id = i.visit_id
			JOIN patients p ON p.id = v.patient_id
			JOIN sites si ON si.id = p.site_id
			JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id
			JOIN measures m ON m.id = i.measure_id
			WHERE i.study_id = %[2]s%[3]s
			ORDER BY p.study_number, sv.position, m.position, %[4]s, i.item_code`, study, id, site, itemPosition(e.st)), nil
	case TableVisits:
		// Every recorded visit, done or missed, and who recorded it (the audit row of its
		// insert: by the form, keyed by the visit's code, or by an import, by its id).
		return fmt.Sprintf(`SELECT `+patientColumns+`, sv.code AS visit, sv.target_day, v.state, v.visit_date,
				v.visit_date - p.treated_on AS days_from_treatment,
				(`+inWindow+`)::text AS in_window,
				%[4]s AS missed_reason, %[5]s AS notes, %[6]s AS recorded_by
			FROM visits v
			JOIN patients p ON p.id = v.patient_id
			JOIN sites si ON si.id = p.site_id
			JOIN arms a ON a.id = p.arm_id
			JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id
			WHERE v.study_id = %[2]s%[3]s
			ORDER BY p.study_number, sv.position`, study, id, site, text("v.missed_reason"), text("v.notes"),
			text(`(SELECT l.actor FROM audit_log l WHERE l.patient_id = p.id AND l.entity = 'visit' AND l.action = 'insert'
				AND l.entity_id IN (sv.code, v.id::text) ORDER BY l.id DESC LIMIT 1)`)), nil
	case TablePatients:
		return fmt.Sprintf(`SELECT `+patientColumns+`, p.enrolled_on, p.treated_on, p.status, p.status_on
			FROM patients p
			JOIN sites si ON si.id = p.site_id
			JOIN arms a ON a.id = p.arm_id
			WHERE p.study_id = %[2]s%[3]s
			ORDER BY p.study_number`, study, id, site), nil
	case TableEvents:
		return fmt.Sprintf(`SELECT %[1]s AS study, si.code AS site, p.study_number AS patient, et.code AS event, e.occurred_on, %[4]s AS notes
			FROM events e
			JOIN patients p ON p.id = e.patient_id
			JOIN sites si ON si.id = p.site_id
			JOIN event_types et ON et.id = e.event_type_id
			WHERE e.study_id = %[2]s%[3]s
			ORDER BY p.study_number, e.occurred_on, et.position, e.id`, study, id, site, text("e.notes")), nil
	case TableAdverseEvents:
		return fmt.Sprintf(`SELECT %[1]s AS study, si.code AS site, p.study_number AS patient, %[4]s AS term, ae.onset_on, ae.ended_on,
				ae.grade, CASE WHEN ae.serious THEN 'true' ELSE 'false' END AS serious, ae.relatedness, ae.outcome, %[5]s AS notes
			FROM adverse_events ae
			JOIN patients p ON p.id = ae.patient_id
			JOIN sites si ON si.id = p.site_id
			WHERE ae.study_id = %[2]s%[3]s
			ORDER BY p.study_number, ae.onset_on, ae.term, ae.id`, study, id, site, text("ae.term"), text("ae.notes")), nil
	case TableAudit:
		return fmt.Sprintf(`SELECT l.id, l.at, l.actor, l.action, l.entity, NULLIF(l.entity_id, '') AS entity_id, p.study_number AS patient,
				l.before::text AS before, l.after::text AS after, %[3]s AS reason
			FROM audit_log l
			LEFT JOIN patients p ON p.id = l.patient_id
			WHERE l.study_id = %[1]s%[2]s
			ORDER BY l.id`, id, site, text("l.reason")), nil
	}
	return "", Errorf(EINVALID, "There is no table %q to export.", table)
}

// csvWriter returns an encoding/csv writer with the export's delimiter. PostgreSQL's COPY
// and encoding/csv quote alike (RFC 4180) and both end lines with \n.
func (e *exporter) csvWriter(w io.Writer) *csv.Writer {
	cw := csv.NewWriter(w)
	cw.Comma = e.delim
	return cw
}

// ItemColumn is the wide table's column of an instrument item's answer (and the import's):
// <measure>__<item>, such as koos_pain__p1.
func ItemColumn(measure, item string) string { return measure + "__" + item }

func (e *exporter) hasInstruments() bool {
	return slices.ContainsFunc(e.st.Measures, func(m Measure) bool { return m.Instrument != nil })
}

// longWithItems is the long table of a study with instruments: after an instrument's score,
// one row per answered item, its measure named <measure>__<item> (as the wide table's
// column), so that the long table imports back with the answers its scores come from.
func (e *exporter) longWithItems(study, id, site string) string {
	return fmt.Sprintf(`SELECT `+patientColumns+`, `+visitColumns+`,
			CASE WHEN x.item IS NULL THEN m.code ELSE m.code || '__' || x.item END AS measure,
			`+e.number("x.value")+` AS value, x.missing_code, x.source
		FROM (
			SELECT vv.visit_id, vv.measure_id, NULL::text AS item, -1 AS item_position, vv.value, vv.missing_code, vv.source
			FROM visit_values vv WHERE vv.study_id = %[2]s
			UNION ALL
			SELECT i.visit_id, i.measure_id, i.item_code, %[4]s, i.value, NULL, vv.source
			FROM visit_items i JOIN visit_values vv ON vv.visit_id = i.visit_id AND vv.measure_id = i.measure_id
			WHERE i.study_id = %[2]s
		) x
		JOIN visits v ON v.id = x.visit_id
		JOIN patients p ON p.id = v.patient_id
		JOIN sites si ON si.id = p.site_id
		JOIN arms a ON a.id = p.arm_id
		JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id
		JOIN measures m ON m.id = x.measure_id
		WHERE true%[3]s
		ORDER BY p.study_number, sv.position, m.position, x.item_position, x.item`, study, id, site, itemPosition(e.st))
}

// itemPosition is an item's place in its instrument, as the study file lists them.
func itemPosition(st *Study) string {
	var b strings.Builder
	b.WriteString("CASE")
	for _, m := range st.Measures {
		for n, code := range instrumentItems(m) {
			fmt.Fprintf(&b, " WHEN i.measure_id = %d AND i.item_code = %s THEN %d", m.ID, literal(code), n)
		}
	}
	if b.Len() == len("CASE") {
		return "i.item_code" // no instrument: no items
	}
	b.WriteString(" ELSE 1000 END")
	return b.String()
}
