package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"outcomereg/registry"
)

// cmdSite: registry site add|list|edit. Like every command, it works while `serve` runs on
// the same data folder.
func cmdSite(ctx context.Context, env *environment, args []string) error {
	const synopsis = "site list | add --code C --name N [--timezone TZ] | edit --code C [--new-code C2] [--name N] [--timezone TZ]"
	fs := newFlags(env, "site", synopsis)
	dataDir := dataDirFlag(fs, env)
	code := fs.String("code", "", "the site's code (lower-case letters, digits, '-' or '_')")
	newCode := fs.String("new-code", "", "edit: a new code for the site")
	name := fs.String("name", "", "the site's name")
	zone := fs.String("timezone", "", "the site's IANA time zone, such as Europe/Copenhagen (default "+registry.DefaultTimeZone+")")
	if len(args) == 0 || (args[0] != "add" && args[0] != "list" && args[0] != "edit") {
		fs.Usage()
		return usageError{errors.New("site needs the action add, list or edit")}
	}
	action := args[0]
	rest, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(rest) > 0 || (action != "list" && *code == "") || (action == "add" && *name == "") {
		fs.Usage()
		return usageError{fmt.Errorf("site %s: wrong arguments", action)}
	}
	db, store, err := openMigrated(ctx, env, *dataDir, cliLogger(env.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	switch action {
	case "list":
		sites, err := store.Sites(ctx)
		if err != nil {
			return err
		}
		for _, s := range sites {
			fmt.Fprintf(env.stdout, "%-16s %-20s %s\n", s.Code, s.TimeZone, s.Name)
		}
		return nil
	case "add":
		if *zone == "" {
			*zone = registry.DefaultTimeZone
		}
		if err := store.AddSite(ctx, registry.CLI, registry.Site{Code: *code, Name: *name, TimeZone: *zone}); err != nil {
			return fieldErrorsText(err)
		}
		fmt.Fprintf(env.stdout, "Site %s (%s, %s) added.\n", *code, *name, *zone)
		return nil
	}
	var current *registry.Site
	sites, err := store.Sites(ctx)
	if err != nil {
		return err
	}
	for i := range sites {
		if sites[i].Code == *code {
			current = &sites[i]
		}
	}
	if current == nil {
		return registry.Errorf(registry.ENOTFOUND, "there is no site %q", *code)
	}
	site := *current
	if *newCode != "" {
		site.Code = *newCode
	}
	if *name != "" {
		site.Name = *name
	}
	if *zone != "" {
		site.TimeZone = *zone
	}
	if err := store.UpdateSite(ctx, registry.CLI, *code, site); err != nil {
		return fieldErrorsText(err)
	}
	fmt.Fprintf(env.stdout, "Site %s saved: %s, %s.\n", site.Code, site.Name, site.TimeZone)
	return nil
}

// cmdUserAdmin: registry user list|disable|enable|reset-password|set-role|set-sites.
func cmdUserAdmin(ctx context.Context, env *environment, args []string) error {
	const synopsis = "user list | disable|enable|reset-password --email E [--url URL] | set-role --email E --role ROLE [--site CODE]... | set-sites --email E --site CODE..."
	fs := newFlags(env, "user", synopsis)
	dataDir := dataDirFlag(fs, env)
	email := fs.String("email", "", "the user's email")
	role := fs.String("role", "", "set-role: admin, nurse, researcher or statistician")
	base := fs.String("url", envOr(env, "REGISTRY_URL", "http://127.0.0.1:8080"), "reset-password: the registry's address, for the link")
	var sites sitesFlag
	fs.Var(&sites, "site", "a site code (repeat for several)")
	actions := []string{"list", "disable", "enable", "reset-password", "set-role", "set-sites"}
	action := args[0]
	known := false
	for _, a := range actions {
		known = known || a == action
	}
	if !known {
		fs.Usage()
		return usageError{fmt.Errorf("user needs one of the actions add, %s", strings.Join(actions, ", "))}
	}
	rest, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(rest) > 0 || (action != "list" && *email == "") || (action == "set-role" && *role == "") {
		fs.Usage()
		return usageError{fmt.Errorf("user %s: wrong arguments", action)}
	}
	db, store, err := openMigrated(ctx, env, *dataDir, cliLogger(env.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	if action == "list" {
		users, err := store.Users(ctx)
		if err != nil {
			return err
		}
		for _, u := range users {
			state := "active"
			if u.Disabled {
				state = "disabled"
			} else if !u.HasPassword {
				state = "no-password"
			}
			last := "never"
			if u.LastSignIn != nil {
				last = u.LastSignIn.UTC().Format("2006-01-02T15:04Z")
			}
			fmt.Fprintf(env.stdout, "%-36s %-13s %-11s %-18s %s\n", u.Email, u.Role, state, last, joinSites(u.Sites))
		}
		return nil
	}
	u, err := store.UserByEmail(ctx, *email)
	if err != nil {
		return err
	}
	switch action {
	case "disable", "enable":
		if err := store.SetUserDisabled(ctx, registry.CLI, u.ID, action == "disable"); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "User %s %sd.\n", u.Email, action)
	case "reset-password":
		token, err := store.ResetPassword(ctx, registry.CLI, u.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "Give %s this link to set a new password (it works once, within %d hours):\n%s/password/%s\n",
			u.Email, int(registry.PasswordLinkValid.Hours()), strings.TrimRight(*base, "/"), token)
	case "set-role":
		if err := store.SetUserRole(ctx, registry.CLI, u.ID, *role, sites); err != nil {
			return fieldErrorsText(err)
		}
		fmt.Fprintf(env.stdout, "User %s is now %s at %s.\n", u.Email, *role, joinSites(sites))
	case "set-sites":
		if err := store.SetUserRole(ctx, registry.CLI, u.ID, u.Role, sites); err != nil {
			return fieldErrorsText(err)
		}
		fmt.Fprintf(env.stdout, "User %s (%s) now at %s.\n", u.Email, u.Role, joinSites(sites))
	}
	return nil
}

func joinSites(sites []string) string {
	if len(sites) == 0 {
		return "all sites"
	}
	return strings.Join(sites, ",")
}
