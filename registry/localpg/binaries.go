package localpg

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNoBinaries reports that neither PATH nor the Debian/Ubuntu layout holds
// PostgreSQL's server binaries.
var ErrNoBinaries = errors.New("PostgreSQL server binaries (initdb, postgres) not found on PATH or in /usr/lib/postgresql/*/bin")

// Where findBinaries looks; variables so tests can point them elsewhere.
var (
	searchPATH       = func() string { return os.Getenv("PATH") }
	versionedBinGlob = "/usr/lib/postgresql/*/bin"
)

// binaries are the PostgreSQL programs Start runs. Both come from the same
// directory so initdb and the server are always the same version.
type binaries struct {
	initdb   string
	postgres string
}

// findBinaries looks on PATH first, then in the highest installed version
// under versionedBinGlob.
func findBinaries() (binaries, error) {
	dirs := filepath.SplitList(searchPATH())
	dirs = append(dirs, versionedBinDirs()...)
	for _, dir := range dirs {
		if dir == "" {
			continue // an empty PATH entry means the working directory; never trust it
		}
		b := binaries{initdb: filepath.Join(dir, "initdb"), postgres: filepath.Join(dir, "postgres")}
		if isExecutable(b.initdb) && isExecutable(b.postgres) {
			return b, nil
		}
	}
	return binaries{}, fmt.Errorf("%w: install them (Debian/Ubuntu: apt-get install postgresql) or set REGISTRY_DATABASE_URL to use an existing database", ErrNoBinaries)
}

// versionedBinDirs returns the matches of versionedBinGlob, highest version
// first ("16" before "9.6", which a plain string sort would get wrong).
func versionedBinDirs() []string {
	dirs, _ := filepath.Glob(versionedBinGlob) // the pattern is constant; no error possible
	sort.SliceStable(dirs, func(i, j int) bool {
		return versionLess(versionOf(dirs[j]), versionOf(dirs[i]))
	})
	return dirs
}

// versionOf parses the version folder of ".../postgresql/<version>/bin".
// Unparsable parts count as -1 so such folders sort last.
func versionOf(binDir string) []int {
	parts := strings.Split(filepath.Base(filepath.Dir(binDir)), ".")
	v := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			n = -1
		}
		v[i] = n
	}
	return v
}

func versionLess(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
