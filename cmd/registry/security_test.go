package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// After sign-in, next= only ever leads to a path on this server.
func TestLoginNextStaysOnThisServer(t *testing.T) {
	tr := newTestRegistry(t)
	email := "admin@demo.registry"
	for next, want := range map[string]string{
		"/studies?x=1":          "/studies?x=1",
		"/\t/evil.example":      "/",
		"//evil.example":        "/",
		"/\\evil.example":       "/",
		"/\\\\evil.example":     "/",
		"/\x00":                 "/",
		"/\r\nSet-Cookie:x":     "/",
		"https://evil.example/": "/",
		"/ /evil.example":       "/",
		"/login?next=//evil":    "/",
	} {
		c := tr.client(t, "")
		resp, err := c.PostForm(tr.URL+"/login", url.Values{"email": {email}, "password": {tr.logins[email]}, "next": {next}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		// A NUL is refused before sign-in (400); anything else signs in and stays here.
		if strings.Contains(next, "\x00") {
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("next=%q: %s, want 400", next, resp.Status)
			}
			continue
		}
		if resp.StatusCode != http.StatusSeeOther || loc != want {
			t.Errorf("next=%q: %s to %q, want %q", next, resp.Status, loc, want)
		}
	}
	// The same through the address bar, as the links are written: signed in, the
	// login page redirects at once.
	c := tr.client(t, email)
	for _, raw := range []string{"/%09/evil.example", "//evil", "/%5Cevil", "/%5C%5Cevil", "/%00", "/%0d%0aX:y"} {
		resp, err := c.Get(tr.URL + "/login?next=" + raw)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if !(resp.StatusCode == http.StatusSeeOther && loc == "/") && resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET /login?next=%s (signed in): %s to %q, want / or 400", raw, resp.Status, loc)
		}
	}
}

// Bytes PostgreSQL refuses (invalid UTF-8, NUL) answer 400 or 404 on every route, in the
// path, the query and the form, signed in or not; never a 500.
func TestOddBytesNeverAnswer500(t *testing.T) {
	tr := newTestRegistry(t)
	clients := map[string]*http.Client{"admin": tr.client(t, "admin@demo.registry"), "signed out": tr.client(t, "")}
	// The routes the issue found answering 500.
	targets := []struct{ method, path, form string }{
		{"GET", "/studies/%ff/dashboard", ""},
		{"GET", "/studies/%00/dashboard.json", ""},
		{"GET", "/studies/%ff/export", ""},
		{"GET", "/studies/%ff/import", ""},
		{"GET", "/studies/knee-oa/export/long.csv?site=%ff", ""},
		{"POST", "/login", "email=%ff&password=x"},
		{"POST", "/login", "email=a%00b&password=x"},
	}
	// Every route of the route table, with odd bytes in each place a value can go.
	for _, r := range tr.app.table {
		method, path := splitPattern(r.pattern)
		filled := fillPath(t, path)
		for _, bad := range []string{"%ff", "%00"} {
			if strings.Contains(path, "{") {
				p := path
				for strings.Contains(p, "{") {
					i := strings.Index(p, "{")
					j := strings.Index(p[i:], "}") + i
					p = p[:i] + bad + p[j+1:]
				}
				targets = append(targets, struct{ method, path, form string }{method, strings.TrimSuffix(p, "{$}"), ""})
			}
			q := "?site=" + bad + "&delimiter=" + bad + "&q=" + bad + "&from=" + bad + "&next=" + bad + "&sex=" + bad + "&age=" + bad
			targets = append(targets, struct{ method, path, form string }{method, filled + q, ""})
			if method == "POST" {
				targets = append(targets, struct{ method, path, form string }{method, filled,
					"reason=" + bad + "&notes=" + bad + "&term=" + bad + "&email=" + bad + "&lang=" + bad + "&next=" + bad})
			}
		}
	}
	for who, c := range clients {
		for _, tg := range targets {
			var resp *http.Response
			var err error
			if tg.method == "POST" {
				resp, err = c.Post(tr.URL+tg.path, "application/x-www-form-urlencoded", strings.NewReader(tg.form))
			} else {
				resp, err = c.Get(tr.URL + tg.path)
			}
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s %s as %s: %s, want 400 or 404", tg.method, tg.path, tg.form, who, resp.Status)
			}
		}
	}
}

// syncBuffer is a log destination that the server's goroutines and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// No patient data in logs: request lines, internal errors and "database unavailable" carry
// the route pattern and the user's id, never the path with its study number.
func TestLogsCarryNoPatientData(t *testing.T) {
	tr := newTestRegistry(t)
	var logs syncBuffer
	tr.app.logger = slog.New(slog.NewTextHandler(&logs, nil))
	e := dueVisit(t, tr)
	c := tr.client(t, "nurse.copenhagen@demo.registry")
	patient := tr.URL + "/studies/knee-oa/patients/" + e.Number
	if status, _ := get(t, c, patient); status != http.StatusOK {
		t.Fatalf("patient page: %d", status)
	}
	var nurseID int64
	tr.store.DB.QueryRow(t.Context(), `SELECT id FROM users WHERE email = 'nurse.copenhagen@demo.registry'`).Scan(&nurseID)
	// The database goes away: the session cannot be loaded, the page answers an error.
	tr.store.DB.Close()
	if status, _ := get(t, c, patient+"/visits/"+e.VisitCode+"?q="+e.Number); status < 500 {
		t.Fatalf("patient page without a database: %d, want an error", status)
	}
	text := logs.String()
	for _, leak := range []string{e.Number, "/studies/knee-oa/patients"} {
		if strings.Contains(text, leak) {
			t.Errorf("the log holds %q:\n%s", leak, text)
		}
	}
	for _, want := range []string{`route="GET /studies/{code}/patients/{number}"`, fmt.Sprintf("user=%d", nurseID),
		`route="GET /studies/{code}/patients/{number}/visits/{visit}"`} {
		if !strings.Contains(text, want) {
			t.Errorf("the log lacks %s:\n%s", want, text)
		}
	}
	if !strings.Contains(text, "level=ERROR") && !strings.Contains(text, "level=WARN") {
		t.Errorf("the failure was not logged:\n%s", text)
	}
}

// postLogin signs in from a client address, as a trusted proxy in front would say it.
func postLogin(t *testing.T, tr *testRegistry, email, password, from string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", tr.URL+"/login", strings.NewReader(url.Values{"email": {email}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if from != "" {
		req.Header.Set("X-Forwarded-For", "198.18.0.1, "+from) // a client-written entry, then the proxy's
	}
	resp, err := tr.client(t, "").Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// The lock-out scenario of the issue: an outsider failing for a nurse's account from other
// addresses, and an address trying many accounts, never keep her out at her own address;
// the outsider's addresses wait. X-Forwarded-For counts only from a trusted proxy.
func TestSignInCannotBeTurnedAgainstANurse(t *testing.T) {
	tr := newTestRegistry(t)
	nurse := "nurse.lund@demo.registry"
	var err error
	if tr.app.cfg.trustedProxies, err = parseTrustedProxies("127.0.0.1/32, ::1"); err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		resp := postLogin(t, tr, nurse, "not the password", fmt.Sprintf("203.0.113.%d", i%3))
		if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("failure %d: %s", i, resp.Status)
		}
	}
	for i := range 60 {
		postLogin(t, tr, fmt.Sprintf("guess%d@demo.registry", i), "not the password", "198.51.100.9")
	}
	if resp := postLogin(t, tr, nurse, tr.logins[nurse], "192.0.2.44"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the nurse at her own address after 90 failures elsewhere: %s, want signed in", resp.Status)
	}
	for _, from := range []string{"203.0.113.1", "198.51.100.9"} {
		resp := postLogin(t, tr, nurse, tr.logins[nurse], from)
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
			t.Errorf("from the failing address %s: %s, want 429 with Retry-After", from, resp.Status)
		}
	}
	var throttled int
	tr.store.DB.QueryRow(t.Context(), `SELECT count(*) FROM login_throttles WHERE address IN ('203.0.113.1', '198.51.100.9')`).Scan(&throttled)
	if throttled == 0 {
		t.Fatal("the failing addresses are not in login_throttles: X-Forwarded-For was not believed from the trusted proxy")
	}

	// Without a trusted proxy, X-Forwarded-For is the client's own claim: ignored.
	tr.app.cfg.trustedProxies = nil
	tr.store.DB.Exec(t.Context(), `DELETE FROM login_throttles`)
	for range 6 {
		postLogin(t, tr, nurse, "not the password", "192.0.2.200")
	}
	var spoofed int
	tr.store.DB.QueryRow(t.Context(), `SELECT count(*) FROM login_throttles WHERE address = '192.0.2.200'`).Scan(&spoofed)
	if spoofed != 0 {
		t.Fatal("X-Forwarded-For from an untrusted peer was believed")
	}
	if resp := postLogin(t, tr, nurse, tr.logins[nurse], "192.0.2.201"); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a forged X-Forwarded-For escaped the throttle of the real address: %s", resp.Status)
	}
}

// A concurrent burst of wrong passwords is counted, not raced: at most the free failures
// have their password checked, the rest are answered 429 at once.
func TestConcurrentSignInBurst(t *testing.T) {
	tr := newTestRegistry(t)
	const n = 40
	var wg sync.WaitGroup
	statuses := make(chan int, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.PostForm(tr.URL+"/login", url.Values{"email": {"nurse.lund@demo.registry"}, "password": {"not the password"}})
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(statuses)
	counts := map[int]int{}
	for s := range statuses {
		counts[s]++
	}
	var checked int
	tr.store.DB.QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE action = 'login_failed'`).Scan(&checked)
	if counts[http.StatusUnauthorized] > 5 || checked > 5 || counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests] != n {
		t.Fatalf("answers %v, %d passwords checked; want at most 5 checked and the rest 429", counts, checked)
	}
}

// The client address: the peer, unless the peer is a trusted proxy; then the right-most
// X-Forwarded-For entry that is not a trusted proxy. Entries to the left of an untrusted
// one, and broken entries, are the client's own claims.
func TestClientAddress(t *testing.T) {
	proxies, err := parseTrustedProxies("10.0.0.0/8, 192.168.1.1 ,::1")
	if err != nil {
		t.Fatal(err)
	}
	a := &app{cfg: config{trustedProxies: proxies}}
	for _, tc := range []struct{ peer, xff, want string }{
		{"203.0.113.7:5000", "", "203.0.113.7"},
		{"203.0.113.7:5000", "198.51.100.1", "203.0.113.7"}, // not from a proxy: ignored
		{"10.1.2.3:5000", "198.51.100.1", "198.51.100.1"},
		{"10.1.2.3:5000", "1.2.3.4, 198.51.100.1", "198.51.100.1"},  // the client wrote 1.2.3.4
		{"10.1.2.3:5000", "198.51.100.1, 10.9.9.9", "198.51.100.1"}, // two proxies
		{"192.168.1.1:80", "garbage, 198.51.100.2", "198.51.100.2"},
		{"10.1.2.3:5000", "198.51.100.1, garbage", "10.1.2.3"},
		{"10.1.2.3:5000", "", "10.1.2.3"},
		{"[::1]:5000", "2001:db8::5", "2001:db8::5"},
		{"[::ffff:10.0.0.1]:5000", "198.51.100.3", "198.51.100.3"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.peer
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := a.clientAddress(r); got != tc.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", tc.peer, tc.xff, got, tc.want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "nonsense", "10.0.0.1/8/8"} {
		if _, err := parseTrustedProxies(bad); err == nil {
			t.Errorf("--trusted-proxies %q accepted", bad)
		}
	}
}
