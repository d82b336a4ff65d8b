package views

// Texts of the layout, login and error pages: {Swedish, Danish}.
func init() {
	catalogs = append(catalogs, map[string][2]string{
		"Outcome registry":                {"Utfallsregister", "Udfaldsregister"},
		"Sign in":                         {"Logga in", "Log ind"},
		"Sign out":                        {"Logga ut", "Log ud"},
		"Email":                           {"E-post", "E-mail"},
		"Password":                        {"Lösenord", "Adgangskode"},
		"Language":                        {"Språk", "Sprog"},
		"Change":                          {"Byt", "Skift"},
		"Signed in as %s (%s)":            {"Inloggad som %s (%s)", "Logget ind som %s (%s)"},
		"The email or password is wrong.": {"E-postadressen eller lösenordet är fel.", "E-mailadressen eller adgangskoden er forkert."},
		"Your session has ended. Please sign in again.": {"Din session har avslutats. Logga in igen.", "Din session er udløbet. Log ind igen."},
		"Page not found":                       {"Sidan finns inte", "Siden findes ikke"},
		"You do not have access to this page.": {"Du har inte behörighet till den här sidan.", "Du har ikke adgang til denne side."},
		"Something went wrong":                 {"Något gick fel", "Noget gik galt"},
		"The database is not available right now. Please try again in a moment.": {
			"Databasen är inte tillgänglig just nu. Försök igen om en stund.",
			"Databasen er ikke tilgængelig lige nu. Prøv igen om lidt."},
		"Back to the start page": {"Tillbaka till startsidan", "Tilbage til forsiden"},
		"Studies":                {"Studier", "Studier"},
		"Data":                   {"Data", "Data"},
		"Export and import":      {"Export och import", "Eksport og import"},
		"Worklist":               {"Arbetslista", "Arbejdsliste"},
		"Dashboard":              {"Översikt", "Oversigt"},
		"Skip to content":        {"Hoppa till innehållet", "Spring til indholdet"},
		"Role":                   {"Roll", "Rolle"},
		"administrator":          {"administratör", "administrator"},
		"nurse":                  {"sjuksköterska", "sygeplejerske"},
		"researcher":             {"forskare", "forsker"},
		"statistician":           {"statistiker", "statistiker"},
	})
}
