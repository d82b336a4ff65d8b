package views

// Texts of the audit trail's access log: {Swedish, Danish}.
func init() {
	catalogs = append(catalogs, map[string][2]string{
		"Show page views (who read what)": {"Visa sidvisningar (vem läste vad)", "Vis sidevisninger (hvem læste hvad)"},
	})
}
