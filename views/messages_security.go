package views

import (
	"fmt"

	"outcomereg/registry"
)

// Texts of sign-in throttling, the password rule, free-text limits, refused input and the
// account's sessions page: {Swedish, Danish}.
func init() {
	m := map[string][2]string{
		"Too many failed sign-ins from this address.": {
			"För många misslyckade inloggningar från den här adressen.",
			"For mange mislykkede logins fra denne adresse."},
		"The server is busy checking other sign-ins.": {
			"Servern är upptagen med att kontrollera andra inloggningar.",
			"Serveren er optaget af at kontrollere andre logins."},
		"Try again in %s.": {"Försök igen om %s.", "Prøv igen om %s."},
		"a second":         {"en sekund", "et sekund"},
		"%d seconds":       {"%d sekunder", "%d sekunder"},
		"%d minutes":       {"%d minuter", "%d minutter"},
		"The address holds characters that are not allowed.": {
			"Adressen innehåller tecken som inte är tillåtna.",
			"Adressen indeholder tegn, der ikke er tilladt."},
		"The form holds characters that are not allowed.": {
			"Formuläret innehåller tecken som inte är tillåtna.",
			"Formularen indeholder tegn, der ikke er tilladt."},
		registry.NotTextMessage: {
			"Texten innehåller tecken som inte är tillåtna.",
			"Teksten indeholder tegn, der ikke er tilladt."},
		registry.TooLongFormat: {"För lång: högst %d tecken.", "For lang: højst %d tegn."},
		// The import's messages for a cell (registry/import.go, checkText).
		"too long: at most %d characters": {"för lång: högst %d tecken", "for lang: højst %d tegn"},
		"characters that are not text (not UTF-8, or control characters)": {
			"tecken som inte är text (inte UTF-8, eller styrtecken)",
			"tegn, der ikke er tekst (ikke UTF-8, eller kontroltegn)"},
		// The password rule (registry.CheckPassword).
		"The password may not contain control characters.": {
			"Lösenordet får inte innehålla styrtecken.",
			"Adgangskoden må ikke indeholde kontroltegn."},
		"This password is among the most common passwords; choose another.": {
			"Lösenordet är ett av de vanligaste lösenorden; välj ett annat.",
			"Adgangskoden er blandt de mest almindelige adgangskoder; vælg en anden."},
	}
	// Messages that name a limit, one key for each limit (a field's message has no
	// arguments): registry.TooLongFormat and the password's lengths.
	for _, n := range registry.TextLimits {
		m[fmt.Sprintf(registry.TooLongFormat, n)] = [2]string{fmt.Sprintf("För lång: högst %d tecken.", n), fmt.Sprintf("For lang: højst %d tegn.", n)}
	}
	m[fmt.Sprintf("The password must be at least %d characters long.", registry.MinPasswordLength)] = [2]string{
		fmt.Sprintf("Lösenordet måste vara minst %d tecken långt.", registry.MinPasswordLength),
		fmt.Sprintf("Adgangskoden skal være mindst %d tegn lang.", registry.MinPasswordLength)}
	m[fmt.Sprintf("The password must be at most %d characters long.", registry.MaxPasswordLength)] = [2]string{
		fmt.Sprintf("Lösenordet får vara högst %d tecken långt.", registry.MaxPasswordLength),
		fmt.Sprintf("Adgangskoden må højst være %d tegn lang.", registry.MaxPasswordLength)}
	catalogs = append(catalogs, m)
}
