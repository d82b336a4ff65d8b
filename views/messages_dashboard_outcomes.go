package views

// Texts of the outcomes panels (means, changes, responders, differences, choice measures): {Swedish, Danish}.
func init() {
	catalogs = append(catalogs, map[string][2]string{
		"%d of %d (%s)":            {"%d av %d (%s)", "%d af %d (%s)"},
		"%s (SD %s, n %d)":         {"%s (SD %s, n %d)", "%s (SD %s, n %d)"},
		"Mean change":              {"Medelförändring", "Gennemsnitlig ændring"},
		"Mean with 95%% CI by arm": {"Medelvärde med 95 %% KI per arm", "Gennemsnit med 95 %% KI pr. arm"},
		"Mean":                     {"Medelvärde", "Gennemsnit"},
		"Observed change against the study's placebo baseline (Welch)": {"Observerad förändring mot studiens placebovärde (Welch)", "Observeret ændring mod studiets placeboværdi (Welch)"},
		"Placebo baseline change":                                      {"Förändring under placebo", "Ændring under placebo"},
		"Risk difference (responders)":                                 {"Riskskillnad (responders)", "Risikoforskel (respondenter)"},
		"Source":                                                       {"Källa", "Kilde"},
		"This study has no placebo baseline for this measure.":         {"Studien har inget placebovärde för detta mått.", "Studiet har ingen placeboværdi for dette mål."},
		"Treatment minus %s: difference in change from baseline (Welch), and in responders": {
			"Behandling minus %s: skillnad i förändring från utgångsvärdet (Welch) och i responders",
			"Behandling minus %s: forskel i ændring fra baseline (Welch) og i respondenter"},
		"Patients in each category by arm: number (share)": {"Patienter i varje kategori per arm: antal (andel)", "Patienter i hver kategori pr. arm: antal (andel)"},
		"Treatment against %s: Wilcoxon rank-sum test, and the difference in the share in the best category (%s)": {
			"Behandling mot %s: Wilcoxons rangsummetest och skillnaden i andel i den bästa kategorin (%s)",
			"Behandling mod %s: Wilcoxons rangsumtest og forskellen i andel i den bedste kategori (%s)"},
		"Difference in share":                            {"Skillnad i andel", "Forskel i andel"},
		"%s over the visits":                             {"%s över besöken", "%s over besøgene"},
		"Change from baseline and responders":            {"Förändring från utgångsvärdet och respondenter", "Ændring fra baseline og respondenter"},
		"Responders":                                     {"Respondenter", "Respondenter"},
		"2. Outcomes":                                    {"2. Utfall", "2. Udfald"},
		"Choices, in order: %s; %s.":                     {"Val, i ordning: %s; %s.", "Valgmuligheder, i rækkefølge: %s; %s."},
		"Difference from the comparator over the visits": {"Skillnad mot jämförelsegruppen över besöken", "Forskel fra sammenligningsgruppen over besøgene"},
	})
}
