package registry

// The rules of clinical data, in one place: what a value, a date and a status change must
// be. The nurse's forms, the CSV import (web and command line) and the patient's link all
// call these functions, so that a value one of them refuses, the others refuse too, with
// the same message.

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Problem is a rule's refusal: an English format (a catalog key, so that a page can show it
// in its own language) and its arguments. Its messages repeat what was typed.
type Problem struct {
	Format string
	Args   []any
}

func (p *Problem) String() string { return fmt.Sprintf(p.Format, p.Args...) }

func problem(format string, args ...any) *Problem { return &Problem{Format: format, Args: args} }

// Figure is a number or a range of them that a rule writes into its message (a step, an
// allowed range), with a decimal point: a page shows it with its language's decimal mark,
// while what was typed is repeated as typed.
type Figure string

// NumberStyle says which decimal marks a number may have.
type NumberStyle int

const (
	// Typed numbers (forms, comma- and tab-separated files) take '.' or a decimal comma; a
	// comma followed by exactly three digits (1,000) is refused: it may be a thousands
	// separator.
	Typed NumberStyle = iota
	// PointDecimal numbers come from a comma- or tab-separated file: '.' is the decimal mark.
	PointDecimal
	// DecimalComma numbers come from a semicolon-separated file written for Swedish or
	// Danish spreadsheets: the comma is the decimal mark, whatever follows it.
	DecimalComma
)

var plainNumber = regexp.MustCompile(`^-?[0-9]+(?:([.,])([0-9]+))?$`)

// ParseNumber reads a number written plainly: digits, at most one decimal mark ('.' or a
// decimal comma) and an optional leading minus. Go's own syntax (1_0, 0x1p2, 1e-400, Inf)
// is refused, and so is a number too large or too small to keep.
func ParseNumber(raw string, style NumberStyle) (float64, *Problem) {
	s := strings.TrimSpace(raw)
	m := plainNumber.FindStringSubmatch(s)
	if m == nil {
		return 0, problem("%q is not a number: write digits with at most one decimal mark (. or ,) and an optional leading minus, e.g. 12.5.", raw)
	}
	if style == PointDecimal && m[1] == "," {
		return 0, problem("%q is not a number: use '.' as the decimal mark", raw)
	}
	if style == Typed && m[1] == "," && len(m[2]) == 3 {
		return 0, problem("%q could be a thousand or a decimal: write it without a thousands separator (1000) or with a decimal point (1.000).", raw)
	}
	x, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) || (x == 0 && strings.Trim(s, "-0.,") != "") {
		return 0, problem("%q is too large or too small a number to record.", raw)
	}
	if x == 0 {
		x = 0 // no negative zero
	}
	return x, nil
}

// CheckValue reads one measure's value as typed, or a missing-data code instead of it:
// exactly one of them. A number must fit the measure's type, range, step and choices.
func CheckValue(m Measure, raw, missing string, style NumberStyle) (Value, *Problem) {
	raw, missing = strings.TrimSpace(raw), strings.TrimSpace(missing)
	if missing != "" {
		switch {
		case !slices.Contains(MissingDataCodes, missing):
			return Value{}, problem("%q is not a missing-data code: use %s.", missing, strings.Join(MissingDataCodes, ", "))
		case raw != "":
			return Value{}, problem("Give a value or a missing-data code, not both.")
		}
		return Value{Missing: missing}, nil
	}
	if raw == "" {
		return Value{}, problem("Enter a value or choose why it is missing.")
	}
	x, p := ParseNumber(raw, style)
	if p == nil {
		p = checkNumber(m, x, raw)
	}
	if p != nil {
		return Value{}, p
	}
	return Value{Value: &x}, nil
}

// checkNumber: x (typed as raw) fits the measure's type, range, step and choices. A study
// file that changes a measure checks its stored values with it too (checkMeasureChanges).
func checkNumber(m Measure, x float64, raw string) *Problem {
	switch m.Kind {
	case KindChoice:
		if !slices.ContainsFunc(m.Choices, func(c Choice) bool { return c.Value == x }) {
			return problem("%s is not one of the answers (%s).", raw, allowed(m))
		}
		return nil
	case KindInteger:
		if x != math.Trunc(x) {
			return problem("%s is not a whole number.", raw)
		}
	}
	if (m.Min != nil && x < *m.Min) || (m.Max != nil && x > *m.Max) {
		return problem("%s is outside the allowed range (%s).", raw, Figure(allowed(m)))
	}
	if m.Step != nil && *m.Step > 0 {
		from := 0.0
		if m.Min != nil {
			from = *m.Min
		}
		n := (x - from) / *m.Step
		if math.Abs(n-math.Round(n)) > 1e-9 {
			return problem("%s does not fit the steps of %s (from %s).", raw, Figure(num(*m.Step)), Figure(num(from)))
		}
	}
	return nil
}

// MinDate is the earliest date the registry takes.
var MinDate = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// ParseDate reads a date written yyyy-mm-dd, from 1900 on.
func ParseDate(raw string) (time.Time, *Problem) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return time.Time{}, problem("Enter a date.")
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, problem("%q is not a date like 2026-01-31.", raw)
	}
	if d.Before(MinDate) {
		return time.Time{}, problem("%s is before 1900.", s)
	}
	return d, nil
}

// DateRule is what a date of a record must respect: not after today (the site's date), not
// before a date such as the treatment.
type DateRule struct {
	Today     time.Time // the site's date; zero: no upper bound
	NotBefore time.Time // zero: no lower bound but 1900
	// BeforeWhat is the refusal of a date before NotBefore, naming what NotBefore is: one of
	// the formats beforeTreatment, beforeEnrolment, beforeOnset.
	BeforeWhat string
}

// Check applies the rule to a date.
func (r DateRule) Check(d time.Time) *Problem {
	if !r.Today.IsZero() && d.After(r.Today) {
		return problem("%s is after today (%s).", dateText(d), dateText(r.Today))
	}
	if !r.NotBefore.IsZero() && d.Before(r.NotBefore) {
		return problem(r.BeforeWhat, dateText(d), dateText(r.NotBefore))
	}
	return nil
}

// CheckDate parses a typed date and applies the rule to it.
func CheckDate(raw string, r DateRule) (time.Time, *Problem) {
	d, p := ParseDate(raw)
	if p == nil {
		p = r.Check(d)
	}
	if p != nil {
		return time.Time{}, p
	}
	return d, nil
}

// Lower bounds of the dates of a patient's records.
const (
	beforeTreatment = "%s is before the treatment date (%s)."
	beforeEnrolment = "%s is before the enrolment date (%s)."
	beforeOnset     = "%s is before the onset (%s)."
)

// VisitDateRule: a visit is not after today and, but the baseline, not before treatment.
// Without a treatment date a follow-up visit cannot be recorded at all (CheckVisitScheduled).
func VisitDateRule(today time.Time, sv ScheduledVisit, treated *time.Time) DateRule {
	r := DateRule{Today: today}
	if !sv.Baseline && treated != nil {
		r.NotBefore, r.BeforeWhat = *treated, beforeTreatment
	}
	return r
}

// NotTreatedYet is the refusal of a follow-up visit of a patient whose treatment date is
// not recorded: the visit has no window before day 0 is known.
const NotTreatedYet = "The treatment date (day 0) is not recorded yet: only the baseline can be recorded before it."

// CheckVisitScheduled: until a patient's treatment date is recorded, only the baseline
// visit (which comes before treatment) can be recorded, done or missed.
func CheckVisitScheduled(sv ScheduledVisit, treated *time.Time) *Problem {
	if treated == nil && !sv.Baseline {
		return problem(NotTreatedYet)
	}
	return nil
}

// EventDateRule: an event (relapse, death...) is not after today nor before treatment (day 0
// of the time to event). Before the treatment date is recorded, an event is not before
// enrolment (a patient may relapse or die while awaiting treatment); such an event has no
// time to event, and the treatment date cannot later be set after it (TreatmentDateRule).
func EventDateRule(today, enrolled time.Time, treated *time.Time) DateRule {
	if treated == nil {
		return DateRule{Today: today, NotBefore: enrolled, BeforeWhat: beforeEnrolment}
	}
	return DateRule{Today: today, NotBefore: *treated, BeforeWhat: beforeTreatment}
}

// OnsetDateRule: an adverse event starts after enrolment and not after today.
func OnsetDateRule(today, enrolled time.Time) DateRule {
	return DateRule{Today: today, NotBefore: enrolled, BeforeWhat: beforeEnrolment}
}

// EndDateRule: an adverse event ends after its onset and not after today.
func EndDateRule(today, onset time.Time) DateRule {
	return DateRule{Today: today, NotBefore: onset, BeforeWhat: beforeOnset}
}

// StatusDateRule: a status (completed, withdrawn, lost, dead) dates from after enrolment (a
// patient may withdraw before treatment) and not after today.
func StatusDateRule(today, enrolled time.Time) DateRule {
	return DateRule{Today: today, NotBefore: enrolled, BeforeWhat: beforeEnrolment}
}

// EnrolmentDateRule: a patient is enrolled today or before.
func EnrolmentDateRule(today time.Time) DateRule { return DateRule{Today: today} }

// TreatmentDateRule: a treatment is on or after enrolment and not after today. A treatment
// not given yet has no date: it is recorded when it happens (the enrolment leaves it empty).
func TreatmentDateRule(today, enrolled time.Time) DateRule {
	return DateRule{Today: today, NotBefore: enrolled, BeforeWhat: beforeEnrolment}
}

// CheckTreatmentAgainstRecords: a treatment date is not after a recorded event nor after a
// recorded follow-up visit, which are dated from treatment on. firstEvent and firstFollowUp
// are the earliest of each (nil: none).
func CheckTreatmentAgainstRecords(treated time.Time, firstEvent, firstFollowUp *time.Time) *Problem {
	if firstEvent != nil && treated.After(*firstEvent) {
		return problem("%s is after the event recorded on %s: events are dated from treatment on.", dateText(treated), dateText(*firstEvent))
	}
	if firstFollowUp != nil && treated.After(*firstFollowUp) {
		return problem("%s is after the follow-up visit recorded on %s.", dateText(treated), dateText(*firstFollowUp))
	}
	return nil
}

// CheckBirthYear: from 1900 to this year.
func CheckBirthYear(raw string, today time.Time) (int, *Problem) {
	y, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || y < 1900 || y > today.Year() {
		return 0, problem("%q is not a year of birth from 1900 to %d.", raw, today.Year())
	}
	return y, nil
}

// CheckGradeOutcome: grade 5 is death, so its outcome is fatal, and a fatal outcome is grade 5.
func CheckGradeOutcome(grade int, outcome string) *Problem {
	if (grade == 5) != (outcome == "fatal") {
		return problem("Grade 5 means death: the outcome must be fatal, and a fatal outcome is grade 5.")
	}
	return nil
}

// CheckStatusAgainstDeath: a patient whose death is recorded as an event is dead from its
// date; a patient with no death event is not dead.
func CheckStatusAgainstDeath(status string, statusOn *time.Time, deathOn *time.Time) *Problem {
	switch {
	case deathOn != nil && status != StatusDead:
		return problem("The patient's death is recorded on %s: the status must be dead.", dateText(*deathOn))
	case deathOn != nil && (statusOn == nil || !statusOn.Equal(*deathOn)):
		return problem("The patient's death is recorded on %s: the status date must be that day.", dateText(*deathOn))
	case deathOn == nil && status == StatusDead:
		return problem("Record a death as an event: it sets the status.")
	}
	return nil
}

// problems collects a form's refusals per field, with their arguments.
type problems struct {
	fields FieldErrors
	args   map[string][]any
}

func newProblems() *problems { return &problems{fields: FieldErrors{}, args: map[string][]any{}} }

// Add records a message without arguments for field, unless it already has one.
func (ps *problems) Add(field, msg string) { ps.fields.Add(field, msg) }

// Put records p for field, unless it already has a message.
func (ps *problems) Put(field string, p *Problem) {
	if p == nil || ps.Has(field) {
		return
	}
	ps.fields[field] = p.Format
	if len(p.Args) > 0 {
		ps.args[field] = p.Args
	}
}

// CheckText records the free-text rule's message for field (see text.go).
func (ps *problems) CheckText(field, value string, max int) {
	if msg := TextProblem(value, max); msg != "" {
		ps.Add(field, msg)
	}
}

func (ps *problems) Has(field string) bool { return ps.fields[field] != "" }

// Err is nil when there are no problems, else an EINVALID *Error carrying them.
func (ps *problems) Err(summary string) error {
	if len(ps.fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: summary, Fields: ps.fields, Args: ps.args}
}

// FieldText is the English message of a field of an invalid form, with its arguments.
func FieldText(err error, field string) string {
	var e *Error
	if !errors.As(err, &e) || e.Fields[field] == "" {
		return ""
	}
	return fmt.Sprintf(e.Fields[field], e.Args[field]...)
}

// siteToday is today's date at a patient's site.
func siteToday(now time.Time, zone string) time.Time { return DayIn(now, siteLocation(zone)) }
