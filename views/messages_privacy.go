package views

// suppressedMark stands for a figure suppressed for researchers, whether it is small
// itself or hidden so that a small one cannot be worked out (as statistical offices
// mark them).
const suppressedMark = "x"

// Texts of disclosure control on the dashboards: {Swedish, Danish}.
func init() {
	catalogs = append(catalogs, map[string][2]string{
		"x: suppressed. A count of fewer than %d patients, a figure computed from fewer, and any figure from which one could be worked out (on this page or with other filters) are not shown.": {
			"x: dold. Ett antal under %d patienter, en siffra beräknad på färre och varje siffra som ett sådant antal kunde räknas fram ur (på denna sida eller med andra filter) visas inte.",
			"x: skjult. Et antal under %d patienter, et tal beregnet på færre og ethvert tal, som et sådant antal kunne regnes ud af (på denne side eller med andre filtre), vises ikke."},
		"This filter leaves fewer than %d patients, or fewer than %d outside it, or figures from which such a number could be worked out: nothing is shown for it. Widen the filter.": {
			"Detta filter lämnar färre än %d patienter, eller färre än %d utanför det, eller siffror som ett sådant antal kunde räknas fram ur: inget visas för det. Vidga filtret.",
			"Dette filter efterlader færre end %d patienter, eller færre end %d uden for det, eller tal, som et sådant antal kunne regnes ud af: intet vises for det. Udvid filteret."},
	})
}
