package main

import (
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// mailer sends the one-time password links when REGISTRY_SMTP_URL is set:
// smtp://[user:password@]host:port?from=registry@hospital.example. With a user, it signs
// in with PLAIN, which Go's client allows only over TLS (STARTTLS) or to localhost.
type mailer struct {
	addr string
	host string
	from string
	auth smtp.Auth
}

func newMailer(raw string) (*mailer, error) {
	if raw == "" {
		return nil, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "smtp" || u.Host == "" {
		return nil, errors.New("REGISTRY_SMTP_URL must look like smtp://user:password@host:587?from=registry@example.org")
	}
	m := &mailer{addr: u.Host, host: u.Hostname(), from: u.Query().Get("from")}
	if u.Port() == "" {
		m.addr = net.JoinHostPort(u.Host, "25")
	}
	if m.from == "" {
		return nil, errors.New("REGISTRY_SMTP_URL needs ?from=address (the sender of the registry's emails)")
	}
	if u.User != nil {
		password, _ := u.User.Password()
		m.auth = smtp.PlainAuth("", u.User.Username(), password, m.host)
	}
	return m, nil
}

// send sends a plain-text email.
func (m *mailer) send(to, subject, body string) error {
	if strings.ContainsAny(to+subject, "\r\n") {
		return errors.New("line break in an email header")
	}
	msg := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s",
		m.from, to, subject, time.Now().Format(time.RFC1123Z), strings.ReplaceAll(body, "\n", "\r\n"))
	if err := smtp.SendMail(m.addr, m.auth, m.from, []string{to}, []byte(msg)); err != nil {
		return withoutAddress(err, to)
	}
	return nil
}

// withoutAddress is a sending error as the log may keep it: mail servers name the refused
// recipient in their answer, and a patient's address must not outlive its erasure in the
// server's log; the rest of the answer stays.
func withoutAddress(err error, to string) error {
	if to == "" {
		return err
	}
	text := regexp.MustCompile(`(?i)`+regexp.QuoteMeta(to)).ReplaceAllString(err.Error(), "(recipient)")
	if text == err.Error() {
		return err
	}
	return &redactedError{text: text, err: err}
}

// redactedError says err without the recipient's address, and is still err for errors.As.
type redactedError struct {
	text string
	err  error
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }

// recipientRefused reports whether the mail server refused the recipient for good (a 5xx
// answer), as opposed to being unreachable or busy.
func recipientRefused(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code >= 500 && te.Code < 600
}
