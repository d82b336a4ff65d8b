package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"outcomereg/registry"
	"outcomereg/views"
)

func init() { commands["invite"] = cmdInvite }

// cmdInvite: registry invite --study CODE --patient NUMBER --visit CODE [--base-url URL]
// [--language sv] [--email ADDRESS]. The same invitation as the patient page's: the same
// rule (registry.Invitable), the same audit row; it prints the link, and emails it when an
// address is on file and REGISTRY_SMTP_URL is set.
func cmdInvite(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "invite", "invite --study CODE --patient NUMBER --visit CODE [--base-url URL] [--language en|sv|da|es] [--email ADDRESS]")
	dataDir := dataDirFlag(fs, env)
	study := fs.String("study", "", "study code")
	number := fs.String("patient", "", "the patient's study number")
	visit := fs.String("visit", "", "the scheduled visit's code")
	base := fs.String("base-url", envOr(env, "REGISTRY_PUBLIC_URL", envOr(env, "REGISTRY_URL", "http://127.0.0.1:8080")), "the registry's address as the patient opens it")
	lang := fs.String("language", "en", "the patient's language: en, sv, da or es")
	email := fs.String("email", "", "the patient's email address, kept to send the link and reminders to")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *study == "" || *number == "" || *visit == "" || len(rest) > 0 {
		fs.Usage()
		return usageError{errors.New("invite needs --study, --patient and --visit")}
	}
	mail, err := newMailer(env.getenv("REGISTRY_SMTP_URL"))
	if err != nil {
		return err
	}
	db, store, err := openMigrated(ctx, env, *dataDir, cliLogger(env.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	admin := &registry.User{Role: registry.RoleAdmin, Name: "cli"}
	inv, err := store.Invite(ctx, registry.CLI, admin, *study, *number, *visit, registry.InviteInput{Language: *lang, Email: *email}, nurseClock())
	if err != nil {
		var e *registry.Error
		if errors.As(err, &e) && len(e.Fields) > 0 && e.Fields["invite"] == "" {
			var parts []string
			for _, field := range []string{"language", "email"} {
				if msg := registry.FieldText(err, field); msg != "" {
					parts = append(parts, "--"+field+": "+msg)
				}
			}
			return registry.Errorf(registry.EINVALID, "The invitation was not made: %s", strings.Join(parts, "; "))
		}
		return err
	}
	url := strings.TrimSuffix(*base, "/") + linkPath(inv.Token)
	fmt.Fprintln(env.stdout, url)
	fmt.Fprintf(env.stderr, "The link works once, from %s to %s. It cannot be shown again.\n", inv.Window.Opens.Format("2006-01-02"), inv.Window.Closes.Format("2006-01-02"))
	if inv.Email != "" && mail != nil {
		a := &app{store: store, cfg: config{mail: mail}}
		if err := a.emailInvitation(ctx, registry.CLI, inv, url); err != nil {
			return fmt.Errorf("the link above was made, but not emailed: %w", err)
		}
		fmt.Fprintf(env.stderr, "%s\n", views.T(views.WithLanguage(ctx, "en"), "The link was emailed to %s.", inv.Email))
	}
	return nil
}
