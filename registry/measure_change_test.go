package registry_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"outcomereg/registry"
)

// TestStudyFileKeepsStoredValuesFitting: once values of a measure are stored, a study file
// that changes the measure so that they no longer fit it (a choice they hold removed, the
// range narrowed, the step or the type changed) is refused with a message naming the
// measure and how many values, and nothing of the file is applied; relabelling, a wider
// range, a new choice, a finer step they still fit, the direction and the MCID are taken.
func TestStudyFileKeepsStoredValuesFitting(t *testing.T) {
	c := newClinic(t)
	ctx := context.Background()
	for i, v := range []map[string]registry.ValueInput{
		{"pain": {Raw: "4"}, "weight": {Raw: "71.5"}, "mobility": {Raw: "2"}},
		{"pain": {Raw: "7"}, "weight": {Raw: "80"}, "mobility": {Raw: "2"}},
		{"pain": {Missing: "not_done"}, "weight": {Raw: "90"}, "mobility": {Raw: "1"}},
	} {
		number := fmt.Sprintf("ND-00%d", i+1)
		c.enrol(t, number, "2026-09-20")
		in := goodVisit()
		in.Values = v
		if _, err := c.store.SaveVisit(ctx, actor(c.lund), c.lund, "nurse-demo", number, "d60", in, date("2026-11-23")); err != nil {
			t.Fatal(err)
		}
	}
	stored := func() string {
		var s string
		if err := c.store.DB.QueryRow(ctx, `SELECT s::text || (SELECT string_agg(m::text, ';' ORDER BY m.code) FROM measures m WHERE m.study_id = s.id)
			FROM studies s WHERE s.code = 'nurse-demo'`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	holding := func(measure string, value float64) int {
		return c.count(t, `SELECT count(*) FROM visit_values vv JOIN measures m ON m.id = vv.measure_id WHERE m.code = $1 AND vv.value = $2`, measure, value)
	}
	mobility := "      - {value: 1, labels: {en: Walks}}\n      - {value: 2, labels: {en: Walks with help}}\n"
	pain := "    type: integer\n    unit: points\n    min: 0\n    max: 10\n"
	weight := "    min: 20\n    max: 300\n    step: 0.5\n"
	edit := func(old, new string) string {
		if !strings.Contains(nurseStudyYAML, old) {
			t.Fatalf("the study file changed: fix the test's edit of %q", old)
		}
		// A new title too: a refused file must not apply it either.
		return strings.Replace(strings.Replace(nurseStudyYAML, old, new, 1), "title: Nurse demo study", "title: Renamed", 1)
	}
	before := stored()
	for _, tc := range []struct{ name, yaml, want string }{
		{"answered choice removed", edit(mobility, "      - {value: 1, labels: {en: Walks}}\n      - {value: 3, labels: {en: Bed}}\n"),
			fmt.Sprintf(`the choice 2 of measure "mobility" cannot be removed from study nurse-demo: %d recorded values hold it`, holding("mobility", 2))},
		{"maximum lowered", edit(pain, "    type: integer\n    unit: points\n    min: 0\n    max: 5\n"),
			`measure "pain" of study nurse-demo cannot be changed so: 1 recorded values would not fit it (7 is outside the allowed range (0-5).)`},
		{"minimum raised", edit(weight, "    min: 75\n    max: 300\n    step: 0.5\n"),
			`measure "weight" of study nurse-demo cannot be changed so: 1 recorded values would not fit it (71.5 is outside the allowed range (75-300).)`},
		{"coarser step", edit(weight, "    min: 20\n    max: 300\n    step: 1\n"),
			`measure "weight" of study nurse-demo cannot be changed so: 1 recorded values would not fit it (71.5 does not fit the steps of 1 (from 20).)`},
		{"step moved", edit(weight, "    min: 20.25\n    max: 300\n    step: 0.5\n"),
			`measure "weight" of study nurse-demo cannot be changed so: 3 recorded values would not fit it`},
		{"whole numbers", edit("    type: number\n    unit: kg\n", "    type: integer\n    unit: kg\n"),
			`measure "weight" of study nurse-demo cannot be changed so: 1 recorded values would not fit it (71.5 is not a whole number.)`},
		{"number to choice", edit(pain, "    type: choice\n    choices: [{value: 4, labels: {en: Four}}, {value: 7, labels: {en: Seven}}]\n"),
			`the type of measure "pain" cannot be changed from integer to choice in study nurse-demo: 2 recorded values hold it`},
		{"choice to number", edit("    type: choice\n    choices:\n"+mobility, "    type: number\n    min: 0\n    max: 5\n"),
			`the type of measure "mobility" cannot be changed from choice to number in study nurse-demo: 3 recorded values hold it`},
	} {
		st := parse(t, tc.yaml+"sites: [lund, malmo]\n")
		_, err := c.store.ApplyStudy(ctx, registry.CLI, st)
		if registry.ErrorCode(err) != registry.ECONFLICT || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v\nwant a conflict saying %s", tc.name, err, tc.want)
		}
		if s := stored(); s != before {
			t.Fatalf("%s: the stored study changed:\n%s\n%s", tc.name, before, s)
		}
		if pv, err := c.store.PreviewStudy(ctx, parse(t, tc.yaml+"sites: [lund, malmo]\n")); err != nil || !strings.Contains(pv.Refused, tc.want) {
			t.Errorf("%s: the preview says %q (%v)", tc.name, pv.Refused, err)
		}
	}

	// Allowed: labels, a wider range, a new choice, a finer step the values still fit, the
	// direction and the MCID; a measure without values may change its type.
	allowed := edit(mobility, mobility+"      - {value: 3, labels: {en: Bed-bound}}\n")
	allowed = strings.Replace(allowed, pain, "    type: integer\n    unit: points\n    min: 0\n    max: 20\n    mcid: 2\n", 1)
	allowed = strings.Replace(allowed, weight, "    min: 10\n    max: 300\n    step: 0.25\n", 1)
	allowed = strings.Replace(allowed, "labels: {en: Weight}\n", "labels: {en: Body weight}\n", 1)
	allowed = strings.Replace(allowed, "    step: 0.25\n    direction: lower\n", "    step: 0.25\n    direction: higher\n", 1)
	allowed = strings.Replace(allowed, "measures:\n", "measures:\n  - {code: grip, labels: {en: Grip}, type: choice, choices: [{value: 1, labels: {en: Weak}}, {value: 2, labels: {en: Strong}}], direction: higher}\n", 1)
	if _, err := c.store.ApplyStudy(ctx, registry.CLI, parse(t, allowed+"sites: [lund, malmo]\n")); err != nil {
		t.Fatalf("allowed changes: %v", err)
	}
	allowed = strings.Replace(allowed, "{code: grip, labels: {en: Grip}, type: choice, choices: [{value: 1, labels: {en: Weak}}, {value: 2, labels: {en: Strong}}]", "{code: grip, labels: {en: Grip}, type: number, min: 0, max: 90", 1)
	if _, err := c.store.ApplyStudy(ctx, registry.CLI, parse(t, allowed+"sites: [lund, malmo]\n")); err != nil {
		t.Fatalf("a measure without values changes type: %v", err)
	}
	st, err := c.store.Study(ctx, "nurse-demo")
	if err != nil {
		t.Fatal(err)
	}
	w, _ := st.Measure("weight")
	p, _ := st.Measure("pain")
	m, _ := st.Measure("mobility")
	g, _ := st.Measure("grip")
	if st.Title != "Renamed" || *w.Min != 10 || *w.Step != 0.25 || w.Labels["en"] != "Body weight" || *p.Max != 20 || p.MCID == nil || *p.MCID != 2 ||
		w.Direction != "higher" || len(m.Choices) != 3 || g.Kind != registry.KindNumber {
		t.Fatalf("after the allowed changes: %+v\n%+v\n%+v\n%+v", w, p, m, g)
	}
}
