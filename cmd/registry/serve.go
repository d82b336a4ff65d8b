package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"outcomereg/registry/localpg"
)

// config is what the web server is told by flags and environment variables.
type config struct {
	addr            string
	sessionIdle     time.Duration
	smallCell       int // researchers see counts below this as suppressed
	sessionAbsolute time.Duration
	// secureCookies: the registry is reached over TLS (a proxy declared by --public-url
	// https://...), so cookies are Secure and HSTS is sent even on plain-HTTP requests.
	secureCookies   bool
	trustedProxies  []netip.Prefix // X-Forwarded-For is believed only from these
	tlsCert, tlsKey string
	publicURL       string
	mail            *mailer // nil: password links are only shown, not emailed
}

func cmdServe(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "serve", "serve [--addr 127.0.0.1:8080] [--data-dir DIR]")
	dataDir := dataDirFlag(fs, env)
	cfg := config{}
	fs.StringVar(&cfg.addr, "addr", envOr(env, "REGISTRY_ADDR", "127.0.0.1:8080"), "address to listen on")
	idle := fs.Duration("session-idle", envDuration(env, "REGISTRY_SESSION_IDLE", 30*time.Minute), "sign out after this long without a request")
	fs.IntVar(&cfg.smallCell, "small-cell", envInt(env, "REGISTRY_SMALL_CELL", 5), "researchers see counts of fewer patients than this as suppressed")
	security := addSecurityFlags(fs, env)
	allowOwner := fs.Bool("allow-owner-role", env.getenv("REGISTRY_ALLOW_OWNER_ROLE") == "1", "serve even when the database role could rewrite the audit trail (a superuser or its owner)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := security.apply(&cfg); err != nil {
		return err
	}
	if len(rest) > 0 {
		fs.Usage()
		return usageError{fmt.Errorf("serve takes no arguments, got %q", rest[0])}
	}
	cfg.sessionIdle = *idle
	if cfg.mail, err = newMailer(env.getenv("REGISTRY_SMTP_URL")); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(env.stderr, nil))

	db, store, err := openMigratedWith(ctx, env, *dataDir, logger, localpg.Start)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := checkServerRole(ctx, db, *allowOwner, logger); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	app := newApp(store, logger, cfg)
	srv := app.newHTTPServer(app.routes())
	srv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	fmt.Fprintf(env.stdout, "The registry is listening on %s\n", app.listenURL(ln))
	fmt.Fprint(env.stdout, demoLoginsNote(*dataDir))
	logger.Info("serving", "addr", ln.Addr().String())

	catchUpCtx, stopCatchUp := context.WithCancel(ctx)
	defer stopCatchUp()
	go catchUpDashboards(catchUpCtx, store.DB, logger, catchUpEvery)
	go forgetExpired(catchUpCtx, store, logger, forgetEvery)
	go remindPatients(catchUpCtx, app, app.reminderBase(ln.Addr().String()), logger, remindEvery)

	errc := make(chan error, 1)
	go func() { errc <- app.serveOn(srv, ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func envOr(env *environment, key, def string) string {
	if v := env.getenv(key); v != "" {
		return v
	}
	return def
}

func envDuration(env *environment, key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(env.getenv(key)); err == nil && d > 0 {
		return d
	}
	return def
}

func envInt(env *environment, key string, def int) int {
	var n int
	if _, err := fmt.Sscan(env.getenv(key), &n); err == nil && n > 0 {
		return n
	}
	return def
}
