package registry_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"outcomereg/registry"
	"outcomereg/registry/testdb"
)

// labelledYAML gives the title, the indication, an arm, the visits, a unit and an adverse-event term in
// Swedish and Danish; the placebo arm keeps the plain English form, and the active arm has
// only labels (its English label is labels.en).
const labelledYAML = `code: demo
title: Demo study
title_labels: {sv: Demostudie, da: Demoundersøgelse}
indication: knee osteoarthritis
indication_labels: {sv: knäartros, da: knæartrose}
design: randomised-open
arms:
  - {code: active, labels: {en: Stem cells, sv: Stamceller, da: Stamceller fra fedtvæv}}
  - {code: placebo, label: Saline, control: true}
visits:
  - {code: baseline, label: Baseline, labels: {sv: Baslinje, da: Udgangspunkt}, day: 0, window_before: 14, window_after: 0, baseline: true}
  - {code: m3, label: 3 months, labels: {en: 3 months, sv: 3 månader, da: 3 måneder}, day: 91, window_before: 14, window_after: 14}
measures:
  - code: pain
    labels: {en: Pain, sv: Smärta, da: Smerte}
    type: integer
    unit: points
    unit_labels: {sv: poäng, da: point}
    min: 0
    max: 10
    direction: lower
adverse_event_terms: [Injection-site pain, Fever]
adverse_event_term_labels:
  Injection-site pain: {sv: Smärta vid injektionsstället, da: Smerte på injektionsstedet}
`

func TestStudyLabelsApplyIdempotentlyAndRoundTrip(t *testing.T) {
	ctx := context.Background()
	store := registry.NewStore(testdb.New(t))
	if res, err := store.ApplyStudy(ctx, registry.CLI, parse(t, labelledYAML)); err != nil || !res.Created {
		t.Fatalf("first apply: %+v, %v", res, err)
	}
	if res, err := store.ApplyStudy(ctx, registry.CLI, parse(t, labelledYAML)); err != nil || res.Changes != 0 {
		t.Fatalf("applying the same file again changed %d rows: %v", res.Changes, err)
	}

	st, err := store.Study(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := st.Measure("pain")
	for _, c := range []struct{ got, want string }{
		{st.TitleIn("sv"), "Demostudie"}, {st.TitleIn("da"), "Demoundersøgelse"}, {st.TitleIn("en"), "Demo study"},
		{st.IndicationIn("sv"), "knäartros"}, {st.IndicationIn("da"), "knæartrose"}, {st.IndicationIn("en"), "knee osteoarthritis"},
		{st.Arms[0].Label, "Stem cells"}, {st.Arms[0].LabelIn("da"), "Stamceller fra fedtvæv"},
		{st.Arms[1].LabelIn("sv"), "Saline"}, // no Swedish label: English
		{st.Visits[0].LabelIn("sv"), "Baslinje"}, {st.Visits[1].LabelIn("da"), "3 måneder"}, {st.Visits[1].LabelIn("en"), "3 months"},
		{m.UnitIn("sv"), "poäng"}, {m.UnitIn("da"), "point"}, {m.UnitIn("en"), "points"},
		{st.AETermIn("Injection-site pain", "da"), "Smerte på injektionsstedet"}, {st.AETermIn("Fever", "sv"), "Fever"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}

	// The downloaded definition holds the labels: read back, it equals the file, previews
	// no change and applies without changing anything.
	def, err := store.StudyDefinition(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Demoundersøgelse", "knæartrose", "Stamceller fra fedtvæv", "3 månader", "poäng", "Smärta vid injektionsstället"} {
		if !strings.Contains(string(def), s) {
			t.Errorf("the downloaded definition lacks %q:\n%s", s, def)
		}
	}
	back, err := registry.ParseStudyFile("demo.yaml", def)
	if err != nil {
		t.Fatalf("the downloaded definition does not read back: %v\n%s", err, def)
	}
	if a, b := canonicalJSON(back), canonicalJSON(parse(t, labelledYAML)); a != b {
		t.Errorf("the downloaded definition differs from the file:\n%s\n%s", a, b)
	}
	if p, err := store.PreviewStudy(ctx, back); err != nil || len(p.Changes) != 0 {
		t.Errorf("preview of the downloaded definition: %+v, %v", p.Changes, err)
	}
	if res, err := store.ApplyStudy(ctx, registry.CLI, back); err != nil || res.Changes != 0 {
		t.Errorf("applying the downloaded definition changed %d rows: %v", res.Changes, err)
	}

	// A changed translation is a change, and the preview names it.
	for _, c := range []struct{ from, to, what, code string }{
		{"da: Stamceller fra fedtvæv", "da: Stamceller", "arm", "active"},
		{"da: Demoundersøgelse", "da: Demostudie", "study", "demo"},
		{"da: knæartrose", "da: knæ-artrose", "study", "demo"},
		{"da: point}", "da: points}", "measure", "pain"},
		{"da: Smerte på injektionsstedet", "da: Smerter", "adverse event term", "Injection-site pain"},
		{"da: 3 måneder", "da: Tre måneder", "visit", "m3"},
	} {
		changed := parse(t, strings.Replace(labelledYAML, c.from, c.to, 1))
		p, err := store.PreviewStudy(ctx, changed)
		if err != nil || len(p.Changes) != 1 || p.Changes[0].What != c.what || p.Changes[0].Code != c.code {
			t.Errorf("preview of %q: %+v, %v", c.to, p.Changes, err)
		}
	}
}

func canonicalJSON(st *registry.Study) string {
	b, _ := json.Marshal(st)
	return string(b)
}

// TestStudyLabelErrors: labels that contradict the plain text, an unknown language or a
// label of a term the study does not list are refused with the field and line, and nothing
// is applied.
func TestStudyLabelErrors(t *testing.T) {
	tests := []struct {
		name, from, to string
		want           []string
	}{
		{"en differs from label", "labels: {en: 3 months,", "labels: {en: Three months,", []string{"line 12", "visits[1].labels.en", "differs"}},
		{"indication en differs", "indication_labels: {sv: knäartros,", "indication_labels: {en: hip osteoarthritis, sv: knäartros,", []string{"line 5", "indication_labels.en", "differs"}},
		{"indication in unknown language", "indication_labels: {sv: knäartros,", "indication_labels: {fi: polvinivelrikko,", []string{"line 5", "indication_labels.fi", "unknown language"}},
		{"unknown language", "title_labels: {sv: Demostudie,", "title_labels: {de: Demostudie,", []string{"line 3", "title_labels.de", "unknown language"}},
		{"no English unit", "    unit: points\n", "", []string{"measures[0].unit_labels.en", "English label is required"}},
		{"term not listed", "  Injection-site pain: {", "  Injection pain: {", []string{"adverse_event_term_labels.Injection pain", "not one of"}},
		{"arm without any label", "{code: active, labels: {en: Stem cells, sv: Stamceller, da: Stamceller fra fedtvæv}}", "{code: active, labels: {sv: Stamceller}}", []string{"arms[0].labels.en", "arms[0].label"}},
	}
	ctx := context.Background()
	store := registry.NewStore(testdb.New(t))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(labelledYAML, tt.from, tt.to, 1)
			if src == labelledYAML {
				t.Fatal("the test changes nothing")
			}
			_, err := registry.ParseStudyFile("demo.yaml", []byte(src))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			var st registry.Study
			_ = yaml.Unmarshal([]byte(src), &st) // the writer checks again what the parser refused
			if _, err := store.ApplyStudy(ctx, registry.CLI, &st); err == nil {
				t.Error("applied")
			}
			if _, err := store.Study(ctx, "demo"); registry.ErrorCode(err) != registry.ENOTFOUND {
				t.Errorf("the refused file left a study: %v", err)
			}
		})
	}
}
