package registry

import (
	_ "embed"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The password rule, the one place that decides whether a new password is acceptable: every
// writer of a password (the `user add` command, the admin pages, a user changing her own)
// calls CheckPassword.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 256 // argon2 takes any length; this keeps a form post bounded
)

//go:embed common_passwords.txt
var commonPasswordsText string

// commonPasswords holds the embedded list in lower case.
var commonPasswords = func() map[string]bool {
	m := make(map[string]bool, 10000)
	for _, line := range strings.Split(commonPasswordsText, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			m[strings.ToLower(line)] = true
		}
	}
	return m
}()

// CheckPassword says why a new password is not acceptable, or nil: at least
// MinPasswordLength characters, at most MaxPasswordLength, valid UTF-8 without control
// characters, not one character repeated, and not one of the 10,000 most common passwords,
// also not with digits or punctuation added before or after it ("password1234!").
func CheckPassword(password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password) || strings.ContainsFunc(password, unicode.IsControl):
		return Errorf(EINVALID, "The password may not contain control characters.")
	case n < MinPasswordLength:
		return Errorf(EINVALID, "The password must be at least %d characters long.", MinPasswordLength)
	case n > MaxPasswordLength:
		return Errorf(EINVALID, "The password must be at most %d characters long.", MaxPasswordLength)
	case isCommonPassword(password):
		return Errorf(EINVALID, "This password is among the most common passwords; choose another.")
	}
	return nil
}

func isCommonPassword(password string) bool {
	p := strings.ToLower(password)
	if commonPasswords[p] {
		return true
	}
	first, _ := utf8.DecodeRuneInString(p)
	if strings.Trim(p, string(first)) == "" {
		return true // one character repeated
	}
	core := strings.TrimFunc(p, func(r rune) bool {
		return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r)
	})
	return core == "" || commonPasswords[core]
}

// passwordFieldError is CheckPassword as a form's field error.
func passwordFieldError(password string) string {
	if err := CheckPassword(password); err != nil {
		return ErrorMessage(err)
	}
	return ""
}
