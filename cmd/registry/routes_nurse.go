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
	a.handle(mux, "GET /worklist", nurses, a.nurseInput(a.worklistPage))
	a.handle(mux, "GET /patients", nurses, a.nurseInput(a.patientsPage))
	a.handle(mux, "GET /studies/{code}/enrol", nurses, a.nurseInput(a.enrolForm))
	a.handle(mux, "POST /studies/{code}/patients", nurses, a.nurseInput(a.once(a.enrolSave)))
	a.handle(mux, "GET "+patient, nurses, a.nurseInput(a.patientPage))
	a.handle(mux, "GET "+patient+"/visits/{visit}", nurses, a.nurseInput(a.visitForm))
	a.handle(mux, "POST "+patient+"/visits/{visit}", nurses, a.nurseInput(a.once(a.visitSave)))
	a.handle(mux, "POST "+patient+"/visits/{visit}/delete", nurses, a.nurseInput(a.visitDelete))
	a.handle(mux, "GET "+patient+"/status", nurses, a.nurseInput(a.statusForm))
	a.handle(mux, "POST "+patient+"/status", nurses, a.nurseInput(a.once(a.statusSave)))
	a.handle(mux, "GET "+patient+"/events/new", nurses, a.nurseInput(a.eventForm))
	a.handle(mux, "POST "+patient+"/events", nurses, a.nurseInput(a.once(a.eventAdd)))
	a.handle(mux, "POST "+patient+"/events/{event}/delete", nurses, a.nurseInput(a.eventDelete))
	a.handle(mux, "GET "+patient+"/adverse-events/new", nurses, a.nurseInput(a.adverseEventForm))
	a.handle(mux, "POST "+patient+"/adverse-events", nurses, a.nurseInput(a.once(a.adverseEventAdd)))
	a.handle(mux, "GET "+patient+"/adverse-events/{ae}", nurses, a.nurseInput(a.adverseEventEdit))
	a.handle(mux, "POST "+patient+"/adverse-events/{ae}", nurses, a.nurseInput(a.once(a.adverseEventSave)))
	a.handle(mux, "POST "+patient+"/adverse-events/{ae}/delete", nurses, a.nurseInput(a.adverseEventDelete))
	a.handle(mux, "GET "+patient+"/audit", nurses, a.nurseInput(a.patientAuditPage))
	a.handle(mux, "GET /studies/{code}/audit", []string{registry.RoleAdmin}, a.nurseInput(a.studyAuditPage))
}
