package views

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
)

// TestDashboardTextsAreInTheCatalog: every text the dashboards show through T or Tn is a
// catalog key (so it has Swedish and Danish, TestEveryKeyIsTranslated).
func TestDashboardTextsAreInTheCatalog(t *testing.T) {
	keys := Keys()
	sources := map[string]*regexp.Regexp{
		"dashboard_*.templ":              regexp.MustCompile(`\bTn?\(ctx, (?:[\w.()]+, )?"([^"]+)"(?:, "([^"]+)")?`),
		"dashboard_format.go":            regexp.MustCompile(`\bTn?\(ctx, (?:[\w.()]+, )?"([^"]+)"(?:, "([^"]+)")?`),
		"nurse_worklist.templ":           regexp.MustCompile(`\bTn\(ctx, [\w.]+, "([^"]+)", "([^"]+)"`),
		"../cmd/registry/dashboard_*.go": regexp.MustCompile(`views\.T\([a-zA-Z.()]+, "([^"]+)"`),
		"../cmd/registry/app.go":         regexp.MustCompile(`views\.T\(ctx, "([^"]+)"`),
	}
	found := 0
	for pattern, re := range sources {
		files, _ := filepath.Glob(pattern)
		if len(files) == 0 {
			t.Fatalf("no files match %s", pattern)
		}
		for _, f := range files {
			if filepath.Ext(f) == ".go" && len(f) > 8 && f[len(f)-8:] == "_test.go" {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range re.FindAllStringSubmatch(string(src), -1) {
				for _, text := range m[1:] {
					if text == "" {
						continue
					}
					found++
					if unquoted, err := strconv.Unquote(`"` + text + `"`); err == nil {
						text = unquoted // as Go reads the literal: \u00a0 is a no-break space
					}
					if !slices.Contains(keys, text) {
						t.Errorf("%s: %q is not in the catalog", f, text)
					}
				}
			}
		}
	}
	if found < 100 {
		t.Fatalf("only %d texts found: the patterns no longer match the code", found)
	}
}
