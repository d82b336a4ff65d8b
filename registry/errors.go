// Package registry owns the clinical data of the outcome registry and its rules: studies as
// data, patients, visits and their windows, values, events, adverse events, users, and the
// audit trail, stored in PostgreSQL.
package registry

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. The HTTP layer maps each to a status in one place; only EINTERNAL is logged.
const (
	ECONFLICT     = "conflict"
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	ETOOMANY      = "too_many_requests"
	EUNAVAILABLE  = "unavailable"
	EINTERNAL     = "internal"
)

// Error is an error a user can act on: a code, a message in plain words and, for a form,
// a message per field.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
	// RetryAfter, for ETOOMANY, is how long to wait before trying again.
	RetryAfter time.Duration
	Args       map[string][]any // the fmt arguments of a field's message, when it has any
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	return fmt.Sprintf("%s (%d fields)", e.Message, len(e.Fields))
}

// Errorf returns an *Error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other
// error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the message of the first *Error in err's chain, or a generic message
// for internal errors so that no SQL or stack trace reaches a user.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred. It has been logged; please try again."
}

// FieldErrors collects validation messages per field, in order.
type FieldErrors map[string]string

// Add records msg for field unless the field already has a message.
func (f FieldErrors) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// Err returns nil when there are no messages, else an EINVALID *Error carrying them.
func (f FieldErrors) Err(summary string) error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: summary, Fields: f}
}
