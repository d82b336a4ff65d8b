package main

import (
	"net/http"

	"outcomereg/registry"
)

// patientHomeRoutes: patients answer from home. Nurses invite (and review what came back);
// the patient's link /p/{token} needs no account: the token is its only key.
func (a *app) patientHomeRoutes(mux *http.ServeMux) {
	nurses := []string{registry.RoleNurse, registry.RoleAdmin}
	patient := "/studies/{code}/patients/{number}"
	a.handle(mux, "GET "+patient+"/visits/{visit}/invite", nurses, a.nurseInput(a.inviteForm))
	a.handle(mux, "POST "+patient+"/visits/{visit}/invite", nurses, a.nurseInput(a.once(a.inviteSave)))
	a.handle(mux, "POST "+patient+"/visits/{visit}/confirm", nurses, a.nurseInput(a.once(a.confirmAnswers)))
	a.handle(mux, "POST "+patient+"/contact/erase", nurses, a.nurseInput(a.contactErase))
	a.handle(mux, "GET /p/{token}", public, a.patientLink(a.homeAnswerForm))
	a.handle(mux, "POST /p/{token}", public, a.patientLink(a.homeAnswerSave))
}
