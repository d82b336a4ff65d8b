package main

import (
	"net/http"
	"strings"
	"time"

	"outcomereg/registry"
	"outcomereg/views"
)

// auditFilterFrom reads the audit trail's filter from the query; a bad date is a message at
// its field, not an error page.
func auditFilterFrom(r *http.Request) (registry.AuditFilter, views.AuditFilterForm, views.FormErrors) {
	q := r.URL.Query()
	form := views.AuditFilterForm{From: q.Get("from"), To: q.Get("to"), User: strings.TrimSpace(q.Get("user")), Views: q.Get("views") == "1"}
	f := registry.AuditFilter{Actor: form.User, Views: form.Views}
	errs := views.FormErrors{Fields: map[string]string{}}
	for _, d := range []struct {
		field, value string
		into         *time.Time
	}{{"from", form.From, &f.From}, {"to", form.To, &f.To}} {
		if d.value == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", d.value)
		if err != nil {
			errs.Fields[d.field] = "Enter a date as yyyy-mm-dd."
			continue
		}
		*d.into = t
	}
	if len(errs.Fields) > 0 {
		errs.Message = "Check the marked fields."
	}
	return f, form, errs
}

// patientAuditPage shows a patient's audit trail: to nurses of the patient's site and to
// administrators.
func (a *app) patientAuditPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := a.store.Patient(ctx, userOf(r), r.PathValue("code"), r.PathValue("number"))
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	if err := a.store.LogView(ctx, userOf(r), p, registry.PagePatientAudit, ""); err != nil {
		a.failTranslated(w, r, err)
		return
	}
	f, form, errs := auditFilterFrom(r)
	f.StudyID, f.PatientID, f.Viewer = p.StudyID, p.ID, userOf(r)
	a.renderAudit(w, r, views.T(ctx, "Audit trail of patient %s", p.Number), views.PatientURL(p.StudyCode, p.Number), p.TimeZone, f, form, errs)
}

// studyAuditPage shows a study's whole audit trail, to administrators.
func (a *app) studyAuditPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st, err := a.store.Study(ctx, r.PathValue("code"))
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	f, form, errs := auditFilterFrom(r)
	f.StudyID, f.Viewer = st.ID, userOf(r)
	a.renderAudit(w, r, views.T(ctx, "Audit trail of %s", st.TitleIn(views.Lang(ctx))), "/worklist", a.store.UserTimeZone(ctx, userOf(r)), f, form, errs)
}

// renderAudit shows audit rows with their times in zone (the patient's site's, or the
// user's first site's), the zone named.
func (a *app) renderAudit(w http.ResponseWriter, r *http.Request, heading, back, zone string, f registry.AuditFilter, form views.AuditFilterForm, errs views.FormErrors) {
	status := http.StatusOK
	var rows []registry.AuditRow
	if errs.Message != "" {
		status = http.StatusBadRequest
	} else {
		var err error
		if rows, err = a.store.AuditTrail(r.Context(), f); err != nil {
			a.failTranslated(w, r, err)
			return
		}
	}
	loc, err := registry.LoadTimeZone(zone)
	if err != nil {
		loc, zone = time.UTC, "UTC"
	}
	a.render(w, r, status, views.AuditPage(a.page(r, heading), heading, back, rows, form, errs, loc, zone))
}
