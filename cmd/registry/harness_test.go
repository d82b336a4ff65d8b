package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"outcomereg/registry"
	"outcomereg/registry/testdb"
	"outcomereg/seed"
)

// demoToday is the day the test demo data is planned around: fixed, so tests are stable.
var demoToday = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// testRegistry is the whole server on a fresh database with the demo data.
type testRegistry struct {
	*httptest.Server
	app    *app
	store  *registry.Store
	logins map[string]string // email -> password of the demo users
}

// newTestRegistry starts the real routes on port 0 against a fresh database seeded with the
// demo data (seed 1, planned around demoToday). It connects as the server's role, as
// `registry serve` does.
func newTestRegistry(t testing.TB) *testRegistry {
	t.Helper()
	_, server := testdb.Pools(t)
	store := registry.NewStore(server)
	store.Clock = func() time.Time { return nurseClock() }
	logins, err := seed.Demo(context.Background(), store, seed.Options{Seed: 1, Today: demoToday})
	if err != nil {
		t.Fatalf("demo data: %v", err)
	}
	passwords := map[string]string{}
	for _, l := range logins {
		passwords[l.Email] = l.Password
	}
	return startTestRegistry(t, store, passwords)
}

// startTestRegistry starts the real routes on port 0 on a store that already holds the
// demo users, whose passwords are given by email.
func startTestRegistry(t testing.TB, store *registry.Store, logins map[string]string) *testRegistry {
	t.Helper()
	tr := &testRegistry{store: store, logins: logins}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	tr.app = newApp(store, logger, config{})
	tr.Server = httptest.NewServer(tr.app.routes())
	t.Cleanup(tr.Close)
	return tr
}

// client returns an HTTP client signed in as the demo user with this email (or signed out
// for ""). It does not follow redirects, so tests see them.
func (tr *testRegistry) client(t testing.TB, email string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if email == "" {
		return c
	}
	resp, err := c.PostForm(tr.URL+"/login", url.Values{"email": {email}, "password": {tr.logins[email]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login as %s: %s", email, resp.Status)
	}
	return c
}

// get fetches a path and returns the status and body.
func get(t testing.TB, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// chromiumPath finds Debian's Chromium; make test installs it when missing.
func chromiumPath(t testing.TB) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium found: run `make test`, which installs it (apt-get install chromium)")
	return ""
}

// newBrowser returns a context for a fresh headless Chromium tab, closed with the test.
func newBrowser(t testing.TB) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	// The first action starts the browser, which lives as long as that action's context:
	// start it without a deadline, then bound the test's own actions.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// browserLogin signs the browser in as a demo user.
func (tr *testRegistry) browserLogin(t testing.TB, ctx context.Context, email string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(tr.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), tr.logins[email]),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitNotPresent(chromedp.ID("password")),
	)
	if err != nil {
		t.Fatalf("browser login as %s: %v", email, err)
	}
}

// bodyText returns the visible text of the page.
func bodyText(t testing.TB, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(s), " ")
}
