package main

import (
	"context"
	"html"
	"net/http"
	"strings"
	"testing"

	"outcomereg/registry"
)

// TestPagesShowStudyLabelsInTheReadersLanguage: a Swedish and a Danish study dashboard, nurse
// worklist and patient page show the visit, arm, unit and indication labels the study file
// gives in that language, and not the English ones; the study list and the cross-study
// dashboard (its table and forest plots) show every demo study's indication in that
// language; in English the same pages show the English ones (so that the check finds what
// it looks for).
func TestPagesShowStudyLabelsInTheReadersLanguage(t *testing.T) {
	tr := newTestRegistry(t)
	st, err := tr.store.Study(context.Background(), "liver-msc")
	if err != nil {
		t.Fatal(err)
	}
	u := &registry.User{Role: registry.RoleNurse, Sites: []string{"madrid"}}
	wl, err := tr.store.Worklist(context.Background(), u, demoToday, "")
	if err != nil || len(wl.Entries) == 0 {
		t.Fatalf("no visits on the Madrid worklist: %v", err)
	}
	var patient string
	for _, e := range wl.Entries {
		if e.StudyCode == "liver-msc" {
			patient = "/studies/liver-msc/patients/" + e.Number
			break
		}
	}
	if patient == "" {
		t.Fatal("no liver-msc patient on the Madrid worklist")
	}
	control, _ := st.ControlArm()
	treated := st.Arms[0]
	m12, _ := st.Visit("m12")
	meld, _ := st.Measure("meld")
	labels := map[string]registry.Labels{
		"treated arm": treated.Labels, "control arm": control.Labels, "visit m12": m12.Labels,
		"unit of MELD": meld.UnitLabels, "title": st.TitleLabels, "indication": st.IndicationLabels,
	}
	var indications []string
	for _, code := range []string{"knee-oa", "liver-msc", "ms-ahsct", "ssc-ahsct"} {
		other, err := tr.store.Study(context.Background(), code)
		if err != nil {
			t.Fatal(err)
		}
		labels["indication of "+code] = other.IndicationLabels
		indications = append(indications, "indication of "+code)
	}
	for what, l := range labels {
		if l["sv"] == "" || l["da"] == "" || l["sv"] == l["en"] || l["da"] == l["en"] {
			t.Fatalf("the demo file gives %s no Swedish and Danish labels of its own: %v", what, l)
		}
	}
	pages := []struct {
		email, path string
		shows       []string
	}{
		{"researcher@demo.registry", "/studies/liver-msc/dashboard", []string{"treated arm", "control arm", "visit m12", "unit of MELD", "title", "indication"}},
		{"researcher@demo.registry", "/studies", indications},
		{"researcher@demo.registry", "/dashboard", indications},
		{"nurse.madrid@demo.registry", "/worklist", []string{"visit m12"}},
		{"nurse.madrid@demo.registry", patient, []string{"treated arm|control arm", "visit m12", "unit of MELD", "title"}},
	}
	for _, lang := range []string{"en", "sv", "da"} {
		for _, p := range pages {
			c := tr.client(t, p.email)
			post(t, c, tr.URL+"/language", map[string][]string{"lang": {lang}})
			status, body := get(t, c, tr.URL+p.path)
			if status != http.StatusOK || !strings.Contains(body, `<html lang="`+lang+`">`) {
				t.Fatalf("%s %s: %d, not in %s", lang, p.path, status, lang)
			}
			text := html.UnescapeString(body)
			for _, what := range p.shows {
				shown := false
				for _, w := range strings.Split(what, "|") {
					shown = shown || strings.Contains(text, labels[w].In(lang))
					if lang != "en" && strings.Contains(text, labels[w]["en"]) {
						t.Errorf("%s %s shows the English %s %q", lang, p.path, w, labels[w]["en"])
					}
				}
				if !shown {
					t.Errorf("%s %s does not show the %s in %s", lang, p.path, what, lang)
				}
			}
			// The forest plot's row labels: "levercirros: MELD-poäng (n …)".
			if forest := labels["indication of liver-msc"].In(lang) + ": "; p.path == "/dashboard" && !strings.Contains(text, forest) {
				t.Errorf("%s /dashboard: no forest-plot row labelled %q", lang, forest)
			}
		}
	}
}

// TestDownloadedDefinitionKeepsLabels: the administrator's "download definition" of a demo
// study holds its Swedish and Danish labels, and applying it changes nothing.
func TestDownloadedDefinitionKeepsLabels(t *testing.T) {
	tr := newTestRegistry(t)
	c := tr.client(t, "admin@demo.registry")
	status, body := get(t, c, tr.URL+"/admin/studies/liver-msc/definition.yaml")
	if status != http.StatusOK {
		t.Fatalf("download: %d", status)
	}
	for _, s := range []string{"Mesenkymala stamceller", "Mesenkymale stamceller", "12 månader", "12 måneder", "µmol/l",
		"Levercirros", "levercirros", "levercirrose", "Infusionsreaktion"} {
		if !strings.Contains(body, s) {
			t.Errorf("the downloaded definition lacks %q", s)
		}
	}
	st, err := registry.ParseStudyFile("liver-msc.yaml", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := tr.store.ApplyStudy(context.Background(), registry.CLI, st); err != nil || res.Changes != 0 {
		t.Errorf("applying the downloaded definition changed %d rows: %v", res.Changes, err)
	}
}
