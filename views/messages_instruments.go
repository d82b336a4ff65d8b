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
	})
}
