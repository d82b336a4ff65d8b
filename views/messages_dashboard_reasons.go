package views

// Why the dashboard gives no figure (dashboard's Reason texts), shown in "not estimable
// (...)": {Swedish, Danish}. TestDashboardReasonsTranslated reads the dashboard's source and
// fails on a reason missing here.
func init() {
	catalogs = append(catalogs, map[string][2]string{
		"treatment": {"behandling", "behandling"},
		"control":   {"kontroll", "kontrol"},
		"Wald interval undefined: every patient or none responded in both arms": {
			"Wald-intervallet är odefinierat: alla eller ingen patient svarade i båda armarna",
			"Wald-intervallet er udefineret: alle eller ingen patienter responderede i begge arme"},
		"a change or the threshold is missing or infinite": {
			"en förändring eller tröskeln saknas eller är oändlig",
			"en ændring eller tærsklen mangler eller er uendelig"},
		"a choice measure": {"ett flervalsmått", "et valgmål"},
		"a choice measure: counted per category, not averaged": {
			"ett flervalsmått: räknas per kategori, inget medelvärde",
			"et valgmål: tælles pr. kategori, intet gennemsnit"},
		"a count is negative": {"ett antal är negativt", "et antal er negativt"},
		"a follow-up time is missing, infinite or negative": {
			"en uppföljningstid saknas, är oändlig eller negativ",
			"en opfølgningstid mangler, er uendelig eller negativ"},
		"a follow-up time is missing, infinite or negative, or a count is negative": {
			"en uppföljningstid saknas, är oändlig eller negativ, eller ett antal är negativt",
			"en opfølgningstid mangler, er uendelig eller negativ, eller et antal er negativt"},
		"a single arm: nothing to compare": {"en enda arm: inget att jämföra", "én arm: intet at sammenligne"},
		"a value is missing or infinite":   {"ett värde saknas eller är oändligt", "en værdi mangler eller er uendelig"},
		"after the last follow-up":         {"efter den sista uppföljningen", "efter den sidste opfølgning"},
		"baseline visit":                   {"baslinjebesök", "baselinebesøg"},
		"curve not estimable":              {"kurvan kan inte skattas", "kurven kan ikke estimeres"},
		"every patient is in the same category": {
			"alla patienter är i samma kategori", "alle patienter er i samme kategori"},
		"fewer than 2 groups with patients at risk at event times": {
			"färre än 2 grupper med patienter i risk vid händelsetiderna",
			"færre end 2 grupper med patienter i risiko ved hændelsestidspunkterne"},
		"fewer than 2 patients":            {"färre än 2 patienter", "færre end 2 patienter"},
		"mean or SD is not a valid number": {"medelvärde eller SD är inget giltigt tal", "gennemsnit eller SD er ikke et gyldigt tal"},
		"no events":                        {"inga händelser", "ingen hændelser"},
		"no patients":                      {"inga patienter", "ingen patienter"},
		"no placebo or control arm and no placebo baseline for this measure": {
			"ingen placebo- eller kontrollarm och inget placebovärde för detta mått",
			"ingen placebo- eller kontrolarm og ingen placeboværdi for dette mål"},
		"no such category":           {"ingen sådan kategori", "ingen sådan kategori"},
		"no treatment arm":           {"ingen behandlingsarm", "ingen behandlingsarm"},
		"no variation in either arm": {"ingen variation i någon arm", "ingen variation i nogen af armene"},
		"no visit with changes from baseline to compare yet": {
			"inget besök med förändringar från utgångsvärdet att jämföra än",
			"intet besøg med ændringer fra baseline at sammenligne endnu"},
		"not a valid time": {"ingen giltig tid", "ikke et gyldigt tidspunkt"},
		"not estimable; build published summaries with SummaryOf": {
			"kan inte skattas; bygg publicerade sammanfattningar med SummaryOf",
			"kan ikke estimeres; byg offentliggjorte opsummeringer med SummaryOf"},
		"numerical failure": {"numeriskt fel", "numerisk fejl"},
		"suppressed: an arm has too few patients": {
			"dold: en arm har för få patienter", "skjult: en arm har for få patienter"},
		"suppressed: fewer patients than the small-cell threshold": {
			"dold: färre patienter än gränsen för små antal", "skjult: færre patienter end grænsen for små antal"},
		"suppressed: researchers see survival only at the at-risk times and at 1, 2, 5 and 10 years, where it rests on at least the threshold's number of events": {
			"dold: forskare ser överlevnaden bara vid tiderna för antal i risk och vid 1, 2, 5 och 10 år, där den vilar på minst gränsens antal händelser",
			"skjult: forskere ser overlevelsen kun ved tidspunkterne for antal i risiko og ved 1, 2, 5 og 10 år, hvor den hviler på mindst grænsens antal hændelser"},
		"suppressed: this filter leaves too few patients, or too few outside it, to show anything without revealing a small number; widen the filter": {
			"dold: filtret lämnar för få patienter, eller för få utanför det, för att visa något utan att röja ett litet antal; vidga filtret",
			"skjult: filteret efterlader for få patienter, eller for få uden for det, til at vise noget uden at afsløre et lille antal; udvid filteret"},
		"the log-rank test needs at least 2 groups": {
			"log-rank-testet behöver minst 2 grupper", "log-rank-testen kræver mindst 2 grupper"},
		"the measure has no MCID": {"måttet har ingen MCID", "målet har ingen MCID"},
		"the two groups have different numbers of categories": {
			"de två grupperna har olika antal kategorier", "de to grupper har forskelligt antal kategorier"},
		"variance of the test is singular (e.g. all events at one time with nobody left at risk)": {
			"testets varians är singulär (t.ex. alla händelser vid en tid utan någon kvar i risk)",
			"testens varians er singulær (f.eks. alle hændelser på ét tidspunkt uden nogen tilbage i risiko)"},
	})
}
