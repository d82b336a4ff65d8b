package main

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// formTokenOf reads the one-time token of the form on a page.
func formTokenOf(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`name="form_token" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the form carries no one-time token")
	}
	return m[1]
}

// TestDoubleSubmitSavesOnce: the same adverse event posted twice with its form's token (a
// double click), and twice at the same moment, is saved once; the repeat gets the page of
// the record already saved. A refused post frees its token; a new form has a new token.
func TestDoubleSubmitSavesOnce(t *testing.T) {
	tr := newTestRegistry(t)
	e := dueVisit(t, tr)
	c := tr.client(t, "nurse.copenhagen@demo.registry")
	patient := tr.URL + "/studies/knee-oa/patients/" + e.Number
	count := func() int {
		var n int
		if err := tr.store.DB.QueryRow(context.Background(), `SELECT count(*) FROM adverse_events ae JOIN patients p ON p.id = ae.patient_id
			WHERE p.study_number = $1 AND ae.term = 'Double click'`, e.Number).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	_, page := get(t, c, patient+"/adverse-events/new")
	token := formTokenOf(t, page)
	if _, again := get(t, c, patient+"/adverse-events/new"); formTokenOf(t, again) == token {
		t.Fatal("two forms got the same token")
	}
	form := url.Values{"term": {"Double click"}, "onset_on": {"2026-11-20"}, "grade": {"1"}, "relatedness": {"possible"},
		"outcome": {"recovering"}, "form_token": {token}}
	// First a refused post (no grade): nothing saved, the token stays usable.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("grade", "")
	if st, _, _ := post(t, c, patient+"/adverse-events", bad); st != http.StatusBadRequest {
		t.Fatalf("refused post: %d", st)
	}
	st1, _, loc1 := post(t, c, patient+"/adverse-events", form)
	st2, _, loc2 := post(t, c, patient+"/adverse-events", form)
	if st1 != http.StatusSeeOther || st2 != http.StatusSeeOther || loc1 != loc2 {
		t.Fatalf("two posts of one token: %d %q, %d %q; want the same answer", st1, loc1, st2, loc2)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d adverse events saved, want 1", n)
	}
	// The page the nurse lands on confirms the save, in her language.
	if _, landed := get(t, c, tr.URL+loc1); !strings.Contains(landed, `id="notice">The adverse event was saved.</p>`) {
		t.Error("no confirmation on the page after the save")
	}
	if _, page := get(t, c, patient); strings.Contains(page, `id="notice"`) {
		t.Error("a confirmation on a page no save led to")
	}
	// Two posts of a new form's token at the same moment.
	_, page = get(t, c, patient+"/adverse-events/new")
	form.Set("form_token", formTokenOf(t, page))
	form.Set("onset_on", "2026-11-21")
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.PostForm(patient+"/adverse-events", form)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	for _, s := range statuses {
		if s != http.StatusSeeOther {
			t.Errorf("concurrent posts answered %v", statuses)
			break
		}
	}
	if n := count(); n != 2 {
		t.Fatalf("%d adverse events after 4 concurrent posts of one token, want 2", n)
	}
	// Another user's post of the same token is not mistaken for a repeat.
	admin := tr.client(t, "admin@demo.registry")
	form.Set("onset_on", "2026-11-22")
	if st, _, _ := post(t, admin, patient+"/adverse-events", form); st != http.StatusSeeOther || count() != 3 {
		t.Errorf("the admin's post with the nurse's token: %d, %d saved", st, count())
	}
	// Every nurse form carries a token.
	for _, path := range []string{"/events/new", "/status", "/visits/" + e.VisitCode} {
		_, page := get(t, c, patient+path)
		formTokenOf(t, page)
	}
	if _, page := get(t, c, tr.URL+"/studies/knee-oa/enrol"); page != "" {
		formTokenOf(t, page)
	}
}
