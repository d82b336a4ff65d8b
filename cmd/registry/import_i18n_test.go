package main

import (
	"bytes"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
)

// uploadIn posts a file to the import page as a browser asking for lang would.
func uploadIn(t *testing.T, c *http.Client, url, lang, table, name, content string) (int, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("table", table)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, url, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", lang)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

var importErrorRow = regexp.MustCompile(`(?s)<tr><td class="num">(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>`)

// importErrors are the rows of the page's error table as "line|column|problem".
func importErrors(body string) []string {
	var rows []string
	for _, m := range importErrorRow.FindAllStringSubmatch(body, -1) {
		rows = append(rows, m[1]+"|"+html.UnescapeString(m[2])+"|"+html.UnescapeString(m[3]))
	}
	return rows
}

// TestImportErrorsInTheUsersLanguage: the import page gives each error of a file in the
// language the browser asks for, with its line and column; the command line stays English.
func TestImportErrorsInTheUsersLanguage(t *testing.T) {
	tr := newTestRegistry(t)
	stat := tr.client(t, "statistician@demo.registry")
	_, _, patients := download(t, stat, tr.URL+"/studies/ms-ahsct/export/patients.csv")
	lines := strings.Split(string(patients), "\n")
	header := strings.Split(lines[0], ",")
	sexCol := -1
	for i, h := range header {
		if h == "sex" {
			sexCol = i
		}
	}
	if sexCol < 0 || len(lines) < 3 {
		t.Fatalf("patients export:\n%.300s", patients)
	}
	cells := strings.Split(lines[2], ",")
	cells[sexCol] = "X"
	// Line 3 repeats line 2's patient; line 4 has a sex of X.
	bad := lines[0] + "\n" + lines[1] + "\n" + lines[1] + "\n" + strings.Join(cells, ",") + "\n"
	// Line 2 starts with a bare quote: a CSV syntax error, whose words are a fixed phrase
	// given as the message's argument.
	quote := lines[0] + "\n" + `ms"` + lines[1][strings.Index(lines[1], ","):] + "\n"
	url := tr.URL + "/studies/ms-ahsct/import"
	for _, c := range []struct {
		lang, file string
		want       []string
	}{
		{"sv-SE,sv;q=0.9", bad, []string{`3|patient|samma patient som rad 2`, `4|sex|"X" är inte F eller M`}},
		{"da", bad, []string{`3|patient|samme patient som linje 2`, `4|sex|"X" er ikke F eller M`}},
		{"en", bad, []string{`3|patient|the same patient as line 2`, `4|sex|"X" is not F or M`}},
		{"sv", quote, []string{`2||felaktiga citattecken (ett '"' inuti en cell måste skrivas "" i en cell inom citattecken) vid tecken 3; resten av filen lästes inte`}},
		{"da", quote, []string{`2||forkerte anførselstegn (et '"' inde i en celle skal skrives "" i en celle i anførselstegn) ved tegn 3; resten af filen blev ikke læst`}},
	} {
		status, body := uploadIn(t, stat, url, c.lang, "patients", "bad.csv", c.file)
		got := importErrors(body)
		if status != http.StatusBadRequest || strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s: %d, errors:\n%s\nwant:\n%s\n%.2000s", c.lang, status, strings.Join(got, "\n"), strings.Join(c.want, "\n"), body)
		}
	}
	if _, body := uploadIn(t, stat, url, "sv", "patients", "bad.csv", bad); !strings.Contains(body, "Filen har 2 fel; inget importerades.") {
		t.Error("the Swedish page does not say how many errors the file has")
	}
	// The command line keeps English.
	file := t.TempDir() + "/bad.csv"
	if err := os.WriteFile(file, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := tr.cli(t, "import", "--study", "ms-ahsct", "--table", "patients", file)
	if err == nil || !strings.Contains(out, `line 4, column sex: "X" is not F or M`) || !strings.Contains(out, "line 3, column patient: the same patient as line 2") {
		t.Errorf("registry import of the bad file: %v\n%s", err, out)
	}
}
