package main

import (
	"net/http"

	"outcomereg/registry"
)

// treatRoutes: recording a patient's treatment date (day 0) once the treatment is given,
// for patients enrolled before it; correcting it needs a reason.
func (a *app) treatRoutes(mux *http.ServeMux) {
	nurses := []string{registry.RoleNurse, registry.RoleAdmin}
	patient := "/studies/{code}/patients/{number}"
	a.handle(mux, "GET "+patient+"/treatment", nurses, a.nurseInput(a.treatmentForm))
	a.handle(mux, "POST "+patient+"/treatment", nurses, a.nurseInput(a.once(a.treatmentSave)))
}

func init() {
	savedNotices["treatment"] = "The treatment date was saved: the visits are scheduled from it."
}
