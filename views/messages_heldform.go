package views

// Texts of a nurse form held over a session time-out: {Swedish, Danish}.
func init() {
	catalogs = append(catalogs, map[string][2]string{
		"Your session had ended, so nothing was saved. You have signed in again and what you typed is back: check it and save.": {
			"Din session hade gått ut, så inget sparades. Du har loggat in igen och det du skrev är tillbaka: kontrollera och spara.",
			"Din session var udløbet, så intet blev gemt. Du er logget ind igen, og det, du skrev, er tilbage: kontrollér og gem."},
	})
}
