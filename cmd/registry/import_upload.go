package main

import (
	"errors"
	"net/http"
	"slices"

	"outcomereg/registry"
	"outcomereg/views"
)

// importPage shows the upload form.
func (a *app) importPage(w http.ResponseWriter, r *http.Request) {
	st, err := a.store.Study(r.Context(), r.PathValue("code"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.renderImport(w, r, http.StatusOK, views.ImportData{Study: st.Code, Title: st.TitleIn(views.Lang(r.Context())), Tables: registry.ImportTables, Table: registry.TableLong})
}

func (a *app) renderImport(w http.ResponseWriter, r *http.Request, status int, data views.ImportData) {
	a.render(w, r, status, views.ImportPage(a.page(r, views.T(r.Context(), "Import into %s", data.Study)), data))
}

// importUpload checks an uploaded file and imports it, all rows or none, and shows what it
// did or every problem by line and column.
func (a *app) importUpload(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st, err := a.store.Study(ctx, r.PathValue("code"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	data := views.ImportData{Study: st.Code, Title: st.TitleIn(views.Lang(r.Context())), Tables: registry.ImportTables, Table: registry.TableLong}
	longUpload(w)
	r.Body = http.MaxBytesReader(w, r.Body, registry.MaxImportFileBytes)
	// Files above 32 MB wait in a temporary file, not in memory.
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			data.Problem = views.T(ctx, "The file is larger than %d MB: split it, or use the command line (registry import).", registry.MaxImportFileBytes>>20)
		} else {
			data.Problem = views.T(ctx, "Choose a table and a CSV file to import.")
		}
		a.renderImport(w, r, http.StatusBadRequest, data)
		return
	}
	defer r.MultipartForm.RemoveAll()
	data.Table = r.FormValue("table")
	if !slices.Contains(registry.ImportTables, data.Table) {
		data.Table = registry.TableLong
		data.Problem = views.T(ctx, "Choose a table and a CSV file to import.")
		a.renderImport(w, r, http.StatusBadRequest, data)
		return
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		data.Problem = views.T(ctx, "Choose a table and a CSV file to import.")
		a.renderImport(w, r, http.StatusBadRequest, data)
		return
	}
	defer file.Close()
	res, err := a.store.Import(ctx, actorOf(r), registry.ImportOptions{Study: st.Code, Table: data.Table, FileName: header.Filename}, file)
	if res != nil && res.ErrorCount > 0 {
		data.Problem = views.T(ctx, "The file has %d errors; nothing was imported.", res.ErrorCount)
		data.ErrorCount = res.ErrorCount
		for _, e := range res.Errors {
			data.Errors = append(data.Errors, views.ImportError{Line: e.Line, Column: e.Column, Format: e.Format, Args: e.Args})
		}
		a.renderImport(w, r, http.StatusBadRequest, data)
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	data.Done = &views.ImportDone{ID: res.ID, File: header.Filename, Rows: res.Rows, Inserted: res.Inserted, Updated: res.Updated}
	a.renderImport(w, r, http.StatusOK, data)
}
