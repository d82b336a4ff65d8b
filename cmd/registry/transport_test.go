package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"outcomereg/registry/testdb"
)

// makeCertificate writes a self-signed certificate for 127.0.0.1 and its key, and returns
// their files and a pool that trusts it.
func makeCertificate(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "registry test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// startServe runs `registry serve` with args on env's database and returns its address.
func startServe(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdoutR, stdoutW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), func(k string) string { return env[k] },
			strings.NewReader(""), stdoutW, io.Discard)
		stdoutW.Close()
	}()
	addr := waitForAddr(t, stdoutR, done)
	go io.Copy(io.Discard, stdoutR)
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	})
	return addr
}

// signIn posts the login form and returns the answer's Set-Cookie and HSTS headers.
func signIn(t *testing.T, c *http.Client, base, email, password string) (setCookie, hsts string) {
	t.Helper()
	resp, err := c.PostForm(base+"login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in at %s: %s", base, resp.Status)
	}
	return resp.Header.Get("Set-Cookie"), resp.Header.Get("Strict-Transport-Security")
}

// Over TLS, served directly (--tls-cert, --tls-key) or declared (--public-url https://),
// the session cookie is Secure and HSTS is sent; over plain HTTP neither.
func TestTLSSecureCookieAndHSTS(t *testing.T) {
	env := map[string]string{"REGISTRY_DATABASE_URL": testdb.URL(t), "REGISTRY_ALLOW_OWNER_ROLE": "1"}
	const email, password = "tls@x.se", "a long enough password"
	if _, _, err := runCmd(t, env, password+"\n", "user", "add", "--email", email, "--role", "admin"); err != nil {
		t.Fatal(err)
	}
	certFile, keyFile, pool := makeCertificate(t)
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	direct := startServe(t, env, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(direct, "https://") {
		t.Fatalf("with a certificate the server says it listens on %s", direct)
	}
	tlsClient := &http.Client{CheckRedirect: noRedirect, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	cookie, hsts := signIn(t, tlsClient, direct, email, password)
	if !strings.Contains(cookie, "Secure") || !strings.Contains(hsts, "max-age=") {
		t.Errorf("direct TLS: Set-Cookie %q, HSTS %q; want Secure and HSTS", cookie, hsts)
	}

	proxied := startServe(t, env, "--public-url", "https://registry.example.org/")
	cookie, hsts = signIn(t, &http.Client{CheckRedirect: noRedirect}, proxied, email, password)
	if !strings.Contains(cookie, "Secure") || !strings.Contains(hsts, "max-age=") {
		t.Errorf("behind a declared TLS proxy: Set-Cookie %q, HSTS %q; want Secure and HSTS", cookie, hsts)
	}

	plain := startServe(t, env)
	cookie, hsts = signIn(t, &http.Client{CheckRedirect: noRedirect}, plain, email, password)
	if strings.Contains(cookie, "Secure") || hsts != "" {
		t.Errorf("plain HTTP: Set-Cookie %q, HSTS %q; want neither", cookie, hsts)
	}

	// --tls-cert without --tls-key is refused with a message.
	if _, _, err := runCmd(t, env, "", "serve", "--addr", "127.0.0.1:0", "--tls-cert", certFile); err == nil || !strings.Contains(err.Error(), "--tls-key") {
		t.Errorf("--tls-cert alone: %v", err)
	}
}

// A slow-loris client (a header byte every second, never finishing) is disconnected by
// the server's header time-out instead of holding its connection forever; the server's
// other time-outs are set too.
func TestSlowClientIsDisconnected(t *testing.T) {
	a := newApp(nil, nil, config{})
	srv := a.newHTTPServer(http.NotFoundHandler())
	if srv.ReadHeaderTimeout == 0 || srv.ReadTimeout == 0 || srv.WriteTimeout == 0 || srv.IdleTimeout == 0 {
		t.Fatalf("time-outs: header %v, read %v, write %v, idle %v; want all set",
			srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
	env := map[string]string{"REGISTRY_DATABASE_URL": testdb.URL(t), "REGISTRY_ALLOW_OWNER_ROLE": "1"}
	base := startServe(t, env)
	u, _ := url.Parse(base)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, conn) // returns when the server closes the connection
		close(closed)
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	limit := time.After(readHeaderTimeout + 30*time.Second)
	for {
		select {
		case <-closed:
			if took := time.Since(start); took < readHeaderTimeout-time.Second {
				t.Fatalf("closed after %v, before the header time-out", took)
			}
			return
		case <-tick.C:
			conn.Write([]byte("a"))
		case <-limit:
			t.Fatalf("a client sending a header byte a second is still connected after %v", time.Since(start))
		}
	}
}
