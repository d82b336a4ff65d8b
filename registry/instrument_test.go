package registry

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// answers builds item answers: "p1=2,p2=-" leaves p2 unanswered.
func answers(spec string) map[string]*float64 {
	out := map[string]*float64{}
	for _, kv := range strings.Split(spec, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		if v == "-" || v == "" {
			continue
		}
		var x float64
		fmt.Sscan(v, &x)
		out[k] = &x
	}
	return out
}

func items(codes ...string) []Item {
	var out []Item
	for _, c := range codes {
		out = append(out, Item{Code: c, Labels: Labels{"en": c}, Choices: []Choice{{Value: 0, Labels: Labels{"en": "0"}}, {Value: 1, Labels: Labels{"en": "1"}}}})
	}
	return out
}

// koosPain is the KOOS pain subscale: nine items P1–P9 scored 0 (none) to 4 (extreme).
func koosPain() *Instrument {
	return &Instrument{Scoring: ScoringKOOS, Items: items("p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9")}
}

// haq is the HAQ-DI's 20 items in its eight categories, with an aid item per category.
func haq() *Instrument {
	in := &Instrument{Scoring: ScoringHAQDI}
	perCategory := map[string][]string{
		"dressing": {"dress", "hair"}, "arising": {"chair", "bed"}, "eating": {"cut", "cup", "milk"},
		"walking": {"walk", "steps"}, "hygiene": {"wash", "bath", "toilet"}, "reach": {"shelf", "bend"},
		"grip": {"door", "jar", "tap"}, "activities": {"errands", "car", "chores"},
	}
	for _, c := range HAQCategories {
		for _, code := range perCategory[c] {
			in.Items = append(in.Items, Item{Code: code, Category: c})
		}
		in.Items = append(in.Items, Item{Code: c + "_aid", Category: c, Aid: true})
	}
	return in
}

// TestInstrumentScore: each scoring rule against worked examples of its published scoring
// guide, with its missing-item rule. KOOS: the KOOS scoring instructions (2012): a subscale
// is 100 − mean(items) × 100/4, scored when at least half of its items are answered (Pain: 5
// of 9). HAQ-DI: the Stanford HAQ scoring (ARAMIS, 2009): the highest item in each of eight
// categories, raised to 2 when an aid, device or help is used for it, summed and divided by
// the number of categories answered; not scored with fewer than six.
func TestInstrumentScore(t *testing.T) {
	cases := []struct {
		name string
		in   *Instrument
		ans  string
		want float64 // NaN: not scored
	}{
		{"sum of all", &Instrument{Scoring: ScoringSum, Items: items("a", "b", "c")}, "a=1,b=0,c=1", 2},
		{"sum refuses a missing item", &Instrument{Scoring: ScoringSum, Items: items("a", "b", "c")}, "a=1,b=1,c=-", math.NaN()},
		{"mean of those answered", &Instrument{Scoring: ScoringMean, Items: items("a", "b", "c", "d")}, "a=1,b=0,c=-,d=-", 0.5},
		{"mean needs half", &Instrument{Scoring: ScoringMean, Items: items("a", "b", "c", "d", "e")}, "a=1,b=0,c=-,d=-,e=-", math.NaN()},

		// KOOS pain: no pain at all is 100, extreme pain on every item is 0.
		{"koos none", koosPain(), "p1=0,p2=0,p3=0,p4=0,p5=0,p6=0,p7=0,p8=0,p9=0", 100},
		{"koos extreme", koosPain(), "p1=4,p2=4,p3=4,p4=4,p5=4,p6=4,p7=4,p8=4,p9=4", 0},
		// Items 2,1,1,2,0,1,3,2,1: sum 13, mean 13/9, score 100 − 13/9 × 25 = 63.888...
		{"koos worked", koosPain(), "p1=2,p2=1,p3=1,p4=2,p5=0,p6=1,p7=3,p8=2,p9=1", 100 - 13.0/9*25},
		// Five of nine answered (the 2012 rule's minimum for Pain): 1,2,2,3,2: mean 2, score 50.
		{"koos five answered", koosPain(), "p1=1,p2=2,p3=2,p4=3,p5=2,p6=-,p7=-,p8=-,p9=-", 50},
		// Four of nine: invalid, not scored.
		{"koos four answered", koosPain(), "p1=1,p2=2,p3=2,p4=3,p5=-,p6=-,p7=-,p8=-,p9=-", math.NaN()},
		{"koos none answered", koosPain(), "p1=-", math.NaN()},

		// HAQ-DI. Highest item per category: dressing 1 (dress 1, hair 0), arising 2, eating 0,
		// walking 1, hygiene 3, reach 1, grip 2, activities 0: sum 10 / 8 = 1.25.
		{"haq worked", haq(), "dress=1,hair=0,chair=2,bed=1,cut=0,cup=0,milk=0,walk=1,steps=0," +
			"wash=3,bath=1,toilet=0,shelf=1,bend=0,door=2,jar=1,tap=0,errands=0,car=0,chores=0", 1.25},
		// The same with a walking aid (cane) and help for dressing: walking 1 → 2, dressing 1
		// → 2; a hygiene aid leaves hygiene's 3 as it is; a "no" to the reach aid changes
		// nothing: sum 12 / 8 = 1.5.
		{"haq aids", haq(), "dress=1,hair=0,chair=2,bed=1,cut=0,cup=0,milk=0,walk=1,steps=0," +
			"wash=3,bath=1,toilet=0,shelf=1,bend=0,door=2,jar=1,tap=0,errands=0,car=0,chores=0," +
			"walking_aid=1,dressing_aid=1,hygiene_aid=1,reach_aid=0", 1.5},
		// An aid raises a category scored 0 to 2, too: eating 0 → 2: (10 + 2) / 8 = 1.5.
		{"haq aid on zero", haq(), "dress=1,hair=0,chair=2,bed=1,cut=0,cup=0,milk=0,walk=1,steps=0," +
			"wash=3,bath=1,toilet=0,shelf=1,bend=0,door=2,jar=1,tap=0,errands=0,car=0,chores=0,eating_aid=1", 1.5},
		// Two categories unanswered (reach, grip): the sum of the six answered, 1+2+0+1+3+0 = 7,
		// is divided by 6.
		{"haq six categories", haq(), "dress=1,hair=0,chair=2,bed=1,cut=0,cup=0,milk=0,walk=1,steps=0," +
			"wash=3,bath=1,toilet=0,errands=0,car=0,chores=0", 7.0 / 6},
		// One item answered is enough for its category: dressing by hair alone.
		{"haq one item per category", haq(), "hair=2,bed=1,milk=0,steps=0,toilet=1,bend=0,tap=3,car=1", 8.0 / 8},
		// Five categories answered: not scored, even with aids ticked for the other three.
		{"haq five categories", haq(), "dress=1,chair=2,cut=0,walk=1,wash=3,reach_aid=1,grip_aid=1,activities_aid=1", math.NaN()},
	}
	for _, c := range cases {
		got, ok := c.in.Score(answers(c.ans))
		switch {
		case math.IsNaN(c.want) && ok:
			t.Errorf("%s: scored %v; want not scored", c.name, got)
		case !math.IsNaN(c.want) && !ok:
			t.Errorf("%s: not scored; want %v", c.name, c.want)
		case ok && math.Abs(got-c.want) > 1e-12:
			t.Errorf("%s: score %v; want %v", c.name, got, c.want)
		}
	}
}
