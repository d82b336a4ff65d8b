package seed

import (
	"context"
	"crypto/rand"
	"fmt"

	"outcomereg/registry"
)

// Login is a demo user's credentials, printed once when the demo data is made.
type Login struct {
	Email, Role, Sites, Password string
}

// demoUsers: one nurse per site, and one administrator, researcher and statistician.
func demoUsers() []registry.NewUser {
	users := []registry.NewUser{
		{Email: "admin@demo.registry", Name: "Demo administrator", Role: registry.RoleAdmin},
		{Email: "researcher@demo.registry", Name: "Demo researcher", Role: registry.RoleResearcher},
		{Email: "statistician@demo.registry", Name: "Demo statistician", Role: registry.RoleStatistician},
	}
	for _, s := range Sites {
		users = append(users, registry.NewUser{Email: "nurse." + s.Code + "@demo.registry",
			Name: "Demo nurse, " + s.Name, Role: registry.RoleNurse, Sites: []string{s.Code}})
	}
	return users
}

// Demo loads the demo sites and studies, adds synthetic patients to each study that has none
// yet, and (re)sets the demo users' passwords, which it returns to be printed once.
func Demo(ctx context.Context, store *registry.Store, opt Options) ([]Login, error) {
	who := registry.Actor{Name: "seed"}
	for _, s := range Sites {
		if err := store.SaveSite(ctx, who, s); err != nil {
			return nil, err
		}
	}
	studies, err := Studies()
	if err != nil {
		return nil, err
	}
	for _, st := range studies {
		if _, err := store.ApplyStudy(ctx, who, st); err != nil {
			return nil, err
		}
		var n int
		if err := store.DB.QueryRow(ctx, `SELECT count(*) FROM patients WHERE study_id = $1`, st.ID).Scan(&n); err != nil {
			return nil, fmt.Errorf("count patients of %s: %w", st.Code, err)
		}
		if n == 0 {
			if err := Patients(ctx, store, st.Code, profiles[st.Code].demoN, Options{Seed: opt.Seed, Today: opt.Today}); err != nil {
				return nil, err
			}
		}
	}
	var logins []Login
	for _, u := range demoUsers() {
		u.Password = rand.Text()[:16]
		if err := store.SetUser(ctx, who, u); err != nil {
			return nil, fmt.Errorf("demo user %s: %w", u.Email, err)
		}
		sites := "all"
		if len(u.Sites) > 0 {
			sites = u.Sites[0]
		}
		logins = append(logins, Login{Email: u.Email, Role: u.Role, Sites: sites, Password: u.Password})
	}
	return logins, nil
}
