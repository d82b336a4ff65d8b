package registry

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Fuzz targets for everything that reads what people type or upload: `make test` runs each
// for a few seconds (make fuzz); run one longer with
//
//	go test -run '^$' -fuzz '^FuzzVisitForm$' -fuzztime 10m ./registry
//
// Inputs that once failed are kept in testdata/fuzz/<target>/ and run by every `go test`.

const fuzzStudyYAML = `code: fuzz
title: Fuzz study
indication: knee osteoarthritis
design: randomised-double-blind
arms:
  - {code: active, label: Stem cells}
  - {code: placebo, label: Saline, control: true}
visits:
  - {code: baseline, label: Baseline, day: 0, window_before: 14, window_after: 0, baseline: true}
  - {code: d60, label: Day 60, day: 60, window_before: 7, window_after: 7}
measures:
  - {code: pain, labels: {en: Pain}, type: integer, min: 0, max: 10, direction: lower}
  - {code: weight, labels: {en: Weight}, type: number, min: 20, max: 300, step: 0.5, direction: lower}
  - code: mobility
    labels: {en: Mobility}
    type: choice
    choices:
      - {value: 1, labels: {en: Walks}}
      - {value: 2, labels: {en: Walks with help}}
    direction: lower
events:
  - {code: relapse, labels: {en: Relapse}}
  - {code: death, labels: {en: Death}, death: true}
`

var fuzzToday = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func fuzzStudy(t testing.TB) *Study {
	st, err := ParseStudyFile("fuzz.yaml", []byte(fuzzStudyYAML))
	if err != nil {
		t.Fatal(err)
	}
	for i := range st.Measures {
		st.Measures[i].ID = int64(i + 1)
	}
	for i := range st.Visits {
		st.Visits[i].ID = int64(i + 1)
	}
	for i := range st.EventTypes {
		st.EventTypes[i].ID = int64(i + 1)
	}
	for i := range st.Arms {
		st.Arms[i].ID = int64(i + 1)
	}
	return st
}

// The number parser: whatever is typed, a value it accepts is finite, in range, whole for
// an integer measure and on the step.
func FuzzNumber(f *testing.F) {
	for _, s := range []string{"4", "71,5", "71.5", "1e400", "-0", "NaN", "Inf", "0x1p3", " 10 ", "1_0", "٣", "10.0000000000000001", "4,5,6"} {
		f.Add(s, "")
	}
	f.Add("", "not_done")
	f.Add("4", "unknown")
	st := fuzzStudy(f)
	f.Fuzz(func(t *testing.T, raw, missing string) {
		for _, m := range st.Measures {
			v, p := CheckValue(m, raw, missing, Typed)
			if p != nil || v.Missing != "" {
				continue
			}
			if v.Value == nil {
				t.Fatalf("%s: %q accepted without a value or a missing code", m.Code, raw)
			}
			n := *v.Value
			if math.IsNaN(n) || math.IsInf(n, 0) {
				t.Fatalf("%s: %q accepted as %v", m.Code, raw, n)
			}
			if m.Min != nil && n < *m.Min || m.Max != nil && n > *m.Max {
				t.Fatalf("%s: %q accepted as %v, out of range", m.Code, raw, n)
			}
			if m.Kind == "integer" && n != math.Trunc(n) {
				t.Fatalf("%s: %q accepted as %v, not whole", m.Code, raw, n)
			}
		}
	})
}

// The date parser: a date it accepts is a real yyyy-mm-dd date, not in the future, and
// reads back as itself.
func FuzzDate(f *testing.F) {
	for _, s := range []string{"2026-11-20", "2026-02-29", "2024-02-29", "20/11/2026", "2026-11-24", "0001-01-01", " 2026-01-01 ", "2026-1-1", "+2026-01-01", "2026-11-20T00:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, p := CheckDate(s, DateRule{Today: fuzzToday})
		if p != nil {
			if !d.IsZero() {
				t.Fatalf("%q refused but returned %v", s, d)
			}
			return
		}
		if d.After(fuzzToday) || d.Year() < 1900 {
			t.Fatalf("%q accepted as %v", s, d)
		}
		if got := d.Format(time.DateOnly); got != strings.TrimSpace(s) {
			t.Fatalf("%q accepted as %s", s, got)
		}
	})
}

// The visit form: any form either saves a visit whose every value passes the rules, or is
// refused with messages (EINVALID); it never panics and never saves text over its limits.
func FuzzVisitForm(f *testing.F) {
	f.Add("done", "2026-11-20", "4", "71,5", "2", "", "fine", "", 0)
	f.Add("missed", "", "", "", "", "not_done", "", "the patient moved", 1)
	f.Add("done", "2026-11-20", "1e400", "NaN", "3", "lost", "bad \x00 bytes \xff", "", 2)
	f.Add("", "2026-13-45", "-1", "19.9", "", "", strings.Repeat("x", 5000), strings.Repeat("y", 600), 0)
	st := fuzzStudy(f)
	sv, _ := st.Visit("d60")
	treated := time.Date(2026, 9, 20, 0, 0, 0, 0, time.UTC)
	p := &Patient{Number: "F-1", EnrolledOn: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), TreatedOn: &treated}
	f.Fuzz(func(t *testing.T, state, date, pain, weight, mobility, missing, notes, missedReason string, version int) {
		in := VisitInput{State: state, Date: date, Notes: notes, MissedReason: missedReason, Version: version, Reason: notes,
			Values: map[string]ValueInput{"pain": {Raw: pain, Missing: missing}, "weight": {Raw: weight}, "mobility": {Raw: mobility}}}
		v, err := parseVisit(st, sv, p, in, fuzzToday)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != EINVALID || len(e.Fields) == 0 {
				t.Fatalf("refused without field messages: %v", err)
			}
			return
		}
		if !utf8.ValidString(v.Notes) || utf8.RuneCountInString(v.Notes) > MaxNotesLength ||
			utf8.RuneCountInString(v.MissedReason) > MaxMissedReasonLength || strings.ContainsRune(v.Notes+v.MissedReason, 0) {
			t.Fatalf("accepted notes or missed reason that break the limits: %q %q", v.Notes, v.MissedReason)
		}
		if v.State == StateDone && (v.Date == nil || len(v.Values) != len(st.Measures)) {
			t.Fatalf("a done visit without its date or values: %+v", v)
		}
	})
}

// The CSV import reader: any file is read to a list of errors by line and column, or to
// rows; it never panics, and never accepts a cell over the limits.
func FuzzImportReader(f *testing.F) {
	f.Add([]byte("patient,visit,visit_date,measure,value,missing_code\nF-1,d60,2026-11-20,pain,4,\n"), 0)
	f.Add([]byte("\ufeffpatient;visit;visit_date;pain;pain_missing;weight;weight_missing;mobility;mobility_missing\nF-1;d60;2026-11-20;4;;71.5;;1;\n"), 1)
	f.Add([]byte("patient,site,arm,sex,birth_year,enrolled_on,treated_on,status,status_on\nF-2,lund,active,F,1960,2026-01-01,2026-01-10,active,\n"), 2)
	f.Add([]byte("patient,event,occurred_on,notes\nF-1,relapse,2026-10-01,\"'=cmd\"\n\"broken,quote\n"), 3)
	f.Add([]byte("patient,term,onset_on,ended_on,grade,serious,relatedness,outcome,notes\nF-1,Pain,2026-09-21,,2,false,possible,recovered,\xff\x00\n"), 4)
	st := fuzzStudy(f)
	f.Fuzz(func(t *testing.T, data []byte, table int) {
		tables := ImportTables
		tbl := tables[(table%len(tables)+len(tables))%len(tables)]
		im := &importer{st: st, res: &ImportResult{}, sites: map[string]importSite{"lund": {id: 1, zone: DefaultTimeZone, takePart: true}},
			patients: map[string]*importPatient{"F-1": {id: 1, zone: DefaultTimeZone, enrolled: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC),
				treated: new(time.Date(2026, 9, 20, 0, 0, 0, 0, time.UTC))}},
			now: fuzzToday, todays: map[string]time.Time{}}
		if err := im.read(strings.NewReader(string(data)), tbl); err != nil {
			t.Fatalf("read: %v", err)
		}
		if im.res.ErrorCount < len(im.res.Errors) || len(im.res.Errors) > MaxShownErrors {
			t.Fatalf("%d errors counted, %d listed", im.res.ErrorCount, len(im.res.Errors))
		}
		if im.res.ErrorCount > 0 {
			return
		}
		for _, e := range im.events {
			if TextProblem(e.notes, MaxNotesLength) != "" {
				t.Fatalf("accepted event notes %q", e.notes)
			}
		}
		for _, a := range im.aes {
			if TextProblem(a.term, MaxTermLength) != "" || TextProblem(a.notes, MaxNotesLength) != "" {
				t.Fatalf("accepted adverse event %q %q", a.term, a.notes)
			}
		}
	})
}

// The study-file parser: any file is a study that passes its own validation, or an EINVALID
// error naming the file; it never panics.
func FuzzStudyFile(f *testing.F) {
	f.Add([]byte(fuzzStudyYAML))
	f.Add([]byte("code: x\n"))
	f.Add([]byte("code: [\n"))
	f.Add([]byte("&a [*a]"))
	f.Add([]byte("measures:\n  - {code: m, type: number, min: 10, max: 1}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := ParseStudyFile("f.yaml", data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != EINVALID || !strings.Contains(e.Message, "f.yaml") {
				t.Fatalf("refused without naming the file: %v", err)
			}
			return
		}
		if err := st.Validate(); err != nil {
			t.Fatalf("parsed a study that does not validate: %v", err)
		}
	})
}
