package main

import (
	"context"
	"html"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestSameInstrumentRulesForEveryWriter feeds the same bad answer to a KOOS pain item, and
// the same typed score, to the nurse's form, the web import (wide item columns and long item
// rows) and the command-line import: each refuses it with the same message, and nothing
// changes.
func TestSameInstrumentRulesForEveryWriter(t *testing.T) {
	tr := newTestRegistry(t)
	e := dueVisit(t, tr)
	nurse := tr.client(t, "nurse.copenhagen@demo.registry")
	stat := tr.client(t, "statistician@demo.registry")
	var treated time.Time
	if err := tr.store.DB.QueryRow(context.Background(), `SELECT treated_on FROM patients WHERE study_number = $1`, e.Number).Scan(&treated); err != nil {
		t.Fatal(err)
	}
	date := "2026-11-23"
	dir := t.TempDir()
	wideHeader := "patient,visit,visit_date,pain_nrs,koos_pain,koos_pain__p1,koos_pain__p2,koos_pain__p3,koos_pain__p4,koos_pain__p5,koos_pain__p6,koos_pain__p7,koos_pain__p8,koos_pain__p9\n"
	for _, c := range []struct {
		name, item, answer, score string
		want                      string
	}{
		{"an answer that is not a choice", "p2", "5", "", "5 is not one of the answers (0 = None | 1 = Mild | 2 = Moderate | 3 = Severe | 4 = Extreme)."},
		{"an answer that is not a number", "p1", "often", "", `"often" is not a number: write digits`},
		{"a typed score", "", "", "75", "The score is computed from the answers to the questions: answer them instead of typing 75."},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := auditCount(t, tr)
			answers := map[string]string{}
			for k, v := range kneeKOOSPain {
				answers[k] = v
			}
			if c.item != "" {
				answers[c.item] = c.answer
			}
			// The form.
			form := kneeVisitForm("4")
			for k, v := range answers {
				form.Set("m_koos_pain__"+k, v)
			}
			form.Set("m_koos_pain", c.score)
			target := tr.URL + "/studies/knee-oa/patients/" + e.Number + "/visits/" + e.VisitCode
			if status, body, _ := post(t, nurse, target, form); status != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), c.want) {
				t.Errorf("form: %d, want 400 with %q", status, c.want)
			}
			// The wide file, with the item columns; the long file, with item rows.
			wide := wideHeader + e.Number + "," + e.VisitCode + "," + date + ",4," + c.score
			long := "patient,visit,visit_date,measure,value,missing_code\n" + e.Number + "," + e.VisitCode + "," + date + ",pain_nrs,4,\n"
			if c.score != "" {
				long += e.Number + "," + e.VisitCode + "," + date + ",koos_pain," + c.score + ",\n"
			}
			for _, item := range []string{"p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"} {
				wide += "," + answers[item]
				if c.score == "" {
					long += e.Number + "," + e.VisitCode + "," + date + ",koos_pain__" + item + "," + answers[item] + ",\n"
				}
			}
			wide += "\n"
			for table, csv := range map[string]string{"wide": wide, "long": long} {
				if status, body := upload(t, stat, tr.URL+"/studies/knee-oa/import", table, "bad.csv", csv); status != http.StatusBadRequest ||
					!strings.Contains(html.UnescapeString(body), c.want) {
					t.Errorf("web import %s: %d, want 400 with %q", table, status, c.want)
				}
				file := filepath.Join(dir, table+".csv")
				if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
					t.Fatal(err)
				}
				if out, err := tr.cli(t, "import", "--study", "knee-oa", "--table", table, file); err == nil || !strings.Contains(out, c.want) {
					t.Errorf("command-line import %s: %v, want refused with %q:\n%s", table, err, c.want, out)
				}
			}
			if after := auditCount(t, tr); after != before {
				t.Errorf("%d audit rows written by refused input", after-before)
			}
		})
	}
	// The same answers, good, are taken by each and scored alike: 63.89 (13/9 below 4).
	if status, _, _ := post(t, nurse, tr.URL+"/studies/knee-oa/patients/"+e.Number+"/visits/"+e.VisitCode, kneeVisitForm("4")); status != http.StatusSeeOther {
		t.Fatalf("the good form: %d", status)
	}
	var score float64
	var items int
	if err := tr.store.DB.QueryRow(context.Background(), `SELECT vv.value,
			(SELECT count(*) FROM visit_items i WHERE i.visit_id = vv.visit_id AND i.measure_id = vv.measure_id)
		FROM visit_values vv JOIN visits v ON v.id = vv.visit_id JOIN patients p ON p.id = v.patient_id
		JOIN measures m ON m.id = vv.measure_id AND m.code = 'koos_pain'
		JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id AND sv.code = $2
		WHERE p.study_number = $1`, e.Number, e.VisitCode).Scan(&score, &items); err != nil {
		t.Fatal(err)
	}
	if want := 100 - 13.0/9*25; math.Abs(score-want) > 1e-9 || items != 9 {
		t.Errorf("the form saved %v from %d answers, want %v from 9", score, items, want)
	}
}

// TestFlowShowsAnsweredFromHome: the follow-up flow of a study with patient-reported
// measures says per visit how many were answered from home; a study without them does not.
func TestFlowShowsAnsweredFromHome(t *testing.T) {
	tr := newTestRegistry(t)
	c := tr.client(t, statistician)
	_, knee := get(t, c, tr.URL+"/studies/knee-oa/dashboard")
	if !regexp.MustCompile(`seen \d+ \(from home \d+\), missed`).MatchString(knee) {
		t.Error("the knee-oa flow does not say how many visits were answered from home")
	}
	if _, ms := get(t, c, tr.URL+"/studies/ms-ahsct/dashboard"); strings.Contains(ms, "from home") || !strings.Contains(ms, "seen ") {
		t.Error("the ms-ahsct flow, with no patient-reported measure, speaks of answers from home")
	}
}
