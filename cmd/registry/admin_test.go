package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func init() {
	admins := []string{"admin"}
	for _, p := range []string{
		"GET /admin", "GET /admin/sites", "POST /admin/sites", "GET /admin/sites/{code}", "POST /admin/sites/{code}",
		"POST /admin/sites/{code}/delete", "GET /admin/users", "POST /admin/users", "GET /admin/users/{id}",
		"POST /admin/users/{id}", "POST /admin/users/{id}/disable", "POST /admin/users/{id}/enable",
		"POST /admin/users/{id}/reset-password", "POST /admin/throttles/clear", "GET /admin/studies",
		"POST /admin/studies/preview", "POST /admin/studies/apply", "GET /admin/studies/{code}/definition.yaml",
		"POST /admin/studies/{code}/sites", "POST /admin/studies/{code}/sites/{site}/delete",
	} {
		decide(p, admins...)
	}
	for _, p := range []string{"GET /account", "POST /account/password", "POST /account/sessions/{id}/end"} {
		decide(p, "admin", "nurse", "researcher", "statistician")
	}
	decide("GET /password/{token}", "public")
	decide("POST /password/{token}", "public")
	// No user or session has this id: the role test must not disable a user it signs in as.
	samples["id"] = "999999"
	samples["site"] = "lund"
	samples["token"] = "no-such-token"
}

// adminPost sends a form and returns the status, the Location and the body.
func adminPost(t *testing.T, c *http.Client, u string, form url.Values) (int, string, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func adminAuditCount(t *testing.T, tr *testRegistry, action, entity string) int {
	t.Helper()
	var n int
	if err := tr.store.DB.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = $1 AND entity = $2`,
		action, entity).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAdminSites: add, edit and delete sites; bad input gets the form back with the
// message and changes nothing; a site in use is not deleted and the page says why.
func TestAdminSites(t *testing.T) {
	tr := newTestRegistry(t)
	admin := tr.client(t, "admin@demo.registry")
	seeded := adminAuditCount(t, tr, "upsert", "site")

	status, _, body := adminPost(t, admin, tr.URL+"/admin/sites", url.Values{"code": {"malmo"}, "name": {"Malmö"}, "time_zone": {"Europe/Lund"}})
	if status != http.StatusBadRequest || !strings.Contains(body, `id="time_zone-error"`) || !strings.Contains(body, `value="Malmö"`) {
		t.Fatalf("unknown time zone: %d\n%s", status, body)
	}
	for _, bad := range []url.Values{
		{"code": {"Malmö"}, "name": {"x"}, "time_zone": {"Europe/Stockholm"}},
		{"code": {"malmo"}, "name": {" "}, "time_zone": {"Europe/Stockholm"}},
		{"code": {"lund"}, "name": {"Again"}, "time_zone": {"Europe/Stockholm"}},
	} {
		if status, _, body := adminPost(t, admin, tr.URL+"/admin/sites", bad); status != http.StatusBadRequest || !strings.Contains(body, "field-error") {
			t.Errorf("%v: %d, want 400 with a field error", bad, status)
		}
	}
	if n := adminAuditCount(t, tr, "upsert", "site"); n != seeded {
		t.Fatalf("refused sites were written: %d audit rows, %d before", n, seeded)
	}
	status, loc, _ := adminPost(t, admin, tr.URL+"/admin/sites", url.Values{"code": {"malmo"}, "name": {"Skåne University Hospital, Malmö"}, "time_zone": {"Europe/Stockholm"}})
	if status != http.StatusSeeOther {
		t.Fatalf("add site: %d", status)
	}
	if _, body := get(t, admin, tr.URL+loc); !strings.Contains(body, "Skåne University Hospital, Malmö") || !strings.Contains(body, `id="notice"`) {
		t.Fatalf("the new site is not listed:\n%s", body)
	}
	status, _, _ = adminPost(t, admin, tr.URL+"/admin/sites/malmo", url.Values{"code": {"malmo-sus"}, "name": {"SUS Malmö"}, "time_zone": {"Europe/Copenhagen"}})
	if status != http.StatusSeeOther {
		t.Fatalf("edit site: %d", status)
	}
	var tz string
	tr.store.DB.QueryRow(context.Background(), `SELECT time_zone FROM sites WHERE code = 'malmo-sus'`).Scan(&tz)
	if tz != "Europe/Copenhagen" || adminAuditCount(t, tr, "update", "site") != 1 {
		t.Fatalf("edit: time zone %q, %d audit rows", tz, adminAuditCount(t, tr, "update", "site"))
	}

	// lund has patients and users: refused, with the reason, and kept.
	status, _, body = adminPost(t, admin, tr.URL+"/admin/sites/lund/delete", nil)
	if status != http.StatusConflict || !regexp.MustCompile(`cannot be deleted: it has [1-9]\d* patients and [1-9]\d* users`).MatchString(body) {
		t.Fatalf("delete lund: %d\n%s", status, body)
	}
	status, _, _ = adminPost(t, admin, tr.URL+"/admin/sites/malmo-sus/delete", nil)
	if status != http.StatusSeeOther || adminAuditCount(t, tr, "delete", "site") != 1 {
		t.Fatalf("delete an unused site: %d", status)
	}
	if status, _ := get(t, admin, tr.URL+"/admin/sites/malmo-sus"); status != http.StatusNotFound {
		t.Fatalf("deleted site: %d", status)
	}
}

var linkPattern = regexp.MustCompile(`/password/[A-Za-z0-9_-]{20,}`)

// TestAdminUserLifecycle: an administrator adds a nurse, who sets her password by the
// one-time link and signs in; the administrator changes her sites, disables her (her next
// request is signed out), enables her and resets her password.
func TestAdminUserLifecycle(t *testing.T) {
	tr := newTestRegistry(t)
	admin := tr.client(t, "admin@demo.registry")

	status, _, body := adminPost(t, admin, tr.URL+"/admin/users", url.Values{"email": {"anna@lund.example"}, "role": {"nurse"}})
	if status != http.StatusBadRequest || !strings.Contains(body, "a nurse needs at least one site") {
		t.Fatalf("nurse without site: %d", status)
	}
	status, _, body = adminPost(t, admin, tr.URL+"/admin/users", url.Values{"email": {"admin@demo.registry"}, "role": {"admin"}})
	if status != http.StatusBadRequest || !strings.Contains(body, "already exists") {
		t.Fatalf("taken email: %d", status)
	}
	status, _, body = adminPost(t, admin, tr.URL+"/admin/users", url.Values{"email": {"anna@lund.example"}, "name": {"Anna"}, "role": {"nurse"}, "site": {"lund"}})
	link := linkPattern.FindString(body)
	if status != http.StatusOK || link == "" {
		t.Fatalf("add user: %d, no link\n%s", status, body)
	}
	_, body = get(t, admin, tr.URL+"/admin/users")
	if !strings.Contains(body, "anna@lund.example") || !strings.Contains(body, "no password yet") {
		t.Fatalf("user list:\n%s", body)
	}
	// No password yet: signing in fails whatever is typed.
	anon := tr.client(t, "")
	if status, _, _ := adminPost(t, anon, tr.URL+"/login", url.Values{"email": {"anna@lund.example"}, "password": {"!"}}); status != http.StatusUnauthorized {
		t.Fatalf("sign in before a password: %d", status)
	}

	if status, body := get(t, anon, tr.URL+link); status != http.StatusOK || !strings.Contains(body, "anna@lund.example") {
		t.Fatalf("link form: %d", status)
	}
	if status, _, _ := adminPost(t, anon, tr.URL+link, url.Values{"password": {"a good long password"}, "again": {"another one"}}); status != http.StatusBadRequest {
		t.Fatalf("different passwords: %d", status)
	}
	if status, _, body := adminPost(t, anon, tr.URL+link, url.Values{"password": {"short"}, "again": {"short"}}); status != http.StatusBadRequest || !strings.Contains(body, `id="password-error"`) {
		t.Fatalf("short password: %d", status)
	}
	if status, loc, _ := adminPost(t, anon, tr.URL+link, url.Values{"password": {"anna's long password"}, "again": {"anna's long password"}}); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Fatalf("set password: %d %s", status, loc)
	}
	if status, _, _ := adminPost(t, anon, tr.URL+link, url.Values{"password": {"a second password!"}, "again": {"a second password!"}}); status != http.StatusNotFound {
		t.Fatalf("the link worked twice: %d", status)
	}
	tr.logins["anna@lund.example"] = "anna's long password"
	anna := tr.client(t, "anna@lund.example")
	if status, _ := get(t, anna, tr.URL+"/worklist"); status != http.StatusOK {
		t.Fatalf("anna's worklist: %d", status)
	}

	id := userID(t, tr, "anna@lund.example")
	userURL := tr.URL + "/admin/users/" + strconv.FormatInt(id, 10)
	if status, _, _ := adminPost(t, admin, userURL, url.Values{"role": {"nurse"}, "site": {"lund", "aarhus"}}); status != http.StatusSeeOther {
		t.Fatalf("set sites: %d", status)
	}
	if _, body := get(t, admin, userURL); !strings.Contains(body, `value="aarhus" checked`) {
		t.Fatalf("sites not saved:\n%s", body)
	}
	if status, _, _ := adminPost(t, admin, userURL+"/disable", nil); status != http.StatusSeeOther {
		t.Fatalf("disable: %d", status)
	}
	if status, _ := get(t, anna, tr.URL+"/worklist"); status != http.StatusSeeOther {
		t.Fatalf("a disabled nurse's open session: %d, want a redirect to sign in", status)
	}
	var sessions int
	tr.store.DB.QueryRow(context.Background(), `SELECT count(*) FROM sessions WHERE user_id = $1`, id).Scan(&sessions)
	if sessions != 0 {
		t.Fatalf("a disabled user keeps %d sessions", sessions)
	}
	if status, _, _ := adminPost(t, anon, tr.URL+"/login", url.Values{"email": {"anna@lund.example"}, "password": {"anna's long password"}}); status != http.StatusUnauthorized {
		t.Fatalf("a disabled user signs in: %d", status)
	}
	adminPost(t, admin, userURL+"/enable", nil)
	anna = tr.client(t, "anna@lund.example")

	// The administrator cannot disable or demote herself.
	selfURL := tr.URL + "/admin/users/" + strconv.FormatInt(userID(t, tr, "admin@demo.registry"), 10)
	if status, _, _ := adminPost(t, admin, selfURL+"/disable", nil); status != http.StatusBadRequest {
		t.Fatalf("disable oneself: %d", status)
	}
	if status, _, _ := adminPost(t, admin, selfURL, url.Values{"role": {"researcher"}}); status != http.StatusBadRequest {
		t.Fatalf("demote oneself: %d", status)
	}

	// A reset gives a new link; the old password works until it is used.
	_, _, body = adminPost(t, admin, userURL+"/reset-password", nil)
	reset := linkPattern.FindString(body)
	if reset == "" || reset == link {
		t.Fatalf("reset: no new link\n%s", body)
	}
	adminPost(t, anon, tr.URL+reset, url.Values{"password": {"anna's newer password"}, "again": {"anna's newer password"}})
	if status, _ := get(t, anna, tr.URL+"/worklist"); status != http.StatusSeeOther {
		t.Fatalf("a session from before the new password: %d", status)
	}
	tr.logins["anna@lund.example"] = "anna's newer password"
	tr.client(t, "anna@lund.example")

	for _, a := range []string{"insert", "password_link", "set_password", "update", "disable", "enable"} {
		if adminAuditCount(t, tr, a, "user") == 0 {
			t.Errorf("no audit row %s user", a)
		}
	}
}

func userID(t *testing.T, tr *testRegistry, email string) int64 {
	t.Helper()
	var id int64
	if err := tr.store.DB.QueryRow(context.Background(), `SELECT id FROM users WHERE lower(email) = lower($1)`, email).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestPasswordLinkEmailed: with SMTP configured, the link goes to the new user by email
// (to an SMTP server started by the test), and the emailed link works.
func TestPasswordLinkEmailed(t *testing.T) {
	tr := newTestRegistry(t)
	smtpAddr, mails := fakeSMTP(t)
	m, err := newMailer("smtp://" + smtpAddr + "?from=registry@hospital.example")
	if err != nil {
		t.Fatal(err)
	}
	tr.app.cfg.mail = m
	admin := tr.client(t, "admin@demo.registry")
	_, _, body := adminPost(t, admin, tr.URL+"/admin/users", url.Values{"email": {"rita@research.example"}, "role": {"researcher"}})
	if !strings.Contains(body, `id="emailed"`) || !strings.Contains(body, "was emailed to rita@research.example") {
		t.Fatalf("no email notice:\n%s", body)
	}
	mail := <-mails
	if !strings.Contains(mail, "RCPT TO:<rita@research.example>") || !strings.Contains(mail, "From: registry@hospital.example") {
		t.Fatalf("mail envelope:\n%s", mail)
	}
	link := linkPattern.FindString(mail)
	if link == "" || !strings.Contains(body, link) {
		t.Fatalf("the mail's link %q is not the page's", link)
	}
	anon := tr.client(t, "")
	if status, _, _ := adminPost(t, anon, tr.URL+link, url.Values{"password": {"rita's long password"}, "again": {"rita's long password"}}); status != http.StatusSeeOther {
		t.Fatalf("the emailed link: %d", status)
	}
}

// fakeSMTP is a minimal SMTP server: it accepts one message per connection and hands over
// the whole conversation the client sent.
func fakeSMTP(t *testing.T) (string, <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	mails := make(chan string, 4)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func(conn net.Conn) {
				defer conn.Close()
				var got bytes.Buffer
				r := bufio.NewReader(conn)
				io.WriteString(conn, "220 test ESMTP\r\n")
				inData := false
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					got.WriteString(line)
					switch {
					case inData:
						if line == ".\r\n" {
							inData = false
							io.WriteString(conn, "250 queued\r\n")
						}
					case strings.HasPrefix(line, "EHLO"), strings.HasPrefix(line, "HELO"):
						io.WriteString(conn, "250 test\r\n")
					case strings.HasPrefix(line, "DATA"):
						inData = true
						io.WriteString(conn, "354 go on\r\n")
					case strings.HasPrefix(line, "QUIT"):
						io.WriteString(conn, "221 bye\r\n")
						mails <- got.String()
						return
					default:
						io.WriteString(conn, "250 ok\r\n")
					}
				}
			}(conn)
		}
	}()
	return ln.Addr().String(), mails
}

// uploadStudy posts a definition file to the preview.
func uploadStudy(t *testing.T, c *http.Client, u, name, content string) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("definition", name)
	io.WriteString(fw, content)
	w.Close()
	resp, err := c.Post(u, w.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAdminStudies: the downloaded definition previews as no change; an edited one lists
// its changes and changes nothing until applied; a refused one says why; sites are added
// and removed.
func TestAdminStudies(t *testing.T) {
	tr := newTestRegistry(t)
	admin := tr.client(t, "admin@demo.registry")
	ctx := context.Background()

	status, def := get(t, admin, tr.URL+"/admin/studies/knee-oa/definition.yaml")
	if status != http.StatusOK || !strings.Contains(def, "code: knee-oa") {
		t.Fatalf("download: %d\n%s", status, def)
	}
	status, body := uploadStudy(t, admin, tr.URL+"/admin/studies/preview", "knee-oa.yaml", def)
	if status != http.StatusOK || !strings.Contains(body, `id="no-changes"`) {
		t.Fatalf("the study's own definition: %d\n%s", status, body)
	}

	var visits int
	countVisits := func() int {
		tr.store.DB.QueryRow(ctx, `SELECT count(*) FROM scheduled_visits sv JOIN studies s ON s.id = sv.study_id WHERE s.code = 'knee-oa'`).Scan(&visits)
		return visits
	}
	before := countVisits()
	edited := strings.Replace(def, "indication: knee osteoarthritis", "indication: knee osteoarthritis (both knees)", 1)
	edited = strings.Replace(edited, "measures:\n", "    - code: m48\n      label: 48 months\n      day: 1461\n      window_before: 60\n      window_after: 60\nmeasures:\n", 1)
	status, body = uploadStudy(t, admin, tr.URL+"/admin/studies/preview", "knee-oa.yaml", edited)
	if status != http.StatusOK || !strings.Contains(body, "<code>m48</code>") || !strings.Contains(body, "<td>changed</td><td>study</td>") ||
		!strings.Contains(body, `id="apply-study"`) {
		t.Fatalf("edited definition: %d\n%s", status, body)
	}
	if n := countVisits(); n != before {
		t.Fatalf("the preview changed the visits: %d -> %d", before, n)
	}
	if status, _, _ := adminPost(t, admin, tr.URL+"/admin/studies/apply", url.Values{"file_name": {"knee-oa.yaml"}, "definition": {edited}}); status != http.StatusSeeOther {
		t.Fatalf("apply: %d", status)
	}
	if after := countVisits(); after != before+1 {
		t.Fatalf("visits %d -> %d after apply", before, after)
	}

	// Removing an arm with patients is refused by the store: the preview says so.
	refused := regexp.MustCompile(`\n    - code: placebo\n      label: [^\n]*\n(?:      labels:\n(?:        [^\n]*\n)*)?      control: true`).ReplaceAllString(def, "")
	if refused == def {
		t.Fatalf("could not remove the placebo arm from the file:\n%s", def)
	}
	status, body = uploadStudy(t, admin, tr.URL+"/admin/studies/preview", "knee-oa.yaml", refused)
	if status != http.StatusBadRequest || !strings.Contains(body, `id="refused"`) || strings.Contains(body, `id="apply-study"`) {
		t.Fatalf("refused definition: %d\n%s", status, body)
	}
	status, body = uploadStudy(t, admin, tr.URL+"/admin/studies/preview", "broken.yaml", "code: [")
	if status != http.StatusBadRequest || !strings.Contains(body, "broken.yaml") {
		t.Fatalf("broken file: %d\n%s", status, body)
	}

	if status, _, _ := adminPost(t, admin, tr.URL+"/admin/studies/knee-oa/sites", url.Values{"site": {"madrid"}}); status != http.StatusSeeOther {
		t.Fatalf("add site: %d", status)
	}
	if status, _, _ := adminPost(t, admin, tr.URL+"/admin/studies/knee-oa/sites/madrid/delete", nil); status != http.StatusSeeOther {
		t.Fatalf("remove site: %d", status)
	}
	if status, _, body := adminPost(t, admin, tr.URL+"/admin/studies/knee-oa/sites/copenhagen/delete", nil); status != http.StatusBadRequest {
		t.Fatalf("remove a site with patients: %d\n%s", status, body)
	}
	_, body = get(t, admin, tr.URL+"/admin/studies")
	if !strings.Contains(body, `href="/studies/knee-oa/audit"`) || !strings.Contains(body, `href="/studies/knee-oa/audit?views=1"`) {
		t.Fatalf("no link to the audit trail and the access log")
	}
}

// TestAccount: a user changes her password (the old one required), which ends her other
// sessions, and ends a session herself.
func TestAccount(t *testing.T) {
	tr := newTestRegistry(t)
	email := "researcher@demo.registry"
	first := tr.client(t, email)
	second := tr.client(t, email)
	_, body := get(t, first, tr.URL+"/account")
	if strings.Count(body, "/end\"") != 1 || !strings.Contains(body, "this session") {
		t.Fatalf("account page lists the sessions wrongly:\n%s", body)
	}
	if status, _, body := adminPost(t, first, tr.URL+"/account/password", url.Values{"old": {"wrong"}, "password": {"a new long password"}, "again": {"a new long password"}}); status != http.StatusBadRequest || !strings.Contains(body, `id="old-error"`) {
		t.Fatalf("wrong old password: %d", status)
	}
	if status, _, _ := adminPost(t, first, tr.URL+"/account/password", url.Values{"old": {tr.logins[email]}, "password": {"a new long password"}, "again": {"a new long password"}}); status != http.StatusSeeOther {
		t.Fatalf("change password: %d", status)
	}
	if status, _ := get(t, first, tr.URL+"/account"); status != http.StatusOK {
		t.Fatalf("the session that changed the password: %d", status)
	}
	if status, _ := get(t, second, tr.URL+"/account"); status != http.StatusSeeOther {
		t.Fatalf("the other session after a password change: %d", status)
	}
	tr.logins[email] = "a new long password"
	third := tr.client(t, email)
	_, body = get(t, first, tr.URL+"/account")
	m := regexp.MustCompile(`/account/sessions/([0-9a-f]+)/end`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no other session to end:\n%s", body)
	}
	if status, _, _ := adminPost(t, first, tr.URL+m[0], nil); status != http.StatusSeeOther {
		t.Fatalf("end session: %d", status)
	}
	if status, _ := get(t, third, tr.URL+"/account"); status != http.StatusSeeOther {
		t.Fatalf("the ended session: %d", status)
	}
	// Another user's session cannot be ended by guessing.
	other := tr.client(t, "statistician@demo.registry")
	if status, _, _ := adminPost(t, other, tr.URL+m[0], nil); status != http.StatusNotFound {
		t.Fatalf("ending someone else's session: %d", status)
	}
}

// TestAdminClearsAThrottle: failed sign-ins throttle a nurse; the administrator sees the
// throttle on the users page and clears it, and the nurse signs in at once.
func TestAdminClearsAThrottle(t *testing.T) {
	tr := newTestRegistry(t)
	admin := tr.client(t, "admin@demo.registry")
	email := "nurse.lund@demo.registry"
	anon := tr.client(t, "")
	throttled := false
	for i := 0; i < 20 && !throttled; i++ {
		status, _, _ := adminPost(t, anon, tr.URL+"/login", url.Values{"email": {email}, "password": {"wrong password"}})
		throttled = status == http.StatusTooManyRequests
	}
	if !throttled {
		t.Fatal("20 failed sign-ins did not throttle the account")
	}
	if status, _, _ := adminPost(t, anon, tr.URL+"/login", url.Values{"email": {email}, "password": {tr.logins[email]}}); status != http.StatusTooManyRequests {
		t.Fatalf("the right password while throttled: %d", status)
	}
	_, body := get(t, admin, tr.URL+"/admin/users")
	row := regexp.MustCompile(`(?s)<table id="throttles">.*?</table>`).FindString(body)
	if !strings.Contains(row, email) {
		t.Fatalf("the throttle is not listed:\n%s", body)
	}
	m := regexp.MustCompile(`name="email" value="` + regexp.QuoteMeta(email) + `">\s*<input type="hidden" name="address" value="([^"]*)"`).FindStringSubmatch(row)
	if m == nil {
		t.Fatalf("no clear button for %s:\n%s", email, row)
	}
	if status, _, _ := adminPost(t, admin, tr.URL+"/admin/throttles/clear", url.Values{"email": {email}, "address": {m[1]}}); status != http.StatusSeeOther {
		t.Fatalf("clear: %d", status)
	}
	if adminAuditCount(t, tr, "clear_throttle", "session") != 1 {
		t.Error("no audit row for the clearing")
	}
	if status, _, _ := adminPost(t, anon, tr.URL+"/login", url.Values{"email": {email}, "password": {tr.logins[email]}}); status != http.StatusSeeOther {
		t.Fatalf("sign in after the clearing: %d", status)
	}
	if status, _, body := adminPost(t, admin, tr.URL+"/admin/throttles/clear", url.Values{}); status != http.StatusBadRequest || !strings.Contains(body, `id="notice"`) {
		t.Fatalf("clear nothing: %d", status)
	}
}
