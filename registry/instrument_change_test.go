package registry_test

import (
	"context"
	"strings"
	"testing"

	"outcomereg/registry"
)

// TestStudyFileKeepsStoredInstrumentAnswers: once answers to an instrument are stored, a
// study file that removes the instrument, one of its answered items or an answered choice,
// or changes its scoring, is refused with a message and changes nothing; relabelling and
// adding an item are taken.
func TestStudyFileKeepsStoredInstrumentAnswers(t *testing.T) {
	c := newInstrumentClinic(t)
	ctx := context.Background()
	c.enrol(t, "ND-001", "2026-09-20")
	in := goodVisit()
	in.Items = koosItems("1", "2", "", "3")
	if _, err := c.store.SaveVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", "d60", in, date("2026-11-23")); err != nil {
		t.Fatal(err)
	}
	base := strings.Replace(nurseStudyYAML, "events:\n", strings.TrimPrefix(instrumentStudyYAML, "\n")+"events:\n", 1)
	base = strings.Replace(base, "  - code: pain\n", "  - code: pain\n    reported_by: patient\n"+
		`    question: {en: "How bad was your pain?", sv: "Hur ont hade du?", es: "¿Cuánto dolor tuvo?"}`+"\n", 1)
	p4 := "        - {code: p4, labels: {en: Bending}, choices: *five}\n"
	instrument := base[strings.Index(base, "    instrument:\n"):strings.Index(base, "events:\n")]
	if !strings.Contains(base, p4) || !strings.Contains(instrument, p4) {
		t.Fatal("the study file changed: fix the test's edits")
	}
	stored := func() string {
		var s string
		c.store.DB.QueryRow(ctx, `SELECT instrument::text FROM measures WHERE code = 'koos_pain'`).Scan(&s)
		return s
	}
	before := stored()
	for _, tc := range []struct{ name, yaml, want string }{
		{"item removed", strings.Replace(base, p4, "", 1), `item "p4"`},
		{"answered choice removed", strings.Replace(base, p4,
			"        - {code: p4, labels: {en: Bending}, choices: [{value: 0, labels: {en: Never}}, {value: 1, labels: {en: Monthly}}, {value: 2, labels: {en: Weekly}}]}\n", 1),
			`answer 3 to item "p4"`},
		{"instrument removed", strings.Replace(base, instrument, "", 1), `instrument of measure "koos_pain"`},
	} {
		_, err := c.store.ApplyStudy(ctx, registry.CLI, parse(t, tc.yaml+"sites: [lund, malmo]\n"))
		if registry.ErrorCode(err) != registry.ECONFLICT || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want a conflict naming %s", tc.name, err, tc.want)
		}
		if stored() != before {
			t.Fatalf("%s: the stored instrument changed", tc.name)
		}
	}
	grown := strings.Replace(base, p4, "        - {code: p4, labels: {en: Bending fully}, choices: *five}\n"+
		"        - {code: p5, labels: {en: Walking}, choices: *five}\n", 1)
	if _, err := c.store.ApplyStudy(ctx, registry.CLI, parse(t, grown+"sites: [lund, malmo]\n")); err != nil {
		t.Fatalf("a relabelled item and a new one: %v", err)
	}
	if s := stored(); !strings.Contains(s, "Bending fully") || !strings.Contains(s, `"p5"`) {
		t.Fatalf("the instrument after the accepted file: %s", s)
	}
}
