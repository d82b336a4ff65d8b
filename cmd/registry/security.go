package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"outcomereg/registry"
	"outcomereg/views"
)

// The HTTP side of the security rules: client addresses behind trusted proxies, input that
// PostgreSQL cannot take, HSTS, time-outs and what the logs carry.

// parseTrustedProxies reads --trusted-proxies: CIDRs (or single addresses) separated by commas.
func parseTrustedProxies(s string) ([]netip.Prefix, error) {
	var list []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			addr, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("--trusted-proxies: %q is not an address or CIDR", part)
			}
			list = append(list, netip.PrefixFrom(addr, addr.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxies: %q is not a CIDR", part)
		}
		list = append(list, p.Masked())
	}
	return list, nil
}

func (a *app) trusted(addr netip.Addr) bool {
	for _, p := range a.cfg.trustedProxies {
		if p.Contains(addr.Unmap()) {
			return true
		}
	}
	return false
}

// clientAddress is the address a request comes from, for sign-in throttling and the
// session list: the connection's peer, unless that is a trusted proxy; then the
// right-most address of X-Forwarded-For that is not a trusted proxy (addresses further left
// were written by the client and prove nothing).
func (a *app) clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !a.trusted(peer) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a forged or broken entry: trust nothing to its left
		}
		client = hop.Unmap()
		if !a.trusted(client) {
			break
		}
	}
	return client.String()
}

// overTLS reports whether the browser reaches the registry over TLS: served directly, or
// declared with --public-url https://... for a TLS proxy in front.
func (a *app) overTLS(r *http.Request) bool {
	return r.TLS != nil || a.cfg.secureCookies
}

// hsts tells browsers to use HTTPS only, when the registry is reached over TLS.
func (a *app) hsts(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.overTLS(r) {
			w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// maxFormBytes bounds a form post (the CSV upload, multipart, has its own limit): the
// longest form, a visit with notes and a reason, is a few tens of kilobytes.
const maxFormBytes = 1 << 20

// cleanInput answers 400 to a request whose path, query or form holds bytes that are not
// UTF-8 or a NUL: PostgreSQL refuses them, and no page has a use for them. It is the one
// place that checks, for every route.
func (a *app) cleanInput(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !validText(r.URL.Path) || !cleanValues(r.URL.Query()) {
			a.fail(w, r, &registry.Error{Code: registry.EINVALID, Message: views.T(r.Context(), "The address holds characters that are not allowed.")})
			return
		}
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); r.Method == http.MethodPost && ct == "application/x-www-form-urlencoded" {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				a.fail(w, r, &registry.Error{Code: registry.EINVALID, Message: views.T(r.Context(), "The form could not be read.")})
				return
			}
			if !cleanValues(r.PostForm) {
				a.fail(w, r, &registry.Error{Code: registry.EINVALID, Message: views.T(r.Context(), "The form holds characters that are not allowed.")})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func validText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

func cleanValues(v map[string][]string) bool {
	for k, vs := range v {
		if !validText(k) {
			return false
		}
		for _, s := range vs {
			if !validText(s) {
				return false
			}
		}
	}
	return true
}

// forgetEvery is how often the server deletes expired sessions and forgotten throttles.
const forgetEvery = time.Hour

// forgetExpired runs store.ForgetExpired every period until ctx ends.
func forgetExpired(ctx context.Context, store *registry.Store, logger *slog.Logger, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := store.ForgetExpired(ctx); err != nil && ctx.Err() == nil {
				logger.Warn("expired sessions and throttles not deleted; trying again later", "err", err)
			}
		}
	}
}

// Server time-outs: a client must send its headers within readHeaderTimeout and its whole
// request within readTimeout, and take its answer within writeTimeout; an idle keep-alive
// connection is closed after idleTimeout. Streamed exports and the CSV upload lift them for
// their own request (streamingResponse, longUpload).
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = time.Minute
	writeTimeout      = 2 * time.Minute
	idleTimeout       = 2 * time.Minute
	uploadTimeout     = 30 * time.Minute
)

// newHTTPServer is the server serve runs, with its time-outs.
func (a *app) newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
	}
}

// streamingResponse lifts the write time-out for an answer that streams for as long as the
// data takes (an export of a whole study): the client is sent bytes all along.
func streamingResponse(w http.ResponseWriter) {
	http.NewResponseController(w).SetWriteDeadline(time.Time{})
}

// longUpload gives a CSV upload uploadTimeout to arrive, and to be checked and answered.
func longUpload(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(uploadTimeout))
	rc.SetWriteDeadline(time.Now().Add(uploadTimeout))
}

// requestLog is what a log line may say about a request: its method, route pattern and the
// user's id; never its path or query, which may hold a study number.
func (a *app) requestLog(w http.ResponseWriter, r *http.Request) []any {
	pattern := r.Pattern
	var userID int64
	if sw := statusWriterOf(w); sw != nil {
		if pattern == "" {
			pattern = sw.pattern
		}
		userID = sw.userID
	}
	if u := userOf(r); u != nil {
		userID = u.ID
	}
	if pattern == "" && a.mux != nil {
		_, pattern = a.mux.Handler(r) // before routing (the session middleware failed)
	}
	return []any{"method", r.Method, "route", pattern, "user", userID}
}

// statusWriterOf finds the request log's writer under w's wrappers.
func statusWriterOf(w http.ResponseWriter) *statusWriter {
	for {
		if sw, ok := w.(*statusWriter); ok {
			return sw
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
}

// securityFlags are serve's flags for sessions, proxies and TLS, read into a config by apply.
type securityFlags struct {
	absolute                   *time.Duration
	proxies, cert, key, public *string
}

func addSecurityFlags(fs *flag.FlagSet, env *environment) securityFlags {
	return securityFlags{
		absolute: fs.Duration("session-absolute", envDuration(env, "REGISTRY_SESSION_ABSOLUTE", registry.DefaultSessionAbsolute),
			"sign out this long after signing in, however busy the session"),
		proxies: fs.String("trusted-proxies", env.getenv("REGISTRY_TRUSTED_PROXIES"),
			"CIDRs of reverse proxies, comma-separated, whose X-Forwarded-For names the client"),
		cert:   fs.String("tls-cert", env.getenv("REGISTRY_TLS_CERT"), "certificate file (PEM) to serve HTTPS"),
		key:    fs.String("tls-key", env.getenv("REGISTRY_TLS_KEY"), "private key file (PEM) of --tls-cert"),
		public: fs.String("public-url", env.getenv("REGISTRY_PUBLIC_URL"), "the address users open, e.g. https://registry.example.org/ behind a TLS proxy"),
	}
}

func (f securityFlags) apply(cfg *config) error {
	cfg.sessionAbsolute = *f.absolute
	proxies, err := parseTrustedProxies(*f.proxies)
	if err != nil {
		return usageError{err}
	}
	cfg.trustedProxies = proxies
	cfg.tlsCert, cfg.tlsKey, cfg.publicURL = *f.cert, *f.key, *f.public
	if (cfg.tlsCert == "") != (cfg.tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together: give both, or neither")
	}
	if cfg.publicURL != "" {
		u, err := url.Parse(cfg.publicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("--public-url %q: give the address users open, such as https://registry.example.org/", cfg.publicURL)
		}
		cfg.secureCookies = u.Scheme == "https"
	}
	cfg.secureCookies = cfg.secureCookies || cfg.tlsCert != ""
	return nil
}

// serveOn serves on ln, over TLS when a certificate is configured.
func (a *app) serveOn(srv *http.Server, ln net.Listener) error {
	if a.cfg.tlsCert != "" {
		return srv.ServeTLS(ln, a.cfg.tlsCert, a.cfg.tlsKey)
	}
	return srv.Serve(ln)
}

// listenURL is the address the server listens on, and the one users open when a proxy
// is declared.
func (a *app) listenURL(ln net.Listener) string {
	scheme := "http"
	if a.cfg.tlsCert != "" {
		scheme = "https"
	}
	u := scheme + "://" + ln.Addr().String() + "/"
	if a.cfg.publicURL != "" {
		u += " (users open " + a.cfg.publicURL + ")"
	}
	return u
}
