package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
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

// BenchmarkVisitSave50Clients: 50 nurses save visits at the same time through the real
// HTTP handler (session, role check, validation, the visit, its values and its audit row
// in one transaction) on the demo data plus 100,000 knee-oa patients, with the server's
// pool size. Each save records a new visit with four values.
//
// Two phases: "paced", each of the 50 clients saving once a second (far busier than any
// clinic: 50 saves a second), whose p99 is the bar (under 20 ms); and "flat-out", each
// client saving again as soon as the last save answers, which measures capacity (saves/s);
// its latency is queueing: 50 waiting saves divided by the capacity. One save per client
// before them warms the pool's connections up and is not counted.
//
// NURSE_BENCH_PATIENTS sets the extra patients (0: demo data only);
// NURSE_BENCH_NO_DASHBOARD_TRIGGERS=1 switches the dashboard summary triggers off, to see
// what they cost.
func BenchmarkVisitSave50Clients(b *testing.B) {
	const clients, pacedEach, flatEach = 50, 20, 10
	patients := 100_000
	if s := os.Getenv("NURSE_BENCH_PATIENTS"); s != "" {
		patients, _ = strconv.Atoi(s)
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
		}
		pool.Exec(ctx, "ANALYZE")
		if os.Getenv("NURSE_BENCH_NO_DASHBOARD_TRIGGERS") == "1" {
			if _, err := pool.Exec(ctx, `ALTER TABLE visits DISABLE TRIGGER USER; ALTER TABLE visit_values DISABLE TRIGGER USER`); err != nil {
				b.Fatal(err)
			}
		}
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		if testing.Verbose() {
			logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
		}
		srv := httptest.NewServer(newApp(store, logger, config{}).routes())
		b.Cleanup(srv.Close)
		// As `registry serve` does: the dashboard summaries catch up with the saves every second.
		catchUpCtx, stopCatchUp := context.WithCancel(ctx)
		b.Cleanup(stopCatchUp)
		go catchUpDashboards(catchUpCtx, pool, logger, catchUpEvery)

		// Visits not yet recorded, of knee-oa patients at Copenhagen treated by today.
		var password string
		for _, l := range logins {
			if l.Email == "nurse.copenhagen@demo.registry" {
				password = l.Password
			}
		}
		rows, err := pool.Query(ctx, `SELECT p.study_number, sv.code FROM patients p
			JOIN sites si ON si.id = p.site_id AND si.code = 'copenhagen'
			JOIN studies s ON s.id = p.study_id AND s.code = 'knee-oa'
			JOIN scheduled_visits sv ON sv.study_id = p.study_id
			WHERE p.treated_on <= $1 AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.patient_id = p.id AND v.scheduled_visit_id = sv.id)
			ORDER BY p.id DESC, sv.position`, demoToday)
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

		// One sign-in, then a session per client (50 argon2 sign-ins would dominate).
		u, err := store.Authenticate(ctx, "nurse.copenhagen@demo.registry", password, "127.0.0.1")
		if err != nil {
			b.Fatal(err)
		}
		transport := &http.Transport{MaxIdleConnsPerHost: clients}
		b.Cleanup(transport.CloseIdleConnections)
		base, _ := url.Parse(srv.URL)
		var nurses []*http.Client
		for range clients {
			token, err := store.NewSession(ctx, u, registry.SessionLimits{Idle: 30 * time.Minute}, "127.0.0.1", "bench")
			if err != nil {
				b.Fatal(err)
			}
			jar, _ := cookiejar.New(nil)
			jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: token, Path: "/"}})
			nurses = append(nurses, &http.Client{Jar: jar, Transport: transport,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }})
		}
		// Warm up the pool's connections and each client's HTTP connection.
		var warm sync.WaitGroup
		for range cfg.MaxConns {
			warm.Go(func() { pool.Exec(ctx, "SELECT pg_sleep(0.05)") })
		}
		for _, c := range nurses {
			warm.Go(func() { get(b, c, srv.URL+"/healthz") })
		}
		warm.Wait()

		// One save per client first, not counted: each pool connection prepares its
		// statements once.
		each := 1 + pacedEach + flatEach
		if len(targets) < clients*each {
			each = len(targets) / clients
		}
		paced := max(1, (each-1)*pacedEach/(pacedEach+flatEach))
		flat := each - 1 - paced
		if flat < 1 {
			b.Fatalf("only %d unrecorded visits to save", len(targets))
		}
		saveVisits(b, nurses, targets, 0, 1, 0)
		b.StartTimer()
		p, _ := saveVisits(b, nurses, targets, 1, paced, time.Second)
		f, rate := saveVisits(b, nurses, targets, 1+paced, flat, 0)
		b.StopTimer()
		b.ReportMetric(p.at(0.50), "paced-p50-ms")
		b.ReportMetric(p.at(0.99), "paced-p99-ms")
		b.ReportMetric(p.at(1), "paced-max-ms")
		b.ReportMetric(f.at(0.50), "flat-p50-ms")
		b.ReportMetric(f.at(0.99), "flat-p99-ms")
		b.ReportMetric(rate, "flat-saves/s")
		var audit int
		pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE entity = 'visit' AND actor = 'nurse.copenhagen@demo.registry'`).Scan(&audit)
		if audit != clients*(1+paced+flat) {
			b.Fatalf("%d visit audit rows, want one per save (%d)", audit, clients*(1+paced+flat))
		}
		fmt.Fprintf(os.Stderr, "visit save, %d clients, %d extra patients: paced (1/s each) p50 %.1f ms p99 %.1f ms; flat-out p50 %.1f ms p99 %.1f ms, %.0f saves/s\n",
			clients, patients, p.at(0.5), p.at(0.99), f.at(0.5), f.at(0.99), rate)
	}
}

// latencies are sorted durations.
type latencies []time.Duration

// at returns the q-quantile in milliseconds.
func (l latencies) at(q float64) float64 {
	return float64(l[int(q*float64(len(l)-1))].Microseconds()) / 1000
}

// saveVisits has each client record n visits, from targets[client*... + from], one every
// interval (at a random phase), or back to back for interval 0. It returns the latencies
// and the saves per second.
func saveVisits(b *testing.B, nurses []*http.Client, targets []string, from, n int, interval time.Duration) (latencies, float64) {
	var mu sync.Mutex
	var took latencies
	var wg sync.WaitGroup
	per := len(targets) / len(nurses)
	began := time.Now()
	for i, c := range nurses {
		mine := targets[i*per+from : i*per+from+n]
		wg.Go(func() {
			var own latencies
			var next time.Time
			if interval > 0 {
				next = time.Now().Add(time.Duration(rand.Int64N(int64(interval))))
			}
			for k, target := range mine {
				if interval > 0 {
					time.Sleep(time.Until(next))
					next = next.Add(interval)
				}
				form := kneeVisitForm(strconv.Itoa(k % 11))
				form.Set("m_koos_adl", strconv.Itoa(50+k))
				form.Del("notes")
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
					b.Errorf("save %s: %d", target, resp.StatusCode)
					return
				}
				own = append(own, d)
			}
			mu.Lock()
			took = append(took, own...)
			mu.Unlock()
		})
	}
	wg.Wait()
	rate := float64(len(took)) / time.Since(began).Seconds()
	if len(took) != n*len(nurses) {
		b.Fatalf("%d saves of %d", len(took), n*len(nurses))
	}
	slices.Sort(took)
	return took, rate
}
