package localpg

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// stopStalePostmaster deals with a postmaster.pid left by a registry that
// crashed: we hold the folder lock, so no live registry owns that server.
//   - A postmaster still running on pgdata is shut down (fast, then
//     immediate), so we can start our own with the settings we control.
//   - A pid that now belongs to an unrelated process (typical after a reboot)
//     would make postgres refuse to start, so the file is removed. A dead pid
//     is left alone: postgres itself handles that case.
func stopStalePostmaster(pgdata string, logger *slog.Logger) error {
	pidFile := filepath.Join(pgdata, "postmaster.pid")
	pid, err := readPostmasterPID(pidFile)
	if err != nil || pid == os.Getpid() {
		return err
	}
	running, err := isPostmasterOf(pid, pgdata)
	if err != nil {
		return err
	}
	if running {
		logger.Info("stopping PostgreSQL left running by an earlier registry", "pid", pid, "folder", pgdata)
		return stopOrphan(pid, pgdata)
	}
	if processExists(pid) {
		if err := os.Remove(pidFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove stale %s: %w", pidFile, err)
		}
	}
	return nil
}

// readPostmasterPID returns the pid on the first line of postmaster.pid, or
// 0 if there is no such file.
func readPostmasterPID(path string) (int, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, nil // empty: postgres was killed while writing it
	}
	pid, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
	if err != nil || pid <= 0 {
		return 0, nil // garbage; postgres will overwrite it
	}
	return pid, nil
}

// processExists reports whether pid exists, whoever owns it.
func processExists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// isPostmasterOf tells whether pid is a live postgres serving pgdata. The
// postmaster works in its data folder, so its /proc cwd identifies it even if
// the pid was reused; a dead process or a zombie has no cwd. A process we
// may not inspect is not ours: our postmaster runs as us, or we are root.
func isPostmasterOf(pid int, pgdata string) (bool, error) {
	cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check whether pid %d in %s is a running PostgreSQL: %w", pid, filepath.Join(pgdata, "postmaster.pid"), err)
	}
	resolved, err := filepath.EvalSymlinks(pgdata)
	if err != nil {
		return false, fmt.Errorf("resolve %s: %w", pgdata, err)
	}
	return cwd == resolved, nil
}

// stopOrphan shuts down a postmaster that is not our child, so it can only
// be polled, not waited for.
func stopOrphan(pid int, pgdata string) error {
	for _, step := range []struct {
		sig     syscall.Signal
		timeout time.Duration
	}{{syscall.SIGINT, stopTimeout}, {syscall.SIGQUIT, quitTimeout}} {
		if err := syscall.Kill(pid, step.sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("signal PostgreSQL (pid %d): %w", pid, err)
		}
		for deadline := time.Now().Add(step.timeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if running, err := isPostmasterOf(pid, pgdata); err != nil || !running {
				return err
			}
		}
	}
	return fmt.Errorf("PostgreSQL (pid %d) left running on %s by an earlier registry does not stop; stop it by hand", pid, pgdata)
}
