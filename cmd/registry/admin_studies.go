package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"

	"outcomereg/registry"
	"outcomereg/views"
)

// maxStudyFileBytes bounds an uploaded study definition: the demo files are a few kB.
const maxStudyFileBytes = 1 << 20

func (a *app) adminStudies(w http.ResponseWriter, r *http.Request) {
	a.renderStudies(w, r, http.StatusOK, doneNotice(r))
}

func (a *app) renderStudies(w http.ResponseWriter, r *http.Request, status int, notice views.AdminNotice) {
	ctx := r.Context()
	studies, err := a.store.StudyOverviews(ctx)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	sites, err := a.store.Sites(ctx)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.render(w, r, status, views.AdminStudiesPage(a.page(r, views.T(ctx, "Studies")), studies, sites, notice))
}

// studyFileProblem shows the studies page with what is wrong with a definition file.
func (a *app) studyFileProblem(w http.ResponseWriter, r *http.Request, err error) {
	msg := translatedError(r, err)
	var e *registry.Error
	if errors.As(err, &e) {
		for f, m := range e.Fields {
			if !strings.Contains(msg, m) {
				msg += " " + f + ": " + views.T(r.Context(), m) + "."
			}
		}
	}
	a.renderStudies(w, r, http.StatusBadRequest, views.AdminNotice{Text: msg, Error: true})
}

// adminStudyPreview reads an uploaded definition file and shows what applying it would
// change; the file comes back with the page, to be applied by adminStudyApply.
func (a *app) adminStudyPreview(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxStudyFileBytes+64<<10)
	f, hdr, err := r.FormFile("definition")
	if err != nil {
		a.studyFileProblem(w, r, registry.Errorf(registry.EINVALID, "Choose a study definition file (YAML) of at most 1 MB."))
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxStudyFileBytes+1))
	if err != nil || len(data) > maxStudyFileBytes {
		a.studyFileProblem(w, r, registry.Errorf(registry.EINVALID, "Choose a study definition file (YAML) of at most 1 MB."))
		return
	}
	a.previewStudy(w, r, filepath.Base(hdr.Filename), data)
}

func (a *app) previewStudy(w http.ResponseWriter, r *http.Request, name string, data []byte) {
	st, err := registry.ParseStudyFile(name, data)
	if err != nil {
		a.studyFileProblem(w, r, err)
		return
	}
	pv, err := a.store.PreviewStudy(r.Context(), st)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if pv.Refused != "" {
		status = http.StatusBadRequest
	}
	a.render(w, r, status, views.AdminStudyPreviewPage(a.page(r, views.T(r.Context(), "Changes to %s", st.Code)), pv, name, string(data)))
}

func (a *app) adminStudyApply(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4*maxStudyFileBytes)
	name, data := filepath.Base(cleanText(r.PostFormValue("file_name"))), []byte(r.PostFormValue("definition"))
	st, err := registry.ParseStudyFile(name, data)
	if err != nil {
		a.studyFileProblem(w, r, err)
		return
	}
	if _, err := a.store.ApplyStudy(r.Context(), actorOf(r), st); err != nil {
		if c := registry.ErrorCode(err); c == registry.EINVALID || c == registry.ECONFLICT {
			a.studyFileProblem(w, r, err)
			return
		}
		a.fail(w, r, err)
		return
	}
	redirectDone(w, r, "/admin/studies", "study-applied", st.Code)
}

func (a *app) adminStudyDefinition(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	data, err := a.store.StudyDefinition(r.Context(), code)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+url.PathEscape(code)+`.yaml"`)
	w.Write(data)
}

func (a *app) adminStudySiteAdd(w http.ResponseWriter, r *http.Request) {
	a.changeStudySites(w, r, a.store.AddStudySite, cleanText(r.PostFormValue("site")))
}

func (a *app) adminStudySiteRemove(w http.ResponseWriter, r *http.Request) {
	a.changeStudySites(w, r, a.store.RemoveStudySite, r.PathValue("site"))
}

func (a *app) changeStudySites(w http.ResponseWriter, r *http.Request,
	change func(ctx context.Context, who registry.Actor, study, site string) error, site string) {
	study := r.PathValue("code")
	if err := change(r.Context(), actorOf(r), study, site); err != nil {
		switch registry.ErrorCode(err) {
		case registry.EINVALID, registry.ECONFLICT:
			a.studyFileProblem(w, r, err)
		default:
			a.fail(w, r, err)
		}
		return
	}
	redirectDone(w, r, "/admin/studies", "study-sites", study)
}
