package registry

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Free text: the one place that says how long a free-text field may be and what it may hold.
// Every writer (the forms, the CSV import, the commands) checks its text here, so that no
// writer can put more into the append-only audit trail than a person would type. Lengths are
// in characters, after trimming.
const (
	MaxReasonLength       = 1000 // why saved data was changed or deleted (kept in the audit trail)
	MaxMissedReasonLength = 500  // why a visit was missed
	MaxNotesLength        = 4000 // notes of a visit, an event or an adverse event
	MaxTermLength         = 200  // an adverse event's term
	MaxNameLength         = 200  // a person's or a site's name, a study title, a label
	MaxImportCellLength   = MaxNotesLength
	// MaxImportFileBytes bounds a CSV upload in the browser; larger files go through the
	// command line, which streams them.
	MaxImportFileBytes = 256 << 20
)

// TextLimits lists every limit above that a message can name, for the translations.
var TextLimits = []int{MaxReasonLength, MaxMissedReasonLength, MaxNotesLength, MaxTermLength, MaxNameLength}

// Messages of CheckText: catalog keys (TooLongFormat with each of TextLimits).
const (
	TooLongFormat   = "Too long: at most %d characters."
	NotTextMessage  = "The text contains characters that are not allowed."
	controlsAllowed = "\t\n\r"
)

// TextProblem returns why value is not acceptable as free text of at most max characters,
// or "": bytes that are not UTF-8, NUL or other control characters (but tab and line
// breaks), or too many characters.
func TextProblem(value string, max int) string {
	if !utf8.ValidString(value) || strings.ContainsFunc(value, func(r rune) bool {
		return unicode.IsControl(r) && !strings.ContainsRune(controlsAllowed, r)
	}) {
		return NotTextMessage
	}
	if utf8.RuneCountInString(strings.TrimSpace(value)) > max {
		return fmt.Sprintf(TooLongFormat, max)
	}
	return ""
}

// CheckText adds the message for field to f when value is not acceptable free text of at
// most max characters.
func (f FieldErrors) CheckText(field, value string, max int) {
	if msg := TextProblem(value, max); msg != "" {
		f.Add(field, msg)
	}
}

// CheckText is TextProblem as an EINVALID error for one field, for writers that check a
// single text (a deletion's reason).
func CheckText(field, value string, max int) error {
	if msg := TextProblem(value, max); msg != "" {
		return &Error{Code: EINVALID, Message: msg, Fields: FieldErrors{field: msg}}
	}
	return nil
}
