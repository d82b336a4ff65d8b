package main

import (
	"net/http"
	"strings"

	"outcomereg/registry"
	"outcomereg/views"
)

// actorOf is the signed-in user as the audit trail names them.
func actorOf(r *http.Request) registry.Actor {
	u := userOf(r)
	return registry.Actor{UserID: u.ID, Name: u.Email}
}

// exportOptions reads the study, delimiter and site of an export request.
func exportOptions(r *http.Request) registry.ExportOptions {
	q := r.URL.Query()
	return registry.ExportOptions{Study: r.PathValue("code"), Delimiter: q.Get("delimiter"), Decimal: q.Get("decimal"), Site: q.Get("site")}
}

// exportPage shows the tables of a study to download, with the delimiter and site chosen.
func (a *app) exportPage(w http.ResponseWriter, r *http.Request) {
	o := exportOptions(r)
	o.Table = registry.TableLong
	if o.Decimal == "comma" {
		o.Delimiter = "semicolon" // the page's choice of a decimal comma brings its delimiter
	}
	if err := o.Validate(); err != nil {
		a.fail(w, r, err)
		return
	}
	st, err := a.store.Study(r.Context(), o.Study)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	sites, err := a.store.Sites(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	data := views.ExportData{Study: st.Code, Title: st.TitleIn(views.Lang(r.Context())), Delimiter: o.Delimiter, Decimal: o.Decimal, Site: o.Site}
	known := o.Site == ""
	for _, s := range sites {
		data.Sites = append(data.Sites, views.ExportSite{Code: s.Code, Name: s.Name})
		known = known || s.Code == o.Site
	}
	if !known {
		a.fail(w, r, registry.Errorf(registry.ENOTFOUND, "There is no site %q.", o.Site))
		return
	}
	for _, t := range registry.ExportTables {
		if t == registry.TableAudit && userOf(r).Role != registry.RoleAdmin {
			continue
		}
		data.Tables = append(data.Tables, t)
	}
	a.render(w, r, http.StatusOK, views.ExportPage(a.page(r, views.T(r.Context(), "Export %s", st.Code)), data))
}

// exportDownload streams one table as CSV: /studies/{code}/export/{table}.csv.
func (a *app) exportDownload(w http.ResponseWriter, r *http.Request) {
	o := exportOptions(r)
	table, ok := strings.CutSuffix(r.PathValue("file"), ".csv")
	if !ok {
		a.fail(w, r, registry.Errorf(registry.ENOTFOUND, "Exports are CSV files: ask for %s.csv.", r.PathValue("file")))
		return
	}
	o.Table = table
	if table == registry.TableAudit && userOf(r).Role != registry.RoleAdmin {
		a.fail(w, r, registry.Errorf(registry.EFORBIDDEN, "only administrators export the audit trail"))
		return
	}
	streamingResponse(w)
	dw := &downloadWriter{w: w, contentType: "text/csv; charset=utf-8", name: downloadName(o, table+".csv")}
	_, err := a.store.Export(r.Context(), dw, actorOf(r), o)
	a.finishDownload(w, r, dw, err)
}

// exportZip streams every table, a README and an R script as one ZIP.
func (a *app) exportZip(w http.ResponseWriter, r *http.Request) {
	o := exportOptions(r)
	o.WithAudit = userOf(r).Role == registry.RoleAdmin
	streamingResponse(w)
	dw := &downloadWriter{w: w, contentType: "application/zip", name: downloadName(o, "zip")}
	_, err := a.store.ExportZip(r.Context(), dw, actorOf(r), o)
	a.finishDownload(w, r, dw, err)
}

func downloadName(o registry.ExportOptions, suffix string) string {
	name := o.Study
	if o.Site != "" {
		name += "-" + o.Site
	}
	if suffix == "zip" {
		return name + ".zip"
	}
	return name + "-" + suffix
}

// finishDownload answers an error that came before the first byte with an error page. After
// it, the status has gone out: the connection is cut, so that the download fails visibly
// instead of ending short.
func (a *app) finishDownload(w http.ResponseWriter, r *http.Request, dw *downloadWriter, err error) {
	if err == nil {
		if !dw.started {
			dw.start() // an empty table still has its header; this is for safety
		}
		return
	}
	if !dw.started {
		a.fail(w, r, err)
		return
	}
	if r.Context().Err() == nil {
		a.logger.Error("export broke off", append(a.requestLog(w, r), "err", err)...)
	}
	panic(http.ErrAbortHandler)
}

// downloadWriter sets the download's headers on the first write, so that an error found
// before any data can still be answered with a status of its own.
type downloadWriter struct {
	w           http.ResponseWriter
	contentType string
	name        string
	started     bool
}

func (d *downloadWriter) start() {
	d.started = true
	h := d.w.Header()
	h.Set("Content-Type", d.contentType)
	h.Set("Content-Disposition", `attachment; filename="`+d.name+`"`)
	h.Set("Cache-Control", "no-store")
	d.w.WriteHeader(http.StatusOK)
}

func (d *downloadWriter) Write(p []byte) (int, error) {
	if !d.started {
		d.start()
	}
	return d.w.Write(p)
}
