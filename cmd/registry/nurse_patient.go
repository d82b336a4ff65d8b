package main

import (
	"net/http"

	"outcomereg/registry"
	"outcomereg/views"
)

// patientPage shows a patient's schedule, values, events and adverse events.
func (a *app) patientPage(w http.ResponseWriter, r *http.Request) {
	rec, err := a.store.PatientRecord(r.Context(), userOf(r), r.PathValue("code"), r.PathValue("number"), nurseClock())
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	if err := a.store.LogView(r.Context(), userOf(r), rec.Patient, registry.PagePatient, ""); err != nil {
		a.failTranslated(w, r, err)
		return
	}
	if err := a.store.HomeInvitesFor(r.Context(), userOf(r), rec, nurseClock()); err != nil {
		a.failTranslated(w, r, err)
		return
	}
	title := views.T(r.Context(), "Patient %s", rec.Patient.Number)
	a.render(w, r, http.StatusOK, views.PatientPage(a.page(r, title), rec, userOf(r).Role == registry.RoleAdmin))
}
