package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"outcomereg/registry"
	"outcomereg/seed"
)

func newFlags(env *environment, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.stderr, "Usage: registry %s\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// cmdMigrate: registry migrate up | down N | version.
func cmdMigrate(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "migrate", "migrate up | down N [--force] | version")
	dataDir := dataDirFlag(fs, env)
	force := fs.Bool("force", false, "down: roll back even when that drops tables or columns holding data")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 || (rest[0] == "down") != (len(rest) == 2) || len(rest) > 2 {
		fs.Usage()
		return usageError{errors.New("migrate needs up, down N or version")}
	}
	db, err := openDatabase(ctx, env, *dataDir, cliLogger(env.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	g, err := registry.NewMigrator(db.Pool)
	if err != nil {
		return err
	}
	defer g.Close()
	switch rest[0] {
	case "up":
		if err = g.Up(); err == nil {
			err = db.grantServerRole(ctx, db.Pool)
		}
	case "down":
		n, convErr := strconv.Atoi(rest[1])
		if convErr != nil {
			fs.Usage()
			return usageError{fmt.Errorf("migrate down needs a number of steps, got %q", rest[1])}
		}
		if n > 0 && !*force {
			losses, lossErr := g.DownLoss(ctx, n)
			if lossErr != nil {
				return lossErr
			}
			if len(losses) > 0 {
				what := make([]string, len(losses))
				for i, l := range losses {
					what[i] = l.String()
				}
				return registry.Errorf(registry.ECONFLICT, "migrate down %d would drop data: %s. Nothing was changed; "+
					"make a backup (registry backup --out FILE), then add --force to roll back anyway", n, strings.Join(what, "; "))
			}
		}
		err = g.Down(n)
	case "version":
	default:
		fs.Usage()
		return usageError{fmt.Errorf("unknown migrate action %q", rest[0])}
	}
	if err != nil {
		return err
	}
	v, dirty, err := g.Version()
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "schema version %d", v)
	if dirty {
		fmt.Fprint(env.stdout, " (dirty: a migration failed half-way; fix it and force the version)")
	}
	fmt.Fprintln(env.stdout)
	return nil
}

// cmdSeed: registry seed --demo | --patients N --study CODE.
func cmdSeed(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "seed", "seed --demo | --patients N --study CODE [--seed S]")
	dataDir := dataDirFlag(fs, env)
	demo := fs.Bool("demo", false, "load the demo sites, studies, patients and users")
	patients := fs.Int("patients", 0, "add this many synthetic patients to --study")
	study := fs.String("study", "", "study code for --patients")
	seedN := fs.Uint64("seed", 1, "random seed: the same seed gives the same data")
	today := fs.String("today", "", "plan visits around this day (YYYY-MM-DD) instead of today")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *demo == (*patients > 0) || (*patients > 0 && *study == "") || len(rest) > 0 {
		fs.Usage()
		return usageError{errors.New("seed needs --demo, or --patients N with --study CODE")}
	}
	opt := seed.Options{Seed: *seedN}
	if *today != "" {
		d, err := time.Parse(time.DateOnly, *today)
		if err != nil {
			return registry.Errorf(registry.EINVALID, "--today must be a date like 2026-01-31, got %q", *today)
		}
		opt.Today = d
	}
	db, store, err := openMigrated(ctx, env, *dataDir, cliLogger(env.stderr))
	if err != nil {
		return err
	}
	defer db.Close()

	if *demo {
		logins, err := seed.Demo(ctx, store, opt)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.stdout, "Demo data loaded: studies knee-oa, ssc-ahsct, ms-ahsct, liver-msc; sites lund, copenhagen, aarhus, madrid.")
		fmt.Fprintln(env.stdout, "Demo logins (passwords are shown only now; seeding again sets new ones):")
		var table strings.Builder
		for _, l := range logins {
			fmt.Fprintf(&table, "  %-32s %-13s %-11s %s\n", l.Email, l.Role, l.Sites, l.Password)
		}
		fmt.Fprint(env.stdout, table.String())
		path, err := writeDemoLogins(*dataDir, table.String())
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "The logins are also in %s (readable only by you).\n", path)
		return nil
	}
	start := time.Now()
	opt.Progress = progressBar(env.stderr, *patients)
	if err := seed.Patients(ctx, store, *study, *patients, opt); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Added %d synthetic patients to %s in %s.\n", *patients, *study, time.Since(start).Round(time.Millisecond))
	return nil
}

// progressBar draws progress on a terminal; elsewhere (logs, CI) it stays silent.
func progressBar(w io.Writer, total int) func(done, total int) {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	start := time.Now()
	return func(done, total int) {
		const width = 40
		filled := width * done / total
		fmt.Fprintf(w, "\r[%s%s] %d/%d patients, %s", strings.Repeat("#", filled), strings.Repeat(" ", width-filled),
			done, total, time.Since(start).Round(time.Second))
		if done == total {
			fmt.Fprintln(w)
		}
	}
}

// sitesFlag collects repeated --site flags.
type sitesFlag []string

func (s *sitesFlag) String() string     { return strings.Join(*s, ",") }
func (s *sitesFlag) Set(v string) error { *s = append(*s, v); return nil }

// cmdUser: registry user add --email E --role ROLE [--site CODE]..., password on stdin.
func cmdUser(ctx context.Context, env *environment, args []string) error {
	if len(args) > 0 && args[0] != "add" {
		return cmdUserAdmin(ctx, env, args)
	}
	fs := newFlags(env, "user", "user add --email E --role admin|nurse|researcher|statistician [--site CODE]... [--name NAME] < password")
	dataDir := dataDirFlag(fs, env)
	email := fs.String("email", "", "the user's email, their login")
	role := fs.String("role", "", "admin, nurse, researcher or statistician")
	name := fs.String("name", "", "the user's name")
	var sites sitesFlag
	fs.Var(&sites, "site", "a site code the user belongs to (repeat for several)")
	if len(args) == 0 || args[0] != "add" {
		fs.Usage()
		return usageError{errors.New("user needs the action add")}
	}
	rest, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if *email == "" || *role == "" || len(rest) > 0 {
		fs.Usage()
		return usageError{errors.New("user add needs --email and --role")}
	}
	line, err := bufio.NewReader(env.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password from stdin: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	u := registry.NewUser{Email: *email, Name: *name, Role: *role, Password: password, Sites: sites}
	if err := u.Validate(); err != nil {
		return fieldErrorsText(err)
	}
	db, store, err := openMigrated(ctx, env, *dataDir, cliLogger(env.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	id, err := store.CreateUser(ctx, registry.CLI, u)
	if err != nil {
		return fieldErrorsText(err)
	}
	fmt.Fprintf(env.stdout, "User %s (%s) added with id %d.\n", u.Email, u.Role, id)
	return nil
}

// fieldErrorsText turns a validation error into one line per field for the command line.
func fieldErrorsText(err error) error {
	var e *registry.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	var b strings.Builder
	b.WriteString(e.Message + ":")
	for f, msg := range e.Fields {
		fmt.Fprintf(&b, "\n  %s: %s", f, msg)
	}
	return registry.Errorf(e.Code, "%s", b.String())
}

// cmdStudy: registry study apply FILE | unblind CODE.
func cmdStudy(ctx context.Context, env *environment, args []string) error {
	if len(args) > 0 && args[0] == "unblind" {
		return cmdStudyUnblind(ctx, env, args[1:])
	}
	fs := newFlags(env, "study", "study apply FILE | study unblind CODE [--reason TEXT]")
	dataDir := dataDirFlag(fs, env)
	if len(args) == 0 || args[0] != "apply" {
		fs.Usage()
		return usageError{errors.New("study needs the action apply or unblind")}
	}
	rest, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		fs.Usage()
		return usageError{errors.New("study apply needs one FILE")}
	}
	file := rest[0]
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("read study file: %w", err)
	}
	st, err := registry.ParseStudyFile(file, data)
	if err != nil {
		return err
	}
	db, store, err := openMigrated(ctx, env, *dataDir, cliLogger(env.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := store.ApplyStudy(ctx, registry.CLI, st)
	if err != nil {
		return err
	}
	switch {
	case res.Created:
		fmt.Fprintf(env.stdout, "Study %s created from %s.\n", st.Code, file)
	case res.Changes == 0:
		fmt.Fprintf(env.stdout, "Study %s is already as %s defines it: nothing changed.\n", st.Code, file)
	default:
		fmt.Fprintf(env.stdout, "Study %s updated from %s: %d changes.\n", st.Code, file, res.Changes)
	}
	return nil
}

// cmdHealthcheck: registry healthcheck [--url URL], for container health checks where no
// curl is installed. Exits non-zero unless the URL answers 200.
func cmdHealthcheck(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "healthcheck", "healthcheck [--url http://127.0.0.1:8080/healthz]")
	url := fs.String("url", "http://127.0.0.1:8080/healthz", "health URL of a running registry")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", *url, resp.Status)
	}
	fmt.Fprintln(env.stdout, "healthy")
	return nil
}
