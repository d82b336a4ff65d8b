package main

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func init() {
	for _, p := range []string{
		"GET /studies/{code}/export", "GET /studies/{code}/export/{file}", "GET /studies/{code}/export.zip",
		"GET /studies/{code}/import", "POST /studies/{code}/import",
	} {
		decide(p, "statistician", "admin")
	}
	samples["code"] = "knee-oa"
	samples["file"] = "long.csv"
}

// cli runs the registry command against the test registry's database and returns its
// standard output.
func (tr *testRegistry) cli(t *testing.T, args ...string) (string, error) {
	t.Helper()
	url := tr.store.DB.Config().ConnString()
	getenv := func(k string) string {
		if k == "REGISTRY_DATABASE_URL" {
			return url
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

func download(t *testing.T, c *http.Client, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// TestExportDownloadIsTheCLIsBytes: the web download and the command line give the same
// bytes for the same data and options, and each export is in the audit trail.
func TestExportDownloadIsTheCLIsBytes(t *testing.T) {
	tr := newTestRegistry(t)
	stat := tr.client(t, "statistician@demo.registry")
	for _, c := range []struct{ query, delimiter, site string }{
		{"", "comma", ""}, {"?delimiter=semicolon&site=copenhagen", "semicolon", "copenhagen"}, {"?delimiter=tab", "tab", ""},
	} {
		for _, table := range []string{"long", "wide", "patients", "adverse_events", "codebook"} {
			status, h, body := download(t, stat, tr.URL+"/studies/knee-oa/export/"+table+".csv"+c.query)
			if status != http.StatusOK || h.Get("Content-Type") != "text/csv; charset=utf-8" ||
				!strings.Contains(h.Get("Content-Disposition"), "attachment") {
				t.Fatalf("%s%s: %d %v", table, c.query, status, h)
			}
			args := []string{"export", "--study", "knee-oa", "--table", table, "--delimiter", c.delimiter}
			if c.site != "" {
				args = append(args, "--site", c.site)
			}
			out, err := tr.cli(t, args...)
			if err != nil {
				t.Fatalf("registry %v: %v: %s", args, err, out)
			}
			if out != string(body) {
				t.Errorf("%s%s: the download (%d bytes) and the command line (%d bytes) differ", table, c.query, len(body), len(out))
			}
			if c.site == "copenhagen" && table == "long" && (strings.Contains(out, ",lund,") || strings.Contains(out, ";lund;") || !strings.Contains(out, ";copenhagen;")) {
				t.Errorf("site filter: rows of other sites, or none of copenhagen")
			}
		}
	}
	var rows, n int
	err := tr.store.DB.QueryRow(context.Background(), `
		SELECT (l.after->'rows'->>'long')::int, count(*) OVER ()
		FROM audit_log l JOIN users u ON u.id = l.user_id
		WHERE l.action = 'export' AND u.email = 'statistician@demo.registry' AND l.entity_id = 'long'
			AND l.after->'filters'->>'site' = 'copenhagen'`).Scan(&rows, &n)
	if err != nil || rows < 10 || n != 1 {
		t.Errorf("audit row of the statistician's export: rows %d, %d audit rows, %v", rows, n, err)
	}

	// The ZIP: every table but the audit trail for a statistician, the same bytes as
	// single downloads.
	status, h, body := download(t, stat, tr.URL+"/studies/knee-oa/export.zip?delimiter=semicolon")
	if status != http.StatusOK || h.Get("Content-Type") != "application/zip" {
		t.Fatalf("export.zip: %d %v", status, h)
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]*zip.File{}
	for _, f := range zr.File {
		names[f.Name] = f
	}
	if _, ok := names["audit.csv"]; ok {
		t.Error("a statistician's ZIP holds the audit trail")
	}
	for _, want := range []string{"long.csv", "wide.csv", "patients.csv", "events.csv", "adverse_events.csv", "codebook.csv", "README.txt", "read_knee_oa.R", "visits.csv", "items.csv", "read_knee_oa.do", "read_knee_oa.sps"} {
		if names[want] == nil {
			t.Errorf("export.zip lacks %s", want)
		}
	}
	rc, _ := names["long.csv"].Open()
	inZip, _ := io.ReadAll(rc)
	_, _, single := download(t, stat, tr.URL+"/studies/knee-oa/export/long.csv?delimiter=semicolon")
	if !bytes.Equal(inZip, single) {
		t.Error("long.csv in the ZIP differs from the single download")
	}
	zipFile := filepath.Join(t.TempDir(), "all.zip")
	if out, err := tr.cli(t, "export", "--study", "knee-oa", "--table", "all", "--out", zipFile); err != nil {
		t.Fatalf("registry export --table all: %v: %s", err, out)
	}
	// 9 tables (the audit trail too, on the command line), README, R, Stata and SPSS readers.
	if zr, err := zip.OpenReader(zipFile); err != nil || len(zr.File) != 13 {
		t.Errorf("the command line's ZIP: %v", err)
	}
}

// TestExportAnswersBadRequests: wrong choices get a status and a message, never a 500.
func TestExportAnswersBadRequests(t *testing.T) {
	tr := newTestRegistry(t)
	stat := tr.client(t, "statistician@demo.registry")
	admin := tr.client(t, "admin@demo.registry")
	for _, c := range []struct {
		client *http.Client
		path   string
		status int
		text   string
	}{
		{stat, "/studies/knee-oa/export/long.csv?delimiter=pipe", 400, "comma, semicolon or tab"},
		{stat, "/studies/knee-oa/export?delimiter=pipe", 400, "comma, semicolon or tab"},
		{stat, "/studies/knee-oa/export/long.csv?site=oslo", 404, "no site"},
		{stat, "/studies/knee-oa/export?site=oslo", 404, "no site"},
		{stat, "/studies/knee-oa/export/heights.csv", 400, "no table"},
		{stat, "/studies/knee-oa/export/long.txt", 404, "long.txt.csv"},
		{stat, "/studies/nope/export/long.csv", 404, "no study"},
		{stat, "/studies/nope/export.zip", 404, "no study"},
		{stat, "/studies/nope/import", 404, "no study"},
		{stat, "/studies/knee-oa/export/audit.csv", 403, ""},
		{admin, "/studies/knee-oa/export/audit.csv", 200, "id,at,actor,action"},
		{stat, "/studies/knee-oa/export", 200, "long.csv"},
		{admin, "/studies/knee-oa/export", 200, "audit.csv"},
	} {
		status, body := get(t, c.client, tr.URL+c.path)
		if status != c.status || !strings.Contains(body, c.text) {
			t.Errorf("%s: %d, want %d with %q:\n%.300s", c.path, status, c.status, c.text, body)
		}
	}
	if _, body := get(t, stat, tr.URL+"/studies/knee-oa/export"); strings.Contains(body, "audit.csv") {
		t.Error("the statistician's export page offers the audit trail")
	}
}

func upload(t *testing.T, c *http.Client, url, table, name, content string) (int, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("table", table)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(content))
	mw.Close()
	resp, err := c.Post(url, mw.FormDataContentType(), &b)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestImportUpload: a good file imports (again: no change), a bad one shows its errors by
// line and column and changes nothing.
func TestImportUpload(t *testing.T) {
	tr := newTestRegistry(t)
	stat := tr.client(t, "statistician@demo.registry")
	_, _, long := download(t, stat, tr.URL+"/studies/knee-oa/export/long.csv")
	url := tr.URL + "/studies/knee-oa/import"
	status, body := upload(t, stat, url, "long", "long.csv", string(long))
	if status != http.StatusOK || !strings.Contains(body, "records added, 0 changed") || !strings.Contains(body, ": 0 rows") && !strings.Contains(body, "0 records added") {
		t.Fatalf("re-import of the export: %d\n%s", status, body)
	}
	lines := strings.SplitN(string(long), "\n", 3)
	bad := lines[0] + "\n" + strings.Replace(lines[1], "knee-oa,", "knee-oa,nowhere-site,KOA-999999,", 1) + "\n"
	status, body = upload(t, stat, url, "long", "bad.csv", bad)
	if status != http.StatusBadRequest || !strings.Contains(body, "nothing was imported") || !strings.Contains(body, `id="import-errors"`) {
		t.Fatalf("bad file: %d\n%s", status, body)
	}
	status, body = upload(t, stat, url, "heights", "x.csv", "a,b\n")
	if status != http.StatusBadRequest || !strings.Contains(body, "Choose a table") {
		t.Errorf("unknown table: %d", status)
	}
}

// TestExportAndImportInTheBrowser: a statistician picks a delimiter and a site, follows the
// download link, and uploads a file through the form.
func TestExportAndImportInTheBrowser(t *testing.T) {
	tr := newTestRegistry(t)
	ctx := newBrowser(t)
	tr.browserLogin(t, ctx, "statistician@demo.registry")
	err := chromedp.Do(ctx,
		chromedp.Navigate(tr.URL+"/studies/knee-oa/export"),
		chromedp.WaitVisible(chromedp.ID("download-long")),
		chromedp.SetValue(chromedp.ID("delimiter"), "semicolon"),
		chromedp.SetValue(chromedp.ID("site"), "aarhus"),
		chromedp.Click(chromedp.ID("apply-options")),
		chromedp.WaitVisible(chromedp.CSS(`a[href*="site=aarhus"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("download-long"), "href"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(href.Value, "/studies/knee-oa/export/long.csv?") || !strings.Contains(href.Value, "delimiter=semicolon") {
		t.Fatalf("download link %q", href.Value)
	}
	// The browser's own fetch of the link, with its session.
	csv, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.getElementById("download-long").href).then(r => r.text())`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(csv, "study;site;patient;") || !strings.Contains(csv, ";aarhus;") || strings.Contains(csv, ";lund;") {
		t.Fatalf("downloaded file:\n%.300s", csv)
	}
	file := filepath.Join(t.TempDir(), "long.csv")
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.Search(`//a[contains(@href, "/import")]`)),
		chromedp.WaitVisible(chromedp.ID("file")),
		chromedp.SetValue(chromedp.ID("table"), "long"),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}),
		chromedp.Click(chromedp.ID("import-submit")),
		chromedp.WaitVisible(chromedp.ID("import-done")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if text := bodyText(t, ctx); !strings.Contains(text, "0 records added, 0 changed") {
		t.Errorf("after the upload: %s", text)
	}
}

// TestImportCommand: registry import reads a file, lists its errors by line and column, and
// imports a good one; a second time it changes nothing.
func TestImportCommand(t *testing.T) {
	tr := newTestRegistry(t)
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "patients.csv"), filepath.Join(dir, "bad.csv")
	if out, err := tr.cli(t, "export", "--study", "ms-ahsct", "--table", "patients", "--delimiter", "semicolon", "--out", good); err != nil {
		t.Fatalf("export: %v %s", err, out)
	}
	data, _ := os.ReadFile(good)
	lines := strings.Split(string(data), "\n")
	sexX := func(line string) string {
		cells := strings.Split(line, ";")
		cells[4] = "X"
		return strings.Join(cells, ";")
	}
	broken := lines[0] + "\n" + sexX(lines[1]) + "\n" + sexX(lines[2]) + "\n"
	os.WriteFile(bad, []byte(broken), 0o600)
	out, err := tr.cli(t, "import", "--study", "ms-ahsct", "--table", "patients", bad)
	if err == nil || !strings.Contains(out, "bad.csv: line 2, column sex: \"X\" is not F or M") || !strings.Contains(out, "line 3, column sex") {
		t.Errorf("import of a bad file: %v\n%s", err, out)
	}
	out, err = tr.cli(t, "import", "--study", "ms-ahsct", "--table", "patients", good)
	if err != nil || !strings.Contains(out, "0 records added, 0 changed") {
		t.Errorf("re-import of the export: %v\n%s", err, out)
	}
	if out, err := tr.cli(t, "import", "--study", "ms-ahsct", "--table", "patients", filepath.Join(dir, "missing.csv")); err == nil {
		t.Errorf("import of a missing file: %s", out)
	}
}
