package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"outcomereg/registry"
	"outcomereg/seed"
	"outcomereg/views"
)

func init() {
	nurses := []string{"admin", "nurse"}
	for _, p := range []string{
		"GET /studies/{code}/patients/{number}/visits/{visit}/invite",
		"POST /studies/{code}/patients/{number}/visits/{visit}/invite",
		"POST /studies/{code}/patients/{number}/visits/{visit}/confirm",
		"POST /studies/{code}/patients/{number}/contact/erase",
	} {
		decide(p, nurses...)
	}
	decide("GET /p/{token}", "public")
	decide("POST /p/{token}", "public")
	samples["token"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
}

// homeStudy makes knee-oa ask its pain NRS and a KOOS pain instrument of four items (a short
// subscale, scored with two answered) from home, every text in en, sv, da and es, whatever
// the demo file asks, and returns it.
func homeStudy(t testing.TB, tr *testRegistry) *registry.Study {
	t.Helper()
	ctx := context.Background()
	data, err := seed.StudyFile("knee-oa")
	if err != nil {
		t.Fatal(err)
	}
	def, err := registry.ParseStudyFile("knee-oa.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	five := []registry.Choice{
		{Value: 0, Labels: registry.Labels{"en": "Never", "sv": "Aldrig", "da": "Aldrig", "es": "Nunca"}},
		{Value: 1, Labels: registry.Labels{"en": "Monthly", "sv": "Varje månad", "da": "Hver måned", "es": "Cada mes"}},
		{Value: 2, Labels: registry.Labels{"en": "Weekly", "sv": "Varje vecka", "da": "Hver uge", "es": "Cada semana"}},
		{Value: 3, Labels: registry.Labels{"en": "Daily", "sv": "Dagligen", "da": "Dagligt", "es": "A diario"}},
		{Value: 4, Labels: registry.Labels{"en": "Always", "sv": "Alltid", "da": "Altid", "es": "Siempre"}},
	}
	item := func(code, en, sv, da, es string) registry.Item {
		return registry.Item{Code: code, Labels: registry.Labels{"en": en, "sv": sv, "da": da, "es": es}, Choices: five}
	}
	for i := range def.Measures {
		m := &def.Measures[i]
		switch m.Code {
		case "pain_nrs":
			m.ReportedBy, m.Instrument = registry.ReportedByPatient, nil
			m.Question = registry.Labels{
				"en": "How bad was your knee pain in the last week, from 0 (none) to 10 (worst)?",
				"sv": "Hur ont hade du i knät den senaste veckan, från 0 (inte alls) till 10 (värsta)?",
				"da": "Hvor ondt havde du i knæet den seneste uge, fra 0 (slet ikke) til 10 (værst)?",
				"es": "¿Cuánto le dolió la rodilla la última semana, de 0 (nada) a 10 (lo peor)?"}
		case "koos_pain":
			m.ReportedBy = registry.ReportedByPatient
			m.Question = registry.Labels{"en": "Knee pain", "sv": "Knäsmärta", "da": "Knæsmerte", "es": "Dolor de rodilla"}
			m.Instrument = &registry.Instrument{Scoring: registry.ScoringKOOS, Items: []registry.Item{
				item("p1", "How often do you have knee pain?", "Hur ofta har du ont i knät?", "Hvor ofte har du ondt i knæet?", "¿Con qué frecuencia le duele la rodilla?"),
				item("p2", "Twisting or pivoting on your knee", "Vrida dig på knät", "Dreje på knæet", "Girar sobre la rodilla"),
				item("p3", "Straightening your knee fully", "Sträcka knät helt", "Strække knæet helt", "Estirar la rodilla del todo"),
				item("p4", "Bending your knee fully", "Böja knät helt", "Bøje knæet helt", "Doblar la rodilla del todo"),
			}}
		default:
			m.ReportedBy, m.Question, m.Instrument = "", nil, nil
		}
	}
	// The demo's KOOS answers are to its own items: the study file may not take away the
	// items that stored answers use (checkInstrumentChanges), so they go first.
	if _, err := tr.store.DB.Exec(ctx, `DELETE FROM visit_items vi USING measures m, studies st
		WHERE m.id = vi.measure_id AND st.id = m.study_id AND st.code = 'knee-oa' AND m.code = 'koos_pain'`); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.store.ApplyStudy(ctx, registry.CLI, def); err != nil {
		t.Fatal(err)
	}
	st, err := tr.store.Study(ctx, "knee-oa")
	if err != nil {
		t.Fatal(err)
	}
	if len(registry.PatientQuestions(st)) != 2 {
		t.Fatalf("knee-oa asks %d questions from home, want 2", len(registry.PatientQuestions(st)))
	}
	return st
}

// homeVisit finds a knee-oa patient at Copenhagen with a visit in the state wanted on
// demoToday (due: its window open; upcoming: opening within InviteAheadDays), not recorded.
func homeVisit(t testing.TB, tr *testRegistry, state string) (number, visit string) {
	t.Helper()
	err := tr.store.DB.QueryRow(context.Background(), `
		SELECT p.study_number, sv.code FROM patients p
		JOIN studies st ON st.id = p.study_id JOIN sites si ON si.id = p.site_id
		JOIN scheduled_visits sv ON sv.study_id = p.study_id
		WHERE st.code = 'knee-oa' AND si.code = 'copenhagen' AND p.status = 'active'
		  AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.patient_id = p.id AND v.scheduled_visit_id = sv.id)
		  AND CASE $2
		      WHEN 'due' THEN $1::date BETWEEN p.treated_on + sv.target_day - sv.window_before AND p.treated_on + sv.target_day + sv.window_after - 3
		      ELSE p.treated_on + sv.target_day - sv.window_before BETWEEN $1::date + 2 AND $1::date + 14 END
		ORDER BY p.study_number, sv.target_day LIMIT 1`, demoToday, state).Scan(&number, &visit)
	if err != nil {
		t.Fatalf("no %s knee-oa visit at copenhagen: %v", state, err)
	}
	return number, visit
}

var linkRE = regexp.MustCompile(`id="patient-link" href="([^"]+)"`)

// invite makes an invitation as the Copenhagen nurse and returns the link's path.
func invite(t testing.TB, tr *testRegistry, c *http.Client, number, visit, lang, email string) string {
	t.Helper()
	u := tr.URL + "/studies/knee-oa/patients/" + number + "/visits/" + visit + "/invite"
	resp, err := c.PostForm(u, url.Values{"language": {lang}, "email": {email}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := linkRE.FindStringSubmatch(string(b))
	if resp.StatusCode != http.StatusOK || m == nil || !strings.Contains(string(b), "<svg") {
		t.Fatalf("invite %s %s: %s\n%s", number, visit, resp.Status, b)
	}
	link, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	return link.Path
}

func postForm(t testing.TB, c *http.Client, u string, form url.Values) (int, string, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func setClock(t testing.TB, now time.Time) {
	t.Helper()
	old := nurseClock
	nurseClock = func() time.Time { return now }
	t.Cleanup(func() { nurseClock = old })
}

// TestHomeAnswerRoundTrip over HTTP: the patient's bad answer comes back with its message
// and the rest kept; the good one is saved as the visit's values with source patient, dated
// today at the site, audited as the patient by the invitation, and waits for review on the
// worklist until the nurse confirms it.
func TestHomeAnswerRoundTrip(t *testing.T) {
	tr := newTestRegistry(t)
	tr.app.links.min = time.Millisecond
	homeStudy(t, tr)
	ctx := context.Background()
	nurse := tr.client(t, "nurse.copenhagen@demo.registry")
	number, visit := homeVisit(t, tr, "due")
	link := invite(t, tr, nurse, number, visit, "es", "")
	if len(strings.TrimPrefix(link, "/p/")) < 22 {
		t.Fatalf("link %q: the token is shorter than 128 bits", link)
	}
	// Only the token's hash is stored: the row is found by sha256(token), and no text column holds it.
	var byHash, plain int
	tr.store.DB.QueryRow(ctx, `SELECT count(*) FROM invitation_links WHERE token_hash = sha256(convert_to($1, 'UTF8'))`,
		strings.TrimPrefix(link, "/p/")).Scan(&byHash)
	tr.store.DB.QueryRow(ctx, `SELECT count(*) FROM invitations i WHERE row_to_json(i)::text LIKE '%' || $1 || '%'`,
		strings.TrimPrefix(link, "/p/")).Scan(&plain)
	if byHash != 1 || plain != 0 {
		t.Fatalf("token stored: %d rows by its hash, %d in plain", byHash, plain)
	}

	anon := tr.client(t, "")
	status, body := get(t, anon, tr.URL+link)
	if status != http.StatusOK || !strings.Contains(body, "¿Cuánto le dolió la rodilla") || !strings.Contains(body, "Nunca") {
		t.Fatalf("the link in Spanish: %d\n%s", status, body)
	}
	if strings.Contains(body, number) || strings.Contains(body, "knee-oa") || strings.Contains(body, "Copenhagen") {
		t.Fatal("the patient's page shows the study number, study or site")
	}
	if status, body = get(t, anon, tr.URL+link+"?lang=sv"); !strings.Contains(body, "Hur ont hade du i knät") || !strings.Contains(body, `lang="sv"`) {
		t.Fatalf("switched to Swedish: %d", status)
	}

	// Too few of the instrument's questions answered: the message at the instrument.
	status, _, body = postForm(t, anon, tr.URL+link, url.Values{"lang": {"es"}, "m_pain_nrs": {"4"}, "m_koos_pain__p3": {"1"}})
	if status != http.StatusBadRequest || !strings.Contains(body, `id="e-m_koos_pain"`) || !strings.Contains(body, "Responda al menos a 2 de estas preguntas.") ||
		!strings.Contains(body, `value="4"`) {
		t.Fatalf("one question of four answered: %d\n%s", status, body)
	}
	answers := url.Values{"lang": {"es"}, "m_pain_nrs": {"14"}, "m_koos_pain__p1": {"2"}, "m_koos_pain__p2": {"1"}, "m_koos_pain__p4": {"3"}}
	status, _, body = postForm(t, anon, tr.URL+link, answers)
	if status != http.StatusBadRequest || !strings.Contains(body, `id="e-m_pain_nrs"`) || !strings.Contains(body, "14 está fuera del intervalo permitido") {
		t.Fatalf("out-of-range answer: %d\n%s", status, body)
	}
	if !strings.Contains(body, `value="14"`) || !regexp.MustCompile(`name="m_koos_pain__p1" value="2" checked`).MatchString(body) {
		t.Fatal("the other answers were not kept")
	}
	var n int
	tr.store.DB.QueryRow(ctx, `SELECT count(*) FROM visits v JOIN patients p ON p.id = v.patient_id WHERE p.study_number = $1`, number).Scan(&n)
	before := n

	answers.Set("m_pain_nrs", "4")
	status, loc, _ := postForm(t, anon, tr.URL+link, answers)
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, link+"?sent=1") {
		t.Fatalf("good answers: %d %q", status, loc)
	}
	if _, body = get(t, anon, tr.URL+loc); !strings.Contains(body, `data-state="thanks"`) {
		t.Fatal("no thank-you after sending")
	}
	if _, body = get(t, anon, tr.URL+link); !strings.Contains(body, `data-state="answered"`) || strings.Contains(body, "<form") {
		t.Fatal("the link answered once still shows the form")
	}
	// Reuse: posting again changes nothing.
	answers.Set("m_pain_nrs", "9")
	if status, _, body = postForm(t, anon, tr.URL+link, answers); status != http.StatusConflict || !strings.Contains(body, `data-state="answered"`) {
		t.Fatalf("second post: %d", status)
	}

	var painValue float64
	var source, date, actor string
	var koos float64
	err := tr.store.DB.QueryRow(ctx, `SELECT vv.value, vv.source, v.visit_date::text,
			(SELECT vk.value FROM visit_values vk JOIN measures mk ON mk.id = vk.measure_id WHERE vk.visit_id = v.id AND mk.code = 'koos_pain'),
			(SELECT a.actor FROM audit_log a WHERE a.entity = 'visit' AND a.action = 'insert' AND a.patient_id = p.id ORDER BY a.seq DESC LIMIT 1)
		FROM visits v JOIN patients p ON p.id = v.patient_id JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id
		JOIN visit_values vv ON vv.visit_id = v.id JOIN measures m ON m.id = vv.measure_id
		WHERE p.study_number = $1 AND sv.code = $2 AND m.code = 'pain_nrs'`, number, visit).Scan(&painValue, &source, &date, &koos, &actor)
	if err != nil {
		t.Fatal(err)
	}
	// KOOS: 100 - mean(2, 1, 3) * 25 = 50, by the one rule book.
	if painValue != 4 || source != "patient" || date != demoToday.Format(time.DateOnly) || koos != 50 || !regexp.MustCompile(`^patient \(invitation \d+\)$`).MatchString(actor) {
		t.Fatalf("saved: pain %v source %q date %s koos %v actor %q", painValue, source, date, koos, actor)
	}
	tr.store.DB.QueryRow(ctx, `SELECT count(*) FROM visits v JOIN patients p ON p.id = v.patient_id WHERE p.study_number = $1`, number).Scan(&n)
	if n != before+1 {
		t.Fatalf("%d visits after the answers, want %d", n, before+1)
	}

	_, body = get(t, nurse, tr.URL+"/studies/knee-oa/patients/"+number)
	row := body[strings.Index(body, `id="visit-`+visit+`"`):]
	if row = row[:strings.Index(row, "</tr>")]; !strings.Contains(row, "answered-from-home") {
		t.Fatal("the schedule does not mark the visit answered by the patient")
	}
	// The worklist shows the visit to review; the visit form offers the confirmation.
	_, body = get(t, nurse, tr.URL+"/worklist")
	if !strings.Contains(body, `id="review-list"`) || !strings.Contains(body, "/studies/knee-oa/patients/"+number+"/visits/"+visit) {
		t.Fatal("the worklist does not list the answers to review")
	}
	_, body = get(t, nurse, tr.URL+"/studies/knee-oa/patients/"+number+"/visits/"+visit)
	if !strings.Contains(body, `id="confirm-answers"`) {
		t.Fatal("the visit form offers no confirmation")
	}
	status, loc, _ = postForm(t, nurse, tr.URL+"/studies/knee-oa/patients/"+number+"/visits/"+visit+"/confirm", url.Values{"version": {"1"}})
	if status != http.StatusSeeOther {
		t.Fatalf("confirm: %d", status)
	}
	if _, body = get(t, nurse, tr.URL+"/worklist"); strings.Contains(body, `id="review-list"`) {
		t.Fatal("still to review after the confirmation")
	}
	tr.store.DB.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE entity = 'invitation' AND action = 'review' AND actor = 'nurse.copenhagen@demo.registry'`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d review audit rows", n)
	}
}

// TestHomeLinkStates: before the window, after it, a visit the nurse recorded first, a
// newer invitation, an unknown token; and the conflict rule between the nurse and the patient.
func TestHomeLinkStates(t *testing.T) {
	tr := newTestRegistry(t)
	tr.app.links.min = time.Millisecond
	homeStudy(t, tr)
	nurse := tr.client(t, "nurse.copenhagen@demo.registry")
	anon := tr.client(t, "")
	ctx := context.Background()

	number, upcoming := homeVisit(t, tr, "upcoming")
	link := invite(t, tr, nurse, number, upcoming, "en", "")
	_, body := get(t, anon, tr.URL+link)
	if !strings.Contains(body, `data-state="not_yet_open"`) || strings.Contains(body, "<form") {
		t.Fatalf("before the window:\n%s", body)
	}
	if status, _, _ := postForm(t, anon, tr.URL+link, url.Values{"m_pain_nrs": {"3"}}); status != http.StatusConflict {
		t.Fatalf("answering before the window: %d", status)
	}
	f, err := tr.store.VisitForm(ctx, &registry.User{Role: registry.RoleAdmin}, "knee-oa", number, upcoming)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, views.HomeDate("en", f.Window.Opens)) {
		t.Fatal("the page does not say when it opens")
	}
	setClock(t, f.Window.Closes.AddDate(0, 0, 1).Add(12*time.Hour))
	if _, body = get(t, anon, tr.URL+link); !strings.Contains(body, `data-state="closed"`) {
		t.Fatalf("after the window:\n%s", body)
	}
	setClock(t, demoToday)

	// A newer invitation replaces the older one.
	number, due := homeVisit(t, tr, "due")
	first := invite(t, tr, nurse, number, due, "da", "")
	second := invite(t, tr, nurse, number, due, "da", "")
	if _, body = get(t, anon, tr.URL+first); !strings.Contains(body, `data-state="replaced"`) {
		t.Fatal("the first link still works after a second was made")
	}
	// The nurse opens the form, the patient answers, the nurse's save is refused.
	_, form := get(t, nurse, tr.URL+"/studies/knee-oa/patients/"+number+"/visits/"+due)
	if !strings.Contains(form, `name="version" value="0"`) {
		t.Fatal("the nurse's form is not a new visit")
	}
	answers := url.Values{"m_pain_nrs": {"2"}, "m_koos_pain__p1": {"1"}, "m_koos_pain__p2": {"1"}}
	if status, _, _ := postForm(t, anon, tr.URL+second, answers); status != http.StatusSeeOther {
		t.Fatalf("the patient's answers: %d", status)
	}
	nurseForm := url.Values{"version": {"0"}, "state": {"done"}, "visit_date": {demoToday.Format(time.DateOnly)},
		"m_pain_nrs": {"7"}, "mm_koos_pain": {"not_done"}, "m_koos_adl": {"50"}, "m_koos_qol": {"50"}}
	status, _, body := postForm(t, nurse, tr.URL+"/studies/knee-oa/patients/"+number+"/visits/"+due, nurseForm)
	if status != http.StatusConflict {
		t.Fatalf("the nurse's save over the patient's answers: %d, want 409", status)
	}
	var pain float64
	tr.store.DB.QueryRow(ctx, `SELECT vv.value FROM visit_values vv JOIN visits v ON v.id = vv.visit_id JOIN patients p ON p.id = v.patient_id
		JOIN measures m ON m.id = vv.measure_id JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id
		WHERE p.study_number = $1 AND sv.code = $2 AND m.code = 'pain_nrs'`, number, due).Scan(&pain)
	if pain != 2 {
		t.Fatalf("pain is %v after the refused save, want the patient's 2", pain)
	}
	// A nurse's correction, with a reason, is the review.
	nurseForm.Set("version", "1")
	nurseForm.Set("reason", "The patient called: she meant 3.")
	nurseForm.Set("m_pain_nrs", "3")
	if status, _, body = postForm(t, nurse, tr.URL+"/studies/knee-oa/patients/"+number+"/visits/"+due, nurseForm); status != http.StatusSeeOther {
		t.Fatalf("correction: %d\n%s", status, body)
	}
	if _, body = get(t, nurse, tr.URL+"/worklist"); strings.Contains(body, "/patients/"+number+"/visits/"+due+`"`) && strings.Contains(body, `id="review-list"`) {
		t.Fatal("the corrected visit is still to review")
	}

	// The nurse records a visit first: the link is no longer needed.
	number2, due2 := homeVisit(t, tr, "due")
	if number2 == number && due2 == due {
		t.Fatal("the same visit again")
	}
	link = invite(t, tr, nurse, number2, due2, "sv", "")
	nurseForm.Set("version", "0")
	nurseForm.Del("reason")
	if status, _, body = postForm(t, nurse, tr.URL+"/studies/knee-oa/patients/"+number2+"/visits/"+due2, nurseForm); status != http.StatusSeeOther {
		t.Fatalf("the nurse records first: %d\n%s", status, body)
	}
	if _, body = get(t, anon, tr.URL+link); !strings.Contains(body, `data-state="recorded"`) || !strings.Contains(body, "Din klinik har redan registrerat") {
		t.Fatalf("the link after the nurse recorded the visit:\n%s", body)
	}
	if status, _, _ := postForm(t, anon, tr.URL+link, answers); status != http.StatusConflict {
		t.Fatalf("answering a recorded visit: %d", status)
	}
}

// TestHomeUnknownTokenPadded: an unknown token answers 404 after the same minimum delay as
// a valid one: both go through the one pad, and neither answers sooner.
func TestHomeUnknownTokenPadded(t *testing.T) {
	tr := newTestRegistry(t)
	homeStudy(t, tr)
	nurse := tr.client(t, "nurse.copenhagen@demo.registry")
	number, due := homeVisit(t, tr, "due")
	link := invite(t, tr, nurse, number, due, "en", "")
	anon := tr.client(t, "")
	tr.app.links.min = 300 * time.Millisecond
	for _, tc := range []struct {
		path   string
		status int
	}{{link, http.StatusOK}, {"/p/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", http.StatusNotFound}, {"/p/x", http.StatusNotFound}} {
		padded := tr.app.links.padded.Load()
		start := time.Now()
		status, body := get(t, anon, tr.URL+tc.path)
		took := time.Since(start)
		if status != tc.status {
			t.Fatalf("%s: %d, want %d\n%s", tc.path, status, tc.status, body)
		}
		if took < tr.app.links.min {
			t.Errorf("%s answered in %v, before the minimum %v", tc.path, took, tr.app.links.min)
		}
		if tc.status == http.StatusNotFound && !strings.Contains(body, "This link does not exist") {
			t.Errorf("%s: the unknown link's page says %q", tc.path, body)
		}
		if tr.app.links.padded.Load() != padded+1 {
			t.Errorf("%s did not go through the pad", tc.path)
		}
	}
}

// TestHomeThrottled: requests for links that exist never make an address wait (a waiting
// room of patients behind one guest address); after the free requests for unknown links,
// the address must wait (429), and another address is not affected.
func TestHomeThrottled(t *testing.T) {
	tr := newTestRegistry(t)
	tr.app.links.min = 0
	homeStudy(t, tr)
	nurse := tr.client(t, "nurse.copenhagen@demo.registry")
	anon := tr.client(t, "")
	free := 60
	number, visit := homeVisit(t, tr, "due")
	link := invite(t, tr, nurse, number, visit, "en", "")
	for i := 0; i < 3*free; i++ {
		if status, _ := get(t, anon, tr.URL+link); status != http.StatusOK {
			t.Fatalf("request %d for a patient's own link: %d", i+1, status)
		}
	}
	for i := 0; i < free; i++ {
		if status, _ := get(t, anon, tr.URL+"/p/unknown"); status != http.StatusNotFound {
			t.Fatalf("request %d: %d", i+1, status)
		}
	}
	resp, err := anon.Get(tr.URL + "/p/unknown")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("request %d: %s, want 429 with Retry-After", free+1, resp.Status)
	}
	if status, _ := get(t, anon, tr.URL+link); status != http.StatusTooManyRequests {
		t.Fatalf("an address that must wait asked for a real link: %d, want 429", status)
	}
	// Behind a trusted proxy, the forwarded address counts: another client is not throttled.
	tr.app.cfg.trustedProxies, _ = parseTrustedProxies("127.0.0.1")
	req, _ := http.NewRequest("GET", tr.URL+"/p/unknown", nil)
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	if resp, err = anon.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("another address: %s, want 404", resp.Status)
	}
}

// TestHomeInviteRefused: a visit whose window closed, one already recorded, one opening in
// more than 14 days and a bad email are refused with their message; nothing is made.
func TestHomeInviteRefused(t *testing.T) {
	tr := newTestRegistry(t)
	homeStudy(t, tr)
	nurse := tr.client(t, "nurse.copenhagen@demo.registry")
	ctx := context.Background()
	var recordedNumber, recordedVisit, closedNumber, closedVisit string
	tr.store.DB.QueryRow(ctx, `SELECT p.study_number, sv.code FROM visits v JOIN patients p ON p.id = v.patient_id
		JOIN sites si ON si.id = p.site_id JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id JOIN studies st ON st.id = p.study_id
		WHERE st.code = 'knee-oa' AND si.code = 'copenhagen' AND p.status = 'active' ORDER BY v.id LIMIT 1`).Scan(&recordedNumber, &recordedVisit)
	tr.store.DB.QueryRow(ctx, `SELECT p.study_number, sv.code FROM patients p JOIN studies st ON st.id = p.study_id
		JOIN sites si ON si.id = p.site_id JOIN scheduled_visits sv ON sv.study_id = p.study_id
		WHERE st.code = 'knee-oa' AND si.code = 'copenhagen' AND p.status = 'active'
		  AND p.treated_on + sv.target_day + sv.window_after < $1::date
		  AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.patient_id = p.id AND v.scheduled_visit_id = sv.id) LIMIT 1`, demoToday).Scan(&closedNumber, &closedVisit)
	if recordedVisit == "" || closedVisit == "" {
		t.Fatal("no recorded or closed visit in the demo data")
	}
	number, due := homeVisit(t, tr, "due")
	for _, tc := range []struct {
		name, number, visit, lang, email, want string
	}{
		{"recorded", recordedNumber, recordedVisit, "en", "", "already recorded"},
		{"closed", closedNumber, closedVisit, "en", "", "closed on"},
		{"bad email", number, due, "en", "not an address", "This is not an email address."},
		{"bad language", number, due, "fr", "", "Choose the patient&#39;s language."},
	} {
		var before int
		tr.store.DB.QueryRow(ctx, `SELECT count(*) FROM invitations`).Scan(&before)
		status, _, body := postForm(t, nurse, tr.URL+"/studies/knee-oa/patients/"+tc.number+"/visits/"+tc.visit+"/invite",
			url.Values{"language": {tc.lang}, "email": {tc.email}})
		if status != http.StatusBadRequest || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d, want 400 with %q\n%s", tc.name, status, tc.want, body)
		}
		var after int
		tr.store.DB.QueryRow(ctx, `SELECT count(*) FROM invitations`).Scan(&after)
		if after != before {
			t.Errorf("%s: an invitation was made", tc.name)
		}
	}
	// The patient page offers the due visit, not the recorded or closed ones.
	_, body := get(t, nurse, tr.URL+"/studies/knee-oa/patients/"+number)
	if !strings.Contains(body, `id="invite-`+due+`"`) {
		t.Fatal("the patient page does not offer the due visit")
	}
	_, body = get(t, nurse, tr.URL+"/studies/knee-oa/patients/"+closedNumber)
	if strings.Contains(body, `id="invite-`+closedVisit+`"`) {
		t.Fatal("the patient page offers a closed visit")
	}
}

// TestHomeContactErased: the email given at invitation is kept apart, shown to the nurse,
// never in an audit row or an export, and erased with an audit row.
func TestHomeContactErased(t *testing.T) {
	tr := newTestRegistry(t)
	homeStudy(t, tr)
	nurse := tr.client(t, "nurse.copenhagen@demo.registry")
	ctx := context.Background()
	number, due := homeVisit(t, tr, "due")
	invite(t, tr, nurse, number, due, "sv", "karin@example.se")
	_, body := get(t, nurse, tr.URL+"/studies/knee-oa/patients/"+number)
	if !strings.Contains(body, "karin@example.se") {
		t.Fatal("the email is not on the patient page")
	}
	var n int
	tr.store.DB.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE coalesce(after::text, '') || coalesce(before::text, '') LIKE '%karin@%'`).Scan(&n)
	if n != 0 {
		t.Fatal("the email is in the audit trail")
	}
	admin := tr.client(t, "admin@demo.registry")
	for _, table := range registry.ExportTables {
		if _, body := get(t, admin, tr.URL+"/studies/knee-oa/export/"+table+".csv"); strings.Contains(body, "karin@") {
			t.Fatalf("the email is in the %s export", table)
		}
	}
	if status, _, _ := postForm(t, nurse, tr.URL+"/studies/knee-oa/patients/"+number+"/contact/erase", nil); status != http.StatusSeeOther {
		t.Fatalf("erase: %d", status)
	}
	tr.store.DB.QueryRow(ctx, `SELECT count(*) FROM patient_contacts`).Scan(&n)
	if n != 0 {
		t.Fatal("the email is still kept")
	}
	tr.store.DB.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE entity = 'patient_contact' AND action = 'erase'`).Scan(&n)
	if n != 1 {
		t.Fatal("no audit row for the erasure")
	}
	// A nurse of another site cannot erase it.
	other := tr.client(t, "nurse.lund@demo.registry")
	if status, _, _ := postForm(t, other, tr.URL+"/studies/knee-oa/patients/"+number+"/contact/erase", nil); status != http.StatusNotFound {
		t.Fatalf("another site's nurse: %d, want 404", status)
	}
}

// TestHomeReminders: with SMTP, one reminder 3 days and one 7 days after the invitation,
// each with a working link and an audit row, at most once even with two servers sending
// at once; none for an answered invitation, none after the window closed, none before day 3.
func TestHomeReminders(t *testing.T) {
	tr := newTestRegistry(t)
	tr.app.links.min = time.Millisecond
	homeStudy(t, tr)
	ctx := context.Background()
	smtpAddr, mails := fakeSMTP(t)
	m, err := newMailer("smtp://" + smtpAddr + "?from=registry@hospital.example")
	if err != nil {
		t.Fatal(err)
	}
	tr.app.cfg.mail = m
	nurse := tr.client(t, "nurse.copenhagen@demo.registry")
	// A due visit whose window stays open at least 8 more days.
	var number, visit string
	if err := tr.store.DB.QueryRow(ctx, `SELECT p.study_number, sv.code FROM patients p JOIN studies st ON st.id = p.study_id
		JOIN sites si ON si.id = p.site_id JOIN scheduled_visits sv ON sv.study_id = p.study_id
		WHERE st.code = 'knee-oa' AND si.code = 'copenhagen' AND p.status = 'active'
		  AND $1::date BETWEEN p.treated_on + sv.target_day - sv.window_before AND p.treated_on + sv.target_day + sv.window_after - 8
		  AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.patient_id = p.id AND v.scheduled_visit_id = sv.id)
		ORDER BY p.study_number LIMIT 1`, demoToday).Scan(&number, &visit); err != nil {
		t.Fatal(err)
	}
	invite(t, tr, nurse, number, visit, "da", "patient@example.dk")
	if first := <-mails; !strings.Contains(first, "RCPT TO:<patient@example.dk>") || !strings.Contains(first, "Spørgsmål fra din klinik") {
		t.Fatalf("the invitation's email:\n%s", first)
	}
	var created time.Time
	tr.store.DB.QueryRow(ctx, `SELECT created_at FROM invitations ORDER BY id DESC LIMIT 1`).Scan(&created)
	send := func(at time.Duration) int {
		n, err := tr.app.sendReminders(ctx, created.Add(at), "http://registry.example")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := send(2*24*time.Hour + 23*time.Hour); n != 0 {
		t.Fatalf("%d reminders before day 3", n)
	}
	// Two servers at once on day 3: one reminder.
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i := range counts {
		wg.Add(1)
		go func() { defer wg.Done(); counts[i] = send(3*24*time.Hour + time.Hour) }()
	}
	wg.Wait()
	if counts[0]+counts[1] != 1 {
		t.Fatalf("day 3: %v reminders sent, want 1 in all", counts)
	}
	mail := <-mails
	if !strings.Contains(mail, "RCPT TO:<patient@example.dk>") || !strings.Contains(mail, "Påmindelse") {
		t.Fatalf("the day-3 reminder:\n%s", mail)
	}
	if n := send(5 * 24 * time.Hour); n != 0 {
		t.Fatalf("%d reminders again on day 5", n)
	}
	// The reminder's link is a new one to the same invitation, and it works.
	link := regexp.MustCompile(`http://registry\.example(/p/[A-Za-z0-9_-]+)`).FindStringSubmatch(mail)
	if link == nil {
		t.Fatalf("no link in the reminder:\n%s", mail)
	}
	if status, body := get(t, tr.client(t, ""), tr.URL+link[1]); status != http.StatusOK || !strings.Contains(body, "<form") {
		t.Fatalf("the reminder's link: %d", status)
	}
	if n := send(7*24*time.Hour + time.Hour); n != 1 {
		t.Fatalf("day 7: %d reminders, want 1", n)
	}
	<-mails
	if n := send(9 * 24 * time.Hour); n != 0 {
		t.Fatalf("%d reminders after day 7", n)
	}
	var audited int
	tr.store.DB.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE entity = 'invitation' AND action = 'remind'`).Scan(&audited)
	if audited != 2 {
		t.Fatalf("%d reminder audit rows, want 2", audited)
	}
	// An invitation made two days before its window closes gets no reminder on day 3: the
	// window has closed by then.
	var closingNumber, closingVisit string
	var closes time.Time
	if err := tr.store.DB.QueryRow(ctx, `SELECT p.study_number, sv.code, visit_window_closes(p.treated_on, sv.target_day, sv.window_after)
		FROM patients p JOIN studies st ON st.id = p.study_id
		JOIN sites si ON si.id = p.site_id JOIN scheduled_visits sv ON sv.study_id = p.study_id
		WHERE st.code = 'knee-oa' AND si.code = 'copenhagen' AND p.status = 'active' AND p.study_number <> $2
		  AND $1::date BETWEEN visit_window_opens(p.treated_on, sv.target_day, sv.window_before) + 2
		      AND visit_window_closes(p.treated_on, sv.target_day, sv.window_after) - 3
		  AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.patient_id = p.id AND v.scheduled_visit_id = sv.id)
		ORDER BY p.study_number LIMIT 1`, demoToday, number).Scan(&closingNumber, &closingVisit, &closes); err != nil {
		t.Fatal(err)
	}
	madeAt := closes.AddDate(0, 0, -2).Add(10 * time.Hour)
	setClock(t, madeAt)
	invite(t, tr, nurse, closingNumber, closingVisit, "en", "closing@example.dk")
	<-mails
	for _, at := range []time.Duration{3*24*time.Hour + time.Hour, 7*24*time.Hour + time.Hour} {
		if n, err := tr.app.sendReminders(ctx, madeAt.Add(at), "http://registry.example"); err != nil || n != 0 {
			t.Fatalf("%v after an invitation whose window closed: %d reminders (%v), want none", at, n, err)
		}
	}
	var sent3, sent7 int
	tr.store.DB.QueryRow(ctx, `SELECT count(reminder_3_sent_at), count(reminder_7_sent_at) FROM invitations i
		JOIN patients p ON p.id = i.patient_id WHERE p.study_number = $1`, closingNumber).Scan(&sent3, &sent7)
	if sent3+sent7 != 0 {
		t.Fatal("a reminder was marked sent after the window closed")
	}
	select {
	case extra := <-mails:
		t.Fatalf("an unexpected email:\n%s", extra)
	default:
	}
}

// TestInviteCommand: registry invite prints a working link; a closed window or a recorded
// visit is refused with a clear message and a non-zero exit.
func TestInviteCommand(t *testing.T) {
	tr := newTestRegistry(t)
	tr.app.links.min = time.Millisecond
	homeStudy(t, tr)
	ctx := context.Background()
	env := map[string]string{"REGISTRY_DATABASE_URL": tr.store.DB.Config().ConnString()}
	number, due := homeVisit(t, tr, "due")
	out, stderr, err := runCmd(t, env, "", "invite", "--study", "knee-oa", "--patient", number, "--visit", due,
		"--base-url", tr.URL+"/", "--language", "sv")
	if err != nil || !strings.HasPrefix(out, tr.URL+"/p/") || !strings.Contains(stderr, "works once") {
		t.Fatalf("invite: %q %q %v", out, stderr, err)
	}
	if status, body := get(t, tr.client(t, ""), strings.TrimSpace(out)); status != http.StatusOK || !strings.Contains(body, "Hur ont hade du i knät") {
		t.Fatalf("the printed link: %d", status)
	}
	var actor string
	tr.store.DB.QueryRow(ctx, `SELECT actor FROM audit_log WHERE entity = 'invitation' AND action = 'invite' ORDER BY seq DESC LIMIT 1`).Scan(&actor)
	if actor != "cli" {
		t.Fatalf("the invitation's audit actor is %q", actor)
	}
	var recordedNumber, recordedVisit string
	tr.store.DB.QueryRow(ctx, `SELECT p.study_number, sv.code FROM visits v JOIN patients p ON p.id = v.patient_id
		JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id JOIN studies st ON st.id = p.study_id
		WHERE st.code = 'knee-oa' AND p.status = 'active' ORDER BY v.id LIMIT 1`).Scan(&recordedNumber, &recordedVisit)
	if _, _, err = runCmd(t, env, "", "invite", "--study", "knee-oa", "--patient", recordedNumber, "--visit", recordedVisit); err == nil ||
		!strings.Contains(err.Error(), "already recorded") {
		t.Fatalf("a recorded visit: %v", err)
	}
	setClock(t, demoToday.AddDate(0, 0, 400))
	if _, _, err = runCmd(t, env, "", "invite", "--study", "knee-oa", "--patient", number, "--visit", due); err == nil ||
		!strings.Contains(err.Error(), "closed on") {
		t.Fatalf("a closed window: %v", err)
	}
	if _, _, err = runCmd(t, env, "", "invite", "--study", "knee-oa", "--patient", number); err == nil {
		t.Fatal("no --visit: no error")
	}
}

// TestHomeCrossSitePostRefused: the cookie-less form still refuses a cross-site post (a
// page elsewhere posting a link's answers), and nothing is saved.
func TestHomeCrossSitePostRefused(t *testing.T) {
	tr := newTestRegistry(t)
	tr.app.links.min = time.Millisecond
	homeStudy(t, tr)
	nurse := tr.client(t, "nurse.copenhagen@demo.registry")
	number, due := homeVisit(t, tr, "due")
	link := invite(t, tr, nurse, number, due, "en", "")
	form := url.Values{"m_pain_nrs": {"3"}, "m_koos_pain__p1": {"1"}, "m_koos_pain__p2": {"1"}}
	req, _ := http.NewRequest("POST", tr.URL+link, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://elsewhere.example")
	resp, err := tr.client(t, "").Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site post: %s, want 403", resp.Status)
	}
	var answered bool
	tr.store.DB.QueryRow(context.Background(), `SELECT answered_at IS NOT NULL FROM invitations ORDER BY id DESC LIMIT 1`).Scan(&answered)
	if answered {
		t.Fatal("a cross-site post answered the invitation")
	}
	// The same post from the page itself is taken.
	if status, _, _ := postForm(t, tr.client(t, ""), tr.URL+link, form); status != http.StatusSeeOther {
		t.Fatalf("same-site post: %d", status)
	}
}

func TestLinkThrottleKey(t *testing.T) {
	for in, want := range map[string]string{"203.0.113.9": "203.0.113.9", "2001:db8:1:2:aaaa::1": "2001:db8:1:2::/64",
		"2001:db8:1:2:bbbb::7": "2001:db8:1:2::/64", "::ffff:203.0.113.9": "::ffff:203.0.113.9", "not an address": "not an address"} {
		if got := linkThrottleKey(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// TestDemoPatientQuestionsInEveryLanguage: every text a demo study puts to a patient (the
// question, an instrument's items and the choices) is given in en, sv, da and es, so that
// the patient's page never falls back to English.
func TestDemoPatientQuestionsInEveryLanguage(t *testing.T) {
	studies, err := seed.Studies()
	if err != nil {
		t.Fatal(err)
	}
	asked := 0
	for _, st := range studies {
		for _, m := range registry.PatientQuestions(st) {
			asked++
			texts := map[string]registry.Labels{m.Code + " question": m.Question}
			if m.Instrument == nil {
				for _, c := range m.Choices {
					texts[fmt.Sprintf("%s choice %v", m.Code, c.Value)] = c.Labels
				}
			} else {
				for _, it := range m.Instrument.Items {
					texts[m.Code+" item "+it.Code] = it.Labels
					for _, c := range it.Choices {
						texts[fmt.Sprintf("%s item %s choice %v", m.Code, it.Code, c.Value)] = c.Labels
					}
				}
			}
			for what, l := range texts {
				for _, lang := range registry.PatientLanguages {
					if l[lang] == "" {
						t.Errorf("%s %s has no %s text", st.Code, what, lang)
					}
				}
			}
		}
	}
	if asked == 0 {
		t.Skip("no demo study asks anything from home")
	}
}

// An unknown link speaks the browser's language, Spanish too.
func TestHomeUnknownLinkInTheBrowsersLanguage(t *testing.T) {
	tr := newTestRegistry(t)
	tr.app.links.min = time.Millisecond
	for accept, want := range map[string]string{"es-ES,es;q=0.9,en;q=0.5": "Este enlace no existe", "da": "Dette link findes ikke",
		"fr-FR,fr": "This link does not exist", "": "This link does not exist"} {
		req, _ := http.NewRequest("GET", tr.URL+"/p/unknown", nil)
		req.Header.Set("Accept-Language", accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(b), want) {
			t.Errorf("Accept-Language %q: %s, want 404 with %q", accept, resp.Status, want)
		}
	}
}
