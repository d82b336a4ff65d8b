package main

import (
	"net/http"

	"outcomereg/registry"
	"outcomereg/views"
)

// visitForm shows the form of a visit: empty (dated today) to record it, or filled in with
// the recorded values to correct them.
func (a *app) visitForm(w http.ResponseWriter, r *http.Request) {
	f, err := a.store.VisitForm(r.Context(), userOf(r), r.PathValue("code"), r.PathValue("number"), r.PathValue("visit"))
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	if err := a.store.LogView(r.Context(), userOf(r), f.Patient, registry.PageVisitForm, f.Visit.Code); err != nil {
		a.failTranslated(w, r, err)
		return
	}
	in := registry.VisitInput{State: registry.StateDone, Date: f.Patient.Today(nurseClock()).Format("2006-01-02")}
	if f.Recorded != nil {
		in = f.Recorded.Input()
		for _, m := range f.Study.Measures {
			if v, ok := in.Values[m.Code]; ok && m.Kind != registry.KindChoice {
				v.Raw = views.FormNumber(r.Context(), v.Raw)
				in.Values[m.Code] = v
			}
		}
	}
	if hr, errs, ok := a.takeHeldForm(w, r); ok {
		a.renderVisitForm(w, hr, http.StatusOK, f, visitInputFrom(hr), errs)
		return
	}
	a.renderVisitForm(w, r, http.StatusOK, f, in, views.FormErrors{})
}

func (a *app) renderVisitForm(w http.ResponseWriter, r *http.Request, status int, f *registry.VisitForm, in registry.VisitInput, errs views.FormErrors) {
	if f.Recorded != nil {
		waiting, err := a.store.AwaitsReview(r.Context(), f.Patient, f.Visit.Code)
		if err != nil {
			a.failTranslated(w, r, err)
			return
		}
		f.AwaitsReview = waiting
	}
	title := views.T(r.Context(), "%s of patient %s", f.Visit.LabelIn(views.Lang(r.Context())), f.Patient.Number)
	a.render(w, r, status, views.VisitFormPage(a.page(r, title), f, in, errs))
}
