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
}
