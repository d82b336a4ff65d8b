package localpg

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const (
	// User is the cluster's superuser, fixed so the registry can connect as
	// it whatever Unix user either side runs as.
	User = "registry"
	// Database is the database Start creates for the registry.
	Database = "registry"
	// ServerUser is the role Start creates for the web server and the commands that only
	// write data: not a superuser and owning nothing, so it cannot rewrite the audit trail.
	// The migrations run as User, who owns the schema.
	ServerUser = "registry_server"

	port = "5432" // only names the socket file; there is no TCP listener
	// maxSocketPath is the longest socket path the kernel takes (sun_path
	// holds 108 bytes including the terminating NUL).
	maxSocketPath = 107
)

// How long Start and Stop wait for the server.
var (
	startTimeout = time.Minute
	stopTimeout  = 30 * time.Second // fast shutdown, before falling back to immediate
	quitTimeout  = 10 * time.Second // immediate shutdown, before SIGKILL
)

// Server is a running private PostgreSQL cluster.
type Server struct {
	dir       string
	pgdata    string
	socketDir string
	tmpSocket bool // socketDir is our folder under /tmp, removed on Stop
	logPath   string
	acct      account
	bins      binaries
	logger    *slog.Logger
	lock      *folderLock

	// The running postmaster. Start sets them, then only the supervisor replaces
	// them when it restarts PostgreSQL; Stop waits for the supervisor to end first.
	cmd     *exec.Cmd
	exited  chan struct{} // closed once cmd has been waited for
	waitErr error         // cmd's exit status, valid after exited is closed

	stopping   chan struct{} // closed by Stop
	supervised chan struct{} // closed when the supervisor has ended; nil without one

	stopOnce sync.Once
	stopErr  error
}

// How the supervisor waits before restarting a postmaster that died: doubling from
// restartBackoffMin up to restartBackoffMax, and from the minimum again once a run lasted
// a minute.
var (
	restartBackoffMin = 500 * time.Millisecond
	restartBackoffMax = 30 * time.Second
)

// Start runs PostgreSQL on the cluster in dir/pgdata, creating the cluster and
// the "registry" database the first time, and returns once it accepts
// connections. ctx bounds only the start-up; the server runs until Stop.
// It fails with ErrNoBinaries if PostgreSQL is not installed and with
// ErrInUse if another registry uses dir.
func Start(ctx context.Context, dir string, logger *slog.Logger) (*Server, error) {
	if logger == nil {
		logger = slog.Default()
	}
	s, err := newServer(dir, logger)
	if err != nil {
		return nil, fmt.Errorf("start postgres in %s: %w", dir, err)
	}
	if err := s.start(ctx); err != nil {
		s.abort()
		return nil, fmt.Errorf("start postgres in %s: %w", s.dir, err)
	}
	s.supervised = make(chan struct{})
	go s.supervise()
	return s, nil
}

// supervise restarts PostgreSQL when it dies on its own (killed, or a PANIC such as a
// full disk), with back-off, until Stop. Connections fail while it is down and work
// again once it is back: pools reconnect by themselves.
func (s *Server) supervise() {
	defer close(s.supervised)
	backoff := restartBackoffMin
	for {
		started := time.Now()
		select {
		case <-s.stopping:
			return
		case <-s.exited:
		}
		if time.Since(started) > time.Minute {
			backoff = restartBackoffMin
		}
		s.logger.Error("private PostgreSQL stopped on its own; restarting it", "folder", s.dir,
			"status", fmt.Sprint(s.waitErr), "retry_in", backoff.String(), "log", s.logPath)
		for {
			select {
			case <-s.stopping:
				return
			case <-time.After(backoff):
			}
			err := s.restart()
			if err == nil {
				s.logger.Info("private PostgreSQL restarted", "folder", s.dir, "pid", s.cmd.Process.Pid)
				break
			}
			backoff = min(2*backoff, restartBackoffMax)
			s.logger.Error("restarting private PostgreSQL failed; trying again", "folder", s.dir, "err", err, "retry_in", backoff.String())
		}
	}
}

// restart launches the postmaster again and waits until it accepts connections (or Stop).
func (s *Server) restart() error {
	if !s.hasExited() { // a start that timed out last time
		s.cmd.Process.Kill()
		<-s.exited
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.stopping:
			cancel()
		case <-ctx.Done():
		}
	}()
	// Backends of the killed postmaster may still hold its shared memory: then the new
	// one exits at once, and the next attempt, later, succeeds.
	if err := stopStalePostmaster(s.pgdata, s.logger); err != nil {
		return err
	}
	if err := s.launch(); err != nil {
		return err
	}
	return s.waitReady(ctx)
}

// newServer resolves binaries, the account and the folders, and takes the
// folder lock; nothing runs yet.
func newServer(dir string, logger *slog.Logger) (*Server, error) {
	bins, err := findBinaries()
	if err != nil {
		return nil, err
	}
	if dir, err = makeDataFolder(dir); err != nil {
		return nil, err
	}
	s := &Server{
		dir:      dir,
		pgdata:   filepath.Join(dir, "pgdata"),
		logPath:  filepath.Join(dir, "postgres.log"),
		bins:     bins,
		logger:   logger,
		exited:   make(chan struct{}),
		stopping: make(chan struct{}),
	}
	s.socketDir, s.tmpSocket = socketDirFor(dir)
	if s.acct, err = serverAccount(s.pgdata); err != nil {
		return nil, err
	}
	if err := s.acct.own(dir); err != nil {
		return nil, err
	}
	if err := s.acct.checkTraversable(dir); err != nil {
		return nil, err
	}
	if s.lock, err = lockFolder(dir); err != nil {
		return nil, err
	}
	return s, nil
}

// makeDataFolder creates dir (missing parents world-traversable, dir itself
// private) and returns its absolute path with symlinks resolved, as
// postgres and the traversal check see it.
func makeDataFolder(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return "", fmt.Errorf("create data folder: %w", err)
	}
	if err := os.Mkdir(abs, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("create data folder: %w", err)
	}
	return filepath.EvalSymlinks(abs)
}

// socketDirFor returns dir/run, or, when the socket path in it would exceed
// the kernel's limit, a folder under /tmp named after a hash of dir (stable,
// so every run on dir uses the same one).
func socketDirFor(dir string) (path string, inTmp bool) {
	path = filepath.Join(dir, "run")
	if len(socketFile(path)) <= maxSocketPath {
		return path, false
	}
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(os.TempDir(), "registry-pg-"+hex.EncodeToString(sum[:6])), true
}

func socketFile(socketDir string) string {
	return filepath.Join(socketDir, ".s.PGSQL."+port)
}

func (s *Server) start(ctx context.Context) error {
	if err := s.acct.ensurePrivateDir(s.socketDir); err != nil {
		return err
	}
	if err := s.initCluster(ctx); err != nil {
		return err
	}
	if err := stopStalePostmaster(s.pgdata, s.logger); err != nil {
		return err
	}
	if err := s.launch(); err != nil {
		return err
	}
	if err := s.waitReady(ctx); err != nil {
		return err
	}
	if err := s.ensureDatabase(ctx, Database); err != nil {
		return err
	}
	if err := s.ensureServerRole(ctx); err != nil {
		return err
	}
	s.logger.Info("private PostgreSQL ready", "folder", s.dir, "socket", s.socketDir, "pid", s.cmd.Process.Pid)
	return nil
}

// initCluster runs initdb unless dir/pgdata already holds a cluster. It
// builds the cluster in pgdata.init and renames it into place, so an
// interrupted initdb never leaves a half-made pgdata that later runs would
// take for a cluster.
func (s *Server) initCluster(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(s.pgdata, "PG_VERSION")); err == nil {
		return nil
	}
	s.logger.Info("creating private PostgreSQL cluster", "folder", s.pgdata)
	tmp := s.pgdata + ".init"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("remove leftover %s: %w", tmp, err)
	}
	if err := s.runInitdb(ctx, tmp); err != nil {
		return err
	}
	// Also in the config file, so a server started by hand stays off TCP too.
	if err := appendFile(filepath.Join(tmp, "postgresql.conf"),
		"\n# Added by the registry: Unix socket only, no TCP.\nlisten_addresses = ''\n"); err != nil {
		return err
	}
	if err := os.Rename(tmp, s.pgdata); err != nil {
		return fmt.Errorf("move new cluster into place: %w", err)
	}
	return nil
}

func (s *Server) runInitdb(ctx context.Context, pgdata string) error {
	log, err := s.openLog()
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.CommandContext(ctx, s.bins.initdb,
		"--pgdata="+pgdata,
		"--username="+User,
		"--encoding=UTF8",
		"--locale=C",
		"--auth-local=trust", // only the socket's file permissions guard access
		"--auth-host=reject", // belt and braces: there is no TCP listener anyway
	)
	s.prepare(cmd, log)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, s.logTail())
	}
	return nil
}

// launch starts the postmaster and a goroutine that reaps it.
func (s *Server) launch() error {
	log, err := s.openLog()
	if err != nil {
		return err
	}
	defer log.Close() // the child has its own copy
	s.cmd = exec.Command(s.bins.postgres,
		"-D", s.pgdata,
		"-c", "listen_addresses=",
		"-c", "port="+port,
		// Quoted: the setting is a comma-separated list, the path may hold commas.
		"-c", `unix_socket_directories="`+s.socketDir+`"`,
		"-c", "unix_socket_permissions=0700",
		// Keep row values out of postgres.log: no DETAIL lines (which quote
		// key values) and no text of failed statements.
		"-c", "log_error_verbosity=terse",
		"-c", "log_min_error_statement=panic",
	)
	s.prepare(s.cmd, log)
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("run %s: %w", s.bins.postgres, err)
	}
	cmd, exited := s.cmd, make(chan struct{})
	s.exited = exited
	go func() {
		s.waitErr = cmd.Wait()
		close(exited)
	}()
	return nil
}

// prepare runs cmd as the server account, in dir (a working directory it can
// enter), with its output appended to postgres.log.
func (s *Server) prepare(cmd *exec.Cmd, log *os.File) {
	cmd.Dir = s.dir
	cmd.Stdout = log
	cmd.Stderr = log
	cmd.SysProcAttr = s.acct.sysProcAttr()
}

func (s *Server) openLog() (*os.File, error) {
	f, err := os.OpenFile(s.logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open server log: %w", err)
	}
	return f, nil
}

// waitReady polls with real connections until the server accepts one, it
// exits, or the start-up timeout or ctx ends.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for {
		err := s.ping(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("postgres exited during start-up (%v); end of %s:\n%s", s.waitErr, s.logPath, s.logTail())
		case <-ctx.Done():
			return fmt.Errorf("postgres not accepting connections on %s: %w (last attempt: %v); end of %s:\n%s",
				s.socketDir, ctx.Err(), err, s.logPath, s.logTail())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *Server) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := pgconn.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// ensureDatabase creates dbname if missing. Checked on every start, so a
// crash between initdb and here heals itself.
func (s *Server) ensureDatabase(ctx context.Context, dbname string) error {
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", dbname).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", dbname, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{dbname}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", dbname, err)
	}
	s.logger.Info("created database", "database", dbname)
	return nil
}

// ensureServerRole creates ServerUser if missing: it may log in and nothing else; the
// registry grants it its rights on the tables after each migration.
func (s *Server) ensureServerRole(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, `DO $$ BEGIN
		CREATE ROLE `+ServerUser+` LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
	EXCEPTION WHEN duplicate_object THEN NULL;
	END $$`)
	if err != nil {
		return fmt.Errorf("create role %s: %w", ServerUser, err)
	}
	return nil
}

// URL returns a pgx connection string for database dbname as User over the
// server's socket. Every part is explicit so PG* environment variables
// cannot redirect it.
func (s *Server) URL(dbname string) string {
	return s.urlAs(dbname, User)
}

// ServerURL is URL for ServerUser.
func (s *Server) ServerURL(dbname string) string {
	return s.urlAs(dbname, ServerUser)
}

func (s *Server) urlAs(dbname, user string) string {
	return strings.Join([]string{
		"host=" + quoteValue(s.socketDir),
		"port=" + port,
		"dbname=" + quoteValue(dbname),
		"user=" + user,
		"sslmode=disable",
	}, " ")
}

// quoteValue quotes a keyword/value connection string value.
func quoteValue(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// Stop shuts the server down (fast shutdown: sessions are cancelled and
// everything is written out), waits for it, and releases the data folder.
// Later calls return the first call's result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		close(s.stopping)
		if s.supervised != nil {
			<-s.supervised
		}
		s.logger.Info("stopping private PostgreSQL", "folder", s.dir)
		s.stopErr = s.terminate()
		s.cleanup()
		if s.stopErr == nil {
			s.logger.Info("private PostgreSQL stopped", "folder", s.dir)
		}
	})
	return s.stopErr
}

// abort undoes a failed start.
func (s *Server) abort() {
	if s.cmd != nil && !s.hasExited() {
		if err := s.terminate(); err != nil {
			s.logger.Warn("stopping PostgreSQL after failed start", "folder", s.dir, "err", err)
		}
	}
	s.cleanup()
}

func (s *Server) hasExited() bool {
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

func (s *Server) cleanup() {
	if s.tmpSocket {
		os.Remove(s.socketDir) // only if empty, i.e. postgres removed its socket
	}
	s.lock.release()
}

// terminate escalates from fast shutdown (SIGINT) to immediate shutdown
// (SIGQUIT) to SIGKILL of the postmaster; its children (each in a session
// of its own) notice the postmaster's death and exit by themselves.
func (s *Server) terminate() error {
	if s.hasExited() {
		status := "exit status 0"
		if s.waitErr != nil {
			status = s.waitErr.Error()
		}
		return fmt.Errorf("postgres had already stopped on its own (%s); end of %s:\n%s", status, s.logPath, s.logTail())
	}
	pid := s.cmd.Process.Pid
	for _, step := range []struct {
		sig     syscall.Signal
		timeout time.Duration
	}{{syscall.SIGINT, stopTimeout}, {syscall.SIGQUIT, quitTimeout}} {
		if err := s.cmd.Process.Signal(step.sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return fmt.Errorf("signal postgres (pid %d): %w", pid, err)
		}
		select {
		case <-s.exited:
			return nil
		case <-time.After(step.timeout):
			s.logger.Warn("postgres slow to stop; escalating", "pid", pid, "after", step.sig)
		}
	}
	s.cmd.Process.Kill()
	<-s.exited
	return fmt.Errorf("postgres (pid %d) ignored shutdown requests and was killed", pid)
}

// logTail returns the last lines of postgres.log for error messages.
func (s *Server) logTail() string {
	const maxBytes, maxLines = 4096, 15
	f, err := os.Open(s.logPath)
	if err != nil {
		return "(no server log: " + err.Error() + ")"
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > maxBytes {
		f.Seek(fi.Size()-maxBytes, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > maxLines {
		lines = lines[len(lines)-maxLines:]
	}
	return strings.Join(lines, "\n")
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
