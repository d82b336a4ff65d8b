package main

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var (
	scriptsAndStyles = regexp.MustCompile(`(?is)<(script|style)\b.*?</(script|style)>`)
	anyTag           = regexp.MustCompile(`(?s)<[^>]*>`)
	// A number written with a decimal point or a decimal comma, not part of a longer token
	// (a date is written with '-', a time with ':').
	pointNumber = regexp.MustCompile(`(?:^|[^0-9A-Za-z.,])([0-9]+\.[0-9]+)(?:[^0-9A-Za-z.]|\.(?:[^0-9]|$)|$)`)
	commaNumber = regexp.MustCompile(`(?:^|[^0-9A-Za-z.,])([0-9]+,[0-9]+)(?:[^0-9A-Za-z,]|,(?:[^0-9]|$)|$)`)
)

// visibleText is what a reader sees of a page: no scripts, styles, tags or attributes.
func visibleText(body string) string {
	return html.UnescapeString(anyTag.ReplaceAllString(scriptsAndStyles.ReplaceAllString(body, ""), "\n"))
}

// TestPagesWriteTheLanguagesDecimalMark: Swedish and Danish pages write every number with a
// decimal comma (dashboards' tables and sentences, the patient page, a visit form filled in
// to be corrected), English pages with a point; chart data and form values keep the point.
func TestPagesWriteTheLanguagesDecimalMark(t *testing.T) {
	tr := newTestRegistry(t)
	// A Copenhagen knee patient with a recorded value that has decimals, and that visit.
	var number, visit string
	if err := tr.store.DB.QueryRow(context.Background(), `SELECT p.study_number, sv.code FROM visit_values vv
		JOIN visits v ON v.id = vv.visit_id JOIN patients p ON p.id = v.patient_id JOIN sites si ON si.id = p.site_id
		JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id JOIN studies st ON st.id = p.study_id
		WHERE st.code = 'knee-oa' AND si.code = 'copenhagen' AND vv.value <> trunc(vv.value)
		  AND round(vv.value::numeric, 2) = vv.value::numeric
		ORDER BY p.study_number, sv.position LIMIT 1`).Scan(&number, &visit); err != nil {
		t.Fatalf("no knee patient with a value with decimals: %v", err)
	}
	patient := "/studies/knee-oa/patients/" + number
	pages := []struct{ user, path string }{
		{statistician, "/studies/knee-oa/dashboard"},
		{statistician, "/studies/ssc-ahsct/dashboard"},
		{statistician, "/studies/liver-msc/dashboard"},
		{statistician, "/studies/ms-ahsct/dashboard"},
		{statistician, "/dashboard"},
		{statistician, "/studies"},
		{"nurse.copenhagen@demo.registry", patient},
		{"nurse.copenhagen@demo.registry", patient + "/visits/" + visit},
	}
	for _, lang := range []string{"en", "sv", "da"} {
		clients := map[string]*http.Client{}
		points, commas := 0, 0
		for _, pg := range pages {
			c := clients[pg.user]
			if c == nil {
				c = tr.client(t, pg.user)
				post(t, c, tr.URL+"/language", map[string][]string{"lang": {lang}})
				clients[pg.user] = c
			}
			status, body := get(t, c, tr.URL+pg.path)
			if status != http.StatusOK {
				t.Fatalf("%s %s: %d", lang, pg.path, status)
			}
			text := visibleText(body)
			for _, m := range pointNumber.FindAllStringSubmatch(text, -1) {
				points++
				if lang != "en" {
					t.Errorf("%s %s writes %q with a decimal point", lang, pg.path, m[1])
				}
			}
			for _, m := range commaNumber.FindAllStringSubmatch(text, -1) {
				commas++
				if lang == "en" {
					t.Errorf("%s %s writes %q with a decimal comma", lang, pg.path, m[1])
				}
			}
			if lang != "en" && strings.Contains(pg.path, "/visits/") {
				// The form to correct the visit holds the recorded values with a comma too
				// (an input's value is not visible text: look for it in the attribute).
				if !regexp.MustCompile(`inputmode="decimal"[^>]*value="[0-9]+,[0-9]+"`).MatchString(body) {
					t.Errorf("%s %s: no value prefilled with a decimal comma", lang, pg.path)
				}
			}
		}
		t.Logf("%s: %d numbers with a point, %d with a comma", lang, points, commas)
		if lang == "en" && points < 50 {
			t.Errorf("en: only %d numbers with a decimal point on the pages: the check finds nothing", points)
		}
		if lang != "en" && commas < 50 {
			t.Errorf("%s: only %d numbers with a decimal comma on the pages", lang, commas)
		}
	}
}

// TestRuleMessagesWriteFiguresInTheLanguage: a refused value's message gives the measure's
// step and range with the page's decimal mark, in the form and on the import page, and
// repeats what was typed as typed.
func TestRuleMessagesWriteFiguresInTheLanguage(t *testing.T) {
	tr := newTestRegistry(t)
	p := findMSPatient(t, tr)
	okDate := p.treated.AddDate(0, 0, 182).Format("2006-01-02")
	nurse := tr.client(t, "nurse.lund@demo.registry")
	stat := tr.client(t, statistician)
	for lang, want := range map[string]string{
		"en": "3.3 does not fit the steps of 0.5 (from 0).",
		"sv": "3.3 passar inte stegen om 0,5 (från 0).",
	} {
		post(t, nurse, tr.URL+"/language", map[string][]string{"lang": {lang}})
		post(t, stat, tr.URL+"/language", map[string][]string{"lang": {lang}})
		status, body, _ := post(t, nurse, tr.URL+"/studies/ms-ahsct/patients/"+p.number+"/visits/m6",
			map[string][]string{"state": {"done"}, "visit_date": {okDate}, "m_edss": {"3.3"}, "version": {"0"}})
		if status != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), want) {
			t.Errorf("%s form: %d, want %q", lang, status, want)
		}
		csv := "patient,visit,visit_date,measure,value,missing_code\n" + p.number + ",m6," + okDate + ",edss,3.3,\n"
		status, body = upload(t, stat, tr.URL+"/studies/ms-ahsct/import", "long", "bad.csv", csv)
		if status != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), want) {
			t.Errorf("%s import page: %d, want %q", lang, status, want)
		}
	}
}
