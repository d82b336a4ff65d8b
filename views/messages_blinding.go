package views

// Texts of blinding: the code break of one patient, the study's blinding page, and the
// store's messages about them: {Swedish, Danish}.
func init() {
	catalogs = append(catalogs, map[string][2]string{
		// Patient page, enrolment and audit trail.
		"Break the code (emergency)": {"Bryt koden (nödfall)", "Bryd koden (nødsituation)"},
		"code broken by you":         {"koden bruten av dig", "koden brudt af dig"},
		"Blinding and code breaks":   {"Blindning och kodbrytningar", "Blinding og kodebrud"},
		"This study is blinded: the registry allocates the arm and does not show it.": {
			"Studien är blindad: registret lottar armen och visar den inte.",
			"Studiet er blindet: registeret randomiserer armen og viser den ikke."},
		"(arm or allocation hidden)": {"(arm eller lottning dold)", "(arm eller randomisering skjult)"},

		// Code break.
		"Break the code of patient %s": {"Bryt koden för patient %s", "Bryd koden for patient %s"},
		"This study is not blinded: the patient's arm is on the patient page.": {
			"Studien är inte blindad: patientens arm står på patientsidan.",
			"Studiet er ikke blindet: patientens arm står på patientsiden."},
		"You broke this patient's code. Arm: %s": {"Du har brutit patientens kod. Arm: %s", "Du har brudt patientens kode. Arm: %s"},
		"Break the code only when the patient's care needs the arm. The arm is shown to you alone; the code break, your name and the reason are kept in the audit trail and listed for the administrators.": {
			"Bryt koden bara när patientens vård kräver armen. Armen visas bara för dig; kodbrytningen, ditt namn och skälet sparas i granskningsloggen och listas för administratörerna.",
			"Bryd kun koden, når patientens behandling kræver armen. Armen vises kun for dig; kodebruddet, dit navn og begrundelsen gemmes i revisionssporet og vises for administratorerne."},
		"Reason for breaking the code": {"Skäl att bryta koden", "Begrundelse for at bryde koden"},
		"Break the code":               {"Bryt koden", "Bryd koden"},

		// The study's blinding page.
		"Blinding of %s": {"Blindning av %s", "Blinding af %s"},
		"The study is blinded: nurses do not see patients' arms and researchers see the arms pooled.": {
			"Studien är blindad: sjuksköterskor ser inte patienternas armar och forskare ser armarna sammanslagna.",
			"Studiet er blindet: sygeplejersker ser ikke patienternes arme, og forskere ser armene samlet."},
		"The study was unblinded on %s by %s.": {"Studiens blindning bröts %s av %s.", "Studiets blinding blev ophævet %s af %s."},
		"The study is not blinded.":            {"Studien är inte blindad.", "Studiet er ikke blindet."},
		"Code breaks":                          {"Kodbrytningar", "Kodebrud"},
		"No code has been broken.":             {"Ingen kod har brutits.", "Ingen kode er brudt."},
		"End the blinding":                     {"Avsluta blindningen", "Afslut blindingen"},
		"When the trial is over: every user then sees the arms. This cannot be undone and is kept in the audit trail.": {
			"När prövningen är avslutad: alla användare ser då armarna. Det kan inte ångras och sparas i granskningsloggen.",
			"Når forsøget er afsluttet: alle brugere ser så armene. Det kan ikke fortrydes og gemmes i revisionssporet."},
		"Reason for ending the blinding": {"Skäl att avsluta blindningen", "Begrundelse for at afslutte blindingen"},
		"Unblind the study":              {"Bryt studiens blindning", "Ophæv studiets blinding"},

		// The store's messages.
		"This study is blinded: the registry allocates the arm.": {
			"Studien är blindad: registret lottar armen.", "Studiet er blindet: registeret randomiserer armen."},
		"The code was not broken: give the reason.":     {"Koden bröts inte: ange skälet.", "Koden blev ikke brudt: angiv begrundelsen."},
		"Give the reason for breaking the code.":        {"Ange skälet att bryta koden.", "Angiv begrundelsen for at bryde koden."},
		"The study was not unblinded: give the reason.": {"Blindningen bröts inte: ange skälet.", "Blindingen blev ikke ophævet: angiv begrundelsen."},
		"Give the reason for ending the blinding.":      {"Ange skälet att avsluta blindningen.", "Angiv begrundelsen for at afslutte blindingen."},
		"Only nurses and administrators can break the code of a patient.": {
			"Bara sjuksköterskor och administratörer kan bryta en patients kod.",
			"Kun sygeplejersker og administratorer kan bryde en patients kode."},
		"blinded study: the arms are pooled until it is unblinded": {
			"blindad studie: armarna är sammanslagna tills blindningen bryts",
			"blindet studie: armene er samlet, indtil blindingen ophæves"},
	})
}
