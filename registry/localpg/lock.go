package localpg

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ErrInUse reports that another registry process holds the data folder.
var ErrInUse = errors.New("data folder in use")

const lockName = "registry.lock"

// folderLock is an exclusive flock on dir/registry.lock, held for a Server's
// lifetime. The kernel drops it when the process dies, so a crash never
// leaves the folder locked. The file holds the owner's pid for the message
// the next process gets.
type folderLock struct {
	f *os.File
}

func lockFolder(dir string) (*folderLock, error) {
	path := filepath.Join(dir, lockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, inUseError(dir, path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := writePID(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &folderLock{f: f}, nil
}

func inUseError(dir, path string) error {
	msg := "another registry is already using data folder " + dir
	if b, err := os.ReadFile(path); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			msg += fmt.Sprintf(" (pid %d)", pid)
		}
	}
	return inUse(msg)
}

// inUse carries the full message for the user and matches ErrInUse for
// errors.Is, so the message does not end in a redundant ": data folder in use".
type inUse string

func (e inUse) Error() string        { return string(e) }
func (e inUse) Is(target error) bool { return target == ErrInUse }

func writePID(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}

// release unlocks the folder; calling it again does nothing. The pid stays
// in the file: it is only read while the lock is held by someone.
func (l *folderLock) release() {
	if l == nil || l.f == nil {
		return
	}
	l.f.Close() // closing the only descriptor drops the flock
	l.f = nil
}
