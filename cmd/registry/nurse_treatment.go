package main

import (
	"net/http"
	"time"

	"outcomereg/registry"
	"outcomereg/views"
)

// treatmentForm shows the form that records a patient's treatment date, or corrects it.
func (a *app) treatmentForm(w http.ResponseWriter, r *http.Request) {
	p, err := a.store.Patient(r.Context(), userOf(r), r.PathValue("code"), r.PathValue("number"))
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	if hr, errs, ok := a.takeHeldForm(w, r); ok {
		a.renderTreatmentForm(w, hr, http.StatusOK, p, treatmentInputFrom(hr), errs)
		return
	}
	in := registry.TreatmentInput{Date: p.Today(nurseClock()).Format(time.DateOnly)}
	if p.TreatedOn != nil {
		in.Date = p.TreatedOn.Format(time.DateOnly)
		in.Seen = in.Date
	}
	a.renderTreatmentForm(w, r, http.StatusOK, p, in, views.FormErrors{})
}

func (a *app) renderTreatmentForm(w http.ResponseWriter, r *http.Request, status int, p *registry.Patient, in registry.TreatmentInput, errs views.FormErrors) {
	title := views.T(r.Context(), "Treatment date of patient %s", p.Number)
	a.render(w, r, status, views.TreatmentFormPage(a.page(r, title), p, in, errs))
}

// treatmentSave records the treatment date and goes back to the patient, whose visits are
// now scheduled from it.
func (a *app) treatmentSave(w http.ResponseWriter, r *http.Request) {
	if !a.parseNurseForm(w, r) {
		return
	}
	in := treatmentInputFrom(r)
	ctx := r.Context()
	err := a.store.SetTreatmentDate(ctx, nurseActor(r), userOf(r), r.PathValue("code"), r.PathValue("number"), in, nurseClock())
	if errs, ok := formErrors(err); ok {
		p, perr := a.store.Patient(ctx, userOf(r), r.PathValue("code"), r.PathValue("number"))
		if perr != nil {
			a.failTranslated(w, r, perr)
			return
		}
		a.renderTreatmentForm(w, r, http.StatusBadRequest, p, in, errs)
		return
	}
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	http.Redirect(w, r, savedURL(patientPath(r), "treatment", "#schedule"), http.StatusSeeOther)
}

func treatmentInputFrom(r *http.Request) registry.TreatmentInput {
	return registry.TreatmentInput{Date: r.PostFormValue("treated_on"), Reason: r.PostFormValue("reason"), Seen: r.PostFormValue("seen")}
}
