package views

import (
	"os"
	"regexp"
	"slices"
	"testing"
)

// Every text of the blinding pages and every message the store gives about blinding is a
// catalog key (and so, by TestEveryKeyIsTranslated, in Swedish and Danish).
func TestBlindingTextsAreInTheCatalog(t *testing.T) {
	keys := Keys()
	found := 0
	for file, re := range map[string]*regexp.Regexp{
		"blinding.templ":              regexp.MustCompile(`\bT\(ctx, "([^"]+)"`),
		"nurse_patient.templ":         regexp.MustCompile(`\bT\(ctx, "([^"]+)"`),
		"nurse_enrol.templ":           regexp.MustCompile(`\bT\(ctx, "([^"]+)"`),
		"nurse_audit.templ":           regexp.MustCompile(`\bT\(ctx, "([^"]+)"`),
		"../cmd/registry/blinding.go": regexp.MustCompile(`views\.T\([a-zA-Z.()]+, "([^"]+)"`),
		"../registry/blinding.go":     regexp.MustCompile(`(?:Errorf\(E[A-Z]+, |errs\.Err\(|Message: |"reason": )"([^"%]+)"`),
		"../registry/patient.go":      regexp.MustCompile(`errs\.Add\("allocation", "([^"]+)"`),
		"../dashboard/overview.go":    regexp.MustCompile(`Reason: "(blinded[^"]+)"`),
	} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			found++
			if !slices.Contains(keys, m[1]) {
				t.Errorf("%s: %q is not in the catalog", file, m[1])
			}
		}
	}
	if found < 40 {
		t.Fatalf("only %d texts found: the patterns no longer match the code", found)
	}
}
