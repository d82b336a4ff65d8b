package main

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"outcomereg/registry"
	"outcomereg/views"
)

func (a *app) adminUsers(w http.ResponseWriter, r *http.Request) {
	a.renderUsers(w, r, http.StatusOK, views.UserForm{Role: registry.RoleNurse}, doneNotice(r))
}

func (a *app) renderUsers(w http.ResponseWriter, r *http.Request, status int, form views.UserForm, notice views.AdminNotice) {
	ctx := r.Context()
	users, err := a.store.Users(ctx)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	sites, err := a.store.Sites(ctx)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	list, err := a.store.SignInThrottles(ctx)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	throttles := make([]views.Throttle, len(list))
	for i, t := range list {
		throttles[i] = views.Throttle{Email: t.Email, Address: t.Address, Failures: t.Failures, Until: t.Until}
	}
	a.render(w, r, status, views.AdminUsersPage(a.page(r, views.T(ctx, "Users")), users, sites, form, throttles, notice))
}

func userFormOf(r *http.Request) views.UserForm {
	r.ParseForm()
	f := views.UserForm{
		Email: strings.TrimSpace(cleanText(r.PostFormValue("email"))),
		Name:  strings.TrimSpace(cleanText(r.PostFormValue("name"))),
		Role:  cleanText(r.PostFormValue("role")),
	}
	for _, s := range r.PostForm["site"] {
		f.Sites = append(f.Sites, cleanText(s))
	}
	return f
}

// adminUserAdd adds a user and shows the one-time link with which she sets her password,
// emailing it when SMTP is configured.
func (a *app) adminUserAdd(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	form := userFormOf(r)
	id, token, err := a.store.InviteUser(ctx, actorOf(r), registry.Invitation{Email: form.Email, Name: form.Name, Role: form.Role, Sites: form.Sites})
	if err != nil {
		var ok bool
		if form.Errors, ok = adminFormErrors(err); !ok {
			a.fail(w, r, err)
			return
		}
		a.renderUsers(w, r, http.StatusBadRequest, form, views.AdminNotice{})
		return
	}
	a.showLink(w, r, id, form.Email, token, views.T(ctx, "%s was added", form.Email))
}

// showLink shows (and emails, when it can) a password link.
func (a *app) showLink(w http.ResponseWriter, r *http.Request, userID int64, email, token, heading string) {
	ctx := r.Context()
	link := views.PasswordLink{Email: email, URL: baseURL(r) + "/password/" + token, Expires: time.Now().Add(registry.PasswordLinkValid)}
	if a.cfg.mail != nil {
		body := views.T(ctx, "An account of the outcome registry has been made ready for you (%s).\n\nSet your password with this link; it works once, within 72 hours:\n\n%s\n", email, link.URL)
		if err := a.cfg.mail.send(email, views.T(ctx, "Set your password for the outcome registry"), body); err != nil {
			a.logger.Warn("password link not emailed", "user", userID, "err", err)
			link.Emailed = views.T(ctx, "The email could not be sent (%s): give her the link yourself.", err.Error())
		} else {
			link.Emailed, link.Sent = views.T(ctx, "The link was emailed to %s.", email), true
		}
	}
	a.render(w, r, http.StatusOK, views.AdminLinkPage(a.page(r, heading), heading, link))
}

// baseURL is the registry's address as the browser reached it.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (a *app) userOfPath(w http.ResponseWriter, r *http.Request) (*registry.UserSummary, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		a.fail(w, r, registry.Errorf(registry.ENOTFOUND, "There is no such user."))
		return nil, false
	}
	u, err := a.store.UserByID(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return nil, false
	}
	return u, true
}

func (a *app) adminUser(w http.ResponseWriter, r *http.Request) {
	u, ok := a.userOfPath(w, r)
	if !ok {
		return
	}
	a.renderUser(w, r, http.StatusOK, u, views.UserForm{Role: u.Role, Sites: u.Sites}, doneNotice(r))
}

func (a *app) renderUser(w http.ResponseWriter, r *http.Request, status int, u *registry.UserSummary, form views.UserForm, notice views.AdminNotice) {
	sites, err := a.store.Sites(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.render(w, r, status, views.AdminUserPage(a.page(r, u.Email), *u, sites, form, notice))
}

func (a *app) adminUserSave(w http.ResponseWriter, r *http.Request) {
	u, ok := a.userOfPath(w, r)
	if !ok {
		return
	}
	form := userFormOf(r)
	if err := a.store.SetUserRole(r.Context(), actorOf(r), u.ID, form.Role, form.Sites); err != nil {
		if form.Errors, ok = adminFormErrors(err); !ok {
			a.fail(w, r, err)
			return
		}
		a.renderUser(w, r, http.StatusBadRequest, u, form, views.AdminNotice{})
		return
	}
	redirectDone(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10), "user-saved", u.Email)
}

func (a *app) adminUserDisable(w http.ResponseWriter, r *http.Request) { a.setDisabled(w, r, true) }
func (a *app) adminUserEnable(w http.ResponseWriter, r *http.Request)  { a.setDisabled(w, r, false) }

func (a *app) setDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	u, ok := a.userOfPath(w, r)
	if !ok {
		return
	}
	if err := a.store.SetUserDisabled(r.Context(), actorOf(r), u.ID, disabled); err != nil {
		if registry.ErrorCode(err) == registry.EINVALID {
			a.renderUser(w, r, http.StatusBadRequest, u, views.UserForm{Role: u.Role, Sites: u.Sites},
				views.AdminNotice{Text: translatedError(r, err), Error: true})
			return
		}
		a.fail(w, r, err)
		return
	}
	done := "user-enabled"
	if disabled {
		done = "user-disabled"
	}
	redirectDone(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10), done, u.Email)
}

func (a *app) adminUserReset(w http.ResponseWriter, r *http.Request) {
	u, ok := a.userOfPath(w, r)
	if !ok {
		return
	}
	token, err := a.store.ResetPassword(r.Context(), actorOf(r), u.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.showLink(w, r, u.ID, u.Email, token, views.T(r.Context(), "A new link for %s", u.Email))
}

func (a *app) adminThrottleClear(w http.ResponseWriter, r *http.Request) {
	email, address := cleanText(r.PostFormValue("email")), cleanText(r.PostFormValue("address"))
	if err := a.store.ClearSignInThrottle(r.Context(), actorOf(r), email, address); err != nil {
		if c := registry.ErrorCode(err); c == registry.EINVALID || c == registry.ENOTFOUND {
			a.renderUsers(w, r, http.StatusBadRequest, views.UserForm{Role: registry.RoleNurse}, views.AdminNotice{Text: translatedError(r, err), Error: true})
			return
		}
		a.fail(w, r, err)
		return
	}
	what := email
	if what == "" {
		what = address
	}
	redirectDone(w, r, "/admin/users", "throttle-clear", what)
}
