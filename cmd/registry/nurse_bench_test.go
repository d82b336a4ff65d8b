package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"outcomereg/registry"
	"outcomereg/registry/testdb"
	"outcomereg/seed"
)

// BenchmarkVisitSave50Clients: 50 nurses save visits at once through the real HTTP handler
// (session, role check, validation, the visit, its values and audit rows in one
// transaction), on the demo data plus 100,000 knee-oa patients, with the server's pool
// size. Each client records visits due or overdue at its sites' patients, one after
// another, each a new visit with four values. Bar: p99 under 20 ms.
func BenchmarkVisitSave50Clients(b *testing.B) {
	const clients = 50
	savesEach := 20
	patients := 100_000
	if s := os.Getenv("NURSE_BENCH_PATIENTS"); s != "" {
		patients, _ = strconv.Atoi(s)
		savesEach = 2 // the demo data alone has few visits left to record
	}
	for range b.N {
		b.StopTimer()
		ctx := context.Background()
		cfg, err := pgxpool.ParseConfig(testdb.URL(b))
		if err != nil {
			b.Fatal(err)
		}
		cfg.MaxConns = 20 // as `registry serve` opens it
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(pool.Close)
		store := registry.NewStore(pool)
		logins, err := seed.Demo(ctx, store, seed.Options{Seed: 1, Today: demoToday})
		if err != nil {
			b.Fatal(err)
		}
		if patients > 0 {
			if err := seed.Patients(ctx, store, "knee-oa", patients, seed.Options{Seed: 2, Today: demoToday}); err != nil {
				b.Fatal(err)
			}
			pool.Exec(ctx, "ANALYZE")
		}
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		if testing.Verbose() {
			logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
		}
		app := newApp(store, logger, config{})
		srv := httptest.NewServer(app.routes())
		b.Cleanup(srv.Close)

		// One sign-in, then a session per client (argon2 for 50 logins would dominate).
		var password string
		for _, l := range logins {
			if l.Email == "nurse.copenhagen@demo.registry" {
				password = l.Password
			}
		}
		u, err := store.Authenticate(ctx, "nurse.copenhagen@demo.registry", password, "127.0.0.1")
		if err != nil {
			b.Fatal(err)
		}
		// Visits not yet recorded, of knee-oa patients treated by today, each saved once.
		rows, err := pool.Query(ctx, `SELECT p.study_number, sv.code FROM patients p
			JOIN sites si ON si.id = p.site_id AND si.code = 'copenhagen'
			JOIN studies s ON s.id = p.study_id AND s.code = 'knee-oa'
			JOIN scheduled_visits sv ON sv.study_id = p.study_id
			WHERE p.treated_on <= $1 AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.patient_id = p.id AND v.scheduled_visit_id = sv.id)
			ORDER BY p.id DESC, sv.position LIMIT $2`, demoToday, clients*savesEach)
		if err != nil {
			b.Fatal(err)
		}
		var targets []string
		for rows.Next() {
			var number, visit string
			rows.Scan(&number, &visit)
			targets = append(targets, srv.URL+"/studies/knee-oa/patients/"+number+"/visits/"+visit)
		}
		rows.Close()
		if len(targets) < clients*savesEach {
			b.Fatalf("only %d unrecorded visits to save", len(targets))
		}
		transport := &http.Transport{MaxIdleConnsPerHost: clients}
		b.Cleanup(transport.CloseIdleConnections)
		base, _ := url.Parse(srv.URL)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var took []time.Duration
		start := make(chan struct{})
		var httpClients []*http.Client
		for i := range clients {
			token, err := store.NewSession(ctx, u, 30*time.Minute, "127.0.0.1")
			if err != nil {
				b.Fatal(err)
			}
			jar, _ := cookiejar.New(nil)
			jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: token, Path: "/"}})
			c := &http.Client{Jar: jar, Transport: transport,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			httpClients = append(httpClients, c)
			wg.Add(1)
			go func(targets []string) {
				defer wg.Done()
				<-start
				mine := make([]time.Duration, 0, savesEach)
				for n, target := range targets {
					form := url.Values{"state": {"done"}, "visit_date": {"2026-11-23"}, "m_pain_nrs": {strconv.Itoa(n % 11)},
						"m_koos_pain": {"61.5"}, "m_koos_adl": {strconv.Itoa(50 + n)}, "mm_koos_qol": {"not_done"},
						"version": {"0"}}
					t0 := time.Now()
					resp, err := c.PostForm(target, form)
					d := time.Since(t0)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusSeeOther {
						b.Errorf("save %d of %s: %d", n, target, resp.StatusCode)
						return
					}
					mine = append(mine, d)
				}
				mu.Lock()
				took = append(took, mine...)
				mu.Unlock()
			}(targets[i*savesEach : (i+1)*savesEach])
		}
		// Warm up: the pool's connections and each client's HTTP connection.
		var warm sync.WaitGroup
		for range cfg.MaxConns {
			warm.Add(1)
			go func() {
				defer warm.Done()
				pool.Exec(ctx, "SELECT pg_sleep(0.05)")
			}()
		}
		for _, c := range httpClients {
			warm.Add(1)
			go func() {
				defer warm.Done()
				if status, _ := get(b, c, srv.URL+"/healthz"); status != http.StatusOK {
					b.Errorf("healthz: %d", status)
				}
			}()
		}
		warm.Wait()
		b.StartTimer()
		began := time.Now()
		close(start)
		wg.Wait()
		elapsed := time.Since(began)
		b.StopTimer()
		if len(took) != clients*savesEach {
			b.Fatalf("%d saves of %d", len(took), clients*savesEach)
		}
		slices.Sort(took)
		ms := func(q float64) float64 {
			return float64(took[int(q*float64(len(took)-1))].Microseconds()) / 1000
		}
		b.ReportMetric(ms(0.50), "p50-ms")
		b.ReportMetric(ms(0.99), "p99-ms")
		b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "max-ms")
		b.ReportMetric(float64(len(took))/elapsed.Seconds(), "saves/s")
		var audit int
		pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE entity = 'visit' AND actor = 'nurse.copenhagen@demo.registry'`).Scan(&audit)
		if audit != clients*savesEach {
			b.Fatalf("%d visit audit rows, want %d", audit, clients*savesEach)
		}
		fmt.Fprintf(os.Stderr, "visit save, %d clients x %d saves, %d extra patients: p50 %.1f ms, p99 %.1f ms\n",
			clients, savesEach, patients, ms(0.5), ms(0.99))
	}
}
