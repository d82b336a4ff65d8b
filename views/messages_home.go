package views

import (
	"context"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Texts of "patients answer from home": the page a patient's link opens, in en, sv, da and
// es (a patient may answer in Spanish, which the staff's pages do not speak), and the
// nurse's invitation panel, in en, sv and da.

// homeTexts are the texts the patient sees: {Swedish, Danish, Spanish}. Keys that other
// catalogs already translate into Swedish and Danish (the rule book's messages) give only
// the Spanish.
var homeTexts = map[string][3]string{
	"Your answers":                                  {"Dina svar", "Dine svar", "Sus respuestas"},
	"Questions from your clinic":                    {"Frågor från din klinik", "Spørgsmål fra din klinik", "Preguntas de su clínica"},
	"Language":                                      {"Språk", "Sprog", "Idioma"},
	"Please answer the questions below.":            {"Svara gärna på frågorna nedan.", "Svar venligst på spørgsmålene nedenfor.", "Por favor, responda a las preguntas siguientes."},
	"You can answer until %s.":                      {"Du kan svara till och med %s.", "Du kan svare til og med %s.", "Puede responder hasta el %s."},
	"Send my answers":                               {"Skicka mina svar", "Send mine svar", "Enviar mis respuestas"},
	"Write a number from %s.":                       {"Skriv ett tal från %s.", "Skriv et tal fra %s.", "Escriba un número de %s."},
	"Write a number.":                               {"Skriv ett tal.", "Skriv et tal.", "Escriba un número."},
	"Please answer this question.":                  {"Svara på den här frågan.", "Svar på dette spørgsmål.", "Por favor, responda a esta pregunta."},
	"Choose one of the answers.":                    {"Välj ett av svaren.", "Vælg et af svarene.", "Elija una de las respuestas."},
	"Please answer these questions.":                {"Svara på de här frågorna.", "Svar på disse spørgsmål.", "Por favor, responda a estas preguntas."},
	"Please answer at least %d of these questions.": {"Svara på minst %d av de här frågorna.", "Svar på mindst %d af disse spørgsmål.", "Responda al menos a %d de estas preguntas."},
	"Please answer more of these questions.":        {"Svara på fler av de här frågorna.", "Svar på flere af disse spørgsmål.", "Responda a más de estas preguntas."},
	"Check this answer.":                            {"Kontrollera det här svaret.", "Kontrollér dette svar.", "Revise esta respuesta."},
	"Write a number, for example 4.":                {"Skriv ett tal, till exempel 4.", "Skriv et tal, for eksempel 4.", "Escriba un número, por ejemplo 4."},
	"%s is outside the allowed range (%s).":         {"", "", "%s está fuera del intervalo permitido (%s)."},
	"%s is not a whole number.":                     {"", "", "%s no es un número entero."},
	"Some answers need another look; they are marked below. Your other answers are kept.": {
		"Några svar behöver ses över; de är markerade nedan. Dina andra svar finns kvar.",
		"Nogle svar skal ses igen; de er markeret nedenfor. Dine andre svar er gemt i formularen.",
		"Algunas respuestas necesitan revisión; están marcadas abajo. Sus otras respuestas se conservan."},
	"Thank you: your answers have been sent to your clinic.": {
		"Tack: dina svar har skickats till din klinik.",
		"Tak: dine svar er sendt til din klinik.",
		"Gracias: sus respuestas se han enviado a su clínica."},
	"You have already answered these questions. Thank you.": {
		"Du har redan svarat på de här frågorna. Tack.",
		"Du har allerede svaret på disse spørgsmål. Tak.",
		"Ya ha respondido a estas preguntas. Gracias."},
	"Your clinic has already recorded this visit: there is nothing more to answer here. Thank you.": {
		"Din klinik har redan registrerat det här besöket: det finns inget mer att svara på här. Tack.",
		"Din klinik har allerede registreret dette besøg: der er ikke mere at svare på her. Tak.",
		"Su clínica ya ha registrado esta visita: no hay nada más que responder aquí. Gracias."},
	"These questions open on %s. Please come back to this link then.": {
		"Frågorna öppnar den %s. Välkommen tillbaka till den här länken då.",
		"Spørgsmålene åbner den %s. Kom tilbage til dette link til den tid.",
		"Estas preguntas se abren el %s. Vuelva a este enlace entonces."},
	"These questions are closed: the time to answer them ended on %s.": {
		"Frågorna är stängda: tiden för att svara tog slut den %s.",
		"Spørgsmålene er lukket: tiden til at svare sluttede den %s.",
		"Estas preguntas están cerradas: el plazo para responder terminó el %s."},
	"This link has been replaced by a newer one. Please use the newest link your clinic gave you.": {
		"Den här länken har ersatts av en nyare. Använd den senaste länken från din klinik.",
		"Dette link er erstattet af et nyere. Brug det nyeste link fra din klinik.",
		"Este enlace ha sido sustituido por uno más reciente. Use el enlace más reciente que le dio su clínica."},
	"This link does not exist. Please check that it was copied in full.": {
		"Den här länken finns inte. Kontrollera att hela länken kom med.",
		"Dette link findes ikke. Kontrollér at hele linket kom med.",
		"Este enlace no existe. Compruebe que lo ha copiado completo."},
	"Too many requests from your address. Please wait a minute and try again.": {
		"För många förfrågningar från din adress. Vänta en minut och försök igen.",
		"For mange forespørgsler fra din adresse. Vent et minut, og prøv igen.",
		"Demasiadas solicitudes desde su dirección. Espere un minuto y vuelva a intentarlo."},
	"Something went wrong. Please try again in a moment.": {
		"Något gick fel. Försök igen om en stund.",
		"Noget gik galt. Prøv igen om et øjeblik.",
		"Algo salió mal. Vuelva a intentarlo en un momento."},
	"Questions":      {"Frågor", "Spørgsmål", "Preguntas"},
	"(not answered)": {"(inte besvarad)", "(ikke besvaret)", "(sin respuesta)"},
	// The reminder and invitation emails, in the patient's language.
	"Questions from your clinic: please answer from home": {
		"Frågor från din klinik: svara hemifrån",
		"Spørgsmål fra din klinik: svar hjemmefra",
		"Preguntas de su clínica: responda desde casa"},
	"Reminder: questions from your clinic": {
		"Påminnelse: frågor från din klinik",
		"Påmindelse: spørgsmål fra din klinik",
		"Recordatorio: preguntas de su clínica"},
	"Your clinic asks you to answer a few questions before your follow-up. Open this link on your phone or computer; it works once, from %s to %s:\n\n%s\n": {
		"Din klinik ber dig svara på några frågor inför din uppföljning. Öppna länken i telefonen eller datorn; den fungerar en gång, från %s till %s:\n\n%s\n",
		"Din klinik beder dig svare på nogle spørgsmål før din opfølgning. Åbn linket på din telefon eller computer; det virker én gang, fra %s til %s:\n\n%s\n",
		"Su clínica le pide que responda a unas preguntas antes de su seguimiento. Abra este enlace en su teléfono u ordenador; funciona una vez, del %s al %s:\n\n%s\n"},
	"A reminder: your clinic's questions are still waiting for your answers, until %s. Open this link on your phone or computer:\n\n%s\n\nIf you have answered already, thank you: you can ignore this email.\n": {
		"En påminnelse: din kliniks frågor väntar fortfarande på dina svar, till och med %s. Öppna länken i telefonen eller datorn:\n\n%s\n\nOm du redan har svarat: tack, du kan bortse från det här mejlet.\n",
		"En påmindelse: din kliniks spørgsmål venter stadig på dine svar, til og med %s. Åbn linket på din telefon eller computer:\n\n%s\n\nHvis du allerede har svaret: tak, du kan se bort fra denne e-mail.\n",
		"Un recordatorio: las preguntas de su clínica siguen esperando sus respuestas, hasta el %s. Abra este enlace en su teléfono u ordenador:\n\n%s\n\nSi ya ha respondido, gracias: puede ignorar este correo.\n"},
}

// Texts of the nurse's side (invitation panel, review): {Swedish, Danish}.
func init() {
	staff := map[string][2]string{
		"Answer from home":                          {"Svar hemifrån", "Svar hjemmefra"},
		"Invite to answer from home":                {"Bjud in att svara hemifrån", "Invitér til at svare hjemmefra"},
		"Invite patient %s to answer from home: %s": {"Bjud in patient %s att svara hemifrån: %s", "Invitér patient %s til at svare hjemmefra: %s"},
		"The patient's language":                    {"Patientens språk", "Patientens sprog"},
		"Email (optional)":                          {"E-post (valfritt)", "E-mail (valgfrit)"},
		"Make the link":                             {"Skapa länken", "Lav linket"},
		"Link for the patient":                      {"Länk till patienten", "Link til patienten"},
		"Give the patient this link or let her scan the code. It works once, inside the window (%s to %s); it cannot be shown again.": {
			"Ge patienten länken eller låt henne skanna koden. Den fungerar en gång, inom fönstret (%s till %s); den kan inte visas igen.",
			"Giv patienten linket, eller lad hende scanne koden. Det virker én gang, inden for vinduet (%s til %s); det kan ikke vises igen."},
		"Print":                       {"Skriv ut", "Udskriv"},
		"QR code of the link":         {"QR-kod för länken", "QR-kode for linket"},
		"The link was emailed to %s.": {"Länken skickades med e-post till %s.", "Linket blev sendt med e-mail til %s."},
		"The email could not be sent: give the patient the link yourself.": {
			"E-postmeddelandet kunde inte skickas: ge patienten länken själv.",
			"E-mailen kunne ikke sendes: giv patienten linket selv."},
		"No email is sent: the registry has no mail server configured.": {
			"Inget e-postmeddelande skickas: registret har ingen e-postserver inställd.",
			"Der sendes ingen e-mail: registret har ingen mailserver sat op."},
		"Email on file: %s":                  {"E-post registrerad: %s", "E-mail registreret: %s"},
		"Erase the email":                    {"Radera e-postadressen", "Slet e-mailadressen"},
		"The email was erased.":              {"E-postadressen raderades.", "E-mailadressen blev slettet."},
		"Invitations":                        {"Inbjudningar", "Invitationer"},
		"Invited":                            {"Inbjuden", "Inviteret"},
		"answered":                           {"besvarad", "besvaret"},
		"reviewed":                           {"granskad", "gennemgået"},
		"replaced":                           {"ersatt", "erstattet"},
		"waiting":                            {"väntar", "venter"},
		"Back to the patient":                {"Tillbaka till patienten", "Tilbage til patienten"},
		"Answered by the patient, to review": {"Besvarat av patienten, att granska", "Besvaret af patienten, til gennemgang"},
		"Answered on":                        {"Besvarat den", "Besvaret den"},
		"Review":                             {"Granska", "Gennemgå"},
		"The patient answered this visit from home. Check the answers, then confirm them, or correct them with a reason.": {
			"Patienten besvarade det här besöket hemifrån. Kontrollera svaren och bekräfta dem, eller rätta dem med en orsak.",
			"Patienten besvarede dette besøg hjemmefra. Kontrollér svarene, og bekræft dem, eller ret dem med en begrundelse."},
		"Confirm the patient's answers":         {"Bekräfta patientens svar", "Bekræft patientens svar"},
		"The patient's answers were confirmed.": {"Patientens svar bekräftades.", "Patientens svar blev bekræftet."},
		"The patient's answers to this visit have been reviewed already.": {
			"Patientens svar på det här besöket har redan granskats.",
			"Patientens svar på dette besøg er allerede gennemgået."},
		"answered by the patient": {"besvarat av patienten", "besvaret af patienten"},
		// The rule (registry.Invitable) and the invitation form's messages.
		"This study has no questions the patient answers from home.": {
			"Studien har inga frågor som patienten svarar på hemifrån.",
			"Studiet har ingen spørgsmål, som patienten svarer på hjemmefra."},
		"Only active patients can be invited.": {"Bara aktiva patienter kan bjudas in.", "Kun aktive patienter kan inviteres."},
		"This visit is already recorded: there is nothing left for the patient to answer.": {
			"Besöket är redan registrerat: det finns inget kvar för patienten att svara på.",
			"Besøget er allerede registreret: der er intet tilbage for patienten at svare på."},
		"The window of this visit closed on %s: the patient can no longer answer it.": {
			"Besökets fönster stängde den %s: patienten kan inte längre svara.",
			"Besøgets vindue lukkede den %s: patienten kan ikke længere svare."},
		"The window of this visit opens on %s: invite the patient at most %d days before.": {
			"Besökets fönster öppnar den %s: bjud in patienten högst %d dagar innan.",
			"Besøgets vindue åbner den %s: invitér patienten højst %d dage før."},
		"Choose the patient's language.":                        {"Välj patientens språk.", "Vælg patientens sprog."},
		"This is not an email address.":                         {"Det här är ingen e-postadress.", "Dette er ikke en e-mailadresse."},
		"The invitation was not made; check the marked fields.": {"Inbjudan skapades inte; kontrollera de markerade fälten.", "Invitationen blev ikke lavet; kontrollér de markerede felter."},
		"There is no email address on file for this patient.":   {"Det finns ingen e-postadress registrerad för patienten.", "Der er ingen e-mailadresse registreret for patienten."},
	}
	home := map[string][2]string{}
	for en, tr := range homeTexts {
		if tr[0] != "" {
			home[en] = [2]string{tr[0], tr[1]}
		}
	}
	catalogs = append(catalogs, staff, home)
}

// PatientLanguageNames name the languages a patient may answer in, each in its own language.
var PatientLanguageNames = map[string]string{"en": "English", "sv": "Svenska", "da": "Dansk", "es": "Español"}

// PatientLanguageCodes are PatientLanguageNames' keys in the order the switch shows them.
var PatientLanguageCodes = []string{"en", "sv", "da", "es"}

var spanish = sync.OnceValue(func() *message.Printer {
	buildCatalog()
	for en, tr := range homeTexts {
		must(cat.SetString(language.Spanish, en, tr[2]))
	}
	return message.NewPrinter(language.Spanish, message.Catalog(cat))
})

// HT translates a text the patient sees: as T, and into Spanish too.
func HT(ctx context.Context, key string, args ...any) string {
	if Lang(ctx) == "es" {
		return spanish().Sprintf(key, args...)
	}
	return T(ctx, key, args...)
}

// HomeTranslated reports whether a text the patient sees has a Spanish translation (and,
// through T's catalogs, a Swedish and a Danish one).
func HomeTranslated(key string) bool {
	tr, ok := homeTexts[key]
	return ok && tr[2] != "" && Translated(key)
}
