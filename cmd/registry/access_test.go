package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
)

// access records, for every route pattern, who may use it: "public" or a list of roles.
// Each part of the registry adds its routes' decisions in its own test file, in init. A
// route registered without a decision here fails TestEveryRouteHasAnAccessDecision.
var access = map[string][]string{}

// samples gives a value for each path wildcard, so that every route can be requested.
var samples = map[string]string{}

// decide records who may use a route.
func decide(pattern string, roles ...string) { access[pattern] = roles }

func init() {
	decide("GET /healthz", "public")
	decide("GET /static/", "public")
	decide("GET /login", "public")
	decide("POST /login", "public")
	decide("POST /logout", "public")
	decide("POST /language", "public")
	decide("GET /{$}", "admin", "nurse", "researcher", "statistician")
	decide("/", "public")
}

func TestEveryRouteHasAnAccessDecision(t *testing.T) {
	a := newApp(nil, slog.New(slog.NewTextHandler(io.Discard, nil)), config{})
	a.routes()
	var registered []string
	for _, r := range a.table {
		registered = append(registered, r.pattern)
		want, ok := access[r.pattern]
		if !ok {
			t.Errorf("route %q has no access decision: add decide(%q, roles...) to a test file", r.pattern, r.pattern)
			continue
		}
		got := r.roles
		if len(got) == 0 {
			got = []string{"public"}
		}
		got, want = sorted(got), sorted(want)
		if !slices.Equal(got, want) {
			t.Errorf("route %q is open to %v, the decision says %v", r.pattern, got, want)
		}
	}
	for p := range access {
		if !slices.Contains(registered, p) {
			t.Errorf("decision for %q, but no such route is registered", p)
		}
	}
}

// TestRolesEnforcedOnEveryRoute requests every route as every role (and signed out) and
// checks the answer: 403 for a role without access, a redirect to login when signed out,
// anything but those for a role with access.
func TestRolesEnforcedOnEveryRoute(t *testing.T) {
	tr := newTestRegistry(t)
	users := map[string]string{
		"admin": "admin@demo.registry", "nurse": "nurse.copenhagen@demo.registry",
		"researcher": "researcher@demo.registry", "statistician": "statistician@demo.registry",
	}
	clients := map[string]*http.Client{}
	for role, email := range users {
		clients[role] = tr.client(t, email)
	}
	anon := tr.client(t, "")
	for _, r := range tr.app.table {
		roles := access[r.pattern]
		if slices.Contains(roles, "public") {
			continue
		}
		method, path := splitPattern(r.pattern)
		target := tr.URL + fillPath(t, path)
		for role, c := range clients {
			status := request(t, c, method, target)
			allowed := slices.Contains(roles, role)
			if !allowed && status != http.StatusForbidden {
				t.Errorf("%s %s as %s: %d, want 403", method, path, role, status)
			}
			if allowed && (status == http.StatusForbidden || status == http.StatusInternalServerError) {
				t.Errorf("%s %s as %s: %d, want access", method, path, role, status)
			}
		}
		// JSON routes answer 401 with a JSON error; pages redirect to the login.
		want := http.StatusSeeOther
		if strings.HasSuffix(path, ".json") {
			want = http.StatusUnauthorized
		}
		if status := request(t, anon, method, target); status != want {
			t.Errorf("%s %s signed out: %d, want %d", method, path, status, want)
		}
	}
}

func request(t *testing.T, c *http.Client, method, target string) int {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = c.PostForm(target, url.Values{})
	} else {
		resp, err = c.Get(target)
	}
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func splitPattern(p string) (method, path string) {
	if m, rest, ok := strings.Cut(p, " "); ok {
		return m, rest
	}
	return http.MethodGet, p
}

// fillPath replaces {wildcards} with sample values.
func fillPath(t *testing.T, path string) string {
	path = strings.TrimSuffix(path, "{$}")
	for {
		i := strings.Index(path, "{")
		if i < 0 {
			return path
		}
		j := strings.Index(path[i:], "}") + i
		name := strings.TrimSuffix(path[i+1:j], "...")
		v, ok := samples[name]
		if !ok {
			t.Fatalf("no sample value for {%s}: add samples[%q] in a test file's init", name, name)
		}
		path = path[:i] + v + path[j+1:]
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}
