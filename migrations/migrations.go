// Package migrations holds the registry's schema as numbered SQL files, embedded in the
// binary and applied by golang-migrate, and its functions (functions.sql), applied after
// them.
package migrations

import "embed"

// FS holds NNNN_name.up.sql and NNNN_name.down.sql.
//
//go:embed [0-9]*.sql
var FS embed.FS

// Functions is functions.sql: every function of the schema in its current version, each
// statement idempotent (CREATE OR REPLACE), applied after the migrations.
//
//go:embed functions.sql
var Functions string
