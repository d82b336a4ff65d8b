// Package migrations holds the registry's schema as numbered SQL files, embedded in the
// binary and applied by golang-migrate.
package migrations

import "embed"

// FS holds NNNN_name.up.sql and NNNN_name.down.sql.
//
//go:embed *.sql
var FS embed.FS
