package views

// Texts of the follow-up flow panel: {Swedish, Danish}.
func init() {
	catalogs = append(catalogs, map[string][2]string{
		"1. Follow-up flow":           {"1. Uppföljningsflöde", "1. Opfølgningsforløb"},
		"Allocated":                   {"Randomiserade", "Randomiserede"},
		"Analysed (%s, change at %s)": {"Analyserade (%s, förändring vid %s)", "Analyserede (%s, ændring ved %s)"},
		"Completed":                   {"Fullföljda", "Gennemført"},
		"Dead":                        {"Avlidna", "Døde"},
		"Enrolled: %s. Visits done inside their window: %s.": {"Inkluderade: %s. Besök gjorda inom sitt fönster: %s.", "Inkluderede: %s. Besøg gennemført inden for vinduet: %s."},
		"Lost to follow-up":              {"Förlorade för uppföljning", "Tabt til opfølgning"},
		"Step":                           {"Steg", "Trin"},
		"Withdrawn":                      {"Avbrutit", "Udtrådt"},
		"seen %s, missed %s, overdue %s": {"gjorda %s, missade %s, försenade %s", "gennemført %s, udeblevet %s, forsinket %s"},
	})
}
