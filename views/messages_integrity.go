package views

// Texts of the rules every writer calls (registry/rules.go), of the import's checks built
// on them, and of study participation: {Swedish, Danish}.
func init() {
	catalogs = append(catalogs, map[string][2]string{
		// Numbers.
		"%q is not a number: write digits with at most one decimal mark (. or ,) and an optional leading minus, e.g. 12.5.": {
			"%q är inte ett tal: skriv siffror med högst ett decimaltecken (. eller ,) och eventuellt ett minus först, t.ex. 12,5.",
			"%q er ikke et tal: skriv cifre med højst ét decimaltegn (. eller ,) og eventuelt et minus først, f.eks. 12,5."},
		"%q could be a thousand or a decimal: write it without a thousands separator (1000) or with a decimal point (1.000).": {
			"%q kan vara tusental eller decimaler: skriv det utan tusentalsavgränsare (1000) eller med decimalpunkt (1.000).",
			"%q kan være tusinder eller decimaler: skriv det uden tusindtalsseparator (1000) eller med decimalpunktum (1.000)."},
		"%q is too large or too small a number to record.": {
			"%q är ett för stort eller för litet tal för att registreras.",
			"%q er et for stort eller for lille tal til at blive registreret."},
		"%q is not a missing-data code: use %s.": {
			"%q är ingen kod för saknat värde: använd %s.",
			"%q er ikke en kode for manglende værdi: brug %s."},
		"%s is not one of the answers (%s).": {"%s är inte ett av svaren (%s).", "%s er ikke et af svarene (%s)."},
		"%s is not a whole number.":          {"%s är inte ett heltal.", "%s er ikke et heltal."},
		"%s is outside the allowed range (%s).": {
			"%s ligger utanför det tillåtna intervallet (%s).",
			"%s ligger uden for det tilladte interval (%s)."},
		"%s does not fit the steps of %s (from %s).": {
			"%s passar inte stegen om %s (från %s).",
			"%s passer ikke til trinene på %s (fra %s)."},
		// Dates.
		"%q is not a date like 2026-01-31.": {"%q är inte ett datum som 2026-01-31.", "%q er ikke en dato som 2026-01-31."},
		"%s is before 1900.":                {"%s är före 1900.", "%s er før 1900."},
		"%s is after today (%s).":           {"%s är efter idag (%s).", "%s er efter i dag (%s)."},
		"%s is more than %d days after today (%s).": {
			"%s är mer än %d dagar efter idag (%s).",
			"%s er mere end %d dage efter i dag (%s)."},
		"%s is before the treatment date (%s).": {"%s är före behandlingsdatumet (%s).", "%s er før behandlingsdatoen (%s)."},
		"%s is before the enrolment date (%s).": {"%s är före inklusionsdatumet (%s).", "%s er før inklusionsdatoen (%s)."},
		"%s is before the onset (%s).":          {"%s är före debuten (%s).", "%s er før debut (%s)."},
		"%q is not a year of birth from 1900 to %d.": {
			"%q är inte ett födelseår från 1900 till %d.",
			"%q er ikke et fødselsår fra 1900 til %d."},
		// Status and deaths.
		"The patient's death is recorded on %s: the status must be dead.": {
			"Patientens död är registrerad %s: statusen måste vara avliden.",
			"Patientens død er registreret %s: status skal være død."},
		"The patient's death is recorded on %s: the status date must be that day.": {
			"Patientens död är registrerad %s: statusdatumet måste vara den dagen.",
			"Patientens død er registreret %s: statusdatoen skal være den dag."},
		"The patient's death is already recorded (on %s).": {
			"Patientens död är redan registrerad (%s).",
			"Patientens død er allerede registreret (%s)."},
		// Import.
		"the site %q does not take part in study %s": {
			"enheten %q deltar inte i studien %s",
			"stedet %q deltager ikke i studiet %s"},
		"an active patient has no status date": {
			"en aktiv patient har inget statusdatum",
			"en aktiv patient har ingen statusdato"},
		"study %s has no death event type to record the death with": {
			"studien %s har ingen händelsetyp för dödsfall att registrera dödsfallet med",
			"studiet %s har ingen hændelsestype for dødsfald at registrere dødsfaldet med"},
		"a second death of this patient (the first is on line %d)": {
			"ett andra dödsfall för denna patient (det första står på rad %d)",
			"et andet dødsfald for denne patient (det første står på linje %d)"},
		"The notes are too long.": {"Anteckningarna är för långa.", "Noterne er for lange."},
		// Audit times, in the site's time zone.
		"When (%s)": {"När (%s)", "Hvornår (%s)"},
		// The patient list.
		"All":         {"Alla", "Alle"},
		"Treated":     {"Behandlad", "Behandlet"},
		"%d patients": {"%d patienter", "%d patienter"},
		"Showing the first %d; search or filter to find others.": {
			"Visar de första %d; sök eller filtrera för att hitta andra.",
			"Viser de første %d; søg eller filtrér for at finde andre."},
		"The filter was not applied; check the marked fields.": {
			"Filtret användes inte; kontrollera de markerade fälten.",
			"Filteret blev ikke anvendt; kontrollér de markerede felter."},
		"Choose a status.": {"Välj en status.", "Vælg en status."},
		// Exports.
		"One row per recorded visit, done or missed: state, date, missed reason, in window, notes, who recorded it.": {
			"En rad per registrerat besök, gjort eller missat: läge, datum, orsak till missat besök, inom fönstret, anteckningar, vem som registrerade det.",
			"En række pr. registreret besøg, udført eller udeblevet: status, dato, årsag til udeblivelse, inden for vinduet, noter, hvem der registrerede det."},
		"Decimal mark": {"Decimaltecken", "Decimaltegn"},
		"point (1.5)":  {"punkt (1.5)", "punktum (1.5)"},
		"comma (1,5), with semicolons, for Swedish and Danish spreadsheets": {
			"komma (1,5), med semikolon, för svenska och danska kalkylblad",
			"komma (1,5), med semikolon, til svenske og danske regneark"},
		"A decimal comma needs the semicolon as the delimiter, not %s.": {
			"Ett decimalkomma kräver semikolon som avgränsare, inte %s.",
			"Et decimalkomma kræver semikolon som separator, ikke %s."},
		"The decimal mark must be point or comma, not %q.": {
			"Decimaltecknet måste vara point eller comma, inte %q.",
			"Decimaltegnet skal være point eller comma, ikke %q."},
		// Confirmations after a save.
		"The visit was saved.":         {"Besöket sparades.", "Besøget blev gemt."},
		"The event was saved.":         {"Händelsen sparades.", "Hændelsen blev gemt."},
		"The adverse event was saved.": {"Biverkningen sparades.", "Bivirkningen blev gemt."},
		"The status was changed.":      {"Statusen ändrades.", "Status blev ændret."},
		"The patient was enrolled.":    {"Patienten inkluderades.", "Patienten blev inkluderet."},
		"It was deleted; the audit trail keeps what it was.": {
			"Det raderades; granskningsloggen behåller vad det var.",
			"Det blev slettet; revisionssporet gemmer, hvad det var."},
		"Single-arm study: every patient is in %s.": {
			"Enarmad studie: alla patienter ingår i %s.",
			"Enarmet studie: alle patienter er i %s."},
		"Use letters, digits, '-' or '_' (e.g. %s).": {
			"Använd bokstäver, siffror, '-' eller '_' (t.ex. %s).",
			"Brug bogstaver, cifre, '-' eller '_' (f.eks. %s)."},
		// Study participation.
		"This site does not take part in the study.": {
			"Denna enhet deltar inte i studien.",
			"Dette sted deltager ikke i studiet."},
		"None of your sites takes part in this study.": {
			"Ingen av dina enheter deltar i denna studie.",
			"Ingen af dine steder deltager i dette studie."},
		"Only nurses and administrators enrol patients.": {
			"Endast sjuksköterskor och administratörer inkluderar patienter.",
			"Kun sygeplejersker og administratorer inkluderer patienter."},
	})
}
