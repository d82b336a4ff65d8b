package seed

import (
	"math"
	"math/rand/v2"
	"slices"

	"outcomereg/registry"
)

// The answers behind an instrument's score (KOOS, HAQ-DI): the generator draws a score as
// for any measure, then answers the items so that the instrument's own scoring gives a score
// as near it as the items allow, and stores that score. A share of follow-up visits is
// answered by the patient from home. These draws come from a generator of their own, so that
// adding an instrument to a study leaves the rest of its demo data as it was.

// homeShare is the share of follow-up visits whose patient-reported measures the patient
// answered from home.
const homeShare = 0.3

// answer replaces a drawn score of an instrument measure by the score of answers drawn to
// match it, and keeps the answers.
func answer(rng *rand.Rand, m registry.Measure, pv *pendingValue) {
	if m.Instrument == nil || pv.value == nil {
		return
	}
	in := m.Instrument
	var items map[string]float64
	switch in.Scoring {
	case registry.ScoringKOOS:
		// 100 − mean × 25 with all items answered: the items sum to (100 − score) / 25 × n.
		n := len(in.Items)
		total := int(math.Round((100 - *pv.value) / 25 * float64(n)))
		items = spread(rng, in.Items, total, 4)
	case registry.ScoringHAQDI:
		items = haqAnswers(rng, in, *pv.value)
	default:
		items = map[string]float64{}
		for _, it := range in.Items {
			items[it.Code] = nearest(it.Choices, *pv.value)
		}
	}
	answers := map[string]*float64{}
	for code, x := range items {
		answers[code] = &x
	}
	score, ok := in.Score(answers)
	if !ok {
		return // cannot happen: every item is answered
	}
	pv.value, pv.items = &score, items
}

// spread answers the items with values from 0 to top summing to total, at random.
func spread(rng *rand.Rand, items []registry.Item, total, top int) map[string]float64 {
	n := len(items)
	total = max(0, min(total, n*top))
	v := make([]int, n)
	for i := range v {
		v[i] = total / n
	}
	for _, i := range rng.Perm(n)[:total%n] {
		v[i]++
	}
	// Move a few points between items so that the answers are not all alike.
	for range n {
		a, b := rng.IntN(n), rng.IntN(n)
		if v[a] > 0 && v[b] < top {
			v[a]--
			v[b]++
		}
	}
	out := make(map[string]float64, n)
	for i, it := range items {
		out[it.Code] = float64(v[i])
	}
	return out
}

// haqAnswers answers a HAQ-DI whose eight categories sum to 8 × score: in each category one
// item at the category's score and the others at or below it; where a category scores 2 or
// 3, the patient sometimes uses an aid (at 2 with items of at most 1: the aid makes the 2).
func haqAnswers(rng *rand.Rand, in *registry.Instrument, score float64) map[string]float64 {
	cats := registry.HAQCategories
	total := int(math.Round(score * float64(len(cats))))
	byCat := map[string][]registry.Item{}
	for _, it := range in.Items {
		if !it.Aid {
			byCat[it.Category] = append(byCat[it.Category], it)
		}
	}
	catItems := make([]registry.Item, len(cats))
	for i, c := range cats {
		catItems[i] = registry.Item{Code: c}
	}
	catScores := spread(rng, catItems, total, 3)
	aids := map[string]string{}
	for _, it := range in.Items {
		if it.Aid {
			aids[it.Category] = it.Code
		}
	}
	out := map[string]float64{}
	for _, cat := range cats {
		items := byCat[cat]
		if len(items) == 0 {
			continue
		}
		c := int(catScores[cat])
		aid := c >= 2 && rng.Float64() < 0.35
		if code, ok := aids[cat]; ok {
			out[code] = 0
			if aid {
				out[code] = 1
			}
		}
		top := c
		if aid && c == 2 && aids[cat] != "" && rng.Float64() < 0.5 {
			top = rng.IntN(2) // the aid raises this category to 2
		}
		first := rng.IntN(len(items))
		for j, q := range items {
			x := top
			if j != first {
				x = rng.IntN(top + 1)
			}
			out[q.Code] = float64(x)
		}
	}
	return out
}

func nearest(choices []registry.Choice, v float64) float64 {
	best := choices[0].Value
	for _, c := range choices {
		if math.Abs(c.Value-v) < math.Abs(best-v) {
			best = c.Value
		}
	}
	return best
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
