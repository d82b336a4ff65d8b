package main

import (
	"net/http"
	"strings"

	"outcomereg/views"
)

// worklistPage lists the visits due, overdue and coming up at the nurse's sites.
func (a *app) worklistPage(w http.ResponseWriter, r *http.Request) {
	search := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(search) > 40 {
		search = search[:40]
	}
	wl, err := a.store.Worklist(r.Context(), userOf(r), nurseClock(), search)
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	if wl.ToReview, err = a.store.AnswersToReview(r.Context(), userOf(r)); err != nil {
		a.failTranslated(w, r, err)
		return
	}
	studies, err := a.store.StudyCodesFor(r.Context(), userOf(r))
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, views.Worklist(a.page(r, views.T(r.Context(), "Worklist")), wl, search, studies))
}
