package views

// Texts of a nurse form held over a session time-out, and of generated study numbers:
// {Swedish, Danish}.
func init() {
	catalogs = append(catalogs, map[string][2]string{
		"Your session had ended, so nothing was saved. You have signed in again and what you typed is back: check it and save.": {
			"Din session hade gått ut, så inget sparades. Du har loggat in igen och det du skrev är tillbaka: kontrollera och spara.",
			"Din session var udløbet, så intet blev gemt. Du er logget ind igen, og det, du skrev, er tilbage: kontrollér og gem."},
		// Generated study numbers.
		"Leave it empty to get the next number of the form %s.": {
			"Lämna tomt för att få nästa nummer av formen %s.",
			"Lad feltet stå tomt for at få det næste nummer på formen %s."},
		"The study's number pattern made no valid study number here: type the study number.": {
			"Studiens nummermönster gav inget giltigt studienummer här: skriv studienumret.",
			"Studiens nummermønster gav intet gyldigt studienummer her: skriv studienummeret."},
	})
}
