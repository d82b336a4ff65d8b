package main

import (
	"errors"
	"net/http"
	"strings"

	"outcomereg/registry"
	"outcomereg/views"
)

// visitInputFrom reads the visit form: m_<measure> holds a value, mm_<measure> a missing-data
// code instead of it, m_<measure>__<item> the answer to an instrument's item (a measure code
// never holds "__").
func visitInputFrom(r *http.Request) registry.VisitInput {
	in := registry.VisitInput{
		State: r.PostFormValue("state"), Date: r.PostFormValue("visit_date"), MissedReason: r.PostFormValue("missed_reason"),
		Notes: r.PostFormValue("notes"), Version: formVersion(r), Reason: r.PostFormValue("reason"),
		Values: map[string]registry.ValueInput{},
	}
	for key, vals := range r.PostForm {
		var code string
		switch {
		case strings.HasPrefix(key, "mm_"):
			code = strings.TrimPrefix(key, "mm_")
			v := in.Values[code]
			v.Missing = vals[0]
			in.Values[code] = v
		case strings.HasPrefix(key, "m_") && strings.Contains(key[2:], "__"):
			measure, item, _ := strings.Cut(key[2:], "__")
			if in.Items == nil {
				in.Items = map[string]map[string]registry.ValueInput{}
			}
			if in.Items[measure] == nil {
				in.Items[measure] = map[string]registry.ValueInput{}
			}
			in.Items[measure][item] = registry.ValueInput{Raw: vals[0]}
		case strings.HasPrefix(key, "m_"):
			code = strings.TrimPrefix(key, "m_")
			v := in.Values[code]
			v.Raw = vals[0]
			in.Values[code] = v
		}
	}
	return in
}

// visitSave records or corrects a visit. An invalid form comes back with its messages and
// everything typed; a save based on an out-of-date version is refused with the nurse's
// values beside the current ones (409); nothing is saved in either case.
func (a *app) visitSave(w http.ResponseWriter, r *http.Request) {
	if !a.parseNurseForm(w, r) {
		return
	}
	ctx, u := r.Context(), userOf(r)
	code, number, visit := r.PathValue("code"), r.PathValue("number"), r.PathValue("visit")
	in := visitInputFrom(r)
	_, err := a.store.SaveVisit(ctx, nurseActor(r), u, code, number, visit, in, nurseClock())
	if err == nil {
		http.Redirect(w, r, savedURL(patientPath(r), "visit", "#visit-"+visit), http.StatusSeeOther)
		return
	}
	errs, invalid := formErrors(err)
	conflict := registry.IsVisitConflict(err)
	if !invalid && !conflict {
		a.failTranslated(w, r, err)
		return
	}
	f, ferr := a.store.VisitForm(ctx, u, code, number, visit)
	if ferr != nil {
		a.failTranslated(w, r, ferr)
		return
	}
	if invalid {
		a.renderVisitForm(w, r, http.StatusBadRequest, f, in, errs)
		return
	}
	in.Version = 0
	if f.Recorded != nil {
		in.Version = f.Recorded.Version
	}
	title := views.T(ctx, "%s of patient %s", f.Visit.LabelIn(views.Lang(ctx)), f.Patient.Number)
	a.render(w, r, http.StatusConflict, views.VisitConflictPage(a.page(r, title), f, in))
}

// visitDelete removes a visit recorded by mistake; a reason is required.
func (a *app) visitDelete(w http.ResponseWriter, r *http.Request) {
	if !a.parseNurseForm(w, r) {
		return
	}
	err := a.store.DeleteVisit(r.Context(), nurseActor(r), userOf(r), r.PathValue("code"), r.PathValue("number"),
		r.PathValue("visit"), formVersion(r), r.PostFormValue("reason"))
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	http.Redirect(w, r, savedURL(patientPath(r), "deleted", ""), http.StatusSeeOther)
}

// failTranslated answers an error whose message is a catalog key (the store's messages for
// nurses), in the user's language; an invalid form's field messages are added to it.
func (a *app) failTranslated(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	var e *registry.Error
	if !errors.As(err, &e) || e.Code == registry.EINTERNAL {
		a.fail(w, r, err)
		return
	}
	msg := views.T(ctx, e.Message)
	for _, m := range e.Fields {
		msg += " " + views.T(ctx, m)
	}
	a.fail(w, r, &registry.Error{Code: e.Code, Message: msg})
}
