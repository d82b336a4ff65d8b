package registry

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// PasswordLinkValid is how long a link to set a password works.
const PasswordLinkValid = 72 * time.Hour

// noPassword is the hash of a user who has not set a password yet: it matches none.
const noPassword = "!"

// UserSummary is a user as the administrators' list shows her.
type UserSummary struct {
	User
	LastSignIn  *time.Time
	HasPassword bool
}

// Invitation is what an administrator gives to add a user; she sets her password herself.
type Invitation struct {
	Email string
	Name  string
	Role  string
	Sites []string
}

// Validate checks an invitation: the rules of a new user but the password.
func (u Invitation) Validate() error {
	errs := FieldErrors{}
	if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email {
		errs.Add("email", fmt.Sprintf("%q is not an email address", u.Email))
	}
	checkRoleAndSites(errs, u.Role, u.Sites)
	return errs.Err("the user is not valid")
}

func checkRoleAndSites(errs FieldErrors, role string, sites []string) {
	if !slices.Contains(Roles, role) {
		errs.Add("role", fmt.Sprintf("must be one of %s; got %q", strings.Join(Roles, ", "), role))
	}
	if role == RoleNurse && len(sites) == 0 {
		errs.Add("sites", "a nurse needs at least one site")
	}
}

// Users lists every user with her sites and last sign-in, by email.
func (s *Store) Users(ctx context.Context) ([]UserSummary, error) {
	rows, err := s.DB.Query(ctx, `
		SELECT id, email, name, role, language, disabled,
		       coalesce((SELECT array_agg(s.code ORDER BY s.code) FROM user_sites us JOIN sites s ON s.id = us.site_id WHERE us.user_id = users.id), '{}'),
		       last_sign_in_at, password_hash <> $1
		FROM users ORDER BY lower(email)`, noPassword)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (UserSummary, error) {
		var u UserSummary
		err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Language, &u.Disabled, &u.Sites, &u.LastSignIn, &u.HasPassword)
		return u, err
	})
}

// UserByEmail finds a user by email (any case).
func (s *Store) UserByEmail(ctx context.Context, email string) (*UserSummary, error) {
	list, err := s.Users(ctx)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if strings.EqualFold(list[i].Email, strings.TrimSpace(email)) {
			return &list[i], nil
		}
	}
	return nil, Errorf(ENOTFOUND, "There is no user with the email %s.", email)
}

// UserByID finds a user by id.
func (s *Store) UserByID(ctx context.Context, id int64) (*UserSummary, error) {
	list, err := s.Users(ctx)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].ID == id {
			return &list[i], nil
		}
	}
	return nil, Errorf(ENOTFOUND, "There is no such user.")
}

// InviteUser adds a user without a password and returns a one-time link token with which
// she sets it.
func (s *Store) InviteUser(ctx context.Context, who Actor, u Invitation) (int64, string, error) {
	u.Email = strings.TrimSpace(u.Email)
	if err := u.Validate(); err != nil {
		return 0, "", err
	}
	var id int64
	var token string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO users (email, name, role, password_hash) VALUES ($1, $2, $3, $4)
			ON CONFLICT ((lower(email))) DO NOTHING RETURNING id`, u.Email, u.Name, u.Role, noPassword).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return &Error{Code: ECONFLICT, Message: "the user is not valid",
				Fields: map[string]string{"email": fmt.Sprintf("a user with the email %s already exists", u.Email)}}
		}
		if err != nil {
			return fmt.Errorf("add user: %w", err)
		}
		if err := setUserSites(ctx, tx, id, u.Sites); err != nil {
			return err
		}
		if err := insertAudit(ctx, tx, who, AuditEntry{Action: "insert", Entity: "user", EntityID: fmt.Sprint(id),
			After: map[string]any{"email": u.Email, "name": u.Name, "role": u.Role, "sites": nonNil(u.Sites)}}); err != nil {
			return err
		}
		token, err = newPasswordLink(ctx, tx, who, id)
		return err
	})
	return id, token, err
}

func setUserSites(ctx context.Context, tx pgx.Tx, userID int64, sites []string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM user_sites WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("replace sites: %w", err)
	}
	for _, code := range sites {
		n, err := exec(ctx, tx, `INSERT INTO user_sites (user_id, site_id) SELECT $1, id FROM sites WHERE code = $2
			ON CONFLICT DO NOTHING`, userID, code)
		if err != nil {
			return fmt.Errorf("add site %s: %w", code, err)
		}
		if n == 0 {
			return &Error{Code: EINVALID, Message: "the user is not valid", Fields: map[string]string{"sites": fmt.Sprintf("there is no site %q", code)}}
		}
	}
	return nil
}

// newPasswordLink makes a link token for a user, valid PasswordLinkValid; her earlier
// unused links stop working.
func newPasswordLink(ctx context.Context, tx pgx.Tx, who Actor, userID int64) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("link token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	if _, err := tx.Exec(ctx, `UPDATE password_links SET expires_at = least(expires_at, now()) WHERE user_id = $1 AND used_at IS NULL`, userID); err != nil {
		return "", fmt.Errorf("void earlier links: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO password_links (token_hash, user_id, expires_at) VALUES ($1, $2, now() + $3::interval)`,
		tokenHash(token), userID, interval(PasswordLinkValid)); err != nil {
		return "", fmt.Errorf("save link: %w", err)
	}
	return token, insertAudit(ctx, tx, who, AuditEntry{Action: "password_link", Entity: "user", EntityID: fmt.Sprint(userID),
		After: map[string]any{"valid_hours": int(PasswordLinkValid.Hours())}})
}

// ResetPassword gives a user a new one-time link to set her password. Her password and
// sessions stay until she uses it.
func (s *Store) ResetPassword(ctx context.Context, who Actor, userID int64) (string, error) {
	var token string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var disabled bool
		if err := tx.QueryRow(ctx, `SELECT disabled FROM users WHERE id = $1 FOR UPDATE`, userID).Scan(&disabled); errors.Is(err, pgx.ErrNoRows) {
			return Errorf(ENOTFOUND, "There is no such user.")
		} else if err != nil {
			return fmt.Errorf("reset password: %w", err)
		}
		var err error
		token, err = newPasswordLink(ctx, tx, who, userID)
		return err
	})
	return token, err
}

// PasswordLinkUser returns the user of a live link token; a used, expired or unknown one is
// ENOTFOUND.
func (s *Store) PasswordLinkUser(ctx context.Context, token string) (*User, error) {
	var u User
	err := s.DB.QueryRow(ctx, `SELECT u.id, u.email, u.name, u.role, u.language, u.disabled
		FROM password_links l JOIN users u ON u.id = l.user_id
		WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > now()`, tokenHash(token)).
		Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Language, &u.Disabled)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && u.Disabled) {
		return nil, Errorf(ENOTFOUND, "This link does not work: it has been used, it is older than 72 hours, or a newer one was made. Ask an administrator for a new one.")
	}
	if err != nil {
		return nil, fmt.Errorf("password link: %w", err)
	}
	return &u, nil
}

// SetPasswordByLink sets the password of a link's user and uses up the link; her other
// sessions end (whoever had the old password is signed out).
func (s *Store) SetPasswordByLink(ctx context.Context, token, password string) (*User, error) {
	if err := newPasswordProblem(password); err != nil {
		return nil, &Error{Code: EINVALID, Message: "the password is not valid", Fields: map[string]string{"password": ErrorMessage(err)}}
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	var u *User
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `UPDATE password_links SET used_at = now()
			WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id`, tokenHash(token)).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return Errorf(ENOTFOUND, "This link does not work: it has been used, it is older than 72 hours, or a newer one was made. Ask an administrator for a new one.")
		}
		if err != nil {
			return fmt.Errorf("use password link: %w", err)
		}
		u = &User{ID: id}
		err = tx.QueryRow(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1 AND NOT disabled RETURNING email, name, role, language`, id, hash).
			Scan(&u.Email, &u.Name, &u.Role, &u.Language)
		if errors.Is(err, pgx.ErrNoRows) {
			return Errorf(ENOTFOUND, "This link does not work: it has been used, it is older than 72 hours, or a newer one was made. Ask an administrator for a new one.")
		}
		if err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		return insertAudit(ctx, tx, Actor{UserID: id, Name: u.Email}, AuditEntry{Action: "set_password", Entity: "user", EntityID: fmt.Sprint(id)})
	})
	return u, err
}

// ChangePassword changes a signed-in user's own password; the old one is required. Her
// other sessions end; the one she uses (token) stays.
func (s *Store) ChangePassword(ctx context.Context, u *User, token, old, password string) error {
	var hash string
	if err := s.DB.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, u.ID).Scan(&hash); err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	errs := FieldErrors{}
	if !passwordMatches(hash, old) {
		errs.Add("old", "The current password is wrong.")
	}
	if err := newPasswordProblem(password); err != nil {
		errs.Add("password", ErrorMessage(err))
	}
	if err := errs.Err("the password was not changed"); err != nil {
		return err
	}
	newHash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, u.ID, newHash); err != nil {
			return fmt.Errorf("change password: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, u.ID, tokenHash(token)); err != nil {
			return fmt.Errorf("end other sessions: %w", err)
		}
		return insertAudit(ctx, tx, Actor{UserID: u.ID, Name: u.Email}, AuditEntry{Action: "change_password", Entity: "user", EntityID: fmt.Sprint(u.ID)})
	})
}

// SetUserRole changes a user's role and sites. An administrator cannot change her own
// role: the registry keeps at least the administrator who is acting.
func (s *Store) SetUserRole(ctx context.Context, who Actor, userID int64, role string, sites []string) error {
	errs := FieldErrors{}
	checkRoleAndSites(errs, role, sites)
	if who.UserID == userID && role != RoleAdmin {
		errs.Add("role", "you cannot take away your own administrator role")
	}
	if err := errs.Err("the user is not valid"); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var before UserSummary
		err := tx.QueryRow(ctx, `SELECT email, role, coalesce((SELECT array_agg(s.code ORDER BY s.code) FROM user_sites us JOIN sites s ON s.id = us.site_id WHERE us.user_id = users.id), '{}')
			FROM users WHERE id = $1 FOR UPDATE`, userID).Scan(&before.Email, &before.Role, &before.Sites)
		if errors.Is(err, pgx.ErrNoRows) {
			return Errorf(ENOTFOUND, "There is no such user.")
		}
		if err != nil {
			return fmt.Errorf("change role: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET role = $2 WHERE id = $1`, userID, role); err != nil {
			return fmt.Errorf("change role: %w", err)
		}
		if err := setUserSites(ctx, tx, userID, sites); err != nil {
			return err
		}
		after := slices.Clone(sites)
		slices.Sort(after)
		if before.Role == role && slices.Equal(before.Sites, after) {
			return nil
		}
		return insertAudit(ctx, tx, who, AuditEntry{Action: "update", Entity: "user", EntityID: fmt.Sprint(userID),
			Before: map[string]any{"email": before.Email, "role": before.Role, "sites": before.Sites},
			After:  map[string]any{"email": before.Email, "role": role, "sites": nonNil(after)}})
	})
}

// SetUserDisabled disables or enables a user. A disabled user's sessions end at once and
// she cannot sign in; an administrator cannot disable herself.
func (s *Store) SetUserDisabled(ctx context.Context, who Actor, userID int64, disabled bool) error {
	if disabled && who.UserID == userID {
		return Errorf(EINVALID, "You cannot disable yourself.")
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var email string
		err := tx.QueryRow(ctx, `UPDATE users SET disabled = $2 WHERE id = $1 AND disabled <> $2 RETURNING email`, userID, disabled).Scan(&email)
		if errors.Is(err, pgx.ErrNoRows) {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)`, userID).Scan(&exists); err != nil || !exists {
				return Errorf(ENOTFOUND, "There is no such user.")
			}
			return nil // already so
		}
		if err != nil {
			return fmt.Errorf("disable user: %w", err)
		}
		action := "enable"
		if disabled {
			action = "disable"
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
				return fmt.Errorf("end sessions: %w", err)
			}
		}
		return insertAudit(ctx, tx, who, AuditEntry{Action: action, Entity: "user", EntityID: fmt.Sprint(userID),
			After: map[string]any{"email": email, "disabled": disabled}})
	})
}

// UpdateSite changes a site's code, name and time zone.
func (s *Store) UpdateSite(ctx context.Context, who Actor, oldCode string, site Site) error {
	if err := validateSite(site); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var before Site
		err := tx.QueryRow(ctx, `SELECT id, code, name, time_zone FROM sites WHERE code = $1 FOR UPDATE`, oldCode).
			Scan(&before.ID, &before.Code, &before.Name, &before.TimeZone)
		if errors.Is(err, pgx.ErrNoRows) {
			return Errorf(ENOTFOUND, "There is no site %q.", oldCode)
		}
		if err != nil {
			return fmt.Errorf("edit site: %w", err)
		}
		if before.Code == site.Code && before.Name == site.Name && before.TimeZone == site.TimeZone {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE sites SET code = $2, name = $3, time_zone = $4 WHERE id = $1`,
			before.ID, site.Code, site.Name, site.TimeZone); err != nil {
			if isUniqueViolation(err) {
				return &Error{Code: ECONFLICT, Message: "the site is not valid", Fields: map[string]string{"code": fmt.Sprintf("there is already a site %q", site.Code)}}
			}
			return fmt.Errorf("edit site: %w", err)
		}
		return insertAudit(ctx, tx, who, AuditEntry{Action: "update", Entity: "site", EntityID: site.Code,
			Before: map[string]string{"code": before.Code, "name": before.Name, "time_zone": before.TimeZone},
			After:  map[string]string{"code": site.Code, "name": site.Name, "time_zone": site.TimeZone}})
	})
}

// AddSite creates a site; an existing code is a conflict (SaveSite would change it).
func (s *Store) AddSite(ctx context.Context, who Actor, site Site) error {
	if err := validateSite(site); err != nil {
		return err
	}
	var exists bool
	if err := s.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sites WHERE code = $1)`, site.Code).Scan(&exists); err != nil {
		return fmt.Errorf("add site: %w", err)
	}
	if exists {
		return &Error{Code: ECONFLICT, Message: "the site is not valid", Fields: map[string]string{"code": fmt.Sprintf("there is already a site %q", site.Code)}}
	}
	return s.SaveSite(ctx, who, site)
}

// validateSite checks a site as a form gives it: every field is required.
func validateSite(site Site) error {
	errs := FieldErrors{}
	if !codePattern.MatchString(site.Code) {
		errs.Add("code", fmt.Sprintf("%q must be lower-case letters, digits, '-' or '_'", site.Code))
	}
	if strings.TrimSpace(site.Name) == "" {
		errs.Add("name", "is required")
	}
	errs.CheckText("name", site.Name, MaxNameLength)
	if _, err := LoadTimeZone(site.TimeZone); err != nil {
		errs.Add("time_zone", err.Error())
	}
	return errs.Err("the site is not valid")
}

// SiteUse counts what refers to a site: its patients, its users and the studies it takes
// part in.
func (s *Store) SiteUse(ctx context.Context, code string) (patients, users, studies int, err error) {
	err = s.DB.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM patients WHERE site_id = sites.id),
		(SELECT count(*) FROM user_sites WHERE site_id = sites.id),
		(SELECT count(*) FROM study_sites WHERE site_id = sites.id)
		FROM sites WHERE code = $1`, code).Scan(&patients, &users, &studies)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, 0, Errorf(ENOTFOUND, "There is no site %q.", code)
	}
	if err != nil {
		return 0, 0, 0, fmt.Errorf("site use: %w", err)
	}
	return patients, users, studies, nil
}

// DeleteSite removes a site that has no patients, users or studies; otherwise the message
// says what still refers to it.
func (s *Store) DeleteSite(ctx context.Context, who Actor, code string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var id, patients, users, studies int64
		err := tx.QueryRow(ctx, `SELECT id,
			(SELECT count(*) FROM patients WHERE site_id = sites.id),
			(SELECT count(*) FROM user_sites WHERE site_id = sites.id),
			(SELECT count(*) FROM study_sites WHERE site_id = sites.id)
			FROM sites WHERE code = $1 FOR UPDATE`, code).Scan(&id, &patients, &users, &studies)
		if errors.Is(err, pgx.ErrNoRows) {
			return Errorf(ENOTFOUND, "There is no site %q.", code)
		}
		if err != nil {
			return fmt.Errorf("delete site: %w", err)
		}
		if patients > 0 || users > 0 || studies > 0 {
			return Errorf(ECONFLICT, "The site %s cannot be deleted: it has %d patients and %d users and takes part in %d studies.", code, patients, users, studies)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sites WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete site: %w", err)
		}
		return insertAudit(ctx, tx, who, AuditEntry{Action: "delete", Entity: "site", EntityID: code})
	})
}
