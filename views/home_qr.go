package views

import (
	"fmt"
	"strings"

	"github.com/a-h/templ"
	qrcode "github.com/skip2/go-qrcode"
)

// QRSVG draws text as a QR code in SVG, made on the server: the encoder gives the module
// matrix (with its quiet zone of four modules), and each dark run of a row is one rect, so
// that the code prints sharp at any size. Medium error correction (15%) survives a
// creased printout; a /p/ link of about 70 characters fits in version 4 (33 modules).
func QRSVG(text, title string) (templ.Component, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qr code: %w", err)
	}
	return templ.Raw(qrSVG(q.Bitmap(), title)), nil
}

func qrSVG(m [][]bool, title string) string {
	n := len(m)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="qr" viewBox="0 0 %d %d" shape-rendering="crispEdges" role="img" aria-label="%s">`,
		n, n, templ.EscapeString(title))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><g fill="#000">`, n, n)
	for y, row := range m {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="1"/>`, start, y, x-start)
		}
	}
	b.WriteString(`</g></svg>`)
	return b.String()
}
