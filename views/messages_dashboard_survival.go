package views

// Texts of the time-to-event panel: {Swedish, Danish}.
func init() {
	catalogs = append(catalogs, map[string][2]string{
		"Events: %s.":   {"Händelser: %s.", "Hændelser: %s."},
		"Log-rank test": {"Log-rank-test", "Log-rank-test"},
		"Log-rank test: chi-square %s, df %d, p %s.": {"Log-rank-test: chi-två %s, fg %d, p %s.", "Log-rank-test: chi-i-anden %s, fg %d, p %s."},
		"Median (days)":                         {"Median (dagar)", "Median (dage)"},
		"Number at risk (days after treatment)": {"Antal i risk (dagar efter behandling)", "Antal i risiko (dage efter behandling)"},
		"This study defines no events.":         {"Studien definierar inga händelser.", "Studiet definerer ingen hændelser."},
		"not reached":                           {"ej nådd", "ikke nået"},
		"3. Time to first event":                {"3. Tid till första händelse", "3. Tid til første hændelse"},
		"Event-free survival (95%% CI)":         {"Händelsefri överlevnad (95 %% KI)", "Hændelsesfri overlevelse (95 %% KI)"},
		"Log-rank tests of two arms at a time":  {"Log-rank-test av två armar i taget", "Log-rank-test af to arme ad gangen"},
		"Against":                               {"Mot", "Mod"},
		"Chi-square":                            {"Chi-två", "Chi-i-anden"},
		"Each pair is tested alone; with several pairs, one of them may reach p < 0.05 by chance.": {
			"Varje par testas för sig; med flera par kan ett av dem nå p < 0,05 av en slump.",
			"Hvert par testes for sig; med flere par kan et af dem nå p < 0,05 ved et tilfælde."},
	})
}
