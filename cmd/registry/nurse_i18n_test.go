package main

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"outcomereg/views"
)

// TestNursePagesShowNoUntranslatedCatalogText: in Swedish and Danish, no nurse page shows
// the English text of a catalog key that has its own translation, also keys with % verbs
// (matched with any text in place of the verb).
func TestNursePagesShowNoUntranslatedCatalogText(t *testing.T) {
	tr := newTestRegistry(t)
	e := dueVisit(t, tr)
	patient := "/studies/knee-oa/patients/" + e.Number
	pages := []string{"/worklist", "/patients", patient, patient + "/visits/" + e.VisitCode, patient + "/events/new",
		patient + "/adverse-events/new", patient + "/status", patient + "/treatment", "/studies/knee-oa/enrol", patient + "/audit",
		"/studies/ms-ahsct/patients/x-missing"}
	verb := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)
	tags := regexp.MustCompile(`(?s)<[^>]*>`)
	for _, lang := range []string{"en", "sv", "da"} {
		c := tr.client(t, "nurse.copenhagen@demo.registry")
		post(t, c, tr.URL+"/language", map[string][]string{"lang": {lang}})
		en := views.WithLanguage(context.Background(), "en")
		other := lang
		if lang == "en" {
			other = "sv" // English pages: the same checks must find the English texts (the test works)
		}
		tr2 := views.WithLanguage(context.Background(), other)
		found := 0
		var checks []*regexp.Regexp
		var keys []string
		for _, k := range views.Keys() {
			plain := verb.ReplaceAllString(k, "")
			if len(plain) < 14 || !strings.Contains(plain, " ") || views.T(en, k) == views.T(tr2, k) {
				continue // short words (names, codes) and texts the same in both languages
			}
			parts := verb.Split(k, -1)
			for i := range parts {
				parts[i] = regexp.QuoteMeta(parts[i])
			}
			checks = append(checks, regexp.MustCompile(strings.Join(parts, `.{0,80}?`)))
			keys = append(keys, k)
		}
		for _, path := range pages {
			status, body := get(t, c, tr.URL+path)
			if status != http.StatusOK && status != http.StatusNotFound {
				t.Errorf("%s %s: %d", lang, path, status)
				continue
			}
			if !strings.Contains(body, `<html lang="`+lang+`">`) {
				t.Errorf("%s %s: not in %s", lang, path, lang)
			}
			text := html.UnescapeString(tags.ReplaceAllString(body, "\n"))
			for i, re := range checks {
				if m := re.FindString(text); m != "" {
					found++
					if lang != "en" {
						t.Errorf("%s %s shows the English %q", lang, path, keys[i])
					}
				}
			}
		}
		if lang == "en" && found < 20 {
			t.Errorf("the English pages match only %d catalog texts: the check finds nothing", found)
		}
	}
}
