package registry_test

import (
	"context"
	"strings"
	"testing"

	"outcomereg/registry"
	"outcomereg/registry/testdb"
)

const studyYAML = `code: demo
title: Demo study
indication: knee osteoarthritis
design: randomised-double-blind
main_measure: pain
arms:
  - {code: active, label: Stem cells}
  - {code: placebo, label: Saline, control: true}
visits:
  - {code: baseline, label: Baseline, day: 0, window_before: 14, window_after: 0, baseline: true}
  - {code: m3, label: 3 months, day: 91, window_before: 14, window_after: 14}
measures:
  - code: pain
    labels: {en: Pain, sv: Smärta, da: Smerte}
    type: integer
    min: 0
    max: 10
    direction: lower
    mcid: 2
  - code: koos
    labels: {en: KOOS}
    type: number
    min: 0
    max: 100
    direction: higher
events:
  - {code: relapse, labels: {en: Relapse}}
adverse_event_terms: [Injection-site inflammation]
`

func parse(t *testing.T, src string) *registry.Study {
	t.Helper()
	st, err := registry.ParseStudyFile("demo.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestApplyStudyIsIdempotent(t *testing.T) {
	ctx := context.Background()
	store := registry.NewStore(testdb.New(t))

	res, err := store.ApplyStudy(ctx, registry.CLI, parse(t, studyYAML))
	if err != nil || !res.Created || res.Changes == 0 {
		t.Fatalf("first apply: %+v, %v", res, err)
	}
	res, err = store.ApplyStudy(ctx, registry.CLI, parse(t, studyYAML))
	if err != nil || res.Created || res.Changes != 0 {
		t.Fatalf("second apply changed something: %+v, %v", res, err)
	}
	var audits int
	store.DB.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE entity = 'study'`).Scan(&audits)
	if audits != 1 {
		t.Errorf("audit rows for two applies of one file = %d, want 1", audits)
	}

	changed := strings.Replace(studyYAML, "{en: Pain, sv: Smärta, da: Smerte}", "{en: Knee pain, sv: Smärta, da: Smerte}", 1)
	res, err = store.ApplyStudy(ctx, registry.CLI, parse(t, changed))
	if err != nil || res.Changes != 1 {
		t.Fatalf("label change: %+v, %v; want exactly one change", res, err)
	}
	st, err := store.Study(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := st.Measure("pain"); m.Labels["en"] != "Knee pain" {
		t.Errorf("label = %q after update", m.Labels["en"])
	}
	if len(st.Arms) != 2 || !st.Arms[1].Control || len(st.Visits) != 2 || len(st.AETerms) != 1 {
		t.Errorf("loaded study = %+v", st)
	}
}

func TestApplyStudyRefusesToRemoveMeasureWithValues(t *testing.T) {
	ctx := context.Background()
	store := registry.NewStore(testdb.New(t))
	st := parse(t, studyYAML)
	if _, err := store.ApplyStudy(ctx, registry.CLI, st); err != nil {
		t.Fatal(err)
	}
	if err := store.UpsertSite(ctx, registry.CLI, "lund", "Lund"); err != nil {
		t.Fatal(err)
	}
	_, err := store.DB.Exec(ctx, `
		WITH p AS (INSERT INTO patients (study_id, site_id, study_number, arm_id, sex, birth_year, enrolled_on, treated_on)
			SELECT $1, (SELECT id FROM sites), 'P1', (SELECT id FROM arms WHERE study_id = $1 AND code = 'active'), 'F', 1960, '2025-01-01', '2025-01-02'
			RETURNING id),
		v AS (INSERT INTO visits (study_id, patient_id, scheduled_visit_id, state, visit_date)
			SELECT $1, p.id, (SELECT id FROM scheduled_visits WHERE study_id = $1 AND code = 'baseline'), 'done', '2025-01-01' FROM p
			RETURNING id)
		INSERT INTO visit_values (study_id, visit_id, measure_id, value)
		SELECT $1, v.id, (SELECT id FROM measures WHERE study_id = $1 AND code = 'koos'), 50 FROM v`, st.ID)
	if err != nil {
		t.Fatal(err)
	}

	// Removing koos (which has a value) together with a label change: refused, nothing applied.
	without := strings.Replace(studyYAML, `  - code: koos
    labels: {en: KOOS}
    type: number
    min: 0
    max: 100
    direction: higher
`, "", 1)
	without = strings.Replace(without, "title: Demo study", "title: Renamed", 1)
	_, err = store.ApplyStudy(ctx, registry.CLI, parse(t, without))
	if registry.ErrorCode(err) != registry.ECONFLICT || !strings.Contains(err.Error(), `"koos"`) {
		t.Fatalf("removing a measure with values: err = %v, want a conflict naming koos", err)
	}
	var title string
	var measures int
	store.DB.QueryRow(ctx, `SELECT title, (SELECT count(*) FROM measures WHERE study_id = studies.id) FROM studies WHERE code = 'demo'`).Scan(&title, &measures)
	if title != "Demo study" || measures != 2 {
		t.Fatalf("after refused apply: title %q, %d measures: something was applied", title, measures)
	}

	// Removing a measure without values is fine.
	withoutPain := strings.Replace(studyYAML, "main_measure: pain\n", "", 1)
	withoutPain = strings.Replace(withoutPain, `  - code: pain
    labels: {en: Pain, sv: Smärta, da: Smerte}
    type: integer
    min: 0
    max: 10
    direction: lower
    mcid: 2
`, "", 1)
	if _, err := store.ApplyStudy(ctx, registry.CLI, parse(t, withoutPain)); err != nil {
		t.Fatalf("removing an unused measure: %v", err)
	}
}

func TestParseStudyFileErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"syntax", "code: [unclosed", []string{"demo.yaml", "line 1"}},
		{"unknown field", studyYAML + "colour: blue\n", []string{"demo.yaml", "line 29", "colour"}},
		{"bad max", strings.Replace(studyYAML, "max: 10", "max: -1", 1), []string{"demo.yaml", "line 17", "measures[0].max", "must not be below min"}},
		{"bad design", strings.Replace(studyYAML, "randomised-double-blind", "rct", 1), []string{"line 4", "design"}},
		{"two controls", strings.Replace(studyYAML, "label: Stem cells}", "label: Stem cells, control: true}", 1), []string{"arms", "at most one"}},
		{"unknown main measure", strings.Replace(studyYAML, "main_measure: pain", "main_measure: vas", 1), []string{"line 5", "main_measure", `"vas"`}},
		{"empty", "", []string{"demo.yaml", "empty"}},
		{"text for number", strings.Replace(studyYAML, "max: 100", "max: lots", 1), []string{"demo.yaml", "line 24", "lots"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := registry.ParseStudyFile("demo.yaml", []byte(tt.src))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
