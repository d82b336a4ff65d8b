package registry

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Column is one column of an export table, as the codebook describes it.
type Column struct {
	Table   string
	Name    string
	Label   string
	Type    string // text, integer, number, date, boolean, timestamp, json
	Unit    string
	Allowed string // range or choices
	Missing string // the missing codes of the value, or where its code is
}

// Columns returns the columns of every table of a study's export, in file order.
func Columns(st *Study) []Column {
	var cols []Column
	add := func(table, name, label, typ, allowed string) {
		cols = append(cols, Column{Table: table, Name: name, Label: label, Type: typ, Allowed: allowed})
	}
	arms := make([]string, len(st.Arms))
	for i, a := range st.Arms {
		arms[i] = a.Code
	}
	visits := make([]string, len(st.Visits))
	for i, v := range st.Visits {
		visits[i] = v.Code
	}
	patient := func(table string) {
		add(table, "study", "Study code", "text", st.Code)
		add(table, "site", "Site code", "text", "")
		add(table, "patient", "Study number of the patient", "text", "")
		add(table, "arm", "Treatment arm", "text", strings.Join(arms, " | "))
		add(table, "sex", "Sex", "text", "F | M")
		add(table, "birth_year", "Year of birth", "integer", "1900-2100")
	}
	visit := func(table string) {
		add(table, "visit", "Scheduled visit", "text", strings.Join(visits, " | "))
		add(table, "target_day", "Target day of the visit after treatment (day 0)", "integer", "")
		add(table, "visit_date", "Date of the visit", "date", "")
		add(table, "days_from_treatment", "Days from treatment to the visit (empty while the treatment date is not recorded)", "integer", "")
		add(table, "in_window", "The visit took place inside its window (empty while the treatment date is not recorded)", "boolean", "true | false")
	}
	missing := strings.Join(MissingDataCodes, " | ")

	patient(TableLong)
	visit(TableLong)
	measures := make([]string, len(st.Measures))
	for i, m := range st.Measures {
		measures[i] = m.Code
	}
	for _, m := range st.Measures {
		if m.Instrument != nil {
			measures = append(measures, ItemColumn(m.Code, "<item>"))
			break
		}
	}
	add(TableLong, "measure", "Outcome measure; <measure>__<item> is the answer to an instrument's item (its question and choices: the wide table's column of that name)", "text", strings.Join(measures, " | "))
	add(TableLong, "value", "Value of the measure (empty when missing)", "number", "see the measure's row in the wide table")
	cols[len(cols)-1].Missing = "missing_code"
	add(TableLong, "missing_code", "Why the value is missing", "text", missing)
	add(TableLong, "source", "Who gave the value: staff (a nurse's form), patient (answered from home by the patient's link) or import (a CSV file)", "text", "staff | patient | import")

	patient(TableWide)
	visit(TableWide)
	for _, m := range st.Measures {
		typ := "number"
		if m.Kind != KindNumber {
			typ = "integer"
		}
		cols = append(cols,
			Column{Table: TableWide, Name: m.Code, Label: m.Labels.In("en"), Type: typ, Unit: m.Unit, Allowed: allowed(m), Missing: m.Code + "_missing"},
			Column{Table: TableWide, Name: m.Code + "_missing", Label: "Why " + m.Code + " is missing", Type: "text", Allowed: missing})
		if m.Instrument != nil {
			cols[len(cols)-2].Label += " (score computed from the items " + ItemColumn(m.Code, "*") + ": " + scoringRule(m.Instrument) + ")"
		}
		for _, it := range itemsOf(m) {
			typ := "integer"
			for _, c := range it.Choices {
				if c.Value != float64(int64(c.Value)) {
					typ = "number"
				}
			}
			label := m.Labels.In("en") + ": " + it.Labels.In("en")
			if it.Category != "" {
				label = m.Labels.In("en") + " (" + it.Category + "): " + it.Labels.In("en")
			}
			cols = append(cols, Column{Table: TableWide, Name: ItemColumn(m.Code, it.Code), Label: label, Type: typ,
				Allowed: choiceList(it.Choices), Missing: "empty: not answered"})
		}
	}

	patient(TableVisits)
	add(TableVisits, "visit", "Scheduled visit", "text", strings.Join(visits, " | "))
	add(TableVisits, "target_day", "Target day of the visit after treatment (day 0)", "integer", "")
	add(TableVisits, "state", "Whether the visit was done or missed", "text", "done | missed")
	add(TableVisits, "visit_date", "Date of the visit (empty when missed)", "date", "")
	add(TableVisits, "days_from_treatment", "Days from treatment to the visit (empty while the treatment date is not recorded)", "integer", "")
	add(TableVisits, "in_window", "The visit took place inside its window (empty when missed or while the treatment date is not recorded)", "boolean", "true | false")
	add(TableVisits, "missed_reason", "Why the visit was missed (free text)", "text", "")
	add(TableVisits, "notes", "Notes (free text)", "text", "")
	add(TableVisits, "recorded_by", "Who recorded the visit: email, cli, or an import's actor", "text", "")

	add(TableItems, "study", "Study code", "text", st.Code)
	add(TableItems, "site", "Site code", "text", "")
	add(TableItems, "patient", "Study number of the patient", "text", "")
	add(TableItems, "visit", "Scheduled visit", "text", strings.Join(visits, " | "))
	add(TableItems, "visit_date", "Date of the visit", "date", "")
	var instruments []string
	for _, m := range st.Measures {
		if m.Instrument != nil {
			instruments = append(instruments, m.Code)
		}
	}
	add(TableItems, "measure", "Instrument measure whose score the item counts in", "text", strings.Join(instruments, " | "))
	add(TableItems, "item", "Item of the instrument (its question and choices: the wide table's column <measure>__<item>)", "text", "")
	add(TableItems, "value", "Answer to the item (an item not answered has no row)", "number", "see the wide table's column <measure>__<item>")
	add(TableItems, "source", "Who answered: staff, patient or import", "text", "staff | patient | import")

	patient(TablePatients)
	add(TablePatients, "enrolled_on", "Date of enrolment", "date", "")
	add(TablePatients, "treated_on", "Date of treatment (day 0); empty while the patient awaits treatment", "date", "")
	add(TablePatients, "status", "Follow-up status", "text", "active | completed | withdrawn | lost | dead")
	add(TablePatients, "status_on", "Date the status began (empty while active)", "date", "")

	types := make([]string, len(st.EventTypes))
	for i, et := range st.EventTypes {
		types[i] = et.Code
	}
	add(TableEvents, "study", "Study code", "text", st.Code)
	add(TableEvents, "site", "Site code", "text", "")
	add(TableEvents, "patient", "Study number of the patient", "text", "")
	add(TableEvents, "event", "Event type", "text", strings.Join(types, " | "))
	add(TableEvents, "occurred_on", "Date of the event", "date", "")
	add(TableEvents, "notes", "Notes (free text)", "text", "")

	add(TableAdverseEvents, "study", "Study code", "text", st.Code)
	add(TableAdverseEvents, "site", "Site code", "text", "")
	add(TableAdverseEvents, "patient", "Study number of the patient", "text", "")
	add(TableAdverseEvents, "term", "Adverse event term (free text)", "text", "")
	add(TableAdverseEvents, "onset_on", "Date of onset", "date", "")
	add(TableAdverseEvents, "ended_on", "Date it ended (empty while ongoing)", "date", "")
	add(TableAdverseEvents, "grade", "Severity grade (CTCAE)", "integer", "1-5")
	add(TableAdverseEvents, "serious", "Serious adverse event", "boolean", "true | false")
	add(TableAdverseEvents, "relatedness", "Relation to the treatment", "text", "unrelated | unlikely | possible | probable | definite")
	add(TableAdverseEvents, "outcome", "Outcome", "text", "recovered | recovering | not_recovered | recovered_with_sequelae | fatal | unknown")
	add(TableAdverseEvents, "notes", "Notes (free text)", "text", "")

	for _, c := range [][3]string{
		{"table", "Table the column belongs to", "text"}, {"name", "Column name", "text"}, {"label", "What the column holds", "text"},
		{"type", "Type of the column", "text"}, {"unit", "Unit", "text"}, {"allowed", "Allowed range or choices", "text"},
		{"missing_codes", "Missing codes, or the column that holds them", "text"},
	} {
		add(TableCodebook, c[0], c[1], c[2], "")
	}

	add(TableAudit, "id", "Number of the audit row", "integer", "")
	add(TableAudit, "at", "When (UTC)", "timestamp", "")
	add(TableAudit, "actor", "Who: email, or cli", "text", "")
	add(TableAudit, "action", "What was done", "text", "")
	add(TableAudit, "entity", "To what kind of record", "text", "")
	add(TableAudit, "entity_id", "Which record", "text", "")
	add(TableAudit, "patient", "Study number of the patient", "text", "")
	add(TableAudit, "before", "The record before (JSON)", "json", "")
	add(TableAudit, "after", "The record after (JSON)", "json", "")
	add(TableAudit, "reason", "Reason given (free text)", "text", "")
	return cols
}

// allowed describes a measure's range or choices.
func allowed(m Measure) string {
	if m.Kind == KindChoice {
		var c []string
		for _, ch := range m.Choices {
			c = append(c, fmt.Sprintf("%s = %s", num(ch.Value), ch.Labels.In("en")))
		}
		return strings.Join(c, " | ")
	}
	switch {
	case m.Min != nil && m.Max != nil:
		return num(*m.Min) + "-" + num(*m.Max)
	case m.Min != nil:
		return ">= " + num(*m.Min)
	case m.Max != nil:
		return "<= " + num(*m.Max)
	}
	return ""
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func (e *exporter) writeCodebook(w io.Writer) (int64, error) {
	cw := e.csvWriter(w)
	cw.Write([]string{"table", "name", "label", "type", "unit", "allowed", "missing_codes"})
	var n int64
	for _, c := range Columns(e.st) {
		cw.Write([]string{c.Table, c.Name, Neutralise(c.Label), c.Type, Neutralise(c.Unit), Neutralise(c.Allowed), c.Missing})
		n++
	}
	cw.Flush()
	return n, cw.Error()
}

// zipReadme explains the files of a ZIP export.
func zipReadme(st *Study, o ExportOptions, names []string, counts map[string]int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Outcome registry export: %s\n%s\n\n", st.Code, st.Title)
	fmt.Fprintf(&b, "Every file comes from one snapshot of the database.\n")
	if o.Site != "" {
		fmt.Fprintf(&b, "Only patients of site %s are included.\n", o.Site)
	}
	fmt.Fprintf(&b, "\nFiles (rows of data, after the header line):\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-22s %d rows\n", n+".csv", counts[n])
	}
	fmt.Fprintf(&b, `  read_%[1]s.R   reads every file into R with the right column types
  read_%[1]s.do  the same for Stata (one .dta per table, value labels of choices)
  read_%[1]s.sps the same for SPSS (one .sav per table, value labels of choices)

Format: CSV as in RFC 4180, UTF-8, lines ending in LF, %[2]s as the delimiter, one header line.
Dates are ISO 8601 (2026-01-31); numbers have %[3]s as the decimal mark and no grouping.
A missing value is an empty cell, never 0: its reason (not_done, unknown, not_applicable)
is in the companion column (missing_code in long.csv, <measure>_missing in wide.csv).

Free text (notes, adverse event terms, reasons) that starts with = + - @, a tab, a carriage
return or an apostrophe has an apostrophe put in front, so that a spreadsheet does not run
it as a formula. Remove one leading apostrophe to get the text as entered. Numbers are
never changed.

codebook.csv describes every column: its label, type, unit, allowed range or choices and
missing codes.
`, strings.ReplaceAll(st.Code, "-", "_"), o.Delimiter, map[bool]string{true: "',' (a decimal comma)", false: "'.'"}[o.Decimal == "comma"])
	return b.String()
}

// rScript returns an R script that reads every CSV of a ZIP export with the right types.
func rScript(st *Study, o ExportOptions, names []string) string {
	rtype := map[string]string{"text": "character", "integer": "integer", "number": "numeric", "date": "Date",
		"boolean": "logical", "timestamp": "character", "json": "character"}
	sep := map[string]string{"comma": ",", "semicolon": ";", "tab": `\t`}[o.Delimiter]
	byTable := map[string][]Column{}
	for _, c := range Columns(st) {
		byTable[c.Table] = append(byTable[c.Table], c)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Reads the %s export with the right column types. Run it in the folder of the CSV files.\n", st.Code)
	fmt.Fprintf(&b, "# Empty cells are NA; the reasons for missing values are in the companion columns.\n\n")
	fmt.Fprintf(&b, "read_export <- function(file, types) {\n")
	dec := "."
	if o.Decimal == "comma" {
		dec = ","
	}
	fmt.Fprintf(&b, "  read.csv(file, sep = \"%s\", dec = \"%s\", colClasses = types, na.strings = \"\", encoding = \"UTF-8\", check.names = FALSE)\n}\n\n", sep, dec)
	for _, n := range names {
		var types []string
		for _, c := range byTable[n] {
			types = append(types, fmt.Sprintf("%q = %q", c.Name, rtype[c.Type]))
		}
		fmt.Fprintf(&b, "%s <- read_export(\"%s.csv\", c(\n  %s\n))\n\n", n, n, strings.Join(types, ",\n  "))
	}
	return b.String()
}

func itemsOf(m Measure) []Item {
	if m.Instrument == nil {
		return nil
	}
	return m.Instrument.Items
}

// scoringRule says in words how an instrument is scored, for the codebook.
func scoringRule(in *Instrument) string {
	switch in.Scoring {
	case ScoringKOOS:
		return fmt.Sprintf("KOOS: 100 - mean(items) x 25, with at least %d of %d items answered", in.MinAnswered(), len(in.Items))
	case ScoringHAQDI:
		return "HAQ-DI: the highest item of each of 8 categories, at least 2 where the category's aid item is 1, averaged over the categories answered (at least 6)"
	case ScoringMean:
		return fmt.Sprintf("the mean of the items answered, at least %d of %d", in.MinAnswered(), len(in.Items))
	}
	return "the sum of the items, all answered"
}
