package views

// Texts of the adverse-events panel: {Swedish, Danish}.
func init() {
	catalogs = append(catalogs, map[string][2]string{
		"Most frequent terms (patients)":        {"Vanligaste termer (patienter)", "Hyppigste termer (patienter)"},
		"No adverse events have been recorded.": {"Inga biverkningar har registrerats.", "Ingen utilsigtede hændelser er registreret."},
		"With a serious adverse event":          {"Med allvarlig biverkning", "Med alvorlig utilsigtet hændelse"},
		"With any adverse event":                {"Med någon biverkning", "Med en utilsigtet hændelse"},
		"Worst grade %s":                        {"Värsta grad %s", "Værste grad %s"},
		"4. Adverse events":                     {"4. Biverkningar", "4. Utilsigtede hændelser"},
	})
}
