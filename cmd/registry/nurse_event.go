package main

import (
	"net/http"
	"time"

	"outcomereg/registry"
	"outcomereg/views"
)

// eventForm shows the form to add an event of one of the study's kinds.
func (a *app) eventForm(w http.ResponseWriter, r *http.Request) {
	if hr, errs, ok := a.takeHeldForm(w, r); ok {
		a.renderEventForm(w, hr, http.StatusOK, eventInputFrom(hr), errs)
		return
	}
	a.renderEventForm(w, r, http.StatusOK, registry.EventInput{}, views.FormErrors{})
}

func (a *app) renderEventForm(w http.ResponseWriter, r *http.Request, status int, in registry.EventInput, errs views.FormErrors) {
	ctx := r.Context()
	st, err := a.store.Study(ctx, r.PathValue("code"))
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	p, err := a.store.Patient(ctx, userOf(r), r.PathValue("code"), r.PathValue("number"))
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	if status == http.StatusOK && in.Date == "" {
		in.Date = p.Today(nurseClock()).Format(time.DateOnly) // the site's date
	}
	title := views.T(ctx, "Add an event for patient %s", p.Number)
	a.render(w, r, status, views.EventFormPage(a.page(r, title), st, p, in, errs))
}

// eventAdd records an event; a death also sets the patient's status.
func (a *app) eventAdd(w http.ResponseWriter, r *http.Request) {
	if !a.parseNurseForm(w, r) {
		return
	}
	in := eventInputFrom(r)
	err := a.store.AddEvent(r.Context(), nurseActor(r), userOf(r), r.PathValue("code"), r.PathValue("number"), in, nurseClock())
	if errs, ok := formErrors(err); ok {
		a.renderEventForm(w, r, http.StatusBadRequest, in, errs)
		return
	}
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	http.Redirect(w, r, savedURL(patientPath(r), "event", "#events"), http.StatusSeeOther)
}

// eventDelete removes an event entered by mistake; a reason is required.
func (a *app) eventDelete(w http.ResponseWriter, r *http.Request) {
	if !a.parseNurseForm(w, r) {
		return
	}
	id, err := pathID(r, "event")
	if err == nil {
		err = a.store.DeleteEvent(r.Context(), nurseActor(r), userOf(r), r.PathValue("code"), r.PathValue("number"), id,
			r.PostFormValue("reason"))
	}
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	http.Redirect(w, r, savedURL(patientPath(r), "deleted", "#events"), http.StatusSeeOther)
}

// eventInputFrom reads the event form.
func eventInputFrom(r *http.Request) registry.EventInput {
	return registry.EventInput{Type: r.PostFormValue("type"), Date: r.PostFormValue("occurred_on"), Notes: r.PostFormValue("notes")}
}
