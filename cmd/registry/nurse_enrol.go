package main

import (
	"net/http"
	"slices"
	"time"

	"outcomereg/registry"
	"outcomereg/views"
)

// enrolForm shows the enrolment form of a study, for the nurse's sites.
func (a *app) enrolForm(w http.ResponseWriter, r *http.Request) {
	if hr, errs, ok := a.takeHeldForm(w, r); ok {
		a.renderEnrolForm(w, hr, http.StatusOK, enrolInputFrom(hr), errs)
		return
	}
	a.renderEnrolForm(w, r, http.StatusOK, registry.NewPatient{Allocation: "registry"}, views.FormErrors{})
}

// enrolInputFrom reads the enrolment form.
func enrolInputFrom(r *http.Request) registry.NewPatient {
	return registry.NewPatient{
		Site: r.PostFormValue("site"), Number: r.PostFormValue("number"), Sex: r.PostFormValue("sex"),
		BirthYear: r.PostFormValue("birth_year"), EnrolledOn: r.PostFormValue("enrolled_on"), TreatedOn: r.PostFormValue("treated_on"),
		Allocation: r.PostFormValue("allocation"), Arm: r.PostFormValue("arm"),
	}
}

func (a *app) renderEnrolForm(w http.ResponseWriter, r *http.Request, status int, in registry.NewPatient, errs views.FormErrors) {
	ctx := r.Context()
	st, err := a.store.Study(ctx, r.PathValue("code"))
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	if ok, err := a.store.TakesPart(ctx, userOf(r), st.Code); err != nil || !ok {
		if err == nil {
			err = registry.Errorf(registry.ENOTFOUND, "None of your sites takes part in this study.")
		}
		a.failTranslated(w, r, err)
		return
	}
	all, err := a.store.Sites(ctx)
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	taking, err := a.store.StudySites(ctx, st.Code)
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	var sites []registry.Site
	for _, s := range all {
		if userOf(r).CanSee(s.Code) && slices.Contains(taking, s.Code) {
			sites = append(sites, s)
		}
	}
	if in.EnrolledOn == "" && status == http.StatusOK && len(sites) > 0 {
		// Today at the nurse's (first) site.
		loc, err := registry.LoadTimeZone(sites[0].TimeZone)
		if err != nil {
			loc = time.UTC
		}
		in.EnrolledOn = registry.DayIn(nurseClock(), loc).Format(time.DateOnly)
	}
	a.render(w, r, status, views.EnrolPage(a.page(r, views.T(ctx, "Enrol a patient in %s", st.TitleIn(views.Lang(ctx)))), st, sites, in, errs))
}

// enrolSave enrols a patient, allocating the arm when asked, and opens the patient's page.
func (a *app) enrolSave(w http.ResponseWriter, r *http.Request) {
	if !a.parseNurseForm(w, r) {
		return
	}
	in := enrolInputFrom(r)
	p, err := a.store.Enrol(r.Context(), nurseActor(r), userOf(r), r.PathValue("code"), in, nurseClock())
	if errs, ok := formErrors(err); ok {
		a.renderEnrolForm(w, r, http.StatusBadRequest, in, errs)
		return
	}
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	http.Redirect(w, r, savedURL(views.PatientURL(p.StudyCode, p.Number), "enrolment", ""), http.StatusSeeOther)
}
