package localpg

import (
	"fmt"
	"os/exec"
	"path/filepath"
)

// Program returns the path of a PostgreSQL client program (pg_dump, pg_restore, psql) from
// the same installation as the server binaries the registry runs, so that a backup is
// written by the version that runs the cluster.
func Program(name string) (string, error) {
	bins, err := findBinaries()
	if err != nil {
		return "", err
	}
	// postgres may be a link on PATH into the installation's folder (/usr/lib/postgresql/N/bin).
	server := bins.postgres
	if real, err := filepath.EvalSymlinks(server); err == nil {
		server = real
	}
	path := filepath.Join(filepath.Dir(server), name)
	if isExecutable(path) {
		return path, nil
	}
	if path, err := exec.LookPath(name); err == nil {
		return path, nil
	}
	return "", fmt.Errorf("%s is not installed beside %s (Debian/Ubuntu: apt-get install postgresql-client)", name, server)
}
