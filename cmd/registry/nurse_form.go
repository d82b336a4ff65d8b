package main

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"outcomereg/registry"
	"outcomereg/views"
)

// nurseActor is the signed-in user as the audit trail names them.
func nurseActor(r *http.Request) registry.Actor {
	u := userOf(r)
	return registry.Actor{UserID: u.ID, Name: u.Email}
}

// nurseClock is the server's clock; tests pin it to the day the demo data is planned around.
var nurseClock = time.Now

// nurseToday is today's date: the worklist counts from it, and dates after it are refused.
func nurseToday() time.Time { return registry.Day(nurseClock()) }

// formErrors returns the field messages of an invalid form, to show the form again.
func formErrors(err error) (views.FormErrors, bool) {
	var e *registry.Error
	if errors.As(err, &e) && e.Code == registry.EINVALID && len(e.Fields) > 0 {
		return views.FormErrors{Message: e.Message, Fields: e.Fields, Args: e.Args}, true
	}
	return views.FormErrors{}, false
}

// nurseInput guards a nurse page against path segments PostgreSQL would refuse (not valid
// UTF-8, or a NUL byte): they name no page. The middleware (cleanInput) refuses them for every
// route already, and query and form values too; this stays as a second line for these routes.
func (a *app) nurseInput(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for _, name := range []string{"code", "number", "visit", "event", "ae"} {
			if v := r.PathValue(name); !validText(v) {
				a.failTranslated(w, r, registry.Errorf(registry.ENOTFOUND, "There is no page at this address."))
				return
			}
		}
		h(w, r)
	}
}

// cleanText makes a typed value storable: valid UTF-8 without NUL bytes. (The middleware,
// cleanInput, refuses requests holding others, so this only matters outside a request.)
func cleanText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// parseNurseForm reads a posted form; a body that cannot be read is a 400, not a 500. (The
// middleware, cleanInput, has refused bytes PostgreSQL cannot take already.)
func (a *app) parseNurseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		a.failTranslated(w, r, registry.Errorf(registry.EINVALID, "The form could not be read."))
		return false
	}
	return true
}

// formVersion reads the hidden version field: missing or not a number counts as 0.
func formVersion(r *http.Request) int {
	v, _ := strconv.Atoi(r.PostFormValue("version"))
	return v
}

// pathID reads a numeric id from the path; anything else is a page that does not exist.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, registry.Errorf(registry.ENOTFOUND, "There is no page at this address.")
	}
	return id, nil
}

func patientPath(r *http.Request) string {
	return views.PatientURL(r.PathValue("code"), r.PathValue("number"))
}

// savedNotices confirm a save on the page the nurse lands on: a successful form redirects
// with ?saved=<what>, and the page shows the sentence.
var savedNotices = map[string]string{
	"visit":         "The visit was saved.",
	"event":         "The event was saved.",
	"adverse_event": "The adverse event was saved.",
	"status":        "The status was changed.",
	"enrolment":     "The patient was enrolled.",
	"deleted":       "It was deleted; the audit trail keeps what it was.",
}

// savedURL is where a successful save sends the nurse: the patient's page, with the
// confirmation of what was saved, at an anchor.
func savedURL(path, what, anchor string) string {
	return path + "?saved=" + what + anchor
}
