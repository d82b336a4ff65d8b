package main

import (
	"net/http"
	"strings"

	"outcomereg/registry"
	"outcomereg/views"
)

// patientsPage lists the patients of every status a nurse (her sites) or an administrator
// may see: search by study number (?q=), filter by study, site and status.
func (a *app) patientsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userOf(r)
	q := r.URL.Query()
	f := views.PatientFilterForm{PatientFilter: registry.PatientFilter{
		Q: strings.TrimSpace(q.Get("q")), Study: q.Get("study"), Site: q.Get("site"), Status: q.Get("status")}}
	if len(f.Q) > 40 {
		f.Q = f.Q[:40]
	}
	var err error
	if f.Studies, err = a.store.StudyCodesFor(ctx, u); err != nil {
		a.failTranslated(w, r, err)
		return
	}
	all, err := a.store.Sites(ctx)
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	for _, s := range all {
		if u.CanSee(s.Code) {
			f.Sites = append(f.Sites, s)
		}
	}
	list, err := a.store.Patients(ctx, u, f.PatientFilter)
	if errs, ok := formErrors(err); ok {
		a.render(w, r, http.StatusBadRequest, views.PatientsPage(a.page(r, views.T(ctx, "Patients")), nil, f, errs))
		return
	}
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, views.PatientsPage(a.page(r, views.T(ctx, "Patients")), list, f, views.FormErrors{}))
}
