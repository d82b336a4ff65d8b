package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestStudyListLinksToExports: statisticians and admins reach a study's exports from the
// study list; researchers, who may not export, see no such link.
func TestStudyListLinksToExports(t *testing.T) {
	tr := newTestRegistry(t)
	for email, want := range map[string]bool{
		"statistician@demo.registry": true,
		"admin@demo.registry":        true,
		"researcher@demo.registry":   false,
	} {
		status, body := get(t, tr.client(t, email), tr.URL+"/studies")
		if status != http.StatusOK {
			t.Fatalf("/studies as %s: %d", email, status)
		}
		if got := strings.Contains(body, `href="/studies/knee-oa/export"`); got != want {
			t.Errorf("/studies as %s: export link shown = %v, want %v", email, got, want)
		}
	}
}
