package registry_test

import (
	"strings"
	"testing"

	"outcomereg/registry"
)

func TestTextProblem(t *testing.T) {
	for _, tc := range []struct {
		value string
		max   int
		want  string
	}{
		{"fell on ice", 20, ""},
		{"line one\nline two\ttab\r\n", 40, ""},
		{strings.Repeat("å", 20), 20, ""}, // characters, not bytes
		{"  padded  ", 6, ""},             // trimmed first
		{strings.Repeat("å", 21), 20, "Too long: at most 20 characters."},
		{"nul\x00byte", 20, registry.NotTextMessage},
		{"bad \xff utf-8", 20, registry.NotTextMessage},
		{"bell\a", 20, registry.NotTextMessage},
	} {
		if got := registry.TextProblem(tc.value, tc.max); got != tc.want {
			t.Errorf("TextProblem(%q, %d) = %q, want %q", tc.value, tc.max, got, tc.want)
		}
	}
	if err := registry.CheckText("reason", strings.Repeat("x", registry.MaxReasonLength+1), registry.MaxReasonLength); registry.ErrorCode(err) != registry.EINVALID {
		t.Fatalf("CheckText of a long reason: %v", err)
	}
}
