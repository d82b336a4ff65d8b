package main

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"outcomereg/registry"
	"outcomereg/views"
)

// The nurse's side of "patients answer from home": inviting, the email on file, and the
// review of the patient's answers.

func init() {
	savedNotices["contact_erased"] = "The email was erased."
	savedNotices["answers_confirmed"] = "The patient's answers were confirmed."
}

// linkBase is the registry's address as the patient opens it: --public-url when given,
// else the address the nurse's browser used.
func (a *app) linkBase(r *http.Request) string {
	if a.cfg.publicURL != "" {
		return strings.TrimSuffix(a.cfg.publicURL, "/")
	}
	return baseURL(r)
}

// inviteForm asks for the patient's language and email.
func (a *app) inviteForm(w http.ResponseWriter, r *http.Request) {
	ctx, u := r.Context(), userOf(r)
	f, err := a.store.VisitForm(ctx, u, r.PathValue("code"), r.PathValue("number"), r.PathValue("visit"))
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	// The form shows the patient's number and email on file: a read of the record, logged
	// as the visit's form.
	if err := a.store.LogView(ctx, u, f.Patient, registry.PageVisitForm, f.Visit.Code); err != nil {
		a.failTranslated(w, r, err)
		return
	}
	email, err := a.store.PatientContact(ctx, u, f.Patient.StudyCode, f.Patient.Number)
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	lang := views.Lang(ctx)
	a.renderInviteForm(w, r, http.StatusOK, f, lang, email, views.FormErrors{})
}

func (a *app) renderInviteForm(w http.ResponseWriter, r *http.Request, status int, f *registry.VisitForm, lang, email string, errs views.FormErrors) {
	title := views.T(r.Context(), "Invite patient %s to answer from home: %s", f.Patient.Number, f.Visit.LabelIn(views.Lang(r.Context())))
	a.render(w, r, status, views.InviteForm(a.page(r, title), f, lang, email, errs))
}

// inviteSave makes the invitation and shows its link and QR code (once: only a hash of the
// token is kept), and emails it when an address is on file and SMTP is configured.
func (a *app) inviteSave(w http.ResponseWriter, r *http.Request) {
	if !a.parseNurseForm(w, r) {
		return
	}
	ctx, u := r.Context(), userOf(r)
	code, number, visit := r.PathValue("code"), r.PathValue("number"), r.PathValue("visit")
	in := registry.InviteInput{Language: r.PostFormValue("language"), Email: cleanText(r.PostFormValue("email"))}
	inv, err := a.store.Invite(ctx, nurseActor(r), u, code, number, visit, in, nurseClock())
	if err != nil {
		errs, invalid := formErrors(err)
		if !invalid {
			a.failTranslated(w, r, err)
			return
		}
		f, ferr := a.store.VisitForm(ctx, u, code, number, visit)
		if ferr != nil {
			a.failTranslated(w, r, ferr)
			return
		}
		if errs.Fields["invite"] != "" {
			errs.Message = "" // the refusal itself is the message, shown translated
		}
		a.renderInviteForm(w, r, http.StatusBadRequest, f, in.Language, in.Email, errs)
		return
	}
	f, err := a.store.VisitForm(ctx, u, code, number, visit)
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	link := views.InvitedLink{URL: a.linkBase(r) + linkPath(inv.Token), Window: inv.Window}
	if link.QR, err = views.QRSVG(link.URL, views.T(ctx, "QR code of the link")); err != nil {
		a.failTranslated(w, r, err)
		return
	}
	switch {
	case inv.Email != "" && a.cfg.mail != nil:
		if err := a.emailInvitation(ctx, nurseActor(r), inv, link.URL); err != nil {
			a.logger.Warn("invitation not emailed", append(a.requestLog(w, r), "invitation", inv.ID, "err", err)...)
			link.Emailed = views.T(ctx, "The email could not be sent: give the patient the link yourself.")
		} else {
			link.Emailed, link.Sent = views.T(ctx, "The link was emailed to %s.", inv.Email), true
		}
	case inv.Email != "":
		link.Emailed = views.T(ctx, "No email is sent: the registry has no mail server configured.")
	}
	a.render(w, r, http.StatusOK, views.InvitedPage(a.page(r, views.T(ctx, "Link for the patient")), f, link))
}

// emailInvitation sends an invitation's link to the patient, in her language, and records
// the sending in the audit trail.
func (a *app) emailInvitation(ctx context.Context, who registry.Actor, inv *registry.NewInvitation, url string) error {
	pctx := views.WithLanguage(ctx, inv.Language)
	body := views.HT(pctx, "Your clinic asks you to answer a few questions before your follow-up. Open this link on your phone or computer; it works once, from %s to %s:\n\n%s\n",
		views.HomeDate(inv.Language, inv.Window.Opens), views.HomeDate(inv.Language, inv.Window.Closes), url)
	if err := a.cfg.mail.send(inv.Email, views.HT(pctx, "Questions from your clinic: please answer from home"), body); err != nil {
		return err
	}
	return a.store.InvitationEmailed(ctx, who, inv)
}

// contactErase deletes the patient's email address.
func (a *app) contactErase(w http.ResponseWriter, r *http.Request) {
	if err := a.store.EraseContact(r.Context(), nurseActor(r), userOf(r), r.PathValue("code"), r.PathValue("number")); err != nil {
		a.failTranslated(w, r, err)
		return
	}
	http.Redirect(w, r, savedURL(patientPath(r), "contact_erased", "#home"), http.StatusSeeOther)
}

// confirmAnswers records the nurse's review of the patient's answers as they are.
func (a *app) confirmAnswers(w http.ResponseWriter, r *http.Request) {
	if !a.parseNurseForm(w, r) {
		return
	}
	ctx, u := r.Context(), userOf(r)
	code, number, visit := r.PathValue("code"), r.PathValue("number"), r.PathValue("visit")
	err := a.store.ConfirmPatientAnswers(ctx, nurseActor(r), u, code, number, visit, formVersion(r))
	if registry.IsVisitConflict(err) {
		f, ferr := a.store.VisitForm(ctx, u, code, number, visit)
		if ferr != nil {
			a.failTranslated(w, r, ferr)
			return
		}
		a.renderVisitForm(w, r, http.StatusConflict, f, f.Recorded.Input(), views.FormErrors{Message: "Someone else saved this visit while you were editing it. Nothing was saved."})
		return
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		a.failTranslated(w, r, err)
		return
	}
	http.Redirect(w, r, savedURL(patientPath(r), "answers_confirmed", "#visit-"+visit), http.StatusSeeOther)
}
