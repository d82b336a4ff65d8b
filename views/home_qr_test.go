package views

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"outcomereg/registry"
)

// The SVG draws exactly the encoder's module matrix: every dark module is inside one rect,
// and every rect covers only dark modules.
func TestQRSVGDrawsTheMatrix(t *testing.T) {
	text := "https://registry.example.org/p/Py1Q6ZA1AB0IHmXL3CcvSF9pYnBhgBdoSwJUadNBbSs"
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	want := q.Bitmap()
	c, err := QRSVG(text, `QR "code"`)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := c.Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	n := len(want)
	if !regexp.MustCompile(`viewBox="0 0 ` + strconv.Itoa(n) + " " + strconv.Itoa(n) + `"`).MatchString(svg) {
		t.Fatalf("viewBox is not the %d-module matrix", n)
	}
	if regexp.MustCompile(`aria-label="QR "code""`).MatchString(svg) {
		t.Fatal("the title is not escaped")
	}
	got := make([][]bool, n)
	for i := range got {
		got[i] = make([]bool, n)
	}
	for _, m := range regexp.MustCompile(`<rect x="(\d+)" y="(\d+)" width="(\d+)" height="1"/>`).FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		for i := x; i < x+w; i++ {
			if got[y][i] {
				t.Fatalf("module %d,%d drawn twice", i, y)
			}
			got[y][i] = true
		}
	}
	dark := 0
	for y := range want {
		for x := range want[y] {
			if got[y][x] != want[y][x] {
				t.Fatalf("module %d,%d: drawn %v, encoded %v", x, y, got[y][x], want[y][x])
			}
			if want[y][x] {
				dark++
			}
		}
	}
	if dark < n*n/4 {
		t.Fatalf("only %d dark modules of %d", dark, n*n)
	}
}

// Every text the patient sees has its Spanish, Swedish and Danish.
func TestHomeTextsInEveryPatientLanguage(t *testing.T) {
	for key := range homeTexts {
		if !HomeTranslated(key) {
			t.Errorf("%q lacks a translation for the patient's page", key)
		}
	}
	ctx := WithLanguage(context.Background(), "es")
	if got := HT(ctx, "%s is outside the allowed range (%s).", "12", "0-10"); got != "12 está fuera del intervalo permitido (0-10)." {
		t.Errorf("Spanish: %q", got)
	}
	if got := HT(WithLanguage(context.Background(), "da"), "Send my answers"); got != "Send mine svar" {
		t.Errorf("Danish: %q", got)
	}
	day := time.Date(2027, 1, 17, 0, 0, 0, 0, time.UTC)
	for lang, want := range map[string]string{"en": "17 January 2027", "sv": "17 januari 2027", "da": "17. januar 2027", "es": "17 de enero de 2027"} {
		if got := strings.ReplaceAll(HomeDate(lang, day), "\u00a0", " "); got != want {
			t.Errorf("HomeDate(%s) = %q, want %q", lang, got, want)
		}
	}
}

// TestHomeRangeInThePatientsLanguage: the allowed range under a question is written with
// the decimal mark of the patient's language; the radio values and what is typed back
// keep their own form.
func TestHomeRangeInThePatientsLanguage(t *testing.T) {
	lo, hi := 0.5, 10.0
	m := registry.Measure{Min: &lo, Max: &hi}
	for lang, want := range map[string]string{"en": "0.5 – 10", "sv": "0,5 – 10", "da": "0,5 – 10", "es": "0,5 – 10"} {
		if got := homeRange(WithLanguage(context.Background(), lang), m); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
}
