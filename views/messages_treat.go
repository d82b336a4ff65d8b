package views

// Texts of recording a patient's treatment date after enrolment (the patient awaits
// treatment until then): {Swedish, Danish}.
func init() {
	catalogs = append(catalogs, map[string][2]string{
		"awaiting treatment":        {"väntar på behandling", "afventer behandling"},
		"Awaiting treatment: %d":    {"Väntar på behandling: %d", "Afventer behandling: %d"},
		"enrolled today":            {"inkluderad idag", "inkluderet i dag"},
		"enrolled %d day ago":       {"inkluderad för %d dag sedan", "inkluderet for %d dag siden"},
		"enrolled %d days ago":      {"inkluderad för %d dagar sedan", "inkluderet for %d dage siden"},
		"Record the treatment date": {"Registrera behandlingsdatum", "Registrér behandlingsdato"},
		"Record the treatment date of %s": {
			"Registrera behandlingsdatum för %s",
			"Registrér behandlingsdato for %s"},
		"Treatment date of patient %s": {"Behandlingsdatum för patient %s", "Behandlingsdato for patient %s"},
		"Save the treatment date":      {"Spara behandlingsdatum", "Gem behandlingsdato"},
		"Leave it empty until the treatment is given: the follow-up visits are scheduled from it once it is recorded on the patient's page.": {
			"Lämna det tomt tills behandlingen har getts: uppföljningsbesöken planeras från det när det registreras på patientens sida.",
			"Lad den stå tom, indtil behandlingen er givet: opfølgningsbesøgene planlægges ud fra den, når den registreres på patientens side."},
		"The follow-up visits are scheduled from this date; it is not before enrolment nor after today.": {
			"Uppföljningsbesöken planeras från detta datum; det är inte före inklusionen och inte efter idag.",
			"Opfølgningsbesøgene planlægges ud fra denne dato; den ligger ikke før inklusionen og ikke efter i dag."},
		"The treatment date was saved: the visits are scheduled from it.": {
			"Behandlingsdatumet sparades: besöken planeras från det.",
			"Behandlingsdatoen blev gemt: besøgene planlægges ud fra den."},
		"The treatment date (day 0) is not recorded yet: only the baseline can be recorded before it.": {
			"Behandlingsdatumet (dag 0) är inte registrerat än: bara baslinjebesöket kan registreras före det.",
			"Behandlingsdatoen (dag 0) er ikke registreret endnu: kun baselinebesøget kan registreres før den."},
		"The treatment date (day 0) is not recorded yet: this visit has no window until it is.": {
			"Behandlingsdatumet (dag 0) är inte registrerat än: besöket har inget fönster förrän det är det.",
			"Behandlingsdatoen (dag 0) er ikke registreret endnu: besøget har intet vindue, før den er."},
		"Someone else changed this patient's treatment date while you were editing it. Nothing was saved.": {
			"Någon annan ändrade patientens behandlingsdatum medan du redigerade. Inget sparades.",
			"En anden ændrede patientens behandlingsdato, mens du redigerede. Intet blev gemt."},
		"This is already the treatment date.": {"Detta är redan behandlingsdatumet.", "Dette er allerede behandlingsdatoen."},
		"The treatment date was not saved; check the marked fields.": {
			"Behandlingsdatumet sparades inte; kontrollera de markerade fälten.",
			"Behandlingsdatoen blev ikke gemt; kontrollér de markerede felter."},
		"%s is after the event recorded on %s: events are dated from treatment on.": {
			"%s är efter händelsen registrerad %s: händelser dateras från behandlingen.",
			"%s er efter hændelsen registreret %s: hændelser dateres fra behandlingen."},
		"%s is after the follow-up visit recorded on %s.": {
			"%s är efter uppföljningsbesöket registrerat %s.",
			"%s er efter opfølgningsbesøget registreret %s."},
		"a date is required: follow-up visits of the patient are recorded": {
			"ett datum krävs: patientens uppföljningsbesök är registrerade",
			"en dato er påkrævet: patientens opfølgningsbesøg er registreret"},

		// The words of an audit row's "What" (action, entity) on the audit pages
		// (auditWhat); the English page shows them as stored.
		"insert":          {"tillägg", "tilføjelse"},
		"update":          {"ändring", "ændring"},
		"delete":          {"borttagning", "sletning"},
		"upsert":          {"tillägg/ändring", "tilføjelse/ændring"},
		"allocate":        {"randomisering", "randomisering"},
		"code_break":      {"kodbrytning", "kodebrud"},
		"unblind":         {"avblindning", "afblinding"},
		"export":          {"export", "eksport"},
		"import":          {"import", "import"},
		"view":            {"läsning", "læsning"},
		"invite":          {"inbjudan", "invitation"},
		"remind":          {"påminnelse", "påmindelse"},
		"review":          {"granskning", "gennemgang"},
		"erase":           {"radering", "sletning"},
		"email":           {"e-post", "e-mail"},
		"value":           {"värde", "værdi"},
		"patient":         {"patient", "patient"},
		"adverse_event":   {"biverkning", "bivirkning"},
		"invitation":      {"inbjudan", "invitation"},
		"patient_contact": {"patientens kontaktuppgift", "patientens kontaktoplysning"},
	})
}
