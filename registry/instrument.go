package registry

// Instruments: a measure whose value is the score of a questionnaire (KOOS, HAQ-DI...) defined
// by its items and a scoring rule. The items are kept with the visit; the score is computed
// here, never typed, so that the nurse's form, the import and the patient's link give the same
// score for the same answers.

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// Scoring rules of an instrument.
const (
	// ScoringSum is the sum of the items; every item must be answered.
	ScoringSum = "sum"
	// ScoringMean is the mean of the items answered; at least half must be answered.
	ScoringMean = "mean"
	// ScoringKOOS is a KOOS subscale: 100 − mean(items) × 25 with items scored 0–4, scored
	// when at least half of the subscale's items are answered (KOOS user's guide).
	ScoringKOOS = "koos"
	// ScoringHAQDI is the Stanford HAQ Disability Index: the highest item of each of eight
	// categories (0–3), raised to 2 when an aid, device or help is used for the category, and
	// the mean of the categories answered, scored with at least six categories.
	ScoringHAQDI = "haq_di"
)

// ScoringRules lists the known scoring rules.
var ScoringRules = []string{ScoringSum, ScoringMean, ScoringKOOS, ScoringHAQDI}

// HAQCategories are the eight categories of the HAQ-DI, in the questionnaire's order.
var HAQCategories = []string{"dressing", "arising", "eating", "walking", "hygiene", "reach", "grip", "activities"}

// haqMinCategories: the HAQ-DI is not scored with fewer categories answered.
const haqMinCategories = 6

// Instrument is a questionnaire whose score is a measure's value.
type Instrument struct {
	Scoring string `yaml:"scoring" json:"scoring"`
	Items   []Item `yaml:"items" json:"items"`
}

// Item is one question of an instrument, answered by one of its choices.
type Item struct {
	Code    string   `yaml:"code" json:"code"`
	Labels  Labels   `yaml:"labels" json:"labels"` // the question: en, sv, da, es
	Choices []Choice `yaml:"choices" json:"choices"`
	// Category groups the items of a HAQ-DI (one of HAQCategories); "" for other rules.
	Category string `yaml:"category,omitempty" json:"category,omitempty"`
	// Aid marks a HAQ-DI item that asks whether an aid, device or help is used for its
	// Category: its answer (1 yes, 0 no) raises the category's score to at least 2.
	Aid bool `yaml:"aid,omitempty" json:"aid,omitempty"`
}

// Item returns the instrument's item with the given code.
func (in *Instrument) Item(code string) (Item, bool) {
	for _, it := range in.Items {
		if it.Code == code {
			return it, true
		}
	}
	return Item{}, false
}

// Score applies the scoring rule to the answers (by item code; nil or absent: not answered).
// ok is false when too few items are answered to score.
func (in *Instrument) Score(answers map[string]*float64) (score float64, ok bool) {
	var values []float64
	for _, it := range in.Items {
		if a := answers[it.Code]; a != nil && !it.Aid {
			values = append(values, *a)
		}
	}
	n := len(in.Items)
	switch in.Scoring {
	case ScoringSum:
		if len(values) < n || n == 0 {
			return 0, false
		}
		return sum(values), true
	case ScoringMean:
		if 2*len(values) < n || len(values) == 0 {
			return 0, false
		}
		return sum(values) / float64(len(values)), true
	case ScoringKOOS:
		if 2*len(values) < n || len(values) == 0 {
			return 0, false
		}
		return 100 - sum(values)/float64(len(values))*25, true
	case ScoringHAQDI:
		return in.haqDI(answers)
	}
	return 0, false
}

// haqDI scores the Stanford HAQ Disability Index: per category the highest item answered;
// when the category's aid or help item is answered yes, a score below 2 is raised to 2 (a
// category with its aid but no item answered is not scored); the index is the sum of the
// category scores divided by the number of categories scored, with at least six.
func (in *Instrument) haqDI(answers map[string]*float64) (float64, bool) {
	best := map[string]float64{}
	aid := map[string]bool{}
	for _, it := range in.Items {
		a := answers[it.Code]
		switch {
		case a == nil:
		case it.Aid:
			aid[it.Category] = aid[it.Category] || *a > 0
		default:
			if b, seen := best[it.Category]; !seen || *a > b {
				best[it.Category] = *a
			}
		}
	}
	if len(best) < haqMinCategories {
		return 0, false
	}
	total := 0.0
	for c, b := range best {
		if aid[c] && b < 2 {
			b = 2
		}
		total += b
	}
	return total / float64(len(best)), true
}

func sum(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t
}

// MinAnswered is how many items must be answered for the instrument to be scored, as a
// sentence's number: items for sum, mean and koos; categories for haq_di.
func (in *Instrument) MinAnswered() int {
	n := 0
	for _, it := range in.Items {
		if !it.Aid {
			n++
		}
	}
	switch in.Scoring {
	case ScoringMean, ScoringKOOS:
		return (n + 1) / 2
	case ScoringHAQDI:
		return haqMinCategories
	}
	return n
}

// validate checks an instrument of the measure at path p.
func (in *Instrument) validate(errs FieldErrors, p string) {
	if !slices.Contains(ScoringRules, in.Scoring) {
		errs.Add(p+".scoring", fmt.Sprintf("must be one of %s; got %q", strings.Join(ScoringRules, ", "), in.Scoring))
	}
	if len(in.Items) == 0 {
		errs.Add(p+".items", "an instrument needs its items")
	}
	codes := map[string]bool{}
	categories := map[string]int{}
	for j, it := range in.Items {
		ip := fmt.Sprintf("%s.items[%d]", p, j)
		uniqueCode(errs, ip, it.Code, codes, measureCodePattern)
		validLabelsIn(errs, ip+".labels", it.Labels, PatientLanguages)
		if len(it.Choices) < 2 {
			errs.Add(ip+".choices", "an item needs at least two choices")
		}
		values := map[float64]bool{}
		for k, c := range it.Choices {
			cp := fmt.Sprintf("%s.choices[%d]", ip, k)
			if values[c.Value] {
				errs.Add(cp+".value", "is listed twice")
			}
			values[c.Value] = true
			if math.IsNaN(c.Value) || math.IsInf(c.Value, 0) {
				errs.Add(cp+".value", "must be a finite number")
			}
			validLabelsIn(errs, cp+".labels", c.Labels, PatientLanguages)
			switch {
			case in.Scoring == ScoringKOOS && (c.Value < 0 || c.Value > 4 || c.Value != math.Trunc(c.Value)):
				errs.Add(cp+".value", "a KOOS item is scored 0, 1, 2, 3 or 4")
			case in.Scoring == ScoringHAQDI && it.Aid && c.Value != 0 && c.Value != 1:
				errs.Add(cp+".value", "an aid or help item is answered 0 (no) or 1 (yes)")
			case in.Scoring == ScoringHAQDI && !it.Aid && (c.Value < 0 || c.Value > 3 || c.Value != math.Trunc(c.Value)):
				errs.Add(cp+".value", "a HAQ-DI item is scored 0, 1, 2 or 3")
			}
		}
		if in.Scoring == ScoringHAQDI {
			if !slices.Contains(HAQCategories, it.Category) {
				errs.Add(ip+".category", fmt.Sprintf("must be one of %s; got %q", strings.Join(HAQCategories, ", "), it.Category))
			} else if !it.Aid {
				categories[it.Category]++
			}
		} else {
			if it.Category != "" {
				errs.Add(ip+".category", "only a haq_di item has a category")
			}
			if it.Aid {
				errs.Add(ip+".aid", "only a haq_di item asks about aids")
			}
		}
	}
	if in.Scoring == ScoringHAQDI {
		var lacking []string
		for _, c := range HAQCategories {
			if categories[c] == 0 {
				lacking = append(lacking, c)
			}
		}
		if len(lacking) > 0 {
			sort.Strings(lacking)
			errs.Add(p+".items", "the HAQ-DI needs at least one question in each of its eight categories; missing: "+strings.Join(lacking, ", "))
		}
	}
}

// CheckInstrument reads the answers to an instrument measure's items and computes its
// score: the one rule for the form, the import and the patient's link. Each answer must be
// one of its item's choices (else a problem for that item, by item code); a blank answer is
// an item not answered. The score is never typed: score holds at most a missing-data code,
// for an instrument that is not answered or has too few answers to be scored (its answers
// are then kept with the code).
func CheckInstrument(m Measure, score ValueInput, items map[string]ValueInput, style NumberStyle) (Value, *Problem, map[string]*Problem) {
	in := m.Instrument
	var itemProblems map[string]*Problem
	put := func(code string, p *Problem) {
		if itemProblems == nil {
			itemProblems = map[string]*Problem{}
		}
		itemProblems[code] = p
	}
	var unknown []string
	for code := range items {
		if _, ok := in.Item(code); !ok {
			unknown = append(unknown, code)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return Value{}, problem("%s is not a question of this instrument.", strings.Join(unknown, ", ")), nil
	}
	answers := map[string]*float64{}
	kept := map[string]float64{}
	for _, it := range in.Items {
		raw := strings.TrimSpace(items[it.Code].Raw)
		if raw == "" {
			continue
		}
		x, p := ParseNumber(raw, style)
		if p == nil && !slices.ContainsFunc(it.Choices, func(c Choice) bool { return c.Value == x }) {
			p = problem("%s is not one of the answers (%s).", raw, choiceList(it.Choices))
		}
		if p != nil {
			put(it.Code, p)
			continue
		}
		answers[it.Code], kept[it.Code] = &x, x
	}
	if len(itemProblems) > 0 {
		return Value{}, nil, itemProblems
	}
	if len(kept) == 0 {
		kept = nil
	}
	missing := strings.TrimSpace(score.Missing)
	if strings.TrimSpace(score.Raw) != "" {
		return Value{}, problem("The score is computed from the answers to the questions: answer them instead of typing %s.", strings.TrimSpace(score.Raw)), nil
	}
	if missing != "" && !slices.Contains(MissingDataCodes, missing) {
		return Value{}, problem("%q is not a missing-data code: use %s.", missing, strings.Join(MissingDataCodes, ", ")), nil
	}
	x, ok := in.Score(answers)
	switch {
	case ok && missing != "":
		return Value{}, problem("Give answers or a missing-data code, not both."), nil
	case ok:
		if (m.Min != nil && x < *m.Min) || (m.Max != nil && x > *m.Max) {
			return Value{}, problem("%s is outside the allowed range (%s).", num(x), allowed(m)), nil
		}
		return Value{Value: &x, Items: kept}, nil, nil
	case missing != "":
		return Value{Missing: missing, Items: kept}, nil, nil
	case len(kept) == 0:
		return Value{}, problem("Answer the questions or choose why they are missing."), nil
	case in.Scoring == ScoringHAQDI:
		return Value{}, problem("Too few categories answered to compute the score: answer questions in at least %d of the 8 categories, or choose why the score is missing.", haqMinCategories), nil
	}
	return Value{}, problem("Too few questions answered to compute the score: answer at least %d of them, or choose why the score is missing.", in.MinAnswered()), nil
}

// choiceList lists choices as the codebook does: "0 = None | 1 = Mild".
func choiceList(choices []Choice) string {
	var c []string
	for _, ch := range choices {
		c = append(c, fmt.Sprintf("%s = %s", num(ch.Value), ch.Labels.In("en")))
	}
	return strings.Join(c, " | ")
}
