package registry

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Study designs.
const (
	DesignRandomisedDoubleBlind = "randomised-double-blind"
	DesignRandomisedOpen        = "randomised-open"
	DesignSingleArmCohort       = "single-arm-cohort"
	DesignCohort                = "cohort"
)

// Languages the registry speaks; measure and event labels may be given in each.
var Languages = []string{"en", "sv", "da"}

// PatientLanguages are the languages a patient may answer in: the registry's and Spanish.
// Questions put to a patient (a measure's question, an instrument's items and their
// choices) may be given in each.
var PatientLanguages = []string{"en", "sv", "da", "es"}

// Who reports a measure.
const (
	ReportedByStaff   = ""
	ReportedByPatient = "patient"
)

// Study is everything about a study that is data, not code: its arms, visit schedule,
// outcome measures, event types and placebo baselines. It is what a study definition file
// holds (see README: "Study definition files").
type Study struct {
	ID    int64  `yaml:"-" json:"-"`
	Code  string `yaml:"code" json:"code"`
	Title string `yaml:"title" json:"title"`
	// TitleLabels holds the title in other languages (en is Title); nil when the file
	// gives only the English title. Arms, visits, units and adverse-event terms alike.
	TitleLabels Labels `yaml:"title_labels,omitempty" json:"title_labels,omitempty"`
	Indication  string `yaml:"indication" json:"indication"`
	// IndicationLabels holds the indication in other languages (en is Indication).
	IndicationLabels Labels `yaml:"indication_labels,omitempty" json:"indication_labels,omitempty"`
	Design           string `yaml:"design" json:"design"`
	MainMeasure      string `yaml:"main_measure,omitempty" json:"main_measure,omitempty"`
	// MainVisit is the visit the main result is read at (a follow-up visit); "": the
	// 12-month visit, or the latest one with data.
	MainVisit string `yaml:"main_visit,omitempty" json:"main_visit,omitempty"`
	// NumberPattern makes study numbers when the nurse leaves the number empty, e.g.
	// "KOA-{site}-{seq:4}" (see study_number.go); "": numbers are typed.
	NumberPattern string           `yaml:"number_pattern,omitempty" json:"number_pattern,omitempty"`
	Arms          []Arm            `yaml:"arms" json:"arms"`
	Visits        []ScheduledVisit `yaml:"visits" json:"visits"`
	Measures      []Measure        `yaml:"measures" json:"measures"`
	EventTypes    []EventType      `yaml:"events,omitempty" json:"events,omitempty"`
	AETerms       []string         `yaml:"adverse_event_terms,omitempty" json:"adverse_event_terms,omitempty"`
	// AETermLabels gives an adverse-event term (by its English text, as listed in
	// AETerms) in other languages.
	AETermLabels     map[string]Labels `yaml:"adverse_event_term_labels,omitempty" json:"adverse_event_term_labels,omitempty"`
	PlaceboBaselines []PlaceboBaseline `yaml:"placebo_baselines,omitempty" json:"placebo_baselines,omitempty"`
	// Sites lists the codes of the sites that take part in the study. When the file has no
	// sites list, applying it leaves the study's sites as they are.
	Sites []string `yaml:"sites,omitempty" json:"sites,omitempty"`

	// Blinded: nobody at a site sees a patient's arm and researchers see the arms pooled,
	// until UnblindedAt (see blinding.go).
	Blinded     bool       `yaml:"blinded,omitempty" json:"blinded,omitempty"`
	UnblindedAt *time.Time `yaml:"-" json:"-"`
	UnblindedBy string     `yaml:"-" json:"-"`
}

// Labels holds a text per language code ("en", "sv", "da").
type Labels map[string]string

// In returns the label in lang, falling back to English. It is the one way a page picks
// a study's text in the reader's language.
func (l Labels) In(lang string) string {
	if s := l[lang]; s != "" {
		return s
	}
	return l["en"]
}

// Or is l with en as its English text when it has none.
func (l Labels) Or(en string) Labels {
	if l["en"] != "" || en == "" {
		return l
	}
	out := Labels{"en": en}
	for k, v := range l {
		if k != "en" {
			out[k] = v
		}
	}
	return out
}

// TitleIn is the study's title in lang, or in English.
func (s *Study) TitleIn(lang string) string { return s.TitleLabels.Or(s.Title).In(lang) }

// IndicationIn is the study's indication in lang, or in English.
func (s *Study) IndicationIn(lang string) string { return s.IndicationLabels.Or(s.Indication).In(lang) }

// LabelIn is the arm's label in lang, or in English.
func (a Arm) LabelIn(lang string) string { return a.Labels.Or(a.Label).In(lang) }

// LabelIn is the visit's label in lang, or in English.
func (v ScheduledVisit) LabelIn(lang string) string { return v.Labels.Or(v.Label).In(lang) }

// UnitIn is the measure's unit in lang, or in English.
func (m Measure) UnitIn(lang string) string { return m.UnitLabels.Or(m.Unit).In(lang) }

// AETermIn is an adverse-event term in lang, or in English.
func (s *Study) AETermIn(term, lang string) string { return s.AETermLabels[term].Or(term).In(lang) }

// normaliseLabels makes a plain English text and its labels agree: labels without en take
// the plain text as en, a plain text left out takes labels.en, and labels that were given
// but hold nothing beyond English are kept so that the file round-trips.
func normaliseLabels(errs FieldErrors, p, field string, text *string, l *Labels) {
	// p is the labels' path in the file, such as "arms[1].labels".
	if len(*l) == 0 {
		*l = nil
		return
	}
	switch en := (*l)["en"]; {
	case *text == "":
		*text = en
	case en == "":
		*l = l.Or(*text)
	case en != *text:
		errs.Add(p+".en", fmt.Sprintf("differs from %s %q; give the English text once", field, *text))
	}
	validLabels(errs, p, *l)
}

// Arm is a treatment arm; at most one per study is the placebo or control arm.
type Arm struct {
	ID      int64  `yaml:"-" json:"-"`
	Code    string `yaml:"code" json:"code"`
	Label   string `yaml:"label" json:"label"`
	Labels  Labels `yaml:"labels,omitempty" json:"labels,omitempty"`
	Control bool   `yaml:"control,omitempty" json:"control,omitempty"`
}

// ScheduledVisit is a time point of the visit schedule: its target day after treatment
// (day 0) and the window around it in which the visit counts as on time.
type ScheduledVisit struct {
	ID           int64  `yaml:"-" json:"-"`
	Code         string `yaml:"code" json:"code"`
	Label        string `yaml:"label" json:"label"`
	Labels       Labels `yaml:"labels,omitempty" json:"labels,omitempty"`
	TargetDay    int    `yaml:"day" json:"day"`
	WindowBefore int    `yaml:"window_before" json:"window_before"`
	WindowAfter  int    `yaml:"window_after" json:"window_after"`
	Baseline     bool   `yaml:"baseline,omitempty" json:"baseline,omitempty"`
}

// Measure kinds.
const (
	KindNumber  = "number"
	KindInteger = "integer"
	KindChoice  = "choice"
)

// Measure is an outcome measure: what a visit form asks and what a dashboard compares.
type Measure struct {
	ID     int64  `yaml:"-" json:"-"`
	Code   string `yaml:"code" json:"code"`
	Labels Labels `yaml:"labels" json:"labels"`
	Kind   string `yaml:"type" json:"type"`
	Unit   string `yaml:"unit,omitempty" json:"unit,omitempty"`
	// UnitLabels holds the unit in other languages (en is Unit).
	UnitLabels Labels   `yaml:"unit_labels,omitempty" json:"unit_labels,omitempty"`
	Min        *float64 `yaml:"min,omitempty" json:"min,omitempty"`
	Max        *float64 `yaml:"max,omitempty" json:"max,omitempty"`
	Step       *float64 `yaml:"step,omitempty" json:"step,omitempty"`
	Choices    []Choice `yaml:"choices,omitempty" json:"choices,omitempty"`
	Direction  string   `yaml:"direction" json:"direction"`
	MCID       *float64 `yaml:"mcid,omitempty" json:"mcid,omitempty"`
	// ReportedBy is "" (staff) or "patient": a patient-reported measure may be answered
	// by the patient from home.
	ReportedBy string `yaml:"reported_by,omitempty" json:"reported_by,omitempty"`
	// Question is the question put to the patient (en, sv, da, es).
	Question Labels `yaml:"question,omitempty" json:"question,omitempty"`
	// Instrument, when set, makes the measure's value the score of the instrument's items.
	Instrument *Instrument `yaml:"instrument,omitempty" json:"instrument,omitempty"`
}

// PatientReported reports whether the patient may answer the measure from home.
func (m Measure) PatientReported() bool { return m.ReportedBy == ReportedByPatient }

// QuestionIn is the question put to the patient in lang, or the measure's label.
func (m Measure) QuestionIn(lang string) string {
	if q := m.Question.In(lang); q != "" {
		return q
	}
	return m.Labels.In(lang)
}

// HigherIsBetter reports the measure's direction.
func (m Measure) HigherIsBetter() bool { return m.Direction == "higher" }

// Choice is one allowed answer of a choice measure, stored as its number.
type Choice struct {
	Value  float64 `yaml:"value" json:"value"`
	Labels Labels  `yaml:"labels" json:"labels"`
}

// EventType is a kind of event the study follows over time (relapse, progression, death...);
// the first event of any type ends event-free survival.
type EventType struct {
	ID     int64  `yaml:"-" json:"-"`
	Code   string `yaml:"code" json:"code"`
	Labels Labels `yaml:"labels" json:"labels"`
	Death  bool   `yaml:"death,omitempty" json:"death,omitempty"`
}

// PlaceboBaseline is the change expected under placebo for a measure at a visit, from the
// literature, for a study with no placebo arm of its own.
type PlaceboBaseline struct {
	Measure    string  `yaml:"measure" json:"measure"`
	Visit      string  `yaml:"visit" json:"visit"`
	MeanChange float64 `yaml:"mean_change" json:"mean_change"`
	SD         float64 `yaml:"sd" json:"sd"`
	N          int     `yaml:"n" json:"n"`
	Source     string  `yaml:"source" json:"source"`
}

var (
	codePattern        = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	measureCodePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// Validate checks a study definition; messages are keyed by the field's path in the file,
// such as "measures[2].max".
func (s *Study) Validate() error {
	errs := FieldErrors{}
	normaliseLabels(errs, "title_labels", "title", &s.Title, &s.TitleLabels)
	normaliseLabels(errs, "indication_labels", "indication", &s.Indication, &s.IndicationLabels)
	if !codePattern.MatchString(s.Code) {
		errs.Add("code", "must be lower-case letters, digits, '-' or '_' (e.g. knee-oa)")
	}
	required(errs, "title", s.Title)
	required(errs, "indication", s.Indication)
	switch s.Design {
	case DesignRandomisedDoubleBlind, DesignRandomisedOpen, DesignSingleArmCohort, DesignCohort:
	default:
		errs.Add("design", fmt.Sprintf("must be one of %s, %s, %s, %s; got %q",
			DesignRandomisedDoubleBlind, DesignRandomisedOpen, DesignSingleArmCohort, DesignCohort, s.Design))
	}

	if len(s.Arms) == 0 {
		errs.Add("arms", "a study needs at least one arm")
	}
	armCodes := map[string]bool{}
	controls := 0
	for i, a := range s.Arms {
		p := fmt.Sprintf("arms[%d]", i)
		uniqueCode(errs, p, a.Code, armCodes, codePattern)
		normaliseLabels(errs, p+".labels", "label", &s.Arms[i].Label, &s.Arms[i].Labels)
		required(errs, p+".label", s.Arms[i].Label)
		if a.Control {
			controls++
		}
	}
	if controls > 1 {
		errs.Add("arms", "at most one arm can be the placebo/control arm")
	}

	if len(s.Visits) == 0 {
		errs.Add("visits", "a study needs a visit schedule")
	}
	visitCodes := map[string]bool{}
	baselines := 0
	for i, v := range s.Visits {
		p := fmt.Sprintf("visits[%d]", i)
		uniqueCode(errs, p, v.Code, visitCodes, codePattern)
		normaliseLabels(errs, p+".labels", "label", &s.Visits[i].Label, &s.Visits[i].Labels)
		required(errs, p+".label", s.Visits[i].Label)
		if v.WindowBefore < 0 {
			errs.Add(p+".window_before", "must be 0 or more days")
		}
		if v.WindowAfter < 0 {
			errs.Add(p+".window_after", "must be 0 or more days")
		}
		if v.Baseline {
			baselines++
		}
		if i > 0 && v.TargetDay <= s.Visits[i-1].TargetDay {
			errs.Add(p+".day", "visits must be listed in order of their target day")
		}
	}
	if len(s.Visits) > 0 && baselines != 1 {
		errs.Add("visits", "exactly one visit must be marked baseline: true")
	}

	if len(s.Measures) == 0 {
		errs.Add("measures", "a study needs at least one outcome measure")
	}
	measureCodes := map[string]bool{}
	for i, m := range s.Measures {
		p := fmt.Sprintf("measures[%d]", i)
		uniqueCode(errs, p, m.Code, measureCodes, measureCodePattern)
		if strings.Contains(m.Code, "__") {
			// m_<measure>__<item> names an instrument item's field and column.
			errs.Add(p+".code", fmt.Sprintf("%q must not hold two underscores in a row", m.Code))
		}
		normaliseLabels(errs, p+".unit_labels", "unit", &s.Measures[i].Unit, &s.Measures[i].UnitLabels)
		m.validate(errs, p)
	}
	if s.MainMeasure != "" && !measureCodes[s.MainMeasure] {
		errs.Add("main_measure", fmt.Sprintf("%q is not one of the study's measures", s.MainMeasure))
	}
	if s.MainVisit != "" {
		i := slices.IndexFunc(s.Visits, func(v ScheduledVisit) bool { return v.Code == s.MainVisit })
		switch {
		case i < 0:
			errs.Add("main_visit", fmt.Sprintf("%q is not one of the study's visits", s.MainVisit))
		case s.Visits[i].Baseline:
			errs.Add("main_visit", "must be a follow-up visit, not the baseline")
		}
	}

	if s.NumberPattern != "" && !validNumberPattern(s.NumberPattern) {
		errs.Add("number_pattern", "use letters, digits, '-', '_', {site} or {SITE}, and exactly one {seq} or {seq:N} (N from 1 to 9), e.g. KOA-{site}-{seq:4}")
	}

	siteCodes := map[string]bool{}
	for i, c := range s.Sites {
		uniqueSite(errs, fmt.Sprintf("sites[%d]", i), c, siteCodes)
	}

	eventCodes := map[string]bool{}
	for i, e := range s.EventTypes {
		p := fmt.Sprintf("events[%d]", i)
		uniqueCode(errs, p, e.Code, eventCodes, measureCodePattern)
		validLabels(errs, p+".labels", e.Labels)
	}
	terms := map[string]bool{}
	for i, t := range s.AETerms {
		p := fmt.Sprintf("adverse_event_terms[%d]", i)
		if strings.TrimSpace(t) == "" {
			errs.Add(p, "must not be empty")
		} else if terms[t] {
			errs.Add(p, fmt.Sprintf("%q is listed twice", t))
		}
		terms[t] = true
	}
	for t, l := range s.AETermLabels {
		p := fmt.Sprintf("adverse_event_term_labels.%s", t)
		if !terms[t] {
			errs.Add(p, fmt.Sprintf("%q is not one of adverse_event_terms", t))
			continue
		}
		text := t
		normaliseLabels(errs, p, "the term", &text, &l)
		if l == nil {
			delete(s.AETermLabels, t)
		} else {
			s.AETermLabels[t] = l
		}
	}
	if len(s.AETermLabels) == 0 {
		s.AETermLabels = nil
	}

	seen := map[[2]string]bool{}
	for i, b := range s.PlaceboBaselines {
		p := fmt.Sprintf("placebo_baselines[%d]", i)
		if !measureCodes[b.Measure] {
			errs.Add(p+".measure", fmt.Sprintf("%q is not one of the study's measures", b.Measure))
		}
		if !visitCodes[b.Visit] {
			errs.Add(p+".visit", fmt.Sprintf("%q is not one of the study's visits", b.Visit))
		}
		if seen[[2]string{b.Measure, b.Visit}] {
			errs.Add(p, "a measure and visit can have only one placebo baseline")
		}
		seen[[2]string{b.Measure, b.Visit}] = true
		if !(b.SD > 0) {
			errs.Add(p+".sd", "must be greater than 0")
		}
		if b.N < 2 {
			errs.Add(p+".n", "must be 2 or more")
		}
		required(errs, p+".source", b.Source)
	}
	return errs.Err(fmt.Sprintf("study %q is not valid", s.Code))
}

func (m Measure) validate(errs FieldErrors, p string) {
	validLabels(errs, p+".labels", m.Labels)
	choiceLanguages := Languages
	switch m.ReportedBy {
	case ReportedByStaff:
		if len(m.Question) > 0 {
			errs.Add(p+".question", "only a measure with reported_by: patient has a question for the patient")
		}
	case ReportedByPatient:
		choiceLanguages = PatientLanguages
		validLabelsIn(errs, p+".question", m.Question, PatientLanguages)
	default:
		errs.Add(p+".reported_by", fmt.Sprintf("must be patient, or left out for a measure the staff records; got %q", m.ReportedBy))
	}
	if m.Instrument != nil {
		if m.Kind != KindNumber {
			errs.Add(p+".type", "the score of an instrument is of type number")
		}
		if m.Step != nil {
			errs.Add(p+".step", "the score of an instrument is computed: it has no step")
		}
		m.Instrument.validate(errs, p+".instrument")
	}
	switch m.Kind {
	case KindNumber, KindInteger:
		if len(m.Choices) > 0 {
			errs.Add(p+".choices", "only a measure of type choice has choices")
		}
	case KindChoice:
		if len(m.Choices) < 2 {
			errs.Add(p+".choices", "a choice measure needs at least two choices")
		}
		values := map[float64]bool{}
		for j, c := range m.Choices {
			if values[c.Value] {
				errs.Add(fmt.Sprintf("%s.choices[%d].value", p, j), "is listed twice")
			}
			values[c.Value] = true
			validLabelsIn(errs, fmt.Sprintf("%s.choices[%d].labels", p, j), c.Labels, choiceLanguages)
		}
	default:
		errs.Add(p+".type", fmt.Sprintf("must be number, integer or choice; got %q", m.Kind))
	}
	if m.Min != nil && m.Max != nil && *m.Min > *m.Max {
		errs.Add(p+".max", "must not be below min")
	}
	for name, v := range map[string]*float64{".min": m.Min, ".max": m.Max, ".step": m.Step, ".mcid": m.MCID} {
		if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
			errs.Add(p+name, "must be a finite number")
		}
	}
	if m.Step != nil && !(*m.Step > 0) {
		errs.Add(p+".step", "must be greater than 0")
	}
	if m.MCID != nil && !(*m.MCID > 0) {
		errs.Add(p+".mcid", "must be greater than 0")
	}
	if m.Direction != "higher" && m.Direction != "lower" {
		errs.Add(p+".direction", fmt.Sprintf("must be higher or lower (which is better); got %q", m.Direction))
	}
}

func required(errs FieldErrors, field, value string) {
	if strings.TrimSpace(value) == "" {
		errs.Add(field, "is required")
	}
	errs.CheckText(field, value, MaxNameLength)
}

func uniqueCode(errs FieldErrors, p, code string, seen map[string]bool, pattern *regexp.Regexp) {
	hint := "lower-case letters, digits, '-' or '_'"
	if pattern == measureCodePattern {
		hint = "lower-case letters, digits and '_', starting with a letter"
	}
	switch {
	case !pattern.MatchString(code):
		errs.Add(p+".code", fmt.Sprintf("%q must be %s", code, hint))
	case seen[code]:
		errs.Add(p+".code", fmt.Sprintf("%q is used twice", code))
	}
	seen[code] = true
}

func validLabels(errs FieldErrors, p string, l Labels) { validLabelsIn(errs, p, l, Languages) }

// validLabelsIn checks labels given in some of langs, English among them.
func validLabelsIn(errs FieldErrors, p string, l Labels, langs []string) {
	if strings.TrimSpace(l["en"]) == "" {
		errs.Add(p+".en", "an English label is required")
	}
	for lang := range l {
		if !slices.Contains(langs, lang) {
			errs.Add(p+"."+lang, fmt.Sprintf("unknown language %q (use %s)", lang, strings.Join(langs, ", ")))
		}
		errs.CheckText(p+"."+lang, l[lang], MaxNameLength)
	}
}

// Measure returns the measure with the given code.
func (s *Study) Measure(code string) (Measure, bool) {
	for _, m := range s.Measures {
		if m.Code == code {
			return m, true
		}
	}
	return Measure{}, false
}

// Visit returns the scheduled visit with the given code.
func (s *Study) Visit(code string) (ScheduledVisit, bool) {
	for _, v := range s.Visits {
		if v.Code == code {
			return v, true
		}
	}
	return ScheduledVisit{}, false
}

// ControlArm returns the placebo/control arm, if the study has one.
func (s *Study) ControlArm() (Arm, bool) {
	for _, a := range s.Arms {
		if a.Control {
			return a, true
		}
	}
	return Arm{}, false
}

func uniqueSite(errs FieldErrors, path, code string, seen map[string]bool) {
	switch {
	case !codePattern.MatchString(code):
		errs.Add(path, fmt.Sprintf("%q is not a site code (lower-case letters, digits, '-' or '_')", code))
	case seen[code]:
		errs.Add(path, fmt.Sprintf("the site %q is listed twice", code))
	}
	seen[code] = true
}
