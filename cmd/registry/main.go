// Command registry is the outcome registry: a web server that follows patients for years
// after advanced treatments and compares outcomes against placebo. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"outcomereg/registry"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "registry:", errorText(err))
		os.Exit(1)
	}
}

// errorText is what a person at the command line sees: the message of a registry error,
// the whole chain of any other.
func errorText(err error) string {
	var e *registry.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

// usageError means the usage has been printed already; exit with status 2.
type usageError struct{ error }

const usage = `registry: the outcome registry

Usage:
  registry serve   [--addr 127.0.0.1:8080] [--data-dir DIR]   run the web server
  registry migrate up | down N [--force] | version            apply or roll back the schema
  registry seed    --demo | --patients N --study CODE [--seed S]
  registry user    add --email E --role ROLE [--site CODE]... (password on stdin)
  registry user    list | disable | enable | reset-password --email E
  registry user    set-role --email E --role ROLE [--site CODE]... | set-sites --email E --site CODE...
  registry site    list | add --code C --name N [--timezone TZ] | edit --code C [--new-code C2] [--name N] [--timezone TZ]
  registry study   apply FILE | unblind CODE [--reason TEXT]
  registry export  --study CODE --table TABLE [--delimiter comma|semicolon|tab] [--out FILE]
  registry import  --study CODE --table TABLE FILE
  registry backup  --out FILE                                  while the server runs
  registry restore [--force] FILE                              into an empty database
  registry dashboard rebuild [--study CODE]                    recompute the summary cells from the clinical rows
  registry audit   verify [--against FILE] | export --out FILE   check the audit trail's hash chain, or archive it
  registry invite  --study CODE --patient NUMBER --visit CODE [--base-url URL] [--language sv]   a patient's link to answer from home

Every command takes --data-dir DIR (default ./.registry, or REGISTRY_DATA_DIR): the folder
of the registry's own PostgreSQL, used when REGISTRY_DATABASE_URL is not set.
`

// command is one subcommand.
type command func(ctx context.Context, env *environment, args []string) error

var commands = map[string]command{
	"serve":       cmdServe,
	"migrate":     cmdMigrate,
	"seed":        cmdSeed,
	"user":        cmdUser,
	"study":       cmdStudy,
	"healthcheck": cmdHealthcheck,
	"export":      cmdExport,
	"import":      cmdImport,
	"site":        cmdSite,
	"backup":      cmdBackup,
	"restore":     cmdRestore,
	"audit":       cmdAudit,
	"dashboard":   cmdDashboard,
}

// environment is what a subcommand gets from outside: so that a test can run the real
// program with its own arguments, variables and streams.
type environment struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	env := &environment{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return usageError{errors.New("no command")}
		}
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "registry: unknown command %q\n\n%s", args[0], usage)
		return usageError{fmt.Errorf("unknown command %q", args[0])}
	}
	return cmd(ctx, env, args[1:])
}
