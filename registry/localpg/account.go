package localpg

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// account is the Unix user initdb and postgres run as. When switchTo is false
// they run as the current user and uid/gid are ours.
type account struct {
	name     string
	uid, gid uint32
	switchTo bool
}

// serverAccount picks who runs PostgreSQL. It refuses to run as root, so root
// hands it to the owner of an existing cluster (keeping a cluster made by a
// non-root run usable) or else to the "postgres" system user.
func serverAccount(pgdata string) (account, error) {
	if os.Geteuid() != 0 {
		return account{name: "current user", uid: uint32(os.Geteuid()), gid: uint32(os.Getegid())}, nil
	}
	if st, err := statT(pgdata); err == nil && st.Uid != 0 {
		u, err := user.LookupId(strconv.FormatUint(uint64(st.Uid), 10))
		if err != nil {
			return account{}, fmt.Errorf("find owner (uid %d) of %s: %w", st.Uid, pgdata, err)
		}
		return accountOf(u)
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return account{}, fmt.Errorf("PostgreSQL cannot run as root and there is no 'postgres' user to run it as (apt-get install postgresql creates one): %w", err)
	}
	return accountOf(u)
}

func accountOf(u *user.User) (account, error) {
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return account{}, fmt.Errorf("user %s: uid %q: %w", u.Username, u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return account{}, fmt.Errorf("user %s: gid %q: %w", u.Username, u.Gid, err)
	}
	return account{name: u.Username, uid: uint32(uid), gid: uint32(gid), switchTo: true}, nil
}

// sysProcAttr runs a child as the account, in its own process group so that
// the terminal's Ctrl-C reaches only the registry, whose Stop then shuts
// PostgreSQL down in order.
func (a account) sysProcAttr() *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: true}
	if a.switchTo {
		// Groups nil: drop root's supplementary groups.
		attr.Credential = &syscall.Credential{Uid: a.uid, Gid: a.gid}
	}
	return attr
}

// own gives a folder the account creates files in to the account.
func (a account) own(path string) error {
	if !a.switchTo {
		return nil
	}
	if err := os.Chown(path, int(a.uid), int(a.gid)); err != nil {
		return fmt.Errorf("give %s to user %s: %w", path, a.name, err)
	}
	return nil
}

// checkTraversable makes sure the account can reach dir: with every folder
// from dir up to / it needs search (x) permission, or initdb fails with a
// far less helpful message. Only mode bits are checked, not ACLs.
func (a account) checkTraversable(dir string) error {
	if !a.switchTo {
		return nil // we created or reached dir ourselves
	}
	for p := dir; ; p = filepath.Dir(p) {
		st, err := statT(p)
		if err != nil {
			return fmt.Errorf("check access to %s: %w", p, err)
		}
		if !a.canSearch(st) {
			return fmt.Errorf("PostgreSQL runs as user %s, who cannot enter %s (mode %04o): allow it (chmod o+x %s) or choose a data folder elsewhere",
				a.name, p, st.Mode&0o7777, p)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

func (a account) canSearch(st *syscall.Stat_t) bool {
	switch {
	case st.Uid == a.uid:
		return st.Mode&0o100 != 0
	case st.Gid == a.gid: // the child has no supplementary groups
		return st.Mode&0o010 != 0
	default:
		return st.Mode&0o001 != 0
	}
}

// ensurePrivateDir creates path as a 0700 folder of the account, or accepts an
// existing one only if it is a real folder (not a symlink) owned by the
// account or by us; this matters for the socket folder under /tmp.
func (a account) ensurePrivateDir(path string) error {
	if err := os.Mkdir(path, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create %s: %w", path, err)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || (st.Uid != a.uid && st.Uid != uint32(os.Geteuid())) {
		return fmt.Errorf("%s exists but is not a folder of user %s; remove it", path, a.name)
	}
	if err := os.Chmod(path, 0o700); err != nil {
		return fmt.Errorf("restrict %s: %w", path, err)
	}
	return a.own(path)
}

func statT(path string) (*syscall.Stat_t, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	return fi.Sys().(*syscall.Stat_t), nil
}
