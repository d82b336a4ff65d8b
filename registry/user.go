package registry

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Roles.
const (
	RoleAdmin        = "admin"
	RoleNurse        = "nurse"
	RoleResearcher   = "researcher"
	RoleStatistician = "statistician"
)

// Roles lists every role.
var Roles = []string{RoleAdmin, RoleNurse, RoleResearcher, RoleStatistician}

// Site is a hospital or clinic. Its time zone (an IANA name) gives its date: "today",
// visit windows and the worklist follow it.
type Site struct {
	ID       int64
	Code     string
	Name     string
	TimeZone string
}

// DefaultTimeZone is the time zone of a site that was given none.
const DefaultTimeZone = "Europe/Stockholm"

// User is a person who signs in. Sites limit what a nurse sees; administrators see all.
type User struct {
	ID       int64
	Email    string
	Name     string
	Role     string
	Language string
	Disabled bool
	Sites    []string // site codes
}

// NewUser is what it takes to create a user.
type NewUser struct {
	Email    string
	Name     string
	Role     string
	Password string
	Sites    []string
}

// Validate checks a new user.
func (u NewUser) Validate() error {
	errs := FieldErrors{}
	if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email {
		errs.Add("email", fmt.Sprintf("%q is not an email address", u.Email))
	}
	known := false
	for _, r := range Roles {
		known = known || r == u.Role
	}
	if !known {
		errs.Add("role", fmt.Sprintf("must be one of %s; got %q", strings.Join(Roles, ", "), u.Role))
	}
	errs.CheckText("name", u.Name, MaxNameLength)
	if msg := passwordFieldError(u.Password); msg != "" {
		errs.Add("password", msg)
	}
	if u.Role == RoleNurse && len(u.Sites) == 0 {
		errs.Add("sites", "a nurse needs at least one site")
	}
	return errs.Err("the user is not valid")
}

// UpsertSite creates a site or renames it; a new site gets the default time zone and an
// existing one keeps its own.
func (s *Store) UpsertSite(ctx context.Context, who Actor, code, name string) error {
	return s.SaveSite(ctx, who, Site{Code: code, Name: name})
}

// SaveSite creates a site or changes its name and time zone. An empty TimeZone keeps the
// site's zone (Europe/Stockholm for a new site); a zone the registry does not know is
// refused.
func (s *Store) SaveSite(ctx context.Context, who Actor, site Site) error {
	if !codePattern.MatchString(site.Code) {
		return Errorf(EINVALID, "site code %q must be lower-case letters, digits, '-' or '_'", site.Code)
	}
	if strings.TrimSpace(site.Name) == "" {
		return &Error{Code: EINVALID, Message: "the site is not valid", Fields: map[string]string{"name": "is required"}}
	}
	if err := CheckText("name", site.Name, MaxNameLength); err != nil {
		return err
	}
	if site.TimeZone != "" {
		if _, err := LoadTimeZone(site.TimeZone); err != nil {
			return &Error{Code: EINVALID, Message: "the site is not valid", Fields: map[string]string{"time_zone": err.Error()}}
		}
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var zone any
		if site.TimeZone != "" {
			zone = site.TimeZone
		}
		n, err := exec(ctx, tx, `INSERT INTO sites (code, name, time_zone) VALUES ($1, $2, coalesce($3, 'Europe/Stockholm'))
			ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, time_zone = coalesce($3, sites.time_zone)
			WHERE (sites.name, sites.time_zone) IS DISTINCT FROM (EXCLUDED.name, coalesce($3, sites.time_zone))`,
			site.Code, site.Name, zone)
		if err != nil || n == 0 {
			return err
		}
		after := map[string]string{"name": site.Name}
		if site.TimeZone != "" {
			after["time_zone"] = site.TimeZone
		}
		return insertAudit(ctx, tx, who, AuditEntry{Action: "upsert", Entity: "site", EntityID: site.Code, After: after})
	})
}

// Sites lists every site.
func (s *Store) Sites(ctx context.Context) ([]Site, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, code, name, time_zone FROM sites ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("list sites: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Site])
}

// CreateUser adds a user with a hashed password; an existing email is a conflict.
func (s *Store) CreateUser(ctx context.Context, who Actor, u NewUser) (int64, error) {
	return s.saveUser(ctx, who, u, false)
}

// SetUser creates a user, or resets an existing one's name, role, sites and password.
func (s *Store) SetUser(ctx context.Context, who Actor, u NewUser) error {
	_, err := s.saveUser(ctx, who, u, true)
	return err
}

func (s *Store) saveUser(ctx context.Context, who Actor, u NewUser, replace bool) (int64, error) {
	if err := u.Validate(); err != nil {
		return 0, err
	}
	hash, err := HashPassword(u.Password)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		action := "insert"
		err := tx.QueryRow(ctx, `INSERT INTO users (email, name, role, password_hash) VALUES ($1, $2, $3, $4)
			ON CONFLICT ((lower(email))) DO NOTHING RETURNING id`, u.Email, u.Name, u.Role, hash).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			if !replace {
				return Errorf(ECONFLICT, "a user with the email %s already exists", u.Email)
			}
			action = "update"
			err = tx.QueryRow(ctx, `UPDATE users SET name = $2, role = $3, password_hash = $4, disabled = false
				WHERE lower(email) = lower($1) RETURNING id`, u.Email, u.Name, u.Role, hash).Scan(&id)
		}
		if err != nil {
			return fmt.Errorf("save user: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM user_sites WHERE user_id = $1`, id); err != nil {
			return fmt.Errorf("replace sites: %w", err)
		}
		for _, code := range u.Sites {
			n, err := exec(ctx, tx, `INSERT INTO user_sites (user_id, site_id) SELECT $1, id FROM sites WHERE code = $2
				ON CONFLICT DO NOTHING`, id, code)
			if err != nil {
				return fmt.Errorf("add site %s: %w", code, err)
			}
			if n == 0 {
				return Errorf(EINVALID, "there is no site %q", code)
			}
		}
		// The password hash is never written to the audit trail.
		return insertAudit(ctx, tx, who, AuditEntry{Action: action, Entity: "user", EntityID: fmt.Sprint(id),
			After: map[string]any{"email": u.Email, "role": u.Role, "sites": u.Sites}})
	})
	return id, err
}
