package registry_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"outcomereg/registry"
)

// TestGeneratedStudyNumbers: with a number_pattern, an empty study number gets the next
// number of that form at the site; consecutive enrolments get consecutive numbers, each site
// counts on its own, a typed number still works and the count goes on after it, and
// enrolments at once never get the same number.
func TestGeneratedStudyNumbers(t *testing.T) {
	c := newClinic(t)
	ctx := context.Background()
	if _, err := c.store.ApplyStudy(ctx, registry.CLI, parse(t, nurseStudyYAML+"sites: [lund, malmo]\nnumber_pattern: \"ND-{SITE}-{seq:3}\"\n")); err != nil {
		t.Fatal(err)
	}
	enrol := func(u *registry.User, site, number string) (string, error) {
		p, err := c.store.Enrol(ctx, actor(u), u, "nurse-demo", registry.NewPatient{
			Site: site, Number: number, Sex: "F", BirthYear: "1960", EnrolledOn: "2026-01-10", TreatedOn: "2026-01-10",
			Allocation: "external", Arm: "active"}, date("2026-02-01")) // external: no allocation lock serialises them
		if err != nil {
			return "", err
		}
		return p.Number, nil
	}
	must := func(u *registry.User, site, number, want string) {
		t.Helper()
		got, err := enrol(u, site, number)
		if err != nil {
			t.Fatalf("enrol %q at %s: %v", number, site, err)
		}
		if got != want {
			t.Fatalf("enrol %q at %s: got %s, want %s", number, site, got, want)
		}
	}
	must(c.lund, "lund", "", "ND-LUND-001")
	must(c.lund, "lund", "  ", "ND-LUND-002")
	must(c.malmo, "malmo", "", "ND-MALMO-001")
	must(c.lund, "lund", "ND-LUND-007", "ND-LUND-007") // typed
	must(c.lund, "lund", "OTHER-1", "OTHER-1")         // typed, of no pattern
	must(c.lund, "lund", "", "ND-LUND-008")
	if _, err := enrol(c.lund, "lund", "ND-LUND-008"); registry.ErrorCode(err) != registry.EINVALID {
		t.Fatalf("a typed number already used: %v", err)
	}
	if n := c.count(t, `SELECT count(*) FROM audit_log WHERE action = 'insert' AND entity = 'patient' AND entity_id = 'ND-LUND-008'`); n != 1 {
		t.Fatalf("audit rows of the generated number: %d", n)
	}

	// At once: eight enrolments, eight numbers, 009 to 016.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var got []string
	for range 8 {
		wg.Go(func() {
			n, err := enrol(c.lund, "lund", "")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			got = append(got, n)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(got)
	var want []string
	for i := 9; i <= 16; i++ {
		want = append(want, fmt.Sprintf("ND-LUND-%03d", i))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("enrolments at once got %v, want %v", got, want)
	}

	// A study without a pattern still wants a typed number.
	if _, err := c.store.ApplyStudy(ctx, registry.CLI, parse(t, nurseStudyYAML+"sites: [lund, malmo]\n")); err != nil {
		t.Fatal(err)
	}
	_, err := enrol(c.lund, "lund", "")
	var e *registry.Error
	if !errors.As(err, &e) || e.Fields["number"] == "" {
		t.Fatalf("an empty number without a pattern: %v", err)
	}
}

// TestNumberPatternChecked: a study file's number_pattern that cannot make study numbers is
// refused when the file is read.
func TestNumberPatternChecked(t *testing.T) {
	for _, bad := range []string{"ND-001", "{seq}{seq}", "ND-{site", "ND-{foo}-{seq}", "ND-{seq:0}", "ND-{seq:10}", "-{seq}",
		"ND {seq}", "ND-{seq:x}", "ND-}{seq}"} {
		_, err := registry.ParseStudyFile("study.yaml", []byte(nurseStudyYAML+"number_pattern: \""+bad+"\"\n"))
		if err == nil || !strings.Contains(err.Error(), "number_pattern") {
			t.Errorf("number_pattern %q: %v", bad, err)
		}
	}
	for _, good := range []string{"{seq}", "KOA-{site}-{seq:4}", "{SITE}_{seq:2}x"} {
		if _, err := registry.ParseStudyFile("study.yaml", []byte(nurseStudyYAML+"number_pattern: \""+good+"\"\n")); err != nil {
			t.Errorf("number_pattern %q refused: %v", good, err)
		}
	}
}

// TestGeneratedStudyNumbersWithoutSite: a pattern without the site counts over the whole
// study, and enrolments at two sites at once still get different numbers.
func TestGeneratedStudyNumbersWithoutSite(t *testing.T) {
	c := newClinic(t)
	ctx := context.Background()
	if _, err := c.store.ApplyStudy(ctx, registry.CLI, parse(t, nurseStudyYAML+"sites: [lund, malmo]\nnumber_pattern: \"ND{seq:5}\"\n")); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var got []string
	for i := range 8 {
		u, site := c.lund, "lund"
		if i%2 == 1 {
			u, site = c.malmo, "malmo"
		}
		wg.Go(func() {
			p, err := c.store.Enrol(ctx, actor(u), u, "nurse-demo", registry.NewPatient{Site: site, Sex: "M", BirthYear: "1970",
				EnrolledOn: "2026-01-10", TreatedOn: "2026-01-10", Allocation: "external", Arm: "placebo"}, date("2026-02-01"))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			got = append(got, p.Number)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(got)
	want := []string{"ND00001", "ND00002", "ND00003", "ND00004", "ND00005", "ND00006", "ND00007", "ND00008"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
