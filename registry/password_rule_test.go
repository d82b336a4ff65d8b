package registry_test

import (
	"errors"
	"strings"
	"testing"

	"outcomereg/registry"
)

func TestCheckPassword(t *testing.T) {
	for _, tc := range []struct {
		password string
		want     string // part of the message, "" for accepted
	}{
		{"correct horse battery", ""},
		{"Tr0ub4dor&3xyz", ""},
		{"sjuksköterska-lund", ""},
		{"short", "at least 12"},
		{"elevenchars", "at least 12"},
		{"åäöåäöåäöåä", "at least 12"}, // 11 characters, 22 bytes
		{"1qaz2wsx3edc", "most common"},
		{"QAZWSXEDCRFV", "most common"},
		{"password123456", "most common"},
		{"!!sunshine2026!!", "most common"},
		{"000000000000", "most common"},
		{"zzzzzzzzzzzzzzzz", "most common"},
		{"a long pass\x00word", "control characters"},
		{"a long pass\xffword", "control characters"},
		{strings.Repeat("x1", 200), "at most 256"},
	} {
		err := registry.CheckPassword(tc.password)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("CheckPassword(%q) = %v, want %q", tc.password, err, tc.want)
		}
		if err != nil && registry.ErrorCode(err) != registry.EINVALID {
			t.Errorf("CheckPassword(%q): code %s", tc.password, registry.ErrorCode(err))
		}
	}
	// The same rule when a user is created.
	err := registry.NewUser{Email: "a@b.se", Role: registry.RoleAdmin, Password: "iloveyou1234"}.Validate()
	var e *registry.Error
	if !errors.As(err, &e) || !strings.Contains(e.Fields["password"], "most common") {
		t.Fatalf("NewUser with a common password: %v", err)
	}
}
