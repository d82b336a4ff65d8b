package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHomeConcurrentAnswersSaveOnce: the same link posted from several tabs at once saves
// exactly one visit (one 303, the others 409 "answered"), one insert in the audit trail,
// the values of the one that won; and a nurse saving the visit while the patient answers:
// one of the two is saved, the other told of the conflict, nothing overwritten.
func TestHomeConcurrentAnswersSaveOnce(t *testing.T) {
	tr := newTestRegistry(t)
	tr.app.links.min = time.Millisecond
	homeStudy(t, tr)
	ctx := context.Background()
	nurse := tr.client(t, "nurse.copenhagen@demo.registry")
	number, due := homeVisit(t, tr, "due")
	link := invite(t, tr, nurse, number, due, "en", "")

	post := func(c *http.Client, u string, form url.Values) int {
		resp, err := c.PostForm(u, form)
		if err != nil {
			t.Error(err)
			return 0
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	const tabs = 6
	statuses := make([]int, tabs)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range tabs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i] = post(tr.client(t, ""), tr.URL+link, url.Values{"m_pain_nrs": {string(rune('1' + i))},
				"m_koos_pain__p1": {"1"}, "m_koos_pain__p2": {"2"}})
		}()
	}
	close(start)
	wg.Wait()
	won := -1
	for i, s := range statuses {
		switch s {
		case http.StatusSeeOther:
			if won >= 0 {
				t.Fatalf("tabs %d and %d both saved: %v", won, i, statuses)
			}
			won = i
		case http.StatusConflict:
		default:
			t.Fatalf("tab %d: %d, want 303 or 409 (%v)", i, s, statuses)
		}
	}
	if won < 0 {
		t.Fatalf("no tab saved: %v", statuses)
	}
	var visits, inserts, answered int
	var pain float64
	tr.store.DB.QueryRow(ctx, `SELECT count(*) FROM visits v JOIN patients p ON p.id = v.patient_id
		JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id WHERE p.study_number = $1 AND sv.code = $2`, number, due).Scan(&visits)
	tr.store.DB.QueryRow(ctx, `SELECT count(*) FROM audit_log a JOIN patients p ON p.id = a.patient_id
		WHERE p.study_number = $1 AND a.entity = 'visit' AND a.action = 'insert' AND a.entity_id = $2`, number, due).Scan(&inserts)
	tr.store.DB.QueryRow(ctx, `SELECT count(*) FROM invitations WHERE answered_at IS NOT NULL`).Scan(&answered)
	tr.store.DB.QueryRow(ctx, `SELECT vv.value FROM visit_values vv JOIN visits v ON v.id = vv.visit_id JOIN patients p ON p.id = v.patient_id
		JOIN measures m ON m.id = vv.measure_id JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id
		WHERE p.study_number = $1 AND sv.code = $2 AND m.code = 'pain_nrs'`, number, due).Scan(&pain)
	if visits != 1 || inserts != 1 || answered != 1 || pain != float64(1+won) {
		t.Fatalf("%d visits, %d insert audit rows, %d invitations answered, pain %v (want 1, 1, 1, %d)", visits, inserts, answered, pain, 1+won)
	}

	// The nurse and the patient save the same visit at once, the nurse's form opened before.
	number2, due2 := homeVisit(t, tr, "due")
	link2 := invite(t, tr, nurse, number2, due2, "en", "")
	nurseForm := url.Values{"version": {"0"}, "state": {"done"}, "visit_date": {demoToday.Format(time.DateOnly)},
		"m_pain_nrs": {"7"}, "mm_koos_pain": {"not_done"}, "m_koos_adl": {"50"}, "m_koos_qol": {"50"}}
	var nurseStatus, patientStatus int
	start = make(chan struct{})
	wg.Add(2)
	go func() {
		defer wg.Done()
		<-start
		nurseStatus = post(nurse, tr.URL+"/studies/knee-oa/patients/"+number2+"/visits/"+due2, nurseForm)
	}()
	go func() {
		defer wg.Done()
		<-start
		patientStatus = post(tr.client(t, ""), tr.URL+link2, url.Values{"m_pain_nrs": {"2"}, "m_koos_pain__p1": {"1"}, "m_koos_pain__p2": {"1"}})
	}()
	close(start)
	wg.Wait()
	want := 7.0
	switch {
	case nurseStatus == http.StatusSeeOther && patientStatus == http.StatusConflict:
	case nurseStatus == http.StatusConflict && patientStatus == http.StatusSeeOther:
		want = 2
	default:
		t.Fatalf("nurse %d, patient %d: want one 303 and one 409", nurseStatus, patientStatus)
	}
	tr.store.DB.QueryRow(ctx, `SELECT count(*) FROM visits v JOIN patients p ON p.id = v.patient_id
		JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id WHERE p.study_number = $1 AND sv.code = $2`, number2, due2).Scan(&visits)
	tr.store.DB.QueryRow(ctx, `SELECT vv.value FROM visit_values vv JOIN visits v ON v.id = vv.visit_id JOIN patients p ON p.id = v.patient_id
		JOIN measures m ON m.id = vv.measure_id JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id
		WHERE p.study_number = $1 AND sv.code = $2 AND m.code = 'pain_nrs'`, number2, due2).Scan(&pain)
	if visits != 1 || pain != want {
		t.Fatalf("%d visits, pain %v; want 1 visit with %v", visits, pain, want)
	}
}

// lockedBuffer is a log's output written by the server's goroutines and read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// rejectingSMTP is a mail server that refuses every recipient, naming the address in its
// answer as real servers do ("550 5.1.1 <karin@example.se>: Recipient address rejected").
func rejectingSMTP(t *testing.T) string {
	t.Helper()
	addr, _ := selectiveSMTP(t, func(string) bool { return true })
	return addr
}

// selectiveSMTP is a mail server that refuses the recipients refuse says, naming the
// address in its answer, and hands over the conversation of each message it accepts.
func selectiveSMTP(t *testing.T, refuse func(rcpt string) bool) (string, <-chan string) {
	t.Helper()
	mails := make(chan string, 8)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func(conn net.Conn) {
				defer conn.Close()
				r := bufio.NewReader(conn)
				io.WriteString(conn, "220 test ESMTP\r\n")
				var got strings.Builder
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
							mails <- got.String()
						}
					case strings.HasPrefix(line, "DATA"):
						inData = true
						io.WriteString(conn, "354 go on\r\n")
					case strings.HasPrefix(line, "RCPT TO:") && refuse(line):
						addr := strings.TrimSpace(strings.TrimPrefix(line, "RCPT TO:"))
						io.WriteString(conn, "550 5.1.1 "+addr+": Recipient address rejected: User unknown\r\n")
					case strings.HasPrefix(line, "QUIT"):
						io.WriteString(conn, "221 bye\r\n")
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

// TestPatientEmailNotInLogs: a mail server refusing the patient's address names it in its
// answer; neither the invitation's failed email nor a failed reminder puts the address in
// the server's log (which no one can erase it from).
func TestPatientEmailNotInLogs(t *testing.T) {
	tr := newTestRegistry(t)
	tr.app.links.min = time.Millisecond
	homeStudy(t, tr)
	ctx := context.Background()
	logs := &lockedBuffer{}
	tr.app.logger = slog.New(slog.NewTextHandler(logs, nil))
	m, err := newMailer("smtp://" + rejectingSMTP(t) + "?from=registry@hospital.example")
	if err != nil {
		t.Fatal(err)
	}
	tr.app.cfg.mail = m
	nurse := tr.client(t, "nurse.copenhagen@demo.registry")
	number, due := homeVisit(t, tr, "due")
	invite(t, tr, nurse, number, due, "sv", "karin.unknown@example.se")
	var created time.Time
	tr.store.DB.QueryRow(ctx, `SELECT created_at FROM invitations ORDER BY id DESC LIMIT 1`).Scan(&created)
	_, rerr := tr.app.sendReminders(ctx, created.Add(3*24*time.Hour+time.Hour), "http://registry.example")
	if rerr == nil {
		t.Fatal("a reminder refused by the mail server: no error")
	}
	if !strings.Contains(logs.String(), "invitation not emailed") {
		t.Fatalf("the failed invitation email is not logged:\n%s", logs)
	}
	for what, text := range map[string]string{"the log": logs.String(), "the reminders' error (logged)": rerr.Error()} {
		if strings.Contains(text, "karin.unknown") {
			t.Errorf("the patient's email is in %s:\n%s", what, text)
		}
		if !strings.Contains(text, "550") {
			t.Errorf("%s lost the mail server's answer:\n%s", what, text)
		}
	}
}

// TestInviteFormReadIsLogged: the invitation form shows the patient's number and email on
// file, so opening it is a read of the record, logged like the visit form's; a nurse of
// another site gets 404 on the form and the post, and nothing is logged or made.
func TestInviteFormReadIsLogged(t *testing.T) {
	tr := newTestRegistry(t)
	homeStudy(t, tr)
	ctx := context.Background()
	number, due := homeVisit(t, tr, "due")
	u := tr.URL + "/studies/knee-oa/patients/" + number + "/visits/" + due + "/invite"
	views := func() int {
		var n int
		tr.store.DB.QueryRow(ctx, `SELECT count(*) FROM audit_log l JOIN patients p ON p.id = l.patient_id
			WHERE l.action = 'view' AND l.entity = 'visit_form' AND l.entity_id = $2 AND p.study_number = $1
			AND l.actor = 'nurse.copenhagen@demo.registry'`, number, due).Scan(&n)
		return n
	}
	other := tr.client(t, "nurse.lund@demo.registry")
	if status, _ := get(t, other, u); status != http.StatusNotFound {
		t.Fatalf("another site's nurse opens the invitation form: %d, want 404", status)
	}
	if status, _, _ := postForm(t, other, u, url.Values{"language": {"en"}}); status != http.StatusNotFound {
		t.Fatalf("another site's nurse invites: %d, want 404", status)
	}
	var made int
	tr.store.DB.QueryRow(ctx, `SELECT count(*) FROM invitations`).Scan(&made)
	if made != 0 {
		t.Fatal("another site's nurse made an invitation")
	}
	nurse := tr.client(t, "nurse.copenhagen@demo.registry")
	if status, _ := get(t, nurse, u); status != http.StatusOK {
		t.Fatalf("the invitation form: %d", status)
	}
	if n := views(); n != 1 {
		t.Fatalf("%d view rows for the invitation form, want 1", n)
	}
}

// TestRefusedAddressDoesNotHoldBackReminders: the mail server refusing one patient's
// address for good (550) does not stop the other patients' reminders of the same round
// (before, the refused one was claimed first every round and ended it); its reminder stays
// due, and the refusal is reported without the address.
func TestRefusedAddressDoesNotHoldBackReminders(t *testing.T) {
	tr := newTestRegistry(t)
	tr.app.links.min = time.Millisecond
	homeStudy(t, tr)
	ctx := context.Background()
	addr, mails := selectiveSMTP(t, func(rcpt string) bool { return strings.Contains(rcpt, "typo@") })
	m, err := newMailer("smtp://" + addr + "?from=registry@hospital.example")
	if err != nil {
		t.Fatal(err)
	}
	tr.app.cfg.mail = m
	nurse := tr.client(t, "nurse.copenhagen@demo.registry")
	rows, err := tr.store.DB.Query(ctx, `SELECT p.study_number, sv.code FROM patients p JOIN studies st ON st.id = p.study_id
		JOIN sites si ON si.id = p.site_id JOIN scheduled_visits sv ON sv.study_id = p.study_id
		WHERE st.code = 'knee-oa' AND si.code = 'copenhagen' AND p.status = 'active'
		  AND $1::date BETWEEN p.treated_on + sv.target_day - sv.window_before AND p.treated_on + sv.target_day + sv.window_after - 5
		  AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.patient_id = p.id AND v.scheduled_visit_id = sv.id)
		ORDER BY p.study_number LIMIT 2`, demoToday)
	if err != nil {
		t.Fatal(err)
	}
	var due [][2]string
	for rows.Next() {
		var number, visit string
		rows.Scan(&number, &visit)
		due = append(due, [2]string{number, visit})
	}
	if len(due) != 2 || due[0][0] == due[1][0] {
		t.Fatalf("two patients with a due visit wanted: %v", due)
	}
	invite(t, tr, nurse, due[0][0], due[0][1], "en", "typo@example.dk")
	invite(t, tr, nurse, due[1][0], due[1][1], "en", "good@example.dk")
	if first := <-mails; !strings.Contains(first, "good@example.dk") {
		t.Fatalf("the invitation emailed:\n%s", first)
	}
	var created time.Time
	tr.store.DB.QueryRow(ctx, `SELECT max(created_at) FROM invitations`).Scan(&created)
	n, err := tr.app.sendReminders(ctx, created.Add(3*24*time.Hour+time.Hour), "http://registry.example")
	if n != 1 || err == nil || strings.Contains(err.Error(), "typo@") {
		t.Fatalf("day 3: %d reminders sent (want 1), error %v (want the refusal, without the address)", n, err)
	}
	select {
	case mail := <-mails:
		if !strings.Contains(mail, "RCPT TO:<good@example.dk>") {
			t.Fatalf("the reminder went to:\n%s", mail)
		}
	default:
		t.Fatal("no reminder for the patient whose address works")
	}
	var pending int
	tr.store.DB.QueryRow(ctx, `SELECT count(*) FROM invitations WHERE reminder_3_sent_at IS NULL`).Scan(&pending)
	if pending != 1 {
		t.Fatalf("%d day-3 reminders still due, want the refused one", pending)
	}
}
