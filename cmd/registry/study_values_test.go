package main

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"outcomereg/registry"
	"outcomereg/registry/testdb"
	"outcomereg/seed"
)

// TestStudyFileRefusedWhereValuesNoLongerFit: the same study file, narrowing the range of a
// measure below values already recorded, is refused by the admin page's preview and apply
// and by `registry study apply`, with the same message naming the measure and how many
// values; nothing is applied.
func TestStudyFileRefusedWhereValuesNoLongerFit(t *testing.T) {
	ctx := context.Background()
	ownerURL, serverURL := testdb.Roles(t)
	server, err := pgxpool.New(ctx, serverURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.Close)
	store := registry.NewStore(server)
	store.Clock = func() time.Time { return nurseClock() }
	logins, err := seed.Demo(ctx, store, seed.Options{Seed: 1, Today: demoToday})
	if err != nil {
		t.Fatalf("demo data: %v", err)
	}
	passwords := map[string]string{}
	for _, l := range logins {
		passwords[l.Email] = l.Password
	}
	tr := startTestRegistry(t, store, passwords)
	admin := tr.client(t, "admin@demo.registry")

	_, def := get(t, admin, tr.URL+"/admin/studies/knee-oa/definition.yaml")
	narrowed := regexp.MustCompile(`(- code: pain_nrs\n(?:  [^\n]*\n)*?\s+max: )10\n`).ReplaceAllString(def, "${1}3\n")
	if narrowed == def {
		t.Fatalf("could not narrow pain_nrs in the file:\n%s", def)
	}
	var above int
	if err := server.QueryRow(ctx, `SELECT count(*) FROM visit_values vv JOIN measures m ON m.id = vv.measure_id
		JOIN studies s ON s.id = m.study_id WHERE s.code = 'knee-oa' AND m.code = 'pain_nrs' AND vv.value > 3`).Scan(&above); err != nil || above == 0 {
		t.Fatalf("the demo has %d pain values above 3 (%v)", above, err)
	}
	want := fmt.Sprintf(`the measure "pain_nrs" of study knee-oa cannot be changed so: %d recorded values would not fit it`, above)
	stored := func() string {
		var s string
		server.QueryRow(ctx, `SELECT string_agg(m::text, ';' ORDER BY m.code) FROM measures m JOIN studies s ON s.id = m.study_id
			WHERE s.code = 'knee-oa'`).Scan(&s)
		return s
	}
	before := stored()

	status, body := uploadStudy(t, admin, tr.URL+"/admin/studies/preview", "knee-oa.yaml", narrowed)
	if status != 400 || !strings.Contains(body, `id="refused"`) || !strings.Contains(html.UnescapeString(body), want) ||
		strings.Contains(body, `id="apply-study"`) {
		t.Fatalf("preview: %d, want 400 with %q\n%s", status, want, body)
	}
	status, _, body = adminPost(t, admin, tr.URL+"/admin/studies/apply", url.Values{"file_name": {"knee-oa.yaml"}, "definition": {narrowed}})
	if status != 400 || !strings.Contains(html.UnescapeString(body), want) {
		t.Fatalf("apply: %d, want 400 with %q\n%s", status, want, body)
	}
	file := filepath.Join(t.TempDir(), "knee-oa.yaml")
	if err := os.WriteFile(file, []byte(narrowed), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, map[string]string{"REGISTRY_DATABASE_URL": ownerURL}, "", "study", "apply", file)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("study apply: %q, %v; want an error with %q", out, err, want)
	}
	if s := stored(); s != before {
		t.Fatalf("the refused file changed the measures:\n%s\n%s", before, s)
	}
}
