// Package localpg runs a private PostgreSQL cluster for the registry when no
// database URL is configured.
//
// The cluster lives in a data folder owned by this package: Start initialises
// it with the machine's own PostgreSQL binaries the first time, starts the
// server listening only on a Unix socket inside that folder (no TCP port at
// all), creates the "registry" database and waits until it accepts
// connections. Stop shuts it down again. An flock on a file in the folder
// keeps two registries from using the same cluster at once.
//
// PostgreSQL refuses to run as root, so when the registry runs as root the
// server runs as the "postgres" system user (or the existing cluster's owner)
// while the registry keeps connecting as the fixed superuser [User] over the
// socket, which trusts local connections.
package localpg
