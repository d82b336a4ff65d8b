package main

import (
	"net/http"

	"outcomereg/views"
)

// sessionToken is the request's session token ("" when none).
func sessionToken(r *http.Request) string {
	if c, err := r.Cookie(sessionCookie); err == nil {
		return c.Value
	}
	return ""
}

// accountPage: every user's own page: password, language, sessions.
func (a *app) accountPage(w http.ResponseWriter, r *http.Request) {
	a.renderAccount(w, r, http.StatusOK, views.FormErrors{}, doneNotice(r))
}

func (a *app) renderAccount(w http.ResponseWriter, r *http.Request, status int, errs views.FormErrors, notice views.AdminNotice) {
	ctx := r.Context()
	list, err := a.store.AccountSessions(ctx, userOf(r).ID, sessionToken(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	sessions := make([]views.AccountSession, len(list))
	for i, s := range list {
		sessions[i] = views.AccountSession{ID: s.ID, Started: s.CreatedAt, LastSeen: s.LastSeenAt, Address: s.Address, Current: s.Current}
	}
	a.render(w, r, status, views.AccountPage(a.page(r, views.T(ctx, "Your account")), sessions, errs, notice))
}

func (a *app) accountPassword(w http.ResponseWriter, r *http.Request) {
	old, password, again := r.PostFormValue("old"), r.PostFormValue("password"), r.PostFormValue("again")
	if password != again {
		a.renderAccount(w, r, http.StatusBadRequest, views.FormErrors{Message: "the password was not changed",
			Fields: map[string]string{"again": "The two new passwords differ."}}, views.AdminNotice{})
		return
	}
	if err := a.store.ChangePassword(r.Context(), userOf(r), sessionToken(r), old, password); err != nil {
		errs, ok := adminFormErrors(err)
		if !ok {
			a.fail(w, r, err)
			return
		}
		a.renderAccount(w, r, http.StatusBadRequest, errs, views.AdminNotice{})
		return
	}
	http.Redirect(w, r, "/account?done=password", http.StatusSeeOther)
}

func (a *app) accountEndSession(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	if err := a.store.EndAccountSession(r.Context(), actorOf(r), u.ID, r.PathValue("id")); err != nil {
		a.failTranslated(w, r, err)
		return
	}
	http.Redirect(w, r, "/account?done=session-ended", http.StatusSeeOther)
}

// passwordLinkForm: a user who got a one-time link chooses her password.
func (a *app) passwordLinkForm(w http.ResponseWriter, r *http.Request) {
	u, err := a.store.PasswordLinkUser(r.Context(), r.PathValue("token"))
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, views.SetPasswordPage(a.page(r, views.T(r.Context(), "Set your password")), u.Email, views.FormErrors{}))
}

func (a *app) passwordLinkSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	token := r.PathValue("token")
	u, err := a.store.PasswordLinkUser(ctx, token)
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	password, again := r.PostFormValue("password"), r.PostFormValue("again")
	var errs views.FormErrors
	if password != again {
		errs = views.FormErrors{Message: "the password is not valid", Fields: map[string]string{"again": "The two new passwords differ."}}
	} else if _, err := a.store.SetPasswordByLink(ctx, token, password); err != nil {
		var ok bool
		if errs, ok = adminFormErrors(err); !ok {
			a.failTranslated(w, r, err)
			return
		}
	}
	if errs.Message != "" {
		a.render(w, r, http.StatusBadRequest, views.SetPasswordPage(a.page(r, views.T(ctx, "Set your password")), u.Email, errs))
		return
	}
	// Signed out (her sessions ended with the new password): she signs in with it now.
	a.clearSessionCookie(w, r)
	http.Redirect(w, r, "/login?set=1", http.StatusSeeOther)
}
