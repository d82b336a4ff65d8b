package main

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The independent check: every count and mean of dashboard.json, recomputed from the
// statistician's export ZIP of the same data by code written here, which reads only the
// CSV files (no dashboard package, no SQL). The JSON is read into this file's own types.

// truthDashboard is what the check reads of dashboard.json.
type truthDashboard struct {
	Arms []struct {
		Code string `json:"code"`
	} `json:"arms"`
	Flow struct {
		FromHomeAsked bool `json:"answered_from_home_asked"`
		Allocated     []struct {
			Arm string `json:"arm"`
			N   *int   `json:"n"`
		} `json:"allocated"`
		Status []struct {
			Arm       string `json:"arm"`
			Active    *int   `json:"active"`
			Completed *int   `json:"completed"`
			Withdrawn *int   `json:"withdrawn"`
			Lost      *int   `json:"lost"`
			Dead      *int   `json:"dead"`
		} `json:"status"`
		Visits []struct {
			Visit string `json:"visit"`
			Arms  []struct {
				Arm      string `json:"arm"`
				Seen     *int   `json:"seen"`
				Missed   *int   `json:"missed"`
				InWindow *int   `json:"done_in_window"`
				FromHome *int   `json:"answered_from_home"`
			} `json:"arms"`
		} `json:"visits"`
	} `json:"flow"`
	Measures []struct {
		Code      string   `json:"code"`
		Type      string   `json:"type"`
		Direction string   `json:"direction"`
		MCID      *float64 `json:"mcid"`
		Choices   []struct {
			Value float64 `json:"value"`
		} `json:"choices"`
		Visits []struct {
			Visit    string `json:"visit"`
			Baseline bool   `json:"baseline"`
			Arms     []struct {
				Arm        string       `json:"arm"`
				Value      truthSummary `json:"value"`
				Change     truthSummary `json:"change"`
				Responders struct {
					Responders int `json:"responders"`
					N          int `json:"n"`
				} `json:"responders"`
			} `json:"arms"`
			Categories []struct {
				Arm    string `json:"arm"`
				N      *int   `json:"n"`
				Counts []*int `json:"counts"`
			} `json:"categories"`
		} `json:"visits"`
	} `json:"measures"`
	Survival struct {
		Times []float64 `json:"at_risk_times"`
		Arms  []struct {
			Arm    string `json:"arm"`
			Events *int   `json:"events"`
			AtRisk []*int `json:"at_risk"`
		} `json:"arms"`
	} `json:"survival"`
	Adverse struct {
		Arms []struct {
			Arm        string `json:"arm"`
			Patients   *int   `json:"patients"`
			AnyAE      *int   `json:"with_any_ae"`
			Serious    *int   `json:"with_serious_ae"`
			WorstGrade []*int `json:"by_worst_grade"`
		} `json:"arms"`
		Terms []struct {
			Term     string `json:"term"`
			Patients []*int `json:"patients_by_arm"`
		} `json:"top_terms"`
	} `json:"adverse_events"`
}

type truthSummary struct {
	N    int      `json:"n"`
	Mean *float64 `json:"mean"`
}

// csvTable is a CSV file of the export: its rows as maps by column name.
type csvTable []map[string]string

func readZipCSV(t *testing.T, zr *zip.Reader, name string) csvTable {
	t.Helper()
	f, err := zr.Open(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var out csvTable
	for _, r := range records[1:] {
		row := map[string]string{}
		for i, col := range records[0] {
			row[col] = r[i]
		}
		out = append(out, row)
	}
	return out
}

// exportFilter is a dashboard filter applied to the export's patient rows.
type exportFilter struct{ site, sex, age string }

func (f exportFilter) query() string {
	var q []string
	for k, v := range map[string]string{"site": f.site, "sex": f.sex, "age": f.age} {
		if v != "" {
			q = append(q, k+"="+v)
		}
	}
	slices.Sort(q)
	if len(q) == 0 {
		return ""
	}
	return "?" + strings.Join(q, "&")
}

// keeps: the age band is the age in whole years at treatment (year of treatment minus
// year of birth), in decades, under 40 and 70 and over pooled; for a patient awaiting
// treatment (treated_on empty), the age at enrolment.
func (f exportFilter) keeps(p map[string]string) bool {
	if f.site != "" && p["site"] != f.site || f.sex != "" && p["sex"] != f.sex {
		return false
	}
	if f.age != "" {
		born, _ := strconv.Atoi(p["birth_year"])
		day := p["treated_on"]
		if day == "" {
			day = p["enrolled_on"]
		}
		treatedYear, _ := strconv.Atoi(day[:4])
		age := treatedYear - born
		band := map[bool]string{true: "under-40"}[age < 40]
		switch {
		case age >= 70:
			band = "70-plus"
		case age >= 40:
			band = fmt.Sprintf("%d-%d", age/10*10, age/10*10+9)
		}
		if band != f.age {
			return false
		}
	}
	return true
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func number(t *testing.T, s string) float64 {
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return x
}

// TestDashboardEqualsTheExport: for the four demo studies and several filters, every
// count and mean of dashboard.json (as a statistician sees it, nothing suppressed) equals
// a recomputation from the export ZIP: allocation and statuses, visits seen, missed and
// seen in window (from the visits table, every recorded visit with its state; seen also
// from the wide table), adverse events by worst grade and seriousness, the top terms, n
// and mean of the values and of the changes from baseline, responders, categories of
// choice measures, and patients with an event.
func TestDashboardEqualsTheExport(t *testing.T) {
	tr := newTestRegistry(t)
	addAwaitingPatients(t, tr)
	c := tr.client(t, statistician)
	filters := []exportFilter{{}, {site: "lund"}, {sex: "F"}, {age: "60-69"}, {site: "copenhagen", sex: "M"}, {age: "under-40"}}
	checked := 0
	for _, study := range []string{"knee-oa", "ssc-ahsct", "ms-ahsct", "liver-msc"} {
		status, _, body := download(t, c, tr.URL+"/studies/"+study+"/export.zip")
		if status != http.StatusOK {
			t.Fatalf("%s export.zip: %d", study, status)
		}
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		patients := readZipCSV(t, zr, "patients.csv")
		wide := readZipCSV(t, zr, "wide.csv")
		visits := readZipCSV(t, zr, "visits.csv")
		long := readZipCSV(t, zr, "long.csv")
		events := readZipCSV(t, zr, "events.csv")
		aes := readZipCSV(t, zr, "adverse_events.csv")
		for _, f := range filters {
			where := study + f.query()
			var d truthDashboard
			status, body := get(t, c, tr.URL+"/studies/"+study+"/dashboard.json"+f.query())
			if status != http.StatusOK {
				t.Fatalf("%s: %d", where, status)
			}
			if err := json.Unmarshal([]byte(body), &d); err != nil {
				t.Fatal(err)
			}
			n := checkAgainstExport(t, where, &d, f, patients, wide, visits, long, events, aes)
			checked += n
		}
	}
	t.Logf("%d figures checked against the export", checked)
	if checked < 2000 {
		t.Errorf("only %d figures checked", checked)
	}
}

// addAwaitingPatients imports, through the command line, patients enrolled but not yet
// treated (treated_on empty) into knee-oa and ms-ahsct, with what may be recorded before
// treatment: a baseline visit with a value, an event and an adverse event. They count as
// enrolled and allocated; they have no follow-up time, so survival leaves them out (not
// censored at day 0).
func addAwaitingPatients(t *testing.T, tr *testRegistry) {
	t.Helper()
	day := func(days int) string { return demoToday.AddDate(0, 0, days).Format(time.DateOnly) }
	imports := map[string]map[string]string{
		"knee-oa": {
			"patients": "patient,site,arm,sex,birth_year,enrolled_on,treated_on,status,status_on\n" +
				"KOA-W1,copenhagen,stem-cells,F,1962," + day(-40) + ",,active,\n" +
				"KOA-W2,aarhus,placebo,M,1990," + day(-20) + ",,active,\n" +
				"KOA-W3,copenhagen,placebo,M,1958," + day(-90) + ",,withdrawn," + day(-10) + "\n",
			"long": "patient,visit,visit_date,measure,value,missing_code\n" +
				"KOA-W1,baseline," + day(-30) + ",pain_nrs,6,\n" + "KOA-W2,baseline," + day(-15) + ",pain_nrs,3,\n",
			"events":         "patient,event,occurred_on,notes\nKOA-W1,knee_replacement," + day(-5) + ",\n",
			"adverse_events": "patient,term,onset_on,ended_on,grade,serious,relatedness,outcome,notes\nKOA-W2,Knee effusion," + day(-12) + ",,3,true,unrelated,recovering,\n",
		},
		"ms-ahsct": {
			"patients": "patient,site,arm,sex,birth_year,enrolled_on,treated_on,status,status_on\n" +
				"MS-W1,lund,ahsct,F,1985," + day(-50) + ",,active,\n" +
				"MS-W2,aarhus,ahsct,F,1961," + day(-8) + ",,active,\n",
			"long":   "patient,visit,visit_date,measure,value,missing_code\nMS-W1,baseline," + day(-45) + ",edss,4.5,\n",
			"events": "patient,event,occurred_on,notes\nMS-W1,relapse," + day(-44) + ",\n",
		},
	}
	for study, files := range imports {
		for _, table := range []string{"patients", "long", "events", "adverse_events"} {
			if files[table] == "" {
				continue
			}
			file := filepath.Join(t.TempDir(), table+".csv")
			if err := os.WriteFile(file, []byte(files[table]), 0o600); err != nil {
				t.Fatal(err)
			}
			if out, err := tr.cli(t, "import", "--study", study, "--table", table, file); err != nil {
				t.Fatalf("import of patients awaiting treatment, %s %s: %v\n%s", study, table, err, out)
			}
		}
	}
}

func checkAgainstExport(t *testing.T, where string, d *truthDashboard, f exportFilter, patients, wide, visits, long, events, aes csvTable) int {
	checked := 0
	eq := func(what string, got *int, want int) {
		t.Helper()
		checked++
		if got == nil || *got != want {
			g := "null"
			if got != nil {
				g = strconv.Itoa(*got)
			}
			t.Errorf("%s: %s is %s, the export gives %d", where, what, g, want)
		}
	}
	armOf := map[string]string{}
	for _, p := range patients {
		if f.keeps(p) {
			armOf[p["patient"]] = p["arm"]
		}
	}
	// Allocation and statuses.
	for _, a := range d.Flow.Allocated {
		want := 0
		for _, arm := range armOf {
			if arm == a.Arm {
				want++
			}
		}
		eq("allocated "+a.Arm, a.N, want)
	}
	for _, s := range d.Flow.Status {
		counts := map[string]int{}
		for _, p := range patients {
			if armOf[p["patient"]] == s.Arm && f.keeps(p) {
				counts[p["status"]]++
			}
		}
		eq(s.Arm+" active", s.Active, counts["active"])
		eq(s.Arm+" completed", s.Completed, counts["completed"])
		eq(s.Arm+" withdrawn", s.Withdrawn, counts["withdrawn"])
		eq(s.Arm+" lost", s.Lost, counts["lost"])
		eq(s.Arm+" dead", s.Dead, counts["dead"])
	}
	// Visits seen (done), missed, and seen inside their window, from the visits table;
	// seen also from the wide table (one row per done visit).
	missedTotal, fromHomeTotal := 0, 0
	// Visits answered from home: a value of the visit whose source is the patient's, in the
	// long table.
	fromHome := map[[2]string]bool{} // visit, patient
	for _, l := range long {
		if l["source"] == "patient" {
			fromHome[[2]string{l["visit"], l["patient"]}] = true
		}
	}
	for _, v := range d.Flow.Visits {
		for _, a := range v.Arms {
			seen, missed, inWindow, wideSeen := 0, 0, 0, 0
			for _, r := range visits {
				if r["visit"] != v.Visit || armOf[r["patient"]] != a.Arm {
					continue
				}
				switch r["state"] {
				case "done":
					seen++
					if r["in_window"] == "true" {
						inWindow++
					}
				case "missed":
					missed++
				default:
					t.Fatalf("%s: visits.csv has a visit in state %q", where, r["state"])
				}
			}
			for _, w := range wide {
				if w["visit"] == v.Visit && armOf[w["patient"]] == a.Arm {
					wideSeen++
				}
			}
			missedTotal += missed
			eq(v.Visit+" "+a.Arm+" seen", a.Seen, seen)
			eq(v.Visit+" "+a.Arm+" seen (wide table)", a.Seen, wideSeen)
			eq(v.Visit+" "+a.Arm+" missed", a.Missed, missed)
			eq(v.Visit+" "+a.Arm+" seen in window", a.InWindow, inWindow)
			home := 0
			for k := range fromHome {
				if k[0] == v.Visit && armOf[k[1]] == a.Arm {
					home++
				}
			}
			fromHomeTotal += home
			eq(v.Visit+" "+a.Arm+" answered from home", a.FromHome, home)
		}
	}
	if f == (exportFilter{}) && len(visits) > 0 && fromHomeTotal == 0 && d.Flow.FromHomeAsked {
		t.Errorf("%s: no visit answered from home in the whole study: the check of them checks nothing", where)
	}
	if f == (exportFilter{}) && len(visits) > 0 && missedTotal == 0 {
		t.Errorf("%s: no missed visit in the whole study: the check of missed visits checks nothing", where)
	}
	// Adverse events: per patient the worst grade and whether any was serious.
	worst, serious := map[string]int{}, map[string]bool{}
	termPatients := map[string]map[string]bool{}
	for _, ae := range aes {
		p := ae["patient"]
		if _, ok := armOf[p]; !ok {
			continue
		}
		g, _ := strconv.Atoi(ae["grade"])
		worst[p] = max(worst[p], g)
		serious[p] = serious[p] || ae["serious"] == "true"
		if termPatients[ae["term"]] == nil {
			termPatients[ae["term"]] = map[string]bool{}
		}
		termPatients[ae["term"]][p] = true
	}
	for _, a := range d.Adverse.Arms {
		var patientsN, any, ser int
		grades := make([]int, 5)
		for p, arm := range armOf {
			if arm != a.Arm {
				continue
			}
			patientsN++
			if worst[p] > 0 {
				any++
				grades[worst[p]-1]++
			}
			if serious[p] {
				ser++
			}
		}
		eq(a.Arm+" patients", a.Patients, patientsN)
		eq(a.Arm+" with any AE", a.AnyAE, any)
		eq(a.Arm+" with a serious AE", a.Serious, ser)
		for g := range grades {
			eq(fmt.Sprintf("%s worst grade %d", a.Arm, g+1), a.WorstGrade[g], grades[g])
		}
	}
	shown, lowest := map[string]bool{}, math.MaxInt
	for _, term := range d.Adverse.Terms {
		shown[term.Term] = true
		total := 0
		for ai, a := range d.Arms {
			want := 0
			for p := range termPatients[term.Term] {
				if armOf[p] == a.Code {
					want++
				}
			}
			total += want
			eq(term.Term+" "+a.Code, term.Patients[ai], want)
		}
		lowest = min(lowest, total)
	}
	for term, ps := range termPatients {
		if !shown[term] && len(ps) > lowest {
			t.Errorf("%s: %s (%d patients) is not among the top terms, which go down to %d", where, term, len(ps), lowest)
		}
	}
	// Values and changes from baseline, from the long table.
	values := map[[3]string]float64{} // measure, visit, patient
	baseline := ""
	if len(d.Measures) > 0 {
		for _, v := range d.Measures[0].Visits {
			if v.Baseline {
				baseline = v.Visit
			}
		}
	}
	for _, l := range long {
		if _, ok := armOf[l["patient"]]; ok && l["value"] != "" {
			values[[3]string{l["measure"], l["visit"], l["patient"]}] = number(t, l["value"])
		}
	}
	for _, m := range d.Measures {
		for _, v := range m.Visits {
			for ai, a := range v.Arms {
				var vals, changes []float64
				for p, arm := range armOf {
					x, ok := values[[3]string{m.Code, v.Visit, p}]
					if arm != a.Arm || !ok {
						continue
					}
					vals = append(vals, x)
					if b, ok := values[[3]string{m.Code, baseline, p}]; ok && !v.Baseline {
						changes = append(changes, x-b)
					}
				}
				what := m.Code + " " + v.Visit + " " + a.Arm
				if m.Type == "choice" {
					cats := v.Categories[ai]
					eq(what+" n", cats.N, len(vals))
					for ci, c := range m.Choices {
						want := 0
						for _, x := range vals {
							if x == c.Value {
								want++
							}
						}
						eq(fmt.Sprintf("%s category %v", what, c.Value), cats.Counts[ci], want)
					}
					if a.Value.Mean != nil {
						t.Errorf("%s: a choice measure has a mean", where+" "+what)
					}
					continue
				}
				n := a.Value.N
				eq(what+" n", &n, len(vals))
				wantMean(t, where+" "+what+" mean", a.Value.Mean, vals)
				if v.Baseline {
					continue
				}
				cn := a.Change.N
				eq(what+" change n", &cn, len(changes))
				wantMean(t, where+" "+what+" mean change", a.Change.Mean, changes)
				checked += 2
				if m.MCID != nil && len(changes) > 0 {
					resp := 0
					for _, ch := range changes {
						if m.Direction == "lower" && ch <= -*m.MCID+1e-9 || m.Direction == "higher" && ch >= *m.MCID-1e-9 {
							resp++
						}
					}
					r, rn := a.Responders.Responders, a.Responders.N
					eq(what+" responders", &r, resp)
					eq(what+" responders of", &rn, len(changes))
				}
			}
		}
	}
	// Patients with an event, and patients followed (at risk at day 0): time to event counts
	// from treatment, so a patient awaiting treatment is in neither, not censored at day 0.
	withEvent, treated := map[string]bool{}, map[string]bool{}
	for _, e := range events {
		withEvent[e["patient"]] = true
	}
	for _, p := range patients {
		treated[p["patient"]] = p["treated_on"] != ""
	}
	for _, a := range d.Survival.Arms {
		want, followed := 0, 0
		for p, arm := range armOf {
			if arm == a.Arm && treated[p] {
				followed++
				if withEvent[p] {
					want++
				}
			}
		}
		eq(a.Arm+" patients with an event", a.Events, want)
		if len(d.Survival.Times) > 0 && d.Survival.Times[0] == 0 && len(a.AtRisk) > 0 {
			eq(a.Arm+" at risk at day 0", a.AtRisk[0], followed)
		}
	}
	return checked
}

// wantMean: the mean of no value is null; of one or more, their mean.
func wantMean(t *testing.T, what string, got *float64, xs []float64) {
	t.Helper()
	switch {
	case len(xs) == 0 && got != nil:
		t.Errorf("%s: %v of no value", what, *got)
	case len(xs) > 0 && got == nil:
		t.Errorf("%s: null, the export gives %v", what, mean(xs))
	case len(xs) > 0 && math.Abs(*got-mean(xs)) > 1e-9*math.Max(1, math.Abs(mean(xs))):
		t.Errorf("%s: %v, the export gives %v", what, *got, mean(xs))
	}
}

// TestSurvivalAtFromTheExport: event-free survival at 1 and 2 years (?times=365,730) by
// arm equals a Kaplan–Meier estimate computed here from the export: time from treatment
// to the first event, or censored when the patient left follow-up (status date) or today.
func TestSurvivalAtFromTheExport(t *testing.T) {
	tr := newTestRegistry(t)
	c := tr.client(t, statistician)
	today := demoToday.Format("2006-01-02")
	checked := 0
	for _, study := range []string{"knee-oa", "ssc-ahsct", "liver-msc"} {
		_, _, body := download(t, c, tr.URL+"/studies/"+study+"/export.zip")
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		patients := readZipCSV(t, zr, "patients.csv")
		first := map[string]string{}
		for _, e := range readZipCSV(t, zr, "events.csv") {
			if d, ok := first[e["patient"]]; !ok || e["occurred_on"] < d {
				first[e["patient"]] = e["occurred_on"]
			}
		}
		type follow struct {
			days  float64
			event bool
		}
		byArm := map[string][]follow{}
		for _, p := range patients {
			if p["treated_on"] == "" {
				continue // awaiting treatment: no follow-up time
			}
			end, event := today, false
			if d, ok := first[p["patient"]]; ok {
				end, event = d, true
			} else if p["status"] != "active" && p["status_on"] < today {
				end = p["status_on"]
			}
			byArm[p["arm"]] = append(byArm[p["arm"]], follow{daysBetween(t, p["treated_on"], end), event})
		}
		var d struct {
			Survival struct {
				AtTimes []float64 `json:"survival_at_times"`
				Arms    []struct {
					Arm        string `json:"arm"`
					SurvivalAt []struct {
						Time     float64  `json:"time"`
						Survival *float64 `json:"survival"`
					} `json:"survival_at"`
				} `json:"arms"`
			} `json:"survival"`
		}
		status, js := get(t, c, tr.URL+"/studies/"+study+"/dashboard.json?times=730,365")
		if status != http.StatusOK {
			t.Fatalf("%s: %d", study, status)
		}
		if err := json.Unmarshal([]byte(js), &d); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(d.Survival.AtTimes, []float64{365, 730}) {
			t.Errorf("%s: times %v", study, d.Survival.AtTimes)
		}
		for _, a := range d.Survival.Arms {
			for _, at := range a.SurvivalAt {
				// Product-limit: over the distinct event times up to at.Time.
				s, lastFollowed := 1.0, 0.0
				times := map[float64]bool{}
				for _, f := range byArm[a.Arm] {
					lastFollowed = max(lastFollowed, f.days)
					if f.event && f.days <= at.Time {
						times[f.days] = true
					}
				}
				for _, tm := range slices.Sorted(maps.Keys(times)) {
					atRisk, events := 0, 0
					for _, f := range byArm[a.Arm] {
						if f.days >= tm {
							atRisk++
							if f.event && f.days == tm {
								events++
							}
						}
					}
					s *= 1 - float64(events)/float64(atRisk)
				}
				if at.Time > lastFollowed {
					if at.Survival != nil {
						t.Errorf("%s %s at %v: %v past the last follow-up (%v)", study, a.Arm, at.Time, *at.Survival, lastFollowed)
					}
					continue
				}
				checked++
				if at.Survival == nil || math.Abs(*at.Survival-s) > 1e-12 {
					t.Errorf("%s %s at %v days: %v, the export gives %v", study, a.Arm, at.Time, at.Survival, s)
				}
			}
		}
	}
	if checked < 8 {
		t.Errorf("only %d survival figures checked", checked)
	}
	for _, bad := range []string{"abc", "-1", "365,,730", "1e9"} {
		status, body := get(t, c, tr.URL+"/studies/knee-oa/dashboard.json?times="+bad)
		if status != http.StatusBadRequest || !strings.Contains(body, "Bad times") {
			t.Errorf("times=%s: %d %s", bad, status, body)
		}
	}
}

func daysBetween(t *testing.T, from, to string) float64 {
	a, err1 := time.Parse(time.DateOnly, from)
	b, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil {
		t.Fatalf("dates %q %q", from, to)
	}
	return math.Max(b.Sub(a).Hours()/24, 0)
}
