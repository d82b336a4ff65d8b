package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"outcomereg/registry"
	"outcomereg/views"
)

// codeBreakForm asks for the reason of an emergency unblinding of one patient.
func (a *app) codeBreakForm(w http.ResponseWriter, r *http.Request) {
	p, err := a.store.Patient(r.Context(), userOf(r), r.PathValue("code"), r.PathValue("number"))
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	a.renderCodeBreak(w, r, http.StatusOK, p, "", views.FormErrors{})
}

func (a *app) renderCodeBreak(w http.ResponseWriter, r *http.Request, status int, p *registry.Patient, reason string, errs views.FormErrors) {
	title := views.T(r.Context(), "Break the code of patient %s", p.Number)
	a.render(w, r, status, views.CodeBreakPage(a.page(r, title), p, reason, errs))
}

// codeBreakSave breaks the code with a reason and shows the patient, arm included, to this
// user; without a reason the form comes back and nothing changes.
func (a *app) codeBreakSave(w http.ResponseWriter, r *http.Request) {
	if !a.parseNurseForm(w, r) {
		return
	}
	ctx := r.Context()
	reason := r.PostFormValue("reason")
	_, err := a.store.BreakCode(ctx, nurseActor(r), userOf(r), r.PathValue("code"), r.PathValue("number"), reason)
	if errs, ok := formErrors(err); ok {
		p, perr := a.store.Patient(ctx, userOf(r), r.PathValue("code"), r.PathValue("number"))
		if perr != nil {
			a.failTranslated(w, r, perr)
			return
		}
		a.renderCodeBreak(w, r, http.StatusBadRequest, p, reason, errs)
		return
	}
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	http.Redirect(w, r, patientPath(r), http.StatusSeeOther)
}

// blindingPage shows administrators a study's blinding, its code breaks and the unblind button.
func (a *app) blindingPage(w http.ResponseWriter, r *http.Request) {
	a.renderBlinding(w, r, http.StatusOK, "", views.FormErrors{})
}

func (a *app) renderBlinding(w http.ResponseWriter, r *http.Request, status int, reason string, errs views.FormErrors) {
	ctx := r.Context()
	st, err := a.store.Study(ctx, r.PathValue("code"))
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	breaks, err := a.store.CodeBreaks(ctx, st.ID)
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	a.render(w, r, status, views.BlindingPage(a.page(r, views.T(ctx, "Blinding of %s", st.TitleIn(views.Lang(ctx)))),
		views.BlindingStatus{Study: st, CodeBreaks: breaks}, reason, errs))
}

// unblindSave ends the blinding of the whole study, with a reason.
func (a *app) unblindSave(w http.ResponseWriter, r *http.Request) {
	if !a.parseNurseForm(w, r) {
		return
	}
	reason := r.PostFormValue("reason")
	err := a.store.Unblind(r.Context(), nurseActor(r), r.PathValue("code"), reason)
	if errs, ok := formErrors(err); ok {
		a.renderBlinding(w, r, http.StatusBadRequest, reason, errs)
		return
	}
	if err != nil {
		a.failTranslated(w, r, err)
		return
	}
	http.Redirect(w, r, "/studies/"+r.PathValue("code")+"/blinding", http.StatusSeeOther)
}

// cmdStudyUnblind: registry study unblind CODE [--reason TEXT] ends the blinding of a study
// when the trial is over, audited as the command line's.
func cmdStudyUnblind(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "study", "study unblind CODE [--reason TEXT]")
	dataDir := dataDirFlag(fs, env)
	reason := fs.String("reason", "trial over: unblinded from the command line", "why the blinding ends (kept in the audit trail)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		fs.Usage()
		return usageError{errors.New("study unblind needs one study CODE")}
	}
	db, store, err := openMigrated(ctx, env, *dataDir, cliLogger(env.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := store.Unblind(ctx, registry.CLI, rest[0], *reason); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Study %s is unblinded: every user now sees the arms.\n", rest[0])
	return nil
}
