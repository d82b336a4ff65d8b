package registry_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"outcomereg/registry"
	"outcomereg/registry/testdb"
	"outcomereg/seed"
)

// kneeStudy returns a store on a fresh database with the demo sites and the knee-oa study,
// and n synthetic patients in it (none for an empty copy of the study).
func kneeStudy(t testing.TB, n int) *registry.Store {
	t.Helper()
	ctx := context.Background()
	store := registry.NewStore(testdb.New(t))
	for _, s := range seed.Sites {
		if err := store.UpsertSite(ctx, registry.CLI, s.Code, s.Name); err != nil {
			t.Fatal(err)
		}
	}
	src, err := seed.StudyFile("knee-oa")
	if err != nil {
		t.Fatal(err)
	}
	st, err := registry.ParseStudyFile("knee-oa.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.ApplyStudy(ctx, registry.CLI, st); err != nil {
		t.Fatal(err)
	}
	if n > 0 {
		opt := seed.Options{Seed: 7, Today: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}
		if err := seed.Patients(ctx, store, "knee-oa", n, opt); err != nil {
			t.Fatal(err)
		}
	}
	return store
}

func export(t testing.TB, store *registry.Store, o registry.ExportOptions) string {
	t.Helper()
	var b bytes.Buffer
	if _, err := store.Export(context.Background(), &b, registry.CLI, o); err != nil {
		t.Fatalf("export %s: %v", o.Table, err)
	}
	return b.String()
}

func importFile(t testing.TB, store *registry.Store, table, file string) *registry.ImportResult {
	t.Helper()
	res, err := store.Import(context.Background(), registry.CLI, registry.ImportOptions{Study: "knee-oa", Table: table, FileName: table + ".csv"}, strings.NewReader(file))
	if err != nil {
		if res != nil {
			t.Fatalf("import %s: %v: %v", table, err, res.Errors)
		}
		t.Fatalf("import %s: %v", table, err)
	}
	return res
}

// TestExportImportRoundTrip exports every table, imports them into an empty copy of the
// study and exports again: the files must be the same bytes. Importing them once more
// changes nothing.
func TestExportImportRoundTrip(t *testing.T) {
	src := kneeStudy(t, 150)
	for _, shape := range []string{registry.TableLong, registry.TableWide} {
		t.Run(shape, func(t *testing.T) {
			dst := kneeStudy(t, 0)
			tables := []string{registry.TablePatients, shape, registry.TableEvents, registry.TableAdverseEvents}
			files := map[string]string{}
			for _, table := range tables {
				files[table] = export(t, src, registry.ExportOptions{Study: "knee-oa", Table: table})
				if strings.Count(files[table], "\n") < 4 {
					t.Fatalf("%s export has too few rows to test with:\n%s", table, files[table])
				}
				res := importFile(t, dst, table, files[table])
				if res.Inserted == 0 || res.Updated != 0 {
					t.Errorf("import %s into the empty copy: %d inserted, %d updated", table, res.Inserted, res.Updated)
				}
			}
			for _, table := range tables {
				if again := export(t, dst, registry.ExportOptions{Study: "knee-oa", Table: table}); again != files[table] {
					t.Errorf("%s differs after the round trip:\n%s", table, firstDifference(files[table], again))
				}
			}
			before := auditCount(t, dst)
			for _, table := range tables {
				res := importFile(t, dst, table, files[table])
				if res.Inserted != 0 || res.Updated != 0 {
					t.Errorf("re-import of %s: %d inserted, %d updated, want no change", table, res.Inserted, res.Updated)
				}
			}
			// One audit row per import, none for changes.
			if after := auditCount(t, dst); after != before+len(tables) {
				t.Errorf("re-import wrote %d audit rows, want %d (the imports only)", after-before, len(tables))
			}
		})
	}
}

func auditCount(t testing.TB, store *registry.Store) int {
	t.Helper()
	var n int
	if err := store.DB.QueryRow(context.Background(), `SELECT count(*) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func firstDifference(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return "line " + itoa(i+1) + ":\n  want " + al[i] + "\n  got  " + bl[i]
		}
	}
	return "lengths differ: " + itoa(len(al)) + " and " + itoa(len(bl)) + " lines"
}

// TestImportChangesAreAudited: a changed value is updated, its visit's version bumped and
// an audit row tagged with the import written.
func TestImportChangesAreAudited(t *testing.T) {
	ctx := context.Background()
	store := kneeStudy(t, 20)
	long := export(t, store, registry.ExportOptions{Study: "knee-oa", Table: registry.TableLong})
	lines := strings.Split(long, "\n")
	rec := strings.Split(lines[1], ",")
	// The first row's value, changed to another in range.
	if rec[12] == "" {
		t.Fatalf("first row has no value: %s", lines[1])
	}
	rec[12], rec[13] = "", "unknown"
	changed := lines[0] + "\n" + strings.Join(rec, ",") + "\n"
	res := importFile(t, store, registry.TableLong, changed)
	if res.Updated != 1 || res.Inserted != 0 {
		t.Fatalf("import: %d inserted, %d updated, want 1 updated", res.Inserted, res.Updated)
	}
	var reason, before, after string
	err := store.DB.QueryRow(ctx, `SELECT reason, before::text, after::text FROM audit_log WHERE entity = 'visit' ORDER BY id DESC LIMIT 1`).
		Scan(&reason, &before, &after)
	if err != nil {
		t.Fatal(err)
	}
	if reason != "import "+itoa(int(res.ID)) || !strings.Contains(after, `": "unknown"}`) || !strings.Contains(before, `"values": {"`) {
		t.Errorf("audit row: reason %q before %s after %s", reason, before, after)
	}
	again := export(t, store, registry.ExportOptions{Study: "knee-oa", Table: registry.TableLong})
	if !strings.Contains(again, strings.Join(rec, ",")+"\n") {
		t.Errorf("export after the import lacks the changed row %s", strings.Join(rec, ","))
	}
}

// TestExportNeutralisesFormulas: free text that a spreadsheet would run gets an apostrophe;
// numbers, even negative ones, are left alone; an import takes the apostrophe away again.
func TestExportNeutralisesFormulas(t *testing.T) {
	ctx := context.Background()
	store := kneeStudy(t, 5)
	var patientID int64
	if err := store.DB.QueryRow(ctx, `SELECT id FROM patients ORDER BY study_number LIMIT 1`).Scan(&patientID); err != nil {
		t.Fatal(err)
	}
	for _, ae := range [][3]string{
		{`=HYPERLINK("http://x.example","click")`, "2026-01-02", "+1;-2@3"},
		{"@SUM(A1)", "2026-01-03", "\tx"},
		{"'quoted", "2026-01-04", "-minus"},
	} {
		_, err := store.DB.Exec(ctx, `
			INSERT INTO adverse_events (study_id, patient_id, term, onset_on, grade, serious, relatedness, outcome, notes)
			SELECT study_id, id, $2, $3, 1, false, 'possible', 'recovering', $4 FROM patients WHERE id = $1`,
			patientID, ae[0], ae[1], ae[2])
		if err != nil {
			t.Fatal(err)
		}
	}
	out := export(t, store, registry.ExportOptions{Study: "knee-oa", Table: registry.TableAdverseEvents, Delimiter: "semicolon"})
	for _, want := range []string{`"'=HYPERLINK(""http://x.example"",""click"")"`, `;"'+1;-2@3"`, `'@SUM(A1)`, ";'\tx\n", `''quoted`, `;'-minus`} {
		if !strings.Contains(out, want) {
			t.Errorf("adverse events export lacks %s:\n%s", want, out)
		}
	}
	records, err := readCSV(out, ';')
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range records[1:] {
		for _, cell := range r[4:8] { // onset_on, ended_on, grade, serious
			if strings.HasPrefix(cell, "'") {
				t.Errorf("a date, number or flag was neutralised: %q", cell)
			}
		}
	}
	// Numbers stay numbers: a negative change in the long table is not touched.
	if _, err := store.DB.Exec(ctx, `UPDATE measures SET min_value = -100 WHERE code = 'koos_adl';
		UPDATE visit_values SET value = -12.25 WHERE measure_id = (SELECT id FROM measures WHERE code = 'koos_adl') AND missing_code IS NULL`); err != nil {
		t.Fatal(err)
	}
	long := export(t, store, registry.ExportOptions{Study: "knee-oa", Table: registry.TableLong})
	if !strings.Contains(long, ",koos_adl,-12.25,,staff\n") || strings.Contains(long, "'-12.25") {
		t.Errorf("long export changed a negative number:\n%s", long[:min(len(long), 2000)])
	}
	// The apostrophes go away again on import: nothing changes.
	if res := importFile(t, store, registry.TableAdverseEvents, out); res.Inserted != 0 || res.Updated != 0 {
		t.Errorf("re-import of neutralised adverse events changed %d+%d rows", res.Inserted, res.Updated)
	}
}

func readCSV(s string, comma rune) ([][]string, error) {
	r := csv.NewReader(strings.NewReader(s))
	r.Comma = comma
	return r.ReadAll()
}

// TestSemicolonKeepsDecimalPoint: with ';' between cells, numbers keep '.' as the decimal
// mark, and such a file imports back unchanged.
func TestSemicolonKeepsDecimalPoint(t *testing.T) {
	store := kneeStudy(t, 30)
	out := export(t, store, registry.ExportOptions{Study: "knee-oa", Table: registry.TableLong, Delimiter: "semicolon"})
	records, err := readCSV(out, ';')
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(records[0], ";") != "study;site;patient;arm;sex;birth_year;visit;target_day;visit_date;days_from_treatment;in_window;measure;value;missing_code;source" {
		t.Fatalf("header: %v", records[0])
	}
	decimals := 0
	for _, r := range records[1:] {
		if strings.Contains(r[12], ".") {
			decimals++
		}
		if strings.Contains(r[12], ",") {
			t.Fatalf("a value with a decimal comma: %v", r)
		}
	}
	if decimals == 0 {
		t.Fatal("no value with decimals in the export")
	}
	if res := importFile(t, store, registry.TableLong, out); res.Inserted != 0 || res.Updated != 0 {
		t.Errorf("re-import of the semicolon file changed %d+%d rows", res.Inserted, res.Updated)
	}
	tab := export(t, store, registry.ExportOptions{Study: "knee-oa", Table: registry.TableLong, Delimiter: "tab"})
	if tab != strings.ReplaceAll(out, ";", "\t") {
		t.Error("the tab export is not the semicolon export with tabs")
	}
}

// TestImportRefusesMalformedFiles: every kind of error is reported by line and column, and
// nothing is written.
func TestImportRefusesMalformedFiles(t *testing.T) {
	ctx := context.Background()
	store := kneeStudy(t, 10)
	long := export(t, store, registry.ExportOptions{Study: "knee-oa", Table: registry.TableLong})
	lines := strings.Split(strings.TrimSuffix(long, "\n"), "\n")
	header, first := lines[0], lines[1]
	cells := func(f func([]string)) string {
		rec := strings.Split(first, ",")
		f(rec)
		return strings.Join(rec, ",")
	}
	// A correct row first, so that a file is refused as a whole.
	good := lines[2]
	cases := []struct {
		name, file, want string
	}{
		{"unknown patient", cells(func(r []string) { r[2] = "KOA-999999" }), `line 3, column patient: there is no patient "KOA-999999"`},
		{"unknown visit", cells(func(r []string) { r[6] = "m99" }), `line 3, column visit: study knee-oa has no visit "m99"`},
		{"unknown measure", cells(func(r []string) { r[11] = "height" }), `line 3, column measure: study knee-oa has no measure "height"`},
		{"value out of range", cells(func(r []string) { r[11], r[12], r[13] = "koos_adl", "100.5", "" }), `line 3, column value: 100.5 is outside the allowed range (0-100).`},
		{"decimal comma", cells(func(r []string) { r[11], r[12], r[13] = "koos_adl", `"45,5"`, "" }), `line 3, column value: "45,5" is not a number: use '.' as the decimal mark`},
		{"not a whole number", cells(func(r []string) { r[11], r[12], r[13] = "pain_nrs", "4.5", "" }), `line 3, column value: 4.5 is not a whole number.`},
		{"bad date", cells(func(r []string) { r[8] = "23/11/2026" }), `line 3, column visit_date: "23/11/2026" is not a date like 2026-01-31`},
		{"value and missing code", cells(func(r []string) { r[12], r[13] = "5", "unknown" }), `line 3, column missing_code: a value and a missing code: give only one`},
		{"neither", cells(func(r []string) { r[12], r[13] = "", "" }), `line 3, column value: a value or a missing code (in missing_code) is required`},
		{"unknown missing code", cells(func(r []string) { r[12], r[13] = "", "lost" }), `line 3, column missing_code: "lost" is not a missing-data code: use not_done, unknown, not_applicable.`},
		{"wrong column count", first + ",extra", `line 3: 16 columns, the header has 15`},
		{"broken quoting", cells(func(r []string) { r[2] = `"KOA-0"00001` }), `line 3: broken quoting`},
		{"duplicate row", good, `line 3, column measure: the same patient, visit and measure as line 2`},
		{"other study", cells(func(r []string) { r[0] = "ms-ahsct" }), `line 3, column study: the row is for study "ms-ahsct", not knee-oa`},
	}
	countRows := func() string {
		var s string
		err := store.DB.QueryRow(ctx, `SELECT (SELECT count(*) FROM visit_values) || '/' || (SELECT count(*) FROM visits) || '/' ||
			(SELECT count(*) FROM imports) || '/' || (SELECT count(*) FROM audit_log) || '/' || (SELECT sum(version) FROM visits)`).Scan(&s)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := countRows()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			file := header + "\n" + good + "\n" + c.file + "\n"
			res, err := store.Import(ctx, registry.CLI, registry.ImportOptions{Study: "knee-oa", Table: registry.TableLong}, strings.NewReader(file))
			if registry.ErrorCode(err) != registry.EINVALID || res == nil {
				t.Fatalf("import: %v, want an invalid-file error", err)
			}
			if res.ErrorCount != 1 || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].String(), c.want) {
				t.Errorf("errors %d: %v, want one: %s", res.ErrorCount, res.Errors, c.want)
			}
		})
	}
	// Header problems.
	for _, c := range []struct{ name, file, want string }{
		{"empty file", "", "line 1: the file is empty"},
		{"unknown column", strings.Replace(header, "value", "result", 1) + "\n" + first + "\n", `line 1, column result: long has no column "result"`},
		{"no rows", header + "\n", "line 2: the file has a header but no rows"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := store.Import(ctx, registry.CLI, registry.ImportOptions{Study: "knee-oa", Table: registry.TableLong}, strings.NewReader(c.file))
			if registry.ErrorCode(err) != registry.EINVALID || res == nil || len(res.Errors) == 0 || !strings.Contains(res.Errors[0].String(), c.want) {
				t.Fatalf("import: %v %+v, want %s", err, res, c.want)
			}
		})
	}
	// Many errors: the first 100 are listed, with the total.
	var many strings.Builder
	many.WriteString(header + "\n")
	for range 150 {
		many.WriteString(cells(func(r []string) { r[2] = "KOA-999999" }) + "\n")
	}
	res, err := store.Import(ctx, registry.CLI, registry.ImportOptions{Study: "knee-oa", Table: registry.TableLong}, strings.NewReader(many.String()))
	if err == nil || res.ErrorCount != 150 || len(res.Errors) != registry.MaxShownErrors || !strings.Contains(err.Error(), "150 errors") {
		t.Errorf("150 bad rows: %v, %d errors, %d shown", err, res.ErrorCount, len(res.Errors))
	}
	if after := countRows(); after != before {
		t.Errorf("refused imports wrote: counts %s, before %s", after, before)
	}
}

// TestExportZip: one archive holds every table, a README and an R script, and its CSV files
// are the single exports' bytes.
func TestExportZip(t *testing.T) {
	store := kneeStudy(t, 20)
	var b bytes.Buffer
	counts, err := store.ExportZip(context.Background(), &b, registry.CLI, registry.ExportOptions{Study: "knee-oa", WithAudit: true})
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = string(data)
	}
	for _, table := range registry.ExportTables {
		single := export(t, store, registry.ExportOptions{Study: "knee-oa", Table: table})
		if table != registry.TableAudit && files[table+".csv"] != single {
			t.Errorf("%s.csv in the ZIP differs from the single export", table)
		}
		if _, ok := counts[table]; !ok {
			t.Errorf("no count for %s", table)
		}
	}
	if !strings.Contains(files["README.txt"], "one snapshot") || !strings.Contains(files["read_knee_oa.R"], `"visit_date" = "Date"`) {
		t.Errorf("README or R script missing:\n%s\n%s", files["README.txt"], files["read_knee_oa.R"])
	}
	codebook := files["codebook.csv"]
	for _, want := range []string{"wide,koos_adl,KOOS function in daily living,number,points,0-100,koos_adl_missing", "long,missing_code,",
		`wide,koos_pain,"KOOS pain (score computed from the items koos_pain__*: KOOS: 100 - mean(items) x 25, with at least 5 of 9 items answered)",number,points,0-100,koos_pain_missing`,
		"wide,koos_pain__p1,KOOS pain: How often do you experience knee pain?,integer,,0 = Never | 1 = Monthly | 2 = Weekly | 3 = Daily | 4 = Always,empty: not answered",
		"long,source,", "items,item,"} {
		if !strings.Contains(codebook, want) {
			t.Errorf("codebook lacks %q", want)
		}
	}
}

// TestExportRefusesBadOptions: unknown study, site, table or delimiter are errors a person
// can act on.
func TestExportRefusesBadOptions(t *testing.T) {
	store := kneeStudy(t, 0)
	for _, c := range []struct {
		o    registry.ExportOptions
		code string
	}{
		{registry.ExportOptions{Study: "nope", Table: "long"}, registry.ENOTFOUND},
		{registry.ExportOptions{Study: "knee-oa", Table: "long", Site: "oslo"}, registry.ENOTFOUND},
		{registry.ExportOptions{Study: "knee-oa", Table: "everything"}, registry.EINVALID},
		{registry.ExportOptions{Study: "knee-oa", Table: "long", Delimiter: "pipe"}, registry.EINVALID},
	} {
		if _, err := store.Export(context.Background(), io.Discard, registry.CLI, c.o); registry.ErrorCode(err) != c.code {
			t.Errorf("%+v: %v, want %s", c.o, err, c.code)
		}
	}
}

// failingWriter takes n bytes, then fails, like a download the browser closed.
type failingWriter struct{ n int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, io.ErrClosedPipe
	}
	return len(p), nil
}

// TestBrokenExportIsAudited: an export that breaks off after some rows went out is still
// in the audit trail, marked incomplete.
func TestBrokenExportIsAudited(t *testing.T) {
	store := kneeStudy(t, 200)
	_, err := store.Export(context.Background(), &failingWriter{n: 100}, registry.Actor{Name: "stats@example"},
		registry.ExportOptions{Study: "knee-oa", Table: registry.TableLong})
	if err == nil {
		t.Fatal("export to a failing writer succeeded")
	}
	var after string
	if err := store.DB.QueryRow(context.Background(), `SELECT after::text FROM audit_log WHERE action = 'export' AND actor = 'stats@example'`).
		Scan(&after); err != nil {
		t.Fatalf("no audit row of the broken export: %v", err)
	}
	if !strings.Contains(after, `"complete": false`) {
		t.Errorf("audit row of the broken export: %s", after)
	}
}

// TestRScriptReadsTheZip runs the ZIP's R script, when R is installed, and checks the types
// and row counts it reads.
func TestRScriptReadsTheZip(t *testing.T) {
	rscript, err := exec.LookPath("Rscript")
	if err != nil {
		t.Skip("R is not installed")
	}
	store := kneeStudy(t, 40)
	for _, delimiter := range []string{"comma", "semicolon", "tab"} {
		var b bytes.Buffer
		counts, err := store.ExportZip(context.Background(), &b, registry.CLI, registry.ExportOptions{Study: "knee-oa", Delimiter: delimiter, WithAudit: true})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			rc, _ := f.Open()
			data, _ := io.ReadAll(rc)
			rc.Close()
			if err := os.WriteFile(filepath.Join(dir, f.Name), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		check := fmt.Sprintf(`source("read_knee_oa.R")
stopifnot(nrow(long) == %d, nrow(wide) == %d, nrow(patients) == %d, nrow(adverse_events) == %d)
stopifnot(is.numeric(long$value), inherits(long$visit_date, "Date"), is.logical(long$in_window), is.integer(long$days_from_treatment))
stopifnot(is.integer(wide$pain_nrs), is.numeric(wide$koos_pain), is.character(wide$koos_pain_missing))
stopifnot(inherits(patients$treated_on, "Date"), is.logical(adverse_events$serious), is.integer(adverse_events$grade))
stopifnot(all(is.na(long$value) == !is.na(long$missing_code)))
cat("ok\n")
`, counts["long"], counts["wide"], counts["patients"], counts["adverse_events"])
		cmd := exec.Command(rscript, "-e", check)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "ok") {
			t.Errorf("R with %s: %v\n%s", delimiter, err, out)
		}
	}
}
