package views

// Texts of the export and import pages: {Swedish, Danish}.
func init() {
	catalogs = append(catalogs, map[string][2]string{
		"Export %s":                 {"Exportera %s", "Eksportér %s"},
		"Import into %s":            {"Importera till %s", "Importér til %s"},
		"Delimiter":                 {"Avgränsare", "Skilletegn"},
		"comma (,)":                 {"komma (,)", "komma (,)"},
		"semicolon (;)":             {"semikolon (;)", "semikolon (;)"},
		"tab":                       {"tabb", "tabulator"},
		"Site":                      {"Klinik", "Klinik"},
		"All sites":                 {"Alla kliniker", "Alle klinikker"},
		"Apply":                     {"Använd", "Anvend"},
		"File":                      {"Fil", "Fil"},
		"Contents":                  {"Innehåll", "Indhold"},
		"Table":                     {"Tabell", "Tabel"},
		"CSV file":                  {"CSV-fil", "CSV-fil"},
		"Import":                    {"Importera", "Importér"},
		"Line":                      {"Rad", "Linje"},
		"Column":                    {"Kolumn", "Kolonne"},
		"Problem":                   {"Problem", "Problem"},
		"Back to the exports":       {"Tillbaka till exporterna", "Tilbage til eksporterne"},
		"Import a CSV file into %s": {"Importera en CSV-fil till %s", "Importér en CSV-fil til %s"},
		"One row per patient, visit and measure.": {"En rad per patient, besök och mått.", "En række pr. patient, besøg og mål."},
		"One row per patient and visit, a column per measure.": {
			"En rad per patient och besök, en kolumn per mått.", "En række pr. patient og besøg, en kolonne pr. mål."},
		"One row per patient: arm, sex, year of birth, dates, status.": {
			"En rad per patient: arm, kön, födelseår, datum, status.", "En række pr. patient: arm, køn, fødselsår, datoer, status."},
		"One row per clinical event.": {"En rad per klinisk händelse.", "En række pr. klinisk hændelse."},
		"One row per adverse event.":  {"En rad per biverkning.", "En række pr. utilsigtet hændelse."},
		"Every column of every table: label, type, unit, allowed values, missing codes.": {
			"Varje kolumn i varje tabell: etikett, typ, enhet, tillåtna värden, koder för saknade värden.",
			"Hver kolonne i hver tabel: etiket, type, enhed, tilladte værdier, koder for manglende værdier."},
		"The audit trail of the study.": {"Studiens granskningslogg.", "Studiens revisionsspor."},
		"Every table from one snapshot, with a README and an R script that reads them.": {
			"Alla tabeller från samma ögonblick, med en README och ett R-skript som läser in dem.",
			"Alle tabeller fra samme øjebliksbillede, med en README og et R-script, der indlæser dem."},
		"UTF-8, dates as 2026-01-31, '.' as the decimal mark. A missing value is an empty cell with its reason in the companion column. Free text that starts with = + - @ gets a leading apostrophe.": {
			"UTF-8, datum som 2026-01-31, '.' som decimaltecken. Ett saknat värde är en tom cell med orsaken i kolumnen bredvid. Fritext som börjar med = + - @ får en inledande apostrof.",
			"UTF-8, datoer som 2026-01-31, '.' som decimaltegn. En manglende værdi er en tom celle med årsagen i kolonnen ved siden af. Fritekst, der begynder med = + - @, får en foranstillet apostrof."},
		"Import %d of %s: %d rows read, %d records added, %d changed.": {
			"Import %d av %s: %d rader lästa, %d poster tillagda, %d ändrade.",
			"Import %d af %s: %d rækker læst, %d poster tilføjet, %d ændret."},
		"The file has %d errors; nothing was imported.": {
			"Filen har %d fel; inget importerades.", "Filen har %d fejl; intet blev importeret."},
		"The first %d of %d errors:": {"De första %d av %d fel:", "De første %d af %d fejl:"},
		"Choose a table and a CSV file to import.": {
			"Välj en tabell och en CSV-fil att importera.", "Vælg en tabel og en CSV-fil at importere."},
		"The file is larger than %d MB: split it, or use the command line (registry import).": {
			"Filen är större än %d MB: dela upp den eller använd kommandoraden (registry import).",
			"Filen er større end %d MB: del den op, eller brug kommandolinjen (registry import)."},
		"The columns of the export of the same table. Every row is checked first; then all rows are imported, or none. Importing the same file again changes nothing.": {
			"Samma kolumner som exporten av tabellen. Varje rad kontrolleras först; sedan importeras alla rader, eller ingen. Att importera samma fil igen ändrar ingenting.",
			"Samme kolonner som eksporten af tabellen. Hver række kontrolleres først; derefter importeres alle rækker eller ingen. At importere den samme fil igen ændrer intet."},
	})

	// The import's errors (registry/import.go): line and column are shown beside them; values
	// from the file and codes stay as they are.
	catalogs = append(catalogs, map[string][2]string{
		"a date is required":                        {"ett datum krävs", "en dato er påkrævet"},
		"%q is not a date like 2026-01-31":          {"%q är inte ett datum som 2026-01-31", "%q er ikke en dato som 2026-01-31"},
		"there is no patient %q in study %s":        {"det finns ingen patient %q i studien %s", "der er ingen patient %q i studien %s"},
		"the file is empty: it needs a header line": {"filen är tom: den behöver en rubrikrad", "filen er tom: den skal have en overskriftslinje"},
		"the header cannot be read: %v":             {"rubrikraden kan inte läsas: %v", "overskriftslinjen kan ikke læses: %v"},
		"%s has no column %q":                       {"%s har ingen kolumn %q", "%s har ingen kolonne %q"},
		"the column %q appears twice":               {"kolumnen %q förekommer två gånger", "kolonnen %q forekommer to gange"},
		"the column %q is missing":                  {"kolumnen %q saknas", "kolonnen %q mangler"},
		"%d columns, the header has %d":             {"%d kolumner, rubrikraden har %d", "%d kolonner, overskriftslinjen har %d"},
		"%s at character %d; the rest of the file was not read": {
			"%s vid tecken %d; resten av filen lästes inte", "%s ved tegn %d; resten af filen blev ikke læst"},
		"the row is for study %q, not %s":   {"raden gäller studien %q, inte %s", "rækken gælder studien %q, ikke %s"},
		"the file has a header but no rows": {"filen har en rubrikrad men inga rader", "filen har en overskriftslinje, men ingen rækker"},
		"study %s has no measure %q":        {"studien %s har inget mått %q", "studien %s har ikke noget mål %q"},
		"study %s has no visit %q":          {"studien %s har inget besök %q", "studien %s har ikke noget besøg %q"},
		"a value or a missing code (in %s) is required": {
			"ett värde eller en kod för saknat värde (i %s) krävs", "en værdi eller en kode for manglende værdi (i %s) er påkrævet"},
		"a value and a missing code: give only one": {
			"ett värde och en kod för saknat värde: ange bara det ena", "en værdi og en kode for manglende værdi: angiv kun den ene"},
		"%q is not a missing code: use %s": {"%q är inte en kod för saknat värde: använd %s", "%q er ikke en kode for manglende værdi: brug %s"},
		"%q is not a number: use '.' as the decimal mark": {
			"%q är inte ett tal: använd '.' som decimaltecken", "%q er ikke et tal: brug '.' som decimaltegn"},
		"%q is not a number": {"%q är inte ett tal", "%q er ikke et tal"},
		"%s is not one of the choices of %s (%s)": {
			"%s är inte ett av svarsalternativen för %s (%s)", "%s er ikke en af svarmulighederne for %s (%s)"},
		"%s must be a whole number": {"%s måste vara ett heltal", "%s skal være et heltal"},
		"%s is out of range for %s (%s)": {
			"%s ligger utanför det tillåtna intervallet för %s (%s)", "%s ligger uden for det tilladte interval for %s (%s)"},
		"%q is not a study number (letters, digits, '-' and '_')": {
			"%q är inte ett studienummer (bokstäver, siffror, '-' och '_')", "%q er ikke et studienummer (bogstaver, cifre, '-' og '_')"},
		"there is no site %q":                    {"det finns ingen klinik %q", "der er ingen klinik %q"},
		"study %s has no arm %q":                 {"studien %s har ingen behandlingsarm %q", "studien %s har ingen behandlingsarm %q"},
		"%q is not F or M":                       {"%q är inte F eller M", "%q er ikke F eller M"},
		"%q is not a year between 1900 and 2100": {"%q är inte ett år mellan 1900 och 2100", "%q er ikke et år mellem 1900 og 2100"},
		"the treatment is before the enrolment":  {"behandlingen är före inklusionen", "behandlingen ligger før inklusionen"},
		"%q is not a status: use %s":             {"%q är inte en status: använd %s", "%q er ikke en status: brug %s"},
		"study %s has no event type %q":          {"studien %s har ingen händelsetyp %q", "studien %s har ingen hændelsestype %q"},
		"a term is required":                     {"en term krävs", "en term er påkrævet"},
		"the end is before the onset":            {"slutet är före debuten", "slutningen ligger før debuten"},
		"%q is not a grade from 1 to 5":          {"%q är inte en grad från 1 till 5", "%q er ikke en grad fra 1 til 5"},
		"%q is not true or false":                {"%q är inte true eller false", "%q er ikke true eller false"},
		"%q is not one of %s":                    {"%q är inte ett av %s", "%q er ikke en af %s"},
		"the same patient, visit and measure as line %d": {
			"samma patient, besök och mått som rad %d", "samme patient, besøg og mål som linje %d"},
		"another date for this visit than line %d": {"ett annat datum för besöket än på rad %d", "en anden dato for besøget end i linje %d"},
		"the same patient and visit as line %d":    {"samma patient och besök som rad %d", "samme patient og besøg som linje %d"},
		"the same patient as line %d":              {"samma patient som rad %d", "samme patient som linje %d"},
		// csvProblem's phrases, the first argument of some of the messages above.
		`broken quoting (a quoted cell is not closed, or text follows its closing '"')`: {
			`felaktiga citattecken (en cell inom citattecken är inte avslutad, eller text följer efter dess avslutande '"')`,
			`forkerte anførselstegn (en celle i anførselstegn er ikke lukket, eller der følger tekst efter dens afsluttende '"')`},
		`broken quoting (a '"' inside a cell must be written "" in a quoted cell)`: {
			`felaktiga citattecken (ett '"' inuti en cell måste skrivas "" i en cell inom citattecken)`,
			`forkerte anførselstegn (et '"' inde i en celle skal skrives "" i en celle i anførselstegn)`},
	})
}
