package views

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Every catalog key has a Swedish and a Danish text.
func TestEveryKeyIsTranslated(t *testing.T) {
	keys := Keys()
	if len(keys) < 100 {
		t.Fatalf("only %d catalog keys", len(keys))
	}
	for _, k := range keys {
		if !Translated(k) {
			t.Errorf("%q has no Swedish or Danish text", k)
		}
	}
}

// Every text the nurse's pages show, and every message the store gives them, is a catalog
// key: a text missing from the catalog would silently stay English.
func TestNurseTextsAreInTheCatalog(t *testing.T) {
	keys := Keys()
	sources := map[string]*regexp.Regexp{
		"nurse_*.templ":                     regexp.MustCompile(`\bT\(ctx, "([^"]+)"`),
		"../cmd/registry/nurse_*.go":        regexp.MustCompile(`views\.T\([a-zA-Z.()]+, "([^"]+)"`),
		"../registry/patient.go":            regexp.MustCompile(`(?:errs\.Add\([^,]+, |Errorf\(E[A-Z]+, |errs\.Err\(|Message: |"number": )"([^"%]+)"`),
		"../registry/visit.go":              regexp.MustCompile(`(?:errs\.Add\([^,]+, |Errorf\(E[A-Z]+, |errs\.Err\(|Message: |return Value\{\}, |"reason": )"([^"%]+)"`),
		"../registry/event.go":              regexp.MustCompile(`(?:errs\.Add\([^,]+, |Errorf\(E[A-Z]+, |errs\.Err\()"([^"%]+)"`),
		"../registry/adverse_event.go":      regexp.MustCompile(`(?:errs\.Add\([^,]+, |Errorf\(E[A-Z]+, |errs\.Err\()"([^"%]+)"`),
		"../registry/patient_status.go":     regexp.MustCompile(`(?:errs\.Add\([^,]+, |Errorf\(E[A-Z]+, |errs\.Err\()"([^"%]+)"`),
		"../cmd/registry/nurse_audit.go":    regexp.MustCompile(`(?:errs\.Fields\[d\.field\] = |errs\.Message = )"([^"]+)"`),
		"../cmd/registry/nurse_form.go":     regexp.MustCompile(`Errorf\(registry\.E[A-Z]+, "([^"]+)"`),
		"../cmd/registry/nurse_worklist.go": regexp.MustCompile(`views\.T\([a-zA-Z.()]+, "([^"]+)"`),
		// The import's errors: the format of im.fail(line, column, format, ...) and
		// r.fail(column, format, ...), and the phrases csvProblem gives as an argument.
		// The rules every writer calls: each refusal's format.
		"../registry/rules.go":      regexp.MustCompile(`(?:problem\(|before[A-Z][a-z]+ += )"([^"]+)"`),
		"../registry/instrument.go": regexp.MustCompile(`problem\("([^"]+)"`),
		"../registry/import.go":     regexp.MustCompile(`\.fail\((?:[\w.()]+, )?(?:[\w.]+|"[^"]*"), "([^"]+)"|Phrase\(\x60([^\x60]+)\x60\)`),
	}
	found := 0
	for pattern, re := range sources {
		files, err := filepath.Glob(pattern)
		if err != nil || len(files) == 0 {
			t.Fatalf("no files match %s", pattern)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range re.FindAllStringSubmatch(string(src), -1) {
				found++
				text := m[1]
				for _, alt := range m[2:] { // a pattern with alternatives: the one that matched
					if text == "" {
						text = alt
					}
				}
				if !slices.Contains(keys, text) {
					t.Errorf("%s: %q is not in the catalog", f, text)
				}
			}
		}
	}
	if found < 150 {
		t.Fatalf("only %d texts found: the patterns no longer match the code", found)
	}
}

func TestNurseTextsInSwedishAndDanish(t *testing.T) {
	for lang, want := range map[string]string{"en": "3 days late", "sv": "3 dagar sent", "da": "3 dage for sent"} {
		if got := T(WithLanguage(context.Background(), lang), "%d days late", 3); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
}

// TestPlurals: one day is "1 day", not "1 days", in every language.
func TestPlurals(t *testing.T) {
	for lang, want := range map[string][2]string{
		"en": {"1 day late", "2 days late"}, "sv": {"1 dag sent", "2 dagar sent"}, "da": {"1 dag for sent", "2 dage for sent"}} {
		ctx := WithLanguage(context.Background(), lang)
		for i, n := range []int{1, 2} {
			if got := Tn(ctx, n, "%d day late", "%d days late", n); got != want[i] {
				t.Errorf("%s: %q, want %q", lang, got, want[i])
			}
		}
	}
}
