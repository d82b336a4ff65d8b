package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/a-h/templ"
	"github.com/jackc/pgx/v5/pgconn"

	"outcomereg/registry"
	"outcomereg/views"
)

// app holds what the HTTP handlers share.
type app struct {
	store  *registry.Store
	logger *slog.Logger
	cfg    config
	// routes lists every registered route with the roles allowed, for the test that
	// enumerates them.
	table []route
	mux   *http.ServeMux // for the route pattern of a request that fails before routing
	// forms remembers the one-time tokens of posted forms (see form_once.go).
	forms *formOnce
	// held keeps forms posted after the session ended (see held_form.go).
	held *heldForms
	// links pads the answers of the patients' links (see home_answer.go).
	links *linkPadding
}

func newApp(store *registry.Store, logger *slog.Logger, cfg config) *app {
	if cfg.sessionIdle == 0 {
		cfg.sessionIdle = registry.DefaultSessionIdle
	}
	if cfg.sessionAbsolute == 0 {
		cfg.sessionAbsolute = registry.DefaultSessionAbsolute
	}
	if cfg.smallCell == 0 {
		cfg.smallCell = 5
	}
	return &app{store: store, logger: logger, cfg: cfg, forms: newFormOnce(), held: &heldForms{held: map[string]*heldForm{}},
		links: &linkPadding{min: linkMinDuration}}
}

// page returns the layout data for a request.
func (a *app) page(r *http.Request, title string) views.Page {
	p := views.Page{Title: title, Path: r.URL.RequestURI(), Notice: savedNotices[r.URL.Query().Get("saved")]}
	if u := userOf(r); u != nil {
		p.Viewer = &views.Viewer{Email: u.Email, Name: u.Name, Role: u.Role, Sites: u.Sites}
	}
	return p
}

// render writes a templ component with a status.
func (a *app) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := c.Render(r.Context(), w); err != nil {
		a.logger.Error("render", append(a.requestLog(w, r), "err", err)...)
	}
}

// fail answers an error: the one place that maps an error code to a status. Only internal
// errors are logged, and never with the request's form values (they may hold patient data).
func (a *app) fail(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	status, heading, message := http.StatusInternalServerError, views.T(ctx, "Something went wrong"), registry.ErrorMessage(err)
	switch registry.ErrorCode(err) {
	case registry.EINVALID:
		status, heading = http.StatusBadRequest, views.T(ctx, "Something went wrong")
	case registry.ENOTFOUND:
		status, heading = http.StatusNotFound, views.T(ctx, "Page not found")
	case registry.EFORBIDDEN:
		status, heading, message = http.StatusForbidden, views.T(ctx, "You do not have access to this page."), ""
	case registry.ECONFLICT:
		status = http.StatusConflict
	case registry.EUNAUTHORIZED:
		if answersJSON(r) {
			writeJSONError(w, http.StatusUnauthorized, views.T(ctx, "Sign in first."))
			return
		}
		http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	case registry.ETOOMANY:
		status = http.StatusTooManyRequests
	default:
		if isUnavailable(err) {
			status, message = http.StatusServiceUnavailable, views.T(ctx, "The database is not available right now. Please try again in a moment.")
			w.Header().Set("Retry-After", "5")
			a.logger.Warn("database unavailable", append(a.requestLog(w, r), "err", err)...)
		} else {
			message = views.T(ctx, "An internal error occurred. It has been logged; please try again.")
			a.logger.Error("internal error", append(a.requestLog(w, r), "err", err)...)
		}
	}
	if answersJSON(r) {
		writeJSONError(w, status, cmp.Or(message, heading))
		return
	}
	a.render(w, r, status, views.ErrorPage(a.page(r, heading), heading, message))
}

// answersJSON: routes whose path ends in .json answer errors as JSON, {"error": ...},
// like their figures; every other route answers an HTML page.
func answersJSON(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, ".json") }

func writeJSONError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": message})
}

// isUnavailable reports whether err means the database cannot be reached right now.
func isUnavailable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		// 57P01..03: admin shutdown, crash shutdown, cannot connect now; 08: connection errors.
		return pg.Code == "57P01" || pg.Code == "57P02" || pg.Code == "57P03" || pg.Code[:2] == "08"
	}
	var ce *pgconn.ConnectError
	return errors.As(err, &ce) || pgconn.SafeToRetry(err) || errors.Is(err, context.DeadlineExceeded) ||
		registry.ErrorCode(err) == registry.EUNAVAILABLE
}
