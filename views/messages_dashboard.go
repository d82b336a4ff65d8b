package views

// Texts of the study list and the dashboards: {Swedish, Danish}.
func init() {
	catalogs = append(catalogs, map[string][2]string{
		"%s (%s of %s visits due were seen)": {"%s (%s av %s besök som skulle göras är gjorda)", "%s (%s af %s forfaldne besøg er gennemført)"},
		"95%% CI":                            {"95 %% KI", "95 %% KI"},
		"<%d":                                {"<%d", "<%d"},
		"Age at treatment":                   {"Ålder vid behandling", "Alder ved behandling"},
		"All ages":                           {"Alla åldrar", "Alle aldre"},
		"Both":                               {"Båda", "Begge"},
		"Change from baseline of each study's main outcome at 12 months, or the latest visit its arms share: treatment minus placebo/control (or minus the placebo baseline from the literature), Welch 95%% CI.": {
			"Förändring från utgångsvärdet i varje studies huvudutfall vid 12 månader, eller senaste gemensamma besök: behandling minus placebo/kontroll (eller minus placebovärdet från litteraturen), Welch 95 %% KI.",
			"Ændring fra baseline i hvert studies hovedudfald ved 12 måneder, eller seneste fælles besøg: behandling minus placebo/kontrol (eller minus placeboværdien fra litteraturen), Welch 95 %% KI."},
		"Comparator change (n)":  {"Förändring jämförelse (n)", "Ændring sammenligning (n)"},
		"Design":                 {"Design", "Design"},
		"Difference":             {"Skillnad", "Forskel"},
		"Figures as of %s.":      {"Siffror per %s.", "Tal pr. %s."},
		"Follow-up completeness": {"Uppföljningsgrad", "Opfølgningsgrad"},
		"Go to the worklist":     {"Till arbetslistan", "Til arbejdslisten"},
		"Hedges' g":              {"Hedges g", "Hedges' g"},
		"Indication":             {"Indikation", "Indikation"},
		"No follow-up visits have been recorded yet: outcomes, changes and responders appear once they are.": {
			"Inga uppföljningsbesök har registrerats än: utfall, förändringar och responders visas när de finns.",
			"Ingen opfølgningsbesøg er registreret endnu: udfald, ændringer og respondenter vises, når de findes."},
		"No patients are enrolled in this study yet (or none match the filter).": {
			"Inga patienter är inkluderade i studien än (eller inga matchar filtret).",
			"Ingen patienter er inkluderet i studiet endnu (eller ingen passer til filteret)."},
		"Outcomes against placebo across studies":      {"Utfall mot placebo i alla studier", "Udfald mod placebo på tværs af studier"},
		"Patients enrolled":                            {"Inkluderade patienter", "Inkluderede patienter"},
		"Patients":                                     {"Patienter", "Patienter"},
		"The same figures as JSON":                     {"Samma siffror som JSON", "De samme tal som JSON"},
		"There are no studies yet.":                    {"Det finns inga studier än.", "Der er ingen studier endnu."},
		"Treatment change (n)":                         {"Förändring behandling (n)", "Ændring behandling (n)"},
		"cohort":                                       {"kohort", "kohorte"},
		"higher is better":                             {"högre är bättre", "højere er bedre"},
		"lower is better":                              {"lägre är bättre", "lavere er bedre"},
		"no visits due yet":                            {"inga besök ska ha gjorts än", "ingen besøg forfaldne endnu"},
		"no visits yet":                                {"inga besök än", "ingen besøg endnu"},
		"not estimable (%s)":                           {"kan inte skattas (%s)", "kan ikke estimeres (%s)"},
		"not estimable (n %d)":                         {"kan inte skattas (n %d)", "kan ikke estimeres (n %d)"},
		"not estimable":                                {"kan inte skattas", "kan ikke estimeres"},
		"placebo baseline: %s":                         {"placebovärde: %s", "placeboværdi: %s"},
		"randomised, double-blind":                     {"randomiserad, dubbelblind", "randomiseret, dobbeltblind"},
		"randomised, open":                             {"randomiserad, öppen", "randomiseret, åben"},
		"responder: improvement of at least %s (MCID)": {"responder: förbättring med minst %s (MCID)", "respondent: forbedring på mindst %s (MCID)"},
		"single-arm cohort":                            {"enarmad kohort", "enarmet kohorte"},
		"days after treatment":                         {"dagar efter behandling", "dage efter behandling"},
		"event-free":                                   {"händelsefri", "hændelsesfri"},
		"months after treatment":                       {"månader efter behandling", "måneder efter behandling"},
		"under 40":                                     {"under 40", "under 40"},
		"40-49":                                        {"40-49", "40-49"},
		"50-59":                                        {"50-59", "50-59"},
		"60-69":                                        {"60-69", "60-69"},
		"70 and over":                                  {"70 och äldre", "70 og derover"},
	})
}

// Texts added with the corrected figures and charts: {Swedish, Danish}.
func init() {
	catalogs = append(catalogs, map[string][2]string{
		"to":           {"till", "til"},
		"(n %d vs %d)": {"(n %d mot %d)", "(n %d mod %d)"},
		"n <%d":        {"n <%d", "n <%d"},
		"Fewer than %d patients: counts are shown as <%d, and figures computed from them as n <%d.": {
			"Färre än %d patienter: antal visas som <%d och siffror beräknade på dem som n <%d.",
			"Færre end %d patienter: antal vises som <%d og tal beregnet ud fra dem som n <%d."},
	})
}

// Texts of the main result, survival at given times, pairwise tests and choice measures:
// {Swedish, Danish}.
func init() {
	catalogs = append(catalogs, map[string][2]string{
		"Sign in first.":     {"Logga in först.", "Log ind først."},
		"%s\u00a0to\u00a0%s": {"%s\u00a0till\u00a0%s", "%s\u00a0til\u00a0%s"},
		"Randomised: against the study's control arm": {"Randomiserade: mot studiens kontrollarm", "Randomiserede: mod studiets kontrolarm"},
		"Single-arm: against a placebo baseline from the literature": {
			"En arm: mot en placebo-referens från litteraturen", "Én arm: mod en placebo-reference fra litteraturen"},
		"Not randomised: the comparator is another population, so these differences are weaker evidence than those above.": {
			"Inte randomiserade: jämförelsen görs mot en annan population, så dessa skillnader är svagare belägg än de ovan.",
			"Ikke randomiserede: sammenligningen er med en anden population, så disse forskelle er svagere evidens end dem ovenfor."},
		"Hedges' g (95%% CI)": {"Hedges g (95 %% KI)", "Hedges' g (95 %% KI)"},
		"Hedges' g of the change from baseline (treatment minus comparator)": {
			"Hedges g för förändringen från utgångsvärdet (behandling minus jämförelse)",
			"Hedges' g for ændringen fra baseline (behandling minus sammenligning)"},
		"An internal error occurred. It has been logged; please try again.": {
			"Ett internt fel inträffade. Det har loggats; försök igen.",
			"Der opstod en intern fejl. Den er logget; prøv igen."},
		"Main result:": {"Huvudresultat:", "Hovedresultat:"},
		"main result":  {"huvudresultat", "hovedresultat"},
		"difference in change from baseline (95%% CI)":     {"skillnad i förändring från utgångsvärdet (95 %% KI)", "forskel i ændring fra baseline (95 %% KI)"},
		"At %s, the difference in %s cannot be given: %s.": {"Vid %s kan skillnaden i %s inte anges: %s.", "Ved %s kan forskellen i %s ikke angives: %s."},
		"the placebo baseline (%s)":                        {"placebo-referensen (%s)", "placebo-referencen (%s)"},
		"At %s, the change in %s with %s differed from %s by %s %s (95%% CI %s to %s).": {
			"Vid %s skilde sig förändringen i %s med %s från %s med %s %s (95 %% KI %s till %s).",
			"Ved %s adskilte ændringen i %s med %s sig fra %s med %s %s (95 %% KI %s til %s)."},
		"The MCID is %s %s.": {"MCID är %s %s.", "MCID er %s %s."},
		"Each of the %d visits compared is tested alone: with several, one may exclude 0 by chance.": {
			"Vart och ett av de %d jämförda besöken testas för sig: med flera kan ett utesluta 0 av en slump.",
			"Hvert af de %d sammenlignede besøg testes for sig: med flere kan et udelukke 0 ved et tilfælde."},
		"%d year":  {"%d år", "%d år"},
		"%d years": {"%d år", "%d år"},
		"%s day":   {"%s dag", "%s dag"},
		"%s days":  {"%s dagar", "%s dage"},
	})
}
