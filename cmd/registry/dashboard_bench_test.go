package main

import (
	"context"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"outcomereg/dashboard"
	"outcomereg/seed"
)

// BenchmarkDashboards100k loads 100,000 knee-oa patients (with the summary triggers on,
// so the seed's time includes keeping them), then times the study dashboard and the
// cross-study dashboard as whole HTTP answers, and the model each page is built from (SQL
// and statistics, no HTML) through the dashboard package's own API. Bars:
// seed under 60 s, study dashboard under 200 ms, cross-study under 300 ms.
func BenchmarkDashboards100k(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		tr := newTestRegistry(b)
		ctx := context.Background()
		start := time.Now()
		n := 100_000
		if s := os.Getenv("DASHBOARD_BENCH_PATIENTS"); s != "" { // for profiling on less data
			n, _ = strconv.Atoi(s)
		}
		if err := seed.Patients(ctx, tr.store, "knee-oa", n, seed.Options{Seed: 2, Today: demoToday}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/seed-100k")
		b.Logf("seed of 100,000 knee-oa patients: %v", time.Since(start))
		tr.store.DB.Exec(ctx, "ANALYZE")
		c := tr.client(b, statistician)

		page := func(path string) time.Duration {
			return median(func() {
				if status, _ := get(b, c, tr.URL+path); status != http.StatusOK {
					b.Fatalf("%s: %d", path, status)
				}
			})
		}
		// The models: SQL plus the statistics built in Go, no HTML.
		opt := dashboard.Options{Today: demoToday, Lang: "en"}
		studyModel := median(func() {
			st, err := tr.store.Study(ctx, "knee-oa")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tr.store.Sites(ctx); err != nil {
				b.Fatal(err)
			}
			if _, err := dashboard.LoadStudy(ctx, tr.store.DB, st, dashboard.Filter{}, opt); err != nil {
				b.Fatal(err)
			}
		})
		overviewModel := median(func() {
			if _, err := tr.store.Sites(ctx); err != nil {
				b.Fatal(err)
			}
			if _, err := dashboard.LoadOverview(ctx, tr.store, dashboard.Filter{}, opt); err != nil {
				b.Fatal(err)
			}
		})
		b.StartTimer()
		study := page("/studies/knee-oa/dashboard")
		filtered := page("/studies/knee-oa/dashboard?site=aarhus&sex=F&age=60-69")
		overview := page("/dashboard")
		list := page("/studies")
		// Researchers: the same pages with disclosure control (its pattern reused while the
		// counts stay the same; the first answer computes it).
		rc := tr.client(b, researcher)
		asResearcher := func(path string) time.Duration {
			return median(func() {
				if status, _ := get(b, rc, tr.URL+path); status != http.StatusOK {
					b.Fatalf("%s as a researcher: %d", path, status)
				}
			})
		}
		researcherStudy := asResearcher("/studies/knee-oa/dashboard")
		researcherFiltered := asResearcher("/studies/knee-oa/dashboard?sex=F&age=60-69")
		researcherOverview := asResearcher("/dashboard")
		b.StopTimer()

		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		b.ReportMetric(ms(study), "ms/study-page")
		b.ReportMetric(ms(studyModel), "ms/study-sql+statistics")
		b.ReportMetric(ms(list), "ms/study-list-page")
		b.ReportMetric(float64(study)/float64(studyModel), "study-page/model")
		b.ReportMetric(ms(filtered), "ms/study-page-filtered")
		b.ReportMetric(ms(researcherStudy), "ms/researcher-study-page")
		b.ReportMetric(ms(researcherFiltered), "ms/researcher-study-page-filtered")
		b.ReportMetric(ms(researcherOverview), "ms/researcher-overview-page")
		b.ReportMetric(ms(overview), "ms/overview-page")
		b.ReportMetric(ms(overviewModel), "ms/overview-sql+statistics")
		b.ReportMetric(float64(overview)/float64(overviewModel), "overview-page/model")
		if study > 200*time.Millisecond || overview > 300*time.Millisecond {
			b.Logf("OVER the bar: study dashboard %v (bar 200 ms), cross-study %v (bar 300 ms)", study, overview)
		}
		b.StartTimer()
	}
}

// median runs f seven times after a warm-up and returns the median time.
func median(f func()) time.Duration {
	f()
	var times []time.Duration
	for range 7 {
		start := time.Now()
		f()
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	return times[len(times)/2]
}
