package main

import (
	"net/http"

	"outcomereg/registry"
)

// blindingRoutes: the emergency code break of one patient (nurses of the patient's site and
// administrators) and the blinding page of a study with its code breaks and the button that
// ends the blinding (administrators).
func (a *app) blindingRoutes(mux *http.ServeMux) {
	nurses := []string{registry.RoleNurse, registry.RoleAdmin}
	admins := []string{registry.RoleAdmin}
	patient := "/studies/{code}/patients/{number}"
	a.handle(mux, "GET "+patient+"/code-break", nurses, a.nurseInput(a.codeBreakForm))
	a.handle(mux, "POST "+patient+"/code-break", nurses, a.nurseInput(a.codeBreakSave))
	a.handle(mux, "GET /studies/{code}/blinding", admins, a.nurseInput(a.blindingPage))
	a.handle(mux, "POST /studies/{code}/unblind", admins, a.nurseInput(a.unblindSave))
}
