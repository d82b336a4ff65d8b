package localpg

import (
	"context"
	"errors"
	"log/slog"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// testDir returns a not yet existing data folder below a fresh temp folder.
// The temp folder is 0755 (os.MkdirTemp makes 0700) so that, when the tests
// run as root, the postgres user can reach the cluster. The space in the name
// checks that paths are quoted wherever they are passed on.
func testDir(t *testing.T) string {
	t.Helper()
	base, err := os.MkdirTemp("", "localpg-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(base, "data folder")
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, nil))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// startServer starts a server on dir that is stopped when owner ends, which
// may be a parent of t so the server outlives t.
func startServer(t, owner *testing.T, dir string) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Start(ctx, dir, testLogger(t))
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	owner.Cleanup(func() { s.Stop() })
	return s
}

func connect(t *testing.T, s *Server, dbname string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL(dbname))
	if err != nil {
		t.Fatalf("connect to %s: %v", dbname, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func queryString(t *testing.T, conn *pgx.Conn, sql string) string {
	t.Helper()
	var v string
	if err := conn.QueryRow(context.Background(), sql).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

func mustExec(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// processGone reports whether pid no longer exists. Our postmasters are
// children reaped by Server, so no zombie lingers once Stop returns.
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// TestLifecycle shares one initdb between the steps, which run in order.
func TestLifecycle(t *testing.T) {
	dir := testDir(t)
	first := startServer(t, t, dir)
	firstPID := first.cmd.Process.Pid

	t.Run("query", func(t *testing.T) {
		conn := connect(t, first, Database)
		if got := queryString(t, conn, "SELECT current_user || '/' || current_database()"); got != User+"/"+Database {
			t.Errorf("connected as %q, want %s/%s", got, User, Database)
		}
		if got := queryString(t, conn, "SHOW listen_addresses"); got != "" {
			t.Errorf("listen_addresses = %q, want no TCP", got)
		}
		mustExec(t, conn, "CREATE TABLE survivor (note text)")
		mustExec(t, conn, "INSERT INTO survivor VALUES ('kept')")
		conn.Close(context.Background())

		// What the registry's tests will do: clone a database from a template.
		admin := connect(t, first, "postgres")
		mustExec(t, admin, "CREATE DATABASE clone TEMPLATE "+Database)
		if got := queryString(t, connect(t, first, "clone"), "SELECT note FROM survivor"); got != "kept" {
			t.Errorf("clone holds %q, want kept", got)
		}
	})

	t.Run("second start is refused", func(t *testing.T) {
		_, err := Start(context.Background(), dir, testLogger(t))
		if !errors.Is(err, ErrInUse) {
			t.Fatalf("second Start: got %v, want ErrInUse", err)
		}
		if want := "(pid " + strconv.Itoa(os.Getpid()) + ")"; !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), dir) {
			t.Errorf("error %q should name the folder and %s", err, want)
		}
	})

	t.Run("stop", func(t *testing.T) {
		if err := first.Stop(); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		if !processGone(firstPID) {
			t.Errorf("postmaster %d still exists after Stop", firstPID)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if conn, err := pgconn.Connect(ctx, first.URL("postgres")); err == nil {
			conn.Close(ctx)
			t.Error("socket still answers after Stop")
		}
		if err := first.Stop(); err != nil {
			t.Errorf("second Stop: %v", err)
		}
	})

	var second *Server
	outer := t
	t.Run("restart keeps data", func(t *testing.T) {
		// As after a reboot: postmaster.pid names a pid some other program
		// now has, which would make postgres refuse to start.
		sleeper := osexec.Command("sleep", "60")
		if err := sleeper.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { sleeper.Process.Kill(); sleeper.Wait() }()
		pidFile := filepath.Join(dir, "pgdata", "postmaster.pid")
		if err := os.WriteFile(pidFile, []byte(strconv.Itoa(sleeper.Process.Pid)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}

		second = startServer(t, outer, dir)
		if got := queryString(t, connect(t, second, Database), "SELECT note FROM survivor"); got != "kept" {
			t.Errorf("after restart survivor holds %q, want kept", got)
		}
	})
	if second == nil {
		t.FailNow()
	}

	t.Run("postmaster left by a crashed registry", func(t *testing.T) {
		// A crash ends the registry's process, its supervisor and its flock, but leaves
		// the postmaster running. Ending only the flock would leave second's supervisor
		// alive to restart the postmaster third has just stopped, racing third's start.
		orphanPID := second.cmd.Process.Pid
		second.stopOnce.Do(func() {
			close(second.stopping)
			<-second.supervised
			second.lock.release()
		})

		third := startServer(t, t, dir)
		if !processGone(orphanPID) {
			t.Errorf("old postmaster %d still running", orphanPID)
		}
		if got := queryString(t, connect(t, third, Database), "SELECT note FROM survivor"); got != "kept" {
			t.Errorf("survivor holds %q, want kept", got)
		}
		if err := third.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
}

func TestNoBinaries(t *testing.T) {
	empty := t.TempDir()
	setSearch(t, empty, filepath.Join(empty, "none", "*", "bin"))

	dir := filepath.Join(t.TempDir(), "pg")
	_, err := Start(context.Background(), dir, testLogger(t))
	if !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("got %v, want ErrNoBinaries", err)
	}
	msg := err.Error()
	for _, want := range []string{"apt-get install postgresql", "REGISTRY_DATABASE_URL"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error %q is not one line", msg)
	}
}

func TestFindBinaries(t *testing.T) {
	root := t.TempDir()
	fake := func(dir string, names ...string) string {
		t.Helper()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	for _, v := range []string{"9.6", "16", "10", "beta"} {
		fake(filepath.Join(root, "lib", v, "bin"), "initdb", "postgres")
	}
	glob := filepath.Join(root, "lib", "*", "bin")
	onlyInitdb := fake(filepath.Join(root, "half"), "initdb")
	both := fake(filepath.Join(root, "path"), "initdb", "postgres")

	for _, tc := range []struct {
		name, path, want string
	}{
		{"highest version", onlyInitdb, filepath.Join(root, "lib", "16", "bin")},
		{"PATH first", onlyInitdb + string(filepath.ListSeparator) + both, both},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setSearch(t, tc.path, glob)
			b, err := findBinaries()
			if err != nil {
				t.Fatal(err)
			}
			if got := filepath.Dir(b.postgres); got != tc.want || filepath.Dir(b.initdb) != tc.want {
				t.Errorf("found %+v, want both in %s", b, tc.want)
			}
		})
	}
}

func setSearch(t *testing.T, path, glob string) {
	oldPath, oldGlob := searchPATH, versionedBinGlob
	searchPATH = func() string { return path }
	versionedBinGlob = glob
	t.Cleanup(func() { searchPATH, versionedBinGlob = oldPath, oldGlob })
}

func TestSocketDirFor(t *testing.T) {
	short := "/srv/registry/pg"
	if got, inTmp := socketDirFor(short); got != short+"/run" || inTmp {
		t.Errorf("socketDirFor(%s) = %s, %v", short, got, inTmp)
	}
	long := "/srv/" + strings.Repeat("very-long-folder-name/", 5) + "pg"
	got, inTmp := socketDirFor(long)
	if !inTmp || !strings.HasPrefix(got, os.TempDir()+"/registry-pg-") || len(socketFile(got)) > maxSocketPath {
		t.Errorf("socketDirFor(long) = %s, %v", got, inTmp)
	}
	if again, _ := socketDirFor(long); again != got {
		t.Errorf("socket folder not stable: %s then %s", got, again)
	}
}

func TestURLQuoting(t *testing.T) {
	s := &Server{socketDir: `/tmp/it's a \ folder`}
	cfg, err := pgconn.ParseConfig(s.URL("my db"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != s.socketDir || cfg.Database != "my db" || cfg.User != User || cfg.Port != 5432 {
		t.Errorf("parsed host %q db %q user %q port %d", cfg.Host, cfg.Database, cfg.User, cfg.Port)
	}
}

func TestUntraversableParent(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root hands the server to another user")
	}
	if _, err := serverAccount(filepath.Join(t.TempDir(), "none")); err != nil {
		t.Skip(err)
	}
	private := filepath.Join(filepath.Dir(testDir(t)), "private")
	if err := os.Mkdir(private, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), filepath.Join(private, "pg"), testLogger(t))
	if err == nil || !strings.Contains(err.Error(), "cannot enter "+private) {
		t.Fatalf("got %v, want an error naming %s", err, private)
	}
}

// TestLongPath checks the socket moves to /tmp when the data folder's path is
// too long for a socket path, and that Stop removes it again.
func TestLongPath(t *testing.T) {
	dir := filepath.Join(testDir(t), strings.Repeat("long-folder-name/", 6)+"pg")
	s := startServer(t, t, dir)
	if !s.tmpSocket {
		t.Fatalf("socket folder %s for %s not moved to /tmp", s.socketDir, dir)
	}
	if got := queryString(t, connect(t, s, Database), "SELECT current_database()"); got != Database {
		t.Errorf("current_database() = %q", got)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.socketDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket folder %s left behind: %v", s.socketDir, err)
	}
}
