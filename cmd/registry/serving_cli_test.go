package main

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// commandsWhileServing runs the command-line tools against the data folder of a running
// `registry serve` (its own PostgreSQL): each must work, not refuse the locked folder, and
// the server sees what they did.
func commandsWhileServing(t *testing.T, env map[string]string, dir, addr string) {
	t.Helper()
	run := func(stdin string, args ...string) string {
		t.Helper()
		out, stderr, err := runCmd(t, env, stdin, append(args, "--data-dir", dir)...)
		if err != nil {
			t.Fatalf("%v while the server runs: %v\n%s%s", args, err, out, stderr)
		}
		return out
	}
	if out := run("", "migrate", "version"); !strings.Contains(out, "schema version") {
		t.Errorf("migrate version: %q", out)
	}
	run("", "site", "add", "--code", "lund", "--name", "Lund", "--timezone", "Europe/Stockholm")
	run("", "site", "edit", "--code", "lund", "--name", "Skåne University Hospital, Lund")
	if out := run("", "site", "list"); !strings.Contains(out, "lund") || !strings.Contains(out, "Skåne University Hospital, Lund") {
		t.Errorf("site list: %q", out)
	}
	run("a long enough password\n", "user", "add", "--email", "keep@x.se", "--role", "admin")
	run("", "user", "set-role", "--email", "keep@x.se", "--role", "nurse", "--site", "lund")
	run("", "user", "set-sites", "--email", "keep@x.se", "--site", "lund")
	if out := run("", "user", "list"); !regexp.MustCompile(`keep@x.se\s+nurse\s+active\s+never\s+lund`).MatchString(out) {
		t.Errorf("user list: %q", out)
	}

	// The user signs in to the running server; disabling her from the command line ends her
	// session at its next request.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(addr+"login", url.Values{"email": {"keep@x.se"}, "password": {"a long enough password"}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in to the running server: %v %v", resp, err)
	}
	resp.Body.Close()
	if status, _ := get(t, c, addr+"worklist"); status != http.StatusOK {
		t.Fatalf("worklist: %d", status)
	}
	run("", "user", "disable", "--email", "keep@x.se")
	if status, _ := get(t, c, addr+"worklist"); status != http.StatusSeeOther {
		t.Fatalf("a user disabled from the command line keeps her session: %d", status)
	}
	run("", "user", "enable", "--email", "keep@x.se")
	out := run("", "user", "reset-password", "--email", "keep@x.se", "--url", strings.TrimSuffix(addr, "/"))
	link := regexp.MustCompile(`http://\S+/password/\S+`).FindString(out)
	if status, _ := get(t, c, link); link == "" || status != http.StatusOK {
		t.Fatalf("reset-password link %q: %d\n%s", link, status, out)
	}

	// The data commands too: a study, synthetic patients, an export and its import.
	run("", "site", "add", "--code", "madrid", "--name", "Madrid", "--timezone", "Europe/Madrid")
	if out := run("", "study", "apply", "../../seed/studies/liver-msc.yaml"); !strings.Contains(out, "created") {
		t.Errorf("study apply: %q", out)
	}
	// Planned around the day the import counts as today (the tests pin the clock to demoToday).
	run("", "seed", "--patients", "20", "--study", "liver-msc", "--today", demoToday.Format("2006-01-02"))
	csv := filepath.Join(t.TempDir(), "patients.csv")
	run("", "export", "--study", "liver-msc", "--table", "patients", "--out", csv)
	if data, err := os.ReadFile(csv); err != nil || strings.Count(string(data), "\n") != 21 {
		t.Errorf("export while serving: %d lines, %v", strings.Count(string(data), "\n"), err)
	}
	run("", "import", "--study", "liver-msc", "--table", "patients", csv)

	backup := filepath.Join(t.TempDir(), "serving.backup")
	run("", "backup", "--out", backup)
	if st, err := os.Stat(backup); err != nil || st.Size() == 0 {
		t.Errorf("backup while serving: %v", err)
	}
}
