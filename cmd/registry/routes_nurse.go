package main

import (
	"net/http"

	"outcomereg/registry"
)

// nurseRoutes: the write side, what study nurses do every day. Nurses see the patients of
// their own sites (a patient of another site answers 404), administrators every patient.
func (a *app) nurseRoutes(mux *http.ServeMux) {
	nurses := []string{registry.RoleNurse, registry.RoleAdmin}
	patient := "/studies/{code}/patients/{number}"
	a.handle(mux, "GET /worklist", nurses, a.worklistPage)
	a.handle(mux, "GET /studies/{code}/enrol", nurses, a.enrolForm)
	a.handle(mux, "POST /studies/{code}/patients", nurses, a.enrolSave)
	a.handle(mux, "GET "+patient, nurses, a.patientPage)
	a.handle(mux, "GET "+patient+"/visits/{visit}", nurses, a.visitForm)
	a.handle(mux, "POST "+patient+"/visits/{visit}", nurses, a.visitSave)
	a.handle(mux, "POST "+patient+"/visits/{visit}/delete", nurses, a.visitDelete)
	a.handle(mux, "GET "+patient+"/events/new", nurses, a.eventForm)
	a.handle(mux, "POST "+patient+"/events", nurses, a.eventAdd)
	a.handle(mux, "POST "+patient+"/events/{event}/delete", nurses, a.eventDelete)
	a.handle(mux, "GET "+patient+"/adverse-events/new", nurses, a.adverseEventForm)
	a.handle(mux, "POST "+patient+"/adverse-events", nurses, a.adverseEventAdd)
	a.handle(mux, "GET "+patient+"/adverse-events/{ae}", nurses, a.adverseEventEdit)
	a.handle(mux, "POST "+patient+"/adverse-events/{ae}", nurses, a.adverseEventSave)
	a.handle(mux, "POST "+patient+"/adverse-events/{ae}/delete", nurses, a.adverseEventDelete)
	a.handle(mux, "GET "+patient+"/audit", nurses, a.patientAuditPage)
	a.handle(mux, "GET /studies/{code}/audit", []string{registry.RoleAdmin}, a.studyAuditPage)
}
