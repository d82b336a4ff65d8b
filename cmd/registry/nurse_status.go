package main

import (
	"net/http"

	"outcomereg/registry"
	"outcomereg/views"
)

// statusForm shows the form to record that a patient completed the study, withdrew, was
// lost to follow-up, or is followed again.
func (a *app) statusForm(w http.ResponseWriter, r *http.Request) {
	p, err := a.store.Patient(r.Context(), userOf(r), r.PathValue("code"), r.PathValue("number"))
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	in := registry.StatusInput{Seen: p.Status, Date: p.Today(nurseClock()).Format("2006-01-02")}
	if hr, errs, ok := a.takeHeldForm(w, r); ok {
		a.renderStatusForm(w, hr, http.StatusOK, p, statusInputFrom(hr), errs)
		return
	}
	a.renderStatusForm(w, r, http.StatusOK, p, in, views.FormErrors{})
}

func (a *app) renderStatusForm(w http.ResponseWriter, r *http.Request, status int, p *registry.Patient, in registry.StatusInput, errs views.FormErrors) {
	title := views.T(r.Context(), "Change the status of patient %s", p.Number)
	a.render(w, r, status, views.StatusFormPage(a.page(r, title), p, in, errs))
}

// statusSave changes the status, with a reason, and goes back to the patient.
func (a *app) statusSave(w http.ResponseWriter, r *http.Request) {
	if !a.parseNurseForm(w, r) {
		return
	}
	in := statusInputFrom(r)
	ctx := r.Context()
	err := a.store.SetStatus(ctx, nurseActor(r), userOf(r), r.PathValue("code"), r.PathValue("number"), in, nurseClock())
	if errs, ok := formErrors(err); ok {
		p, perr := a.store.Patient(ctx, userOf(r), r.PathValue("code"), r.PathValue("number"))
		if perr != nil {
			a.failTranslated(w, r, perr)
			return
		}
		a.renderStatusForm(w, r, http.StatusBadRequest, p, in, errs)
		return
	}
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	http.Redirect(w, r, savedURL(patientPath(r), "status", ""), http.StatusSeeOther)
}

// statusInputFrom reads the status form.
func statusInputFrom(r *http.Request) registry.StatusInput {
	return registry.StatusInput{Status: r.PostFormValue("status"), Date: r.PostFormValue("status_on"),
		Reason: r.PostFormValue("reason"), Seen: r.PostFormValue("seen")}
}
