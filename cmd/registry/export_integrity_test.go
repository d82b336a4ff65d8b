package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"outcomereg/registry"
	"outcomereg/registry/testdb"
	"outcomereg/seed"
)

// cliOn runs the registry command against another database.
func cliOn(t *testing.T, dbURL string, args ...string) (string, error) {
	t.Helper()
	getenv := func(k string) string {
		if k == "REGISTRY_DATABASE_URL" {
			return dbURL
		}
		return ""
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, getenv, strings.NewReader(""), &stdout, &stderr)
	if err != nil {
		return stdout.String() + stderr.String(), err
	}
	return stdout.String(), nil
}

// TestDecimalCommaRoundTrip: the wide table exported with a decimal comma and semicolons (a
// Swedish or Danish spreadsheet's CSV), imported into an empty copy of the study, and
// exported again the same way, is the same file byte for byte.
func TestDecimalCommaRoundTrip(t *testing.T) {
	tr := newTestRegistry(t)
	ctx := context.Background()
	wide, err := tr.cli(t, "export", "--study", "knee-oa", "--table", "wide", "--decimal", "comma")
	if err != nil {
		t.Fatal(wide)
	}
	if !strings.HasPrefix(wide, "study;site;patient;") || !strings.Contains(wide, ",5;") {
		t.Fatalf("not a semicolon file with decimal commas:\n%.300s", wide)
	}
	if _, err := tr.cli(t, "export", "--study", "knee-oa", "--table", "wide", "--decimal", "comma", "--delimiter", "comma"); err == nil {
		t.Error("a decimal comma with commas between the columns was exported")
	}
	patients, err := tr.cli(t, "export", "--study", "knee-oa", "--table", "patients", "--delimiter", "semicolon")
	if err != nil {
		t.Fatal(patients)
	}
	// The empty copy: the same sites and study definition, no patients.
	copyStore := registry.NewStore(testdb.New(t))
	for _, s := range seed.Sites {
		if err := copyStore.SaveSite(ctx, registry.CLI, s); err != nil {
			t.Fatal(err)
		}
	}
	def, err := seed.StudyFile("knee-oa")
	if err != nil {
		t.Fatal(err)
	}
	st, err := registry.ParseStudyFile("knee-oa.yaml", def)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := copyStore.ApplyStudy(ctx, registry.CLI, st); err != nil {
		t.Fatal(err)
	}
	copyURL := copyStore.DB.Config().ConnString()
	dir := t.TempDir()
	for name, content := range map[string]string{"patients.csv": patients, "wide.csv": wide} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, table := range []string{"patients", "wide"} {
		if out, err := cliOn(t, copyURL, "import", "--study", "knee-oa", "--table", table, filepath.Join(dir, table+".csv")); err != nil {
			t.Fatalf("import %s into the copy: %v\n%.2000s", table, err, out)
		}
	}
	again, err := cliOn(t, copyURL, "export", "--study", "knee-oa", "--table", "wide", "--decimal", "comma")
	if err != nil {
		t.Fatal(again)
	}
	if again != wide {
		a, b := strings.Split(wide, "\n"), strings.Split(again, "\n")
		for i := range min(len(a), len(b)) {
			if a[i] != b[i] {
				t.Fatalf("line %d differs:\n%s\n%s", i+1, a[i], b[i])
			}
		}
		t.Fatalf("%d lines, then %d", len(a), len(b))
	}
	// In a semicolon file "1,000" is a decimal comma (1.0), not a thousand.
	if _, p := registry.ParseNumber("1,000", registry.DecimalComma); p != nil {
		t.Error(p)
	}
}

// TestVisitsTable: the visits table has one row per recorded visit, done or missed, with
// its state, date, missed reason, window, neutralised notes and who recorded it; it is in
// the ZIP, the codebook and the R script, and on the command line.
func TestVisitsTable(t *testing.T) {
	tr := newTestRegistry(t)
	ctx := context.Background()
	e := dueVisit(t, tr)
	nurse := tr.client(t, "nurse.copenhagen@demo.registry")
	form := kneeVisitForm("4")
	form.Set("notes", "=SUM(A1)")
	if st, _, _ := post(t, nurse, tr.URL+"/studies/knee-oa/patients/"+e.Number+"/visits/"+e.VisitCode, form); st != http.StatusSeeOther {
		t.Fatalf("record a visit: %d", st)
	}
	out, err := tr.cli(t, "export", "--study", "knee-oa", "--table", "visits")
	if err != nil {
		t.Fatal(out)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"study", "site", "patient", "arm", "sex", "birth_year", "visit", "target_day", "state", "visit_date",
		"days_from_treatment", "in_window", "missed_reason", "notes", "recorded_by"}
	if strings.Join(rows[0], ",") != strings.Join(want, ",") {
		t.Fatalf("header %v", rows[0])
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	var done, missed int
	if err := tr.store.DB.QueryRow(ctx, `SELECT count(*) FILTER (WHERE v.state = 'done'), count(*) FILTER (WHERE v.state = 'missed')
		FROM visits v JOIN studies st ON st.id = v.study_id WHERE st.code = 'knee-oa'`).Scan(&done, &missed); err != nil {
		t.Fatal(err)
	}
	var gotDone, gotMissed int
	found := false
	for _, r := range rows[1:] {
		switch r[col["state"]] {
		case "done":
			gotDone++
			if r[col["visit_date"]] == "" || (r[col["in_window"]] != "true" && r[col["in_window"]] != "false") {
				t.Fatalf("a done visit without date or window: %v", r)
			}
		case "missed":
			gotMissed++
			if r[col["visit_date"]] != "" || r[col["in_window"]] != "" || r[col["missed_reason"]] == "" {
				t.Fatalf("a missed visit row: %v", r)
			}
		}
		if r[col["patient"]] == e.Number && r[col["visit"]] == e.VisitCode {
			found = true
			if r[col["notes"]] != "'=SUM(A1)" || r[col["recorded_by"]] != "nurse.copenhagen@demo.registry" || r[col["visit_date"]] != "2026-11-23" {
				t.Errorf("the recorded visit's row: %v", r)
			}
		}
	}
	if gotDone != done || gotMissed != missed || missed == 0 || !found {
		t.Fatalf("rows: %d done, %d missed; the database has %d and %d (found the new one: %v)", gotDone, gotMissed, done, missed, found)
	}
	// The ZIP, the codebook and the R script.
	stat := tr.client(t, "statistician@demo.registry")
	status, _, body := download(t, stat, tr.URL+"/studies/knee-oa/export.zip")
	if status != http.StatusOK {
		t.Fatalf("zip: %d", status)
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = string(b)
	}
	if files["visits.csv"] == "" || !strings.Contains(files["codebook.csv"], "visits,missed_reason,") ||
		!strings.Contains(files["read_knee_oa.R"], `visits <- read_export("visits.csv"`) {
		t.Error("the ZIP lacks visits.csv, its codebook rows or its R reader")
	}
	if st, _, b := download(t, stat, tr.URL+"/studies/knee-oa/export/visits.csv?"+url.Values{"delimiter": {"tab"}}.Encode()); st != http.StatusOK ||
		!strings.HasPrefix(string(b), "study\tsite\tpatient") {
		t.Errorf("visits.csv download: %d", st)
	}
}

// TestStataAndSPSSSyntax: the ZIP holds a Stata do-file and an SPSS syntax file beside the R
// script. Without the programs, the test checks what it can: each reads every CSV of the
// ZIP with as many variables as the file has columns, by the header's names; dates become
// dates; the value labels of a choice measure are its choices; every SPSS command ends
// with a period and Stata quotes balance; the decimal comma is declared when chosen.
func TestStataAndSPSSSyntax(t *testing.T) {
	tr := newTestRegistry(t)
	stat := tr.client(t, "statistician@demo.registry")
	for _, query := range []string{"", "?decimal=comma&delimiter=semicolon"} {
		status, _, body := download(t, stat, tr.URL+"/studies/liver-msc/export.zip"+query)
		if status != http.StatusOK {
			t.Fatalf("zip%s: %d", query, status)
		}
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		files := map[string]string{}
		for _, f := range zr.File {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			files[f.Name] = string(b)
		}
		do, sps := files["read_liver_msc.do"], files["read_liver_msc.sps"]
		if do == "" || sps == "" {
			t.Fatalf("zip%s: no read_liver_msc.do or .sps", query)
		}
		sep := ','
		if query != "" {
			sep = ';'
			if !strings.Contains(do, `decimalseparator(",")`) || !strings.Contains(sps, "SET DECIMAL=COMMA.") {
				t.Error("the decimal comma is not declared")
			}
		}
		for name, content := range files {
			table, ok := strings.CutSuffix(name, ".csv")
			if !ok {
				continue
			}
			r := csv.NewReader(strings.NewReader(content))
			r.Comma = sep
			header, err := r.Read()
			if err != nil {
				t.Fatal(err)
			}
			// Stata: the import of this file, and a label for every column.
			imp := regexp.MustCompile(`(?m)^import delimited using "` + table + `\.csv", .* clear$`).FindString(do)
			if imp == "" {
				t.Errorf("%s: the do-file does not import it", name)
				continue
			}
			idx := map[int]bool{}
			for _, list := range regexp.MustCompile(`(?:stringcols|numericcols)\(([0-9 ]+)\)`).FindAllStringSubmatch(imp, -1) {
				for _, f := range strings.Fields(list[1]) {
					i, _ := strconv.Atoi(f)
					idx[i] = true
				}
			}
			if len(idx) != len(header) {
				t.Errorf("%s: the do-file types %d columns of %d", name, len(idx), len(header))
			}
			for _, h := range header {
				if !strings.Contains(do, "label variable "+h+" `\"") {
					t.Errorf("%s: no Stata label for %s", name, h)
				}
			}
			// SPSS: GET DATA lists exactly the header's names, in order.
			block := regexp.MustCompile(`(?s)GET DATA /TYPE=TXT /FILE='` + table + `\.csv'.*?/VARIABLES=\n(.*?)\n\.\n`).FindStringSubmatch(sps)
			if block == nil {
				t.Errorf("%s: the SPSS file does not read it", name)
				continue
			}
			var vars []string
			for _, line := range strings.Split(block[1], "\n") {
				vars = append(vars, strings.Fields(line)[0])
			}
			if strings.Join(vars, ",") != strings.Join(header, ",") {
				t.Errorf("%s: SPSS reads %v, the file has %v", name, vars, header)
			}
		}
		// Dates are dates; the choice measure (ascites) has its value labels.
		if !strings.Contains(do, `generate double visit_date_d = date(visit_date, "YMD")`) || !strings.Contains(sps, "visit_date SDATE10") {
			t.Error("dates are not read as dates")
		}
		if !regexp.MustCompile(`label define ascites_lbl 0 `+"`\""+`[^"]+"' 1 `).MatchString(do) ||
			!regexp.MustCompile(`VALUE LABELS ascites 0 '[^']+' 1 '`).MatchString(sps) {
			t.Error("no value labels for the choice measure")
		}
		// Every SPSS command ends with a period; Stata's compound quotes balance.
		for _, cmd := range regexp.MustCompile(`(?m)^(GET DATA|VARIABLE LABELS|VALUE LABELS|SAVE|SET|EXECUTE)\b`).FindAllStringIndex(sps, -1) {
			rest := sps[cmd[0]:]
			if end := strings.Index(rest, ".\n"); end < 0 {
				t.Errorf("an SPSS command without its period: %.60s", rest)
			}
		}
		if strings.Count(do, "`\"") != strings.Count(do, "\"'") {
			t.Error("unbalanced Stata compound quotes")
		}
	}
}

// TestExportPageDecimalChoice: the export page offers the decimal comma; choosing it makes
// every link ask for semicolons and a decimal comma, and those links give such a file. A
// decimal comma with commas between the columns, or an unknown mark, answers 400.
func TestExportPageDecimalChoice(t *testing.T) {
	tr := newTestRegistry(t)
	stat := tr.client(t, "statistician@demo.registry")
	status, page := get(t, stat, tr.URL+"/studies/knee-oa/export?decimal=comma")
	if status != http.StatusOK || !strings.Contains(page, `<option value="comma" selected>`) {
		t.Fatalf("export page with a decimal comma: %d", status)
	}
	link := "/studies/knee-oa/export/wide.csv?decimal=comma&amp;delimiter=semicolon"
	if !strings.Contains(page, `href="`+link+`"`) {
		t.Fatalf("the wide link does not carry the choice")
	}
	st, _, body := download(t, stat, tr.URL+strings.ReplaceAll(link, "&amp;", "&"))
	if st != http.StatusOK || !strings.HasPrefix(string(body), "study;site;") || !strings.Contains(string(body), ",5;") {
		t.Errorf("the linked file: %d %.200s", st, body)
	}
	for _, q := range []string{"?decimal=comma&delimiter=comma", "?decimal=dot"} {
		if st, _, _ := download(t, stat, tr.URL+"/studies/knee-oa/export/wide.csv"+q); st != http.StatusBadRequest {
			t.Errorf("wide.csv%s: %d, want 400", q, st)
		}
	}
}
