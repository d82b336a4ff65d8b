package main

import (
	"net/http"

	"outcomereg/registry"
	"outcomereg/views"
)

func adverseEventInputFrom(r *http.Request) registry.AdverseEventInput {
	return registry.AdverseEventInput{
		Term: r.PostFormValue("term"), Onset: r.PostFormValue("onset_on"), End: r.PostFormValue("ended_on"),
		Grade: r.PostFormValue("grade"), Serious: r.PostFormValue("serious") != "", Relatedness: r.PostFormValue("relatedness"),
		Outcome: r.PostFormValue("outcome"), Notes: r.PostFormValue("notes"), Version: formVersion(r), Reason: r.PostFormValue("reason"),
	}
}

func (a *app) renderAdverseEventForm(w http.ResponseWriter, r *http.Request, status int, p *registry.Patient, id int64, in registry.AdverseEventInput, errs views.FormErrors) {
	ctx := r.Context()
	st, err := a.store.Study(ctx, r.PathValue("code"))
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	if p == nil {
		if p, err = a.store.Patient(ctx, userOf(r), r.PathValue("code"), r.PathValue("number")); err != nil {
			a.failTranslated(w, r, err)
			return
		}
	}
	title := views.T(ctx, "Add an adverse event for patient %s", p.Number)
	if id != 0 {
		title = views.T(ctx, "Correct an adverse event of patient %s", p.Number)
	}
	a.render(w, r, status, views.AdverseEventFormPage(a.page(r, title), st, p, id, in, errs))
}

// adverseEventForm shows the form to add an adverse event, with the study's terms suggested.
func (a *app) adverseEventForm(w http.ResponseWriter, r *http.Request) {
	if hr, errs, ok := a.takeHeldForm(w, r); ok {
		a.renderAdverseEventForm(w, hr, http.StatusOK, nil, 0, adverseEventInputFrom(hr), errs)
		return
	}
	a.renderAdverseEventForm(w, r, http.StatusOK, nil, 0, registry.AdverseEventInput{}, views.FormErrors{})
}

// adverseEventAdd records an adverse event.
func (a *app) adverseEventAdd(w http.ResponseWriter, r *http.Request) {
	a.saveAdverseEvent(w, r, 0)
}

// adverseEventEdit shows a recorded adverse event's form, to correct it.
func (a *app) adverseEventEdit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "ae")
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	p, ae, err := a.store.AdverseEvent(r.Context(), userOf(r), r.PathValue("code"), r.PathValue("number"), id)
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	if hr, errs, ok := a.takeHeldForm(w, r); ok {
		a.renderAdverseEventForm(w, hr, http.StatusOK, p, id, adverseEventInputFrom(hr), errs)
		return
	}
	a.renderAdverseEventForm(w, r, http.StatusOK, p, id, ae.InputOf(), views.FormErrors{})
}

// adverseEventSave corrects a recorded adverse event; a reason is required.
func (a *app) adverseEventSave(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "ae")
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	a.saveAdverseEvent(w, r, id)
}

func (a *app) saveAdverseEvent(w http.ResponseWriter, r *http.Request, id int64) {
	if !a.parseNurseForm(w, r) {
		return
	}
	in := adverseEventInputFrom(r)
	err := a.store.SaveAdverseEvent(r.Context(), nurseActor(r), userOf(r), r.PathValue("code"), r.PathValue("number"), id, in, nurseClock())
	if errs, ok := formErrors(err); ok {
		a.renderAdverseEventForm(w, r, http.StatusBadRequest, nil, id, in, errs)
		return
	}
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	http.Redirect(w, r, savedURL(patientPath(r), "adverse_event", "#adverse-events"), http.StatusSeeOther)
}

// adverseEventDelete removes an adverse event entered by mistake; a reason is required.
func (a *app) adverseEventDelete(w http.ResponseWriter, r *http.Request) {
	if !a.parseNurseForm(w, r) {
		return
	}
	id, err := pathID(r, "ae")
	if err == nil {
		err = a.store.DeleteAdverseEvent(r.Context(), nurseActor(r), userOf(r), r.PathValue("code"), r.PathValue("number"), id,
			r.PostFormValue("reason"))
	}
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	http.Redirect(w, r, savedURL(patientPath(r), "deleted", "#adverse-events"), http.StatusSeeOther)
}
