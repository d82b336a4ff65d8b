package registry_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"outcomereg/registry"
)

// instrumentStudyYAML adds to the nurse study a patient-reported pain score and a KOOS-scored
// instrument of four items (a short subscale: scored with two answered).
const instrumentStudyYAML = `
  - code: koos_pain
    labels: {en: KOOS pain}
    type: number
    min: 0
    max: 100
    direction: higher
    reported_by: patient
    question: {en: Knee pain in the last week, es: Dolor de rodilla en la última semana}
    instrument:
      scoring: koos
      items:
        - code: p1
          labels: {en: "How often do you have knee pain?", es: "¿Con qué frecuencia le duele la rodilla?"}
          choices: &five
            - {value: 0, labels: {en: Never, es: Nunca}}
            - {value: 1, labels: {en: Monthly}}
            - {value: 2, labels: {en: Weekly}}
            - {value: 3, labels: {en: Daily}}
            - {value: 4, labels: {en: Always}}
        - {code: p2, labels: {en: Twisting}, choices: *five}
        - {code: p3, labels: {en: Straightening}, choices: *five}
        - {code: p4, labels: {en: Bending}, choices: *five}
`

func newInstrumentClinic(t *testing.T) *clinic {
	t.Helper()
	c := newClinic(t)
	yaml := strings.Replace(nurseStudyYAML, "events:\n", strings.TrimPrefix(instrumentStudyYAML, "\n")+"events:\n", 1)
	yaml = strings.Replace(yaml, "  - code: pain\n", "  - code: pain\n    reported_by: patient\n"+
		`    question: {en: "How bad was your pain?", sv: "Hur ont hade du?", es: "¿Cuánto dolor tuvo?"}`+"\n", 1)
	if _, err := c.store.ApplyStudy(context.Background(), registry.CLI, parse(t, yaml+"sites: [lund, malmo]\n")); err != nil {
		t.Fatal(err)
	}
	st, err := c.store.Study(context.Background(), "nurse-demo")
	if err != nil {
		t.Fatal(err)
	}
	c.study = st
	return c
}

func koosItems(p1, p2, p3, p4 string) map[string]map[string]registry.ValueInput {
	return map[string]map[string]registry.ValueInput{"koos_pain": {"p1": {Raw: p1}, "p2": {Raw: p2}, "p3": {Raw: p3}, "p4": {Raw: p4}}}
}

// TestSaveVisitScoresInstrument: the rule book reads an instrument's items, refuses an answer
// that is not one of its choices, a typed score and too few answers, and stores the computed
// score with its items and source; a correction replaces the items and audits them.
func TestSaveVisitScoresInstrument(t *testing.T) {
	c := newInstrumentClinic(t)
	ctx := context.Background()
	c.enrol(t, "ND-001", "2026-09-20")
	today := date("2026-11-23")
	m, _ := c.study.Measure("koos_pain")
	if !m.PatientReported() || m.Instrument == nil || len(m.Instrument.Items) != 4 || m.Question["es"] == "" ||
		m.Instrument.Items[0].Labels["es"] == "" {
		t.Fatalf("the study read back lost the instrument: %+v", m)
	}

	bad := []struct {
		name, field string
		edit        func(*registry.VisitInput)
	}{
		{"answer not a choice", "m_koos_pain__p2", func(in *registry.VisitInput) { in.Items = koosItems("1", "5", "2", "") }},
		{"answer not a number", "m_koos_pain__p1", func(in *registry.VisitInput) { in.Items = koosItems("often", "1", "2", "") }},
		{"typed score", "m_koos_pain", func(in *registry.VisitInput) { in.Values["koos_pain"] = registry.ValueInput{Raw: "75"} }},
		{"too few answered", "m_koos_pain", func(in *registry.VisitInput) { in.Items = koosItems("1", "", "", "") }},
		{"nothing answered", "m_koos_pain", func(in *registry.VisitInput) { in.Items = nil }},
		{"answers and a missing code", "m_koos_pain", func(in *registry.VisitInput) {
			in.Values["koos_pain"] = registry.ValueInput{Missing: "unknown"}
		}},
		{"unknown item", "m_koos_pain", func(in *registry.VisitInput) { in.Items["koos_pain"]["p9"] = registry.ValueInput{Raw: "1"} }},
	}
	for _, b := range bad {
		in := goodVisit()
		in.Items = koosItems("1", "2", "", "3")
		b.edit(&in)
		_, err := c.store.SaveVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", "d60", in, today)
		e, ok := err.(*registry.Error)
		if !ok || e.Code != registry.EINVALID || e.Fields[b.field] == "" || len(e.Fields) != 1 {
			t.Errorf("%s: got %#v, want one message at %s", b.name, err, b.field)
		}
	}
	if n := c.count(t, `SELECT count(*) FROM visits`) + c.count(t, `SELECT count(*) FROM visit_items`); n != 0 {
		t.Fatalf("%d rows saved by invalid forms", n)
	}

	// Three of four answered, 1, 2 and 3: 100 − 2 × 25 = 50.
	in := goodVisit()
	in.Items = koosItems("1", "2", "", "3")
	v, err := c.store.SaveVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", "d60", in, today)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Values["koos_pain"]; got.Value == nil || *got.Value != 50 || len(got.Items) != 3 || got.Source != "" {
		t.Fatalf("saved %+v, want the score 50 from 3 items by the staff", got)
	}
	if n := c.count(t, `SELECT count(*) FROM visit_values vv JOIN measures m ON m.id = vv.measure_id
		WHERE m.code = 'koos_pain' AND vv.value = 50 AND vv.source = 'staff'`); n != 1 {
		t.Fatalf("%d stored scores of 50, want 1", n)
	}
	if n := c.count(t, `SELECT count(*) FROM visit_items WHERE (item_code, value) IN (('p1', 1), ('p2', 2), ('p4', 3))`); n != 3 {
		t.Fatalf("%d stored items, want 3", n)
	}
	if n := c.count(t, `SELECT count(*) FROM audit_log WHERE action = 'insert' AND entity = 'visit'
		AND (after->'values'->'koos_pain'->'items'->>'p4')::float8 = 3`); n != 1 {
		t.Fatalf("%d insert audit rows with the items, want 1", n)
	}

	// The form of the recorded visit holds the answers, not the score.
	f, err := c.store.VisitForm(ctx, c.lund, "nurse-demo", "ND-001", "d60")
	if err != nil {
		t.Fatal(err)
	}
	back := f.Recorded.Input()
	if back.Values["koos_pain"].Raw != "" || back.Items["koos_pain"]["p4"].Raw != "3" {
		t.Fatalf("the form of the recorded visit: %+v %+v", back.Values["koos_pain"], back.Items)
	}

	// A correction of one answer: the score follows, the items are replaced, and the value's
	// audit row carries the items before and after.
	back.Items["koos_pain"]["p3"] = registry.ValueInput{Raw: "4"}
	back.Reason = "patient corrected her answer"
	if _, err := c.store.SaveVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", "d60", back, today); err != nil {
		t.Fatal(err)
	}
	// 1, 2, 4, 3: mean 2.5, score 37.5.
	if n := c.count(t, `SELECT count(*) FROM visit_values WHERE value = 37.5`); n != 1 {
		t.Fatal("the corrected score is not 37.5")
	}
	if n := c.count(t, `SELECT count(*) FROM visit_items`); n != 4 {
		t.Fatalf("%d items after the correction, want 4", n)
	}
	if n := c.count(t, `SELECT count(*) FROM audit_log WHERE action = 'update' AND entity = 'value'
		AND before->'items' ? 'p1' AND NOT before->'items' ? 'p3' AND (after->'items'->>'p3')::float8 = 4`); n != 1 {
		t.Fatalf("%d value audit rows with the items before and after, want 1", n)
	}

	// Deleting the visit takes its items with it.
	if err := c.store.DeleteVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", "d60", 2, "entered for the wrong patient"); err != nil {
		t.Fatal(err)
	}
	if n := c.count(t, `SELECT count(*) FROM visit_items`); n != 0 {
		t.Fatalf("%d items left after the visit was deleted", n)
	}
}

// TestPatientAnswersKeepTheStaffPart: a save with source patient reads only the
// patient-reported measures, marks them as the patient's and keeps what the staff recorded.
func TestPatientAnswersKeepTheStaffPart(t *testing.T) {
	c := newInstrumentClinic(t)
	ctx := context.Background()
	c.enrol(t, "ND-001", "2026-09-20")
	today := date("2026-11-23")
	in := goodVisit()
	in.Items = koosItems("1", "1", "1", "1")
	v, err := c.store.SaveVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", "d60", in, today)
	if err != nil {
		t.Fatal(err)
	}
	patient := registry.VisitInput{State: "done", Date: "2026-11-23", Source: registry.SourcePatient, Version: v.Version,
		Reason: "answered by the patient", Values: map[string]registry.ValueInput{"pain": {Raw: "3"},
			"weight": {Raw: "500"}}, // not the patient's: ignored
		Items: koosItems("0", "0", "0", "0")}
	if _, err := c.store.SaveVisit(ctx, actor(c.lund), c.lund, "nurse-demo", "ND-001", "d60", patient, today); err != nil {
		t.Fatal(err)
	}
	rows, err := c.store.DB.Query(ctx, `SELECT m.code, vv.value, vv.source FROM visit_values vv JOIN measures m ON m.id = vv.measure_id ORDER BY m.code`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for rows.Next() {
		var code, source string
		var value float64
		if err := rows.Scan(&code, &value, &source); err != nil {
			t.Fatal(err)
		}
		got[code] = source + " " + strconv.FormatFloat(value, 'f', -1, 64)
	}
	want := map[string]string{"koos_pain": "patient 100", "mobility": "staff 2", "pain": "patient 3", "weight": "staff 71.5"}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %q, want %q", k, got[k], w)
		}
	}
	if n := c.count(t, `SELECT count(*) FROM visits WHERE notes = 'fine'`); n != 1 {
		t.Error("the patient's answers erased the nurse's notes")
	}
	// The follow-up flow's summary cells count the visit as answered from home, and a
	// rebuild from scratch agrees.
	if _, err := registry.CatchUpDashboards(ctx, c.store.DB); err != nil {
		t.Fatal(err)
	}
	if n := c.count(t, `SELECT coalesce(sum(from_home), 0)::int FROM dashboard_visit_cells`); n != 1 {
		t.Errorf("%d visits answered from home in the summary cells, want 1", n)
	}
	if _, err := registry.RebuildDashboards(ctx, c.store.DB, ""); err != nil {
		t.Fatal(err)
	}
	if n := c.count(t, `SELECT coalesce(sum(from_home), 0)::int FROM dashboard_visit_cells`); n != 1 {
		t.Errorf("%d visits answered from home after a rebuild, want 1", n)
	}
}

// TestInstrumentStudyFileErrors: the study file's checks of patient-reported measures and
// instruments, each naming the field and its line.
func TestInstrumentStudyFileErrors(t *testing.T) {
	good := strings.Replace(nurseStudyYAML, "events:\n", strings.TrimPrefix(instrumentStudyYAML, "\n")+"events:\n", 1)
	if _, err := registry.ParseStudyFile("demo.yaml", []byte(good)); err != nil {
		t.Fatalf("the good file: %v", err)
	}
	haq := `  - code: haq_di
    labels: {en: HAQ-DI}
    type: number
    direction: lower
    instrument:
      scoring: haq_di
      items:
`
	for _, c := range []string{"dressing", "arising", "eating", "walking", "hygiene", "reach", "grip", "activities"} {
		haq += "        - {code: " + c + ", category: " + c + ", labels: {en: " + c + "}, choices: [{value: 0, labels: {en: No}}, {value: 3, labels: {en: Unable}}]}\n"
		haq += "        - {code: " + c + "_aid, category: " + c + ", aid: true, labels: {en: aid}, choices: [{value: 0, labels: {en: No}}, {value: 1, labels: {en: Yes}}]}\n"
	}
	goodHAQ := strings.Replace(nurseStudyYAML, "events:\n", haq+"events:\n", 1)
	if _, err := registry.ParseStudyFile("demo.yaml", []byte(goodHAQ)); err != nil {
		t.Fatalf("the good HAQ file: %v", err)
	}
	cases := []struct {
		name, file, from, to, field string
	}{
		{"no English question", good, "question: {en: Knee pain in the last week, ", "question: {", "measures[3].question.en"},
		{"unknown question language", good, "es: Dolor de rodilla", "de: Dolor de rodilla", "measures[3].question.de"},
		{"question of a staff measure", good, "    reported_by: patient\n", "", "measures[3].question"},
		{"unknown reporter", good, "reported_by: patient", "reported_by: doctor", "measures[3].reported_by"},
		{"unknown scoring", good, "scoring: koos", "scoring: womac", "measures[3].instrument.scoring"},
		{"koos choice out of 0-4", good, "{value: 4, labels: {en: Always}}", "{value: 5, labels: {en: Always}}", "measures[3].instrument.items[0].choices[4].value"},
		{"choice listed twice", good, "{value: 4, labels: {en: Always}}", "{value: 3, labels: {en: Always}}", "measures[3].instrument.items[0].choices[4].value"},
		{"item code twice", good, "{code: p3,", "{code: p2,", "measures[3].instrument.items[2].code"},
		{"item without English", good, "labels: {en: Twisting}", "labels: {sv: Vridning}", "measures[3].instrument.items[1].labels.en"},
		{"one choice", good, "{code: p2, labels: {en: Twisting}, choices: *five}", "{code: p2, labels: {en: Twisting}, choices: [{value: 0, labels: {en: x}}]}", "measures[3].instrument.items[1].choices"},
		{"typed instrument score", good, "    type: number\n    min: 0\n    max: 100\n", "    type: integer\n    min: 0\n    max: 100\n", "measures[3].type"},
		{"category outside haq", good, "{code: p2, labels", "{code: p2, category: grip, labels", "measures[3].instrument.items[1].category"},
		{"haq unknown category", goodHAQ, "{code: grip, category: grip,", "{code: grip, category: grasp,", "measures[3].instrument.items[12].category"},
		{"haq category without a question", goodHAQ, "{code: grip, category: grip,", "{code: grip, category: reach,", "measures[3].instrument.items"},
		{"haq item above 3", goodHAQ, "{code: eating, category: eating, labels: {en: eating}, choices: [{value: 0, labels: {en: No}}, {value: 3,",
			"{code: eating, category: eating, labels: {en: eating}, choices: [{value: 0, labels: {en: No}}, {value: 4,", "measures[3].instrument.items[4].choices[1].value"},
		{"haq aid not yes/no", goodHAQ, "{code: walking_aid, category: walking, aid: true, labels: {en: aid}, choices: [{value: 0, labels: {en: No}}, {value: 1,",
			"{code: walking_aid, category: walking, aid: true, labels: {en: aid}, choices: [{value: 0, labels: {en: No}}, {value: 2,", "measures[3].instrument.items[7].choices[1].value"},
	}
	for _, c := range cases {
		if !strings.Contains(c.file, c.from) {
			t.Fatalf("%s: the file has no %q", c.name, c.from)
		}
		_, err := registry.ParseStudyFile("demo.yaml", []byte(strings.Replace(c.file, c.from, c.to, 1)))
		e, ok := err.(*registry.Error)
		if !ok || e.Fields[c.field] == "" {
			t.Errorf("%s: got %v, want a message at %s", c.name, err, c.field)
		}
	}
}

// TestImportInstrumentAnswers: the import reads an instrument's answers (wide item columns,
// long item rows) by the visit form's rule, computes the score, refuses a typed score that
// is not the answers' and a bad answer, and replaces the answers it changes, audited.
func TestImportInstrumentAnswers(t *testing.T) {
	ctx := context.Background()
	store := kneeStudy(t, 8)
	wide := export(t, store, registry.ExportOptions{Study: "knee-oa", Table: registry.TableWide})
	lines := strings.Split(strings.TrimSuffix(wide, "\n"), "\n")
	header := strings.Split(lines[0], ",")
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	// The first row whose KOOS pain has answers.
	var rec []string
	for _, l := range lines[1:] {
		if r := strings.Split(l, ","); r[col["koos_pain__p1"]] != "" {
			rec = r
			break
		}
	}
	if rec == nil {
		t.Fatal("no wide row with KOOS pain answers")
	}
	file := func(edit func(r []string)) string {
		r := append([]string(nil), rec...)
		edit(r)
		return lines[0] + "\n" + strings.Join(r, ",") + "\n"
	}
	answer := func(r []string, p1, p2, p3, p4, p5, p6, p7, p8, p9 string) {
		for i, a := range []string{p1, p2, p3, p4, p5, p6, p7, p8, p9} {
			r[col["koos_pain__p"+strconv.Itoa(i+1)]] = a
		}
	}
	for _, c := range []struct{ name, file, want string }{
		{"answer not a choice", file(func(r []string) { r[col["koos_pain__p2"]] = "5" }),
			"column koos_pain__p2: 5 is not one of the answers (0 = None | 1 = Mild | 2 = Moderate | 3 = Severe | 4 = Extreme)."},
		{"score not the answers'", file(func(r []string) { r[col["koos_pain"]] = "99" }),
			"column koos_pain: The score is computed from the answers to the questions: answer them instead of typing 99."},
		{"too few answers", file(func(r []string) { answer(r, "1", "1", "1", "1", "", "", "", "", ""); r[col["koos_pain"]] = "" }),
			"column koos_pain: Too few questions answered to compute the score: answer at least 5 of them"},
	} {
		res, err := store.Import(ctx, registry.CLI, registry.ImportOptions{Study: "knee-oa", Table: registry.TableWide}, strings.NewReader(c.file))
		if registry.ErrorCode(err) != registry.EINVALID || res == nil || res.ErrorCount != 1 || !strings.Contains(res.Errors[0].String(), c.want) {
			t.Errorf("%s: %v %v, want one error: %s", c.name, err, res, c.want)
		}
	}

	// Five answers (2,2,2,2,2: mean 2) and no score: the score is computed, 50, the answers
	// replace the four left out, the value is the import's, and the audit row has both.
	res := importFile(t, store, registry.TableWide, file(func(r []string) {
		answer(r, "2", "2", "2", "2", "2", "", "", "", "")
		r[col["koos_pain"]] = ""
	}))
	if res.Updated != 1 {
		t.Fatalf("import of new answers: %d updated, want 1", res.Updated)
	}
	var value float64
	var source string
	var items int
	if err := store.DB.QueryRow(ctx, `SELECT vv.value, vv.source,
			(SELECT count(*) FROM visit_items i WHERE i.visit_id = vv.visit_id AND i.measure_id = vv.measure_id)
		FROM visit_values vv JOIN visits v ON v.id = vv.visit_id JOIN patients p ON p.id = v.patient_id
		JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id JOIN measures m ON m.id = vv.measure_id
		WHERE p.study_number = $1 AND sv.code = $2 AND m.code = 'koos_pain'`, rec[col["patient"]], rec[col["visit"]]).Scan(&value, &source, &items); err != nil {
		t.Fatal(err)
	}
	if value != 50 || source != registry.SourceImport || items != 5 {
		t.Fatalf("after the import: score %v from %s with %d answers, want 50 from import with 5", value, source, items)
	}
	var audited int
	store.DB.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE entity = 'visit' AND reason = $1
		AND (after->'values'->'koos_pain'->>'value')::float8 = 50 AND after->'values'->'koos_pain'->'items' ? 'p5'
		AND before->'values'->'koos_pain'->'items' ? 'p9'`, "import "+strconv.FormatInt(res.ID, 10)).Scan(&audited)
	if audited != 1 {
		t.Errorf("%d audit rows with the answers before and after, want 1", audited)
	}

	// The long table carries the answers as rows <measure>__<item>: changing one changes the
	// score; a score typed without answers for a visit that has none is refused.
	long := export(t, store, registry.ExportOptions{Study: "knee-oa", Table: registry.TableLong})
	prefix := ""
	var changed []string
	for _, l := range strings.Split(long, "\n") {
		if strings.Contains(l, ","+rec[col["patient"]]+",") && strings.Contains(l, ","+rec[col["visit"]]+",") && strings.Contains(l, ",koos_pain") {
			if strings.Contains(l, ",koos_pain__p5,2,") {
				l = strings.Replace(l, ",koos_pain__p5,2,", ",koos_pain__p5,4,", 1)
			}
			if strings.Contains(l, ",koos_pain,50,") {
				l = strings.Replace(l, ",koos_pain,50,", ",koos_pain,,", 1) // the score left to be computed
			}
			changed = append(changed, l)
		}
		if prefix == "" {
			prefix = l
		}
	}
	if len(changed) != 6 {
		t.Fatalf("%d long rows of the KOOS pain of the visit, want the score and 5 answers:\n%s", len(changed), strings.Join(changed, "\n"))
	}
	res = importFile(t, store, registry.TableLong, prefix+"\n"+strings.Join(changed[1:], "\n")+"\n")
	if res.Updated != 1 {
		t.Fatalf("long import of a changed answer: %d updated", res.Updated)
	}
	// 2,2,2,2,4: mean 2.4, score 40.
	if n := countWhere(t, store, `SELECT count(*) FROM visit_values WHERE value = 40 AND source = 'import' AND measure_id = (SELECT id FROM measures WHERE code = 'koos_pain')`); n != 1 {
		t.Errorf("%d scores of 40 from the long file's answers (source import, as the file says), want 1", n)
	}
	other := ""
	for _, l := range strings.Split(long, "\n") {
		if strings.Contains(l, ",koos_pain,") && !strings.Contains(l, ","+rec[col["patient"]]+",") {
			other = l
			break
		}
	}
	r := strings.Split(other, ",")
	r[12] = "12.5"
	res, err := store.Import(ctx, registry.CLI, registry.ImportOptions{Study: "knee-oa", Table: registry.TableLong}, strings.NewReader(prefix+"\n"+strings.Join(r, ",")+"\n"))
	if registry.ErrorCode(err) != registry.EINVALID || res.ErrorCount != 1 || !strings.Contains(res.Errors[0].String(), "answer them instead of typing 12.5") {
		t.Errorf("a typed score: %v %v", err, res)
	}
}

func countWhere(t *testing.T, store *registry.Store, sql string) int {
	t.Helper()
	var n int
	if err := store.DB.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestItemsTable: the items table has one row per stored answer, in the order of the study
// file, with the source of its score; a site's export only that site's.
func TestItemsTable(t *testing.T) {
	store := kneeStudy(t, 12)
	out := export(t, store, registry.ExportOptions{Study: "knee-oa", Table: registry.TableItems})
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if lines[0] != "study,site,patient,visit,visit_date,measure,item,value,source" {
		t.Fatalf("header %q", lines[0])
	}
	if n := countWhere(t, store, `SELECT count(*) FROM visit_items`); n != len(lines)-1 || n < 100 {
		t.Fatalf("%d rows for %d stored answers", len(lines)-1, n)
	}
	first := strings.Split(lines[1], ",")
	second := strings.Split(lines[2], ",")
	if first[5] != "koos_pain" || first[6] != "p1" || second[6] != "p2" || (first[8] != "staff" && first[8] != "patient") {
		t.Errorf("first rows %v, %v: want KOOS pain p1 then p2 with their source", first, second)
	}
	copenhagen := export(t, store, registry.ExportOptions{Study: "knee-oa", Table: registry.TableItems, Site: "copenhagen"})
	if strings.Contains(copenhagen, ",aarhus,") || !strings.Contains(copenhagen, ",copenhagen,") {
		t.Error("the site's items table holds other sites' rows, or none of its own")
	}
}
