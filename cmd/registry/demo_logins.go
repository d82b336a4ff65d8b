package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// demoLoginsFile is where `seed --demo` keeps the demo logins, in the data folder, so that
// they can be found again after the request log has scrolled them away.
const demoLoginsFile = "demo-logins.txt"

// writeDemoLogins writes the logins table to the data folder, readable by its owner only
// (the file is made afresh, so an older file's wider permissions are not kept).
func writeDemoLogins(dataDir, table string) (string, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", fmt.Errorf("create data folder for the demo logins: %w", err)
	}
	path, err := filepath.Abs(filepath.Join(dataDir, demoLoginsFile))
	if err != nil {
		return "", err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("replace %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("write the demo logins: %w", err)
	}
	text := "Demo logins of the registry (email, role, sites, password); `registry seed --demo` sets new passwords.\n" + table
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return path, f.Close()
}

// demoLoginsNote is what serve prints when the data folder holds demo logins.
func demoLoginsNote(dataDir string) string {
	path, err := filepath.Abs(filepath.Join(dataDir, demoLoginsFile))
	if err != nil {
		return ""
	}
	if _, err := os.Stat(path); err != nil {
		return ""
	}
	return "The demo logins are in " + path + "\n"
}
