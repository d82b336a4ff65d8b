package views

// Texts of scored instruments (KOOS, HAQ-DI...): the rule book's refusals of item answers
// and the visit form's questions: {Swedish, Danish}.
func init() {
	catalogs = append(catalogs, map[string][2]string{
		"%s is not a question of this instrument.": {
			"%s är inte en fråga i detta formulär.",
			"%s er ikke et spørgsmål i dette skema."},
		"The score is computed from the answers to the questions: answer them instead of typing %s.": {
			"Poängen räknas ut från svaren på frågorna: besvara dem i stället för att skriva %s.",
			"Scoren beregnes ud fra svarene på spørgsmålene: besvar dem i stedet for at skrive %s."},
		"Give answers or a missing-data code, not both.": {
			"Ge svar eller en kod för saknade data, inte båda.",
			"Giv svar eller en kode for manglende data, ikke begge."},
		"Answer the questions or choose why they are missing.": {
			"Besvara frågorna eller välj varför svaren saknas.",
			"Besvar spørgsmålene eller vælg hvorfor svarene mangler."},
		"Too few categories answered to compute the score: answer questions in at least %d of the 8 categories, or choose why the score is missing.": {
			"För få kategorier besvarade för att räkna ut poängen: besvara frågor i minst %d av de 8 kategorierna, eller välj varför poängen saknas.",
			"For få kategorier besvaret til at beregne scoren: besvar spørgsmål i mindst %d af de 8 kategorier, eller vælg hvorfor scoren mangler."},
		"Too few questions answered to compute the score: answer at least %d of them, or choose why the score is missing.": {
			"För få frågor besvarade för att räkna ut poängen: besvara minst %d av dem, eller välj varför poängen saknas.",
			"For få spørgsmål besvaret til at beregne scoren: besvar mindst %d af dem, eller vælg hvorfor scoren mangler."},
		// The import.
		"an unanswered question has no row: leave out the row of %s": {
			"en obesvarad fråga har ingen rad: ta bort raden för %s",
			"et ubesvaret spørgsmål har ingen række: fjern rækken for %s"},
		"%q is not a source: use %s, or leave it empty (import).": {
			"%q är inte en källa: använd %s, eller lämna tomt (import).",
			"%q er ikke en kilde: brug %s, eller lad den være tom (import)."},
		// The dashboard's follow-up flow.
		"seen %s (from home %s), missed %s, overdue %s": {
			"gjorda %s (hemifrån %s), missade %s, försenade %s",
			"gennemført %s (hjemmefra %s), udeblevet %s, forsinket %s"},
		// The visit form.
		"Scored from the answers: 100 − mean × 25, with at least %d of %d answered.": {
			"Poängen räknas från svaren: 100 − medelvärdet × 25, med minst %d av %d besvarade.",
			"Scoren beregnes ud fra svarene: 100 − gennemsnittet × 25, med mindst %d af %d besvaret."},
		"Scored from the answers: the worst answer of each category (at least 2 where an aid or help is used), averaged over at least 6 categories.": {
			"Poängen räknas från svaren: det sämsta svaret i varje kategori (minst 2 där hjälpmedel eller hjälp används), medelvärdet över minst 6 kategorier.",
			"Scoren beregnes ud fra svarene: det dårligste svar i hver kategori (mindst 2 hvor hjælpemidler eller hjælp bruges), gennemsnittet over mindst 6 kategorier."},
		"Scored from the answers: their mean, with at least %d of %d answered.": {
			"Poängen räknas från svaren: deras medelvärde, med minst %d av %d besvarade.",
			"Scoren beregnes ud fra svarene: deres gennemsnit, med mindst %d af %d besvaret."},
		"Scored from the answers: their sum; every question must be answered.": {
			"Poängen räknas från svaren: deras summa; alla frågor måste besvaras.",
			"Scoren beregnes ud fra svarene: deres sum; alle spørgsmål skal besvares."},
		"The patient may answer these from home.": {
			"Patienten kan besvara dessa hemifrån.",
			"Patienten kan besvare disse hjemmefra."},
		"Score:":                {"Poäng:", "Score:"},
		"Dressing and grooming": {"Av- och påklädning", "Af- og påklædning"},
		"Arising":               {"Resa sig", "Rejse sig"},
		"Eating":                {"Äta", "Spise"},
		"Walking":               {"Gå", "Gå"},
		"Hygiene":               {"Hygien", "Hygiejne"},
		"Reach":                 {"Räckvidd", "Rækkevidde"},
		"Grip":                  {"Grepp", "Greb"},
		"Activities":            {"Aktiviteter", "Aktiviteter"},
	})
}
