package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/text/language"

	"outcomereg/registry"
	"outcomereg/views"
)

// The page a patient's link opens, /p/{token}: no account, no cookie. The token in the
// path is the only secret; it is looked up by its hash. Every answer of /p/ is padded to
// linkMinDuration, so that an unknown token takes as long as a valid one, and requests are
// throttled per client address (behind trusted proxies, the forwarded address).
//
// Cross-site posts: the form is cookie-less, so a forged post carries no ambient
// authority; to post at all it must hold the link's token, which only the patient has;
// and Go's CrossOriginProtection (routes.go) refuses cross-origin posts for every route.
// A repeated post (a double tap, a reload) finds the invitation answered and says so.

// linkMinDuration is how long every answer of /p/ takes at least.
const linkMinDuration = 250 * time.Millisecond

// linkPadding pads the answers of /p/: min is the duration (linkMinDuration unless a test
// sets it) and padded counts the answers that went through the pad, for the test that
// known and unknown tokens take the same path.
type linkPadding struct {
	min    time.Duration
	padded atomic.Int64
}

// homeLanguage is the language a patient's page speaks: the one asked for by the language
// switch (?lang= or the form's lang), else the invitation's.
func homeLanguage(r *http.Request, invited string) string {
	for _, l := range []string{r.URL.Query().Get("lang"), r.PostFormValue("lang"), invited} {
		if slices.Contains(registry.PatientLanguages, l) {
			return l
		}
	}
	// No invitation to go by (an unknown link): the browser's first patient language.
	tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	for _, tag := range tags {
		if base, _ := tag.Base(); slices.Contains(registry.PatientLanguages, base.String()) {
			return base.String()
		}
	}
	return "en"
}

// patientLink wraps the handlers of /p/: throttled per address, answered after at least
// linkMinDuration, whatever the answer.
func (a *app) patientLink(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		key := linkThrottleKey(a.clientAddress(r))
		if err := a.store.ClaimLinkRequest(r.Context(), key); err != nil {
			var e *registry.Error
			status := http.StatusServiceUnavailable
			state := "error"
			if errors.As(err, &e) && e.Code == registry.ETOOMANY {
				status, state = http.StatusTooManyRequests, "throttled"
				w.Header().Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds())+1))
			} else {
				a.logger.Warn("patient link throttle", append(a.requestLog(w, r), "err", err)...)
			}
			ctx := views.WithLanguage(r.Context(), homeLanguage(r, ""))
			a.render(w, r.WithContext(ctx), status, views.HomeAnswerPage(views.HomePage{State: state}))
			return
		}
		buf := &bufferedResponse{header: w.Header()}
		h(buf, r)
		if buf.status != http.StatusNotFound {
			if err := a.store.ReturnLinkRequest(r.Context(), key); err != nil {
				a.logger.Warn("patient link throttle", append(a.requestLog(w, r), "err", err)...)
			}
		}
		if d := a.links.min - time.Since(start); d > 0 {
			time.Sleep(d)
		}
		a.links.padded.Add(1)
		if buf.status == 0 {
			buf.status = http.StatusOK
		}
		w.WriteHeader(buf.status)
		w.Write(buf.body.Bytes())
	}
}

// linkThrottleKey is what the links' throttle counts by: the client's address, or for IPv6
// its /64, which one household or one attacker usually holds whole.
func linkThrottleKey(address string) string {
	a, err := netip.ParseAddr(address)
	if err != nil || !a.Is6() || a.Is4In6() {
		return address
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// bufferedResponse holds an answer until the pad has passed.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }
func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func linkPath(token string) string { return "/p/" + url.PathEscape(token) }

// homeAnswerForm shows a link's questions, or why there is nothing to answer.
func (a *app) homeAnswerForm(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	l, err := a.store.OpenInvitationLink(r.Context(), token, nurseClock())
	if err != nil {
		a.homeFail(w, r, err)
		return
	}
	ctx := views.WithLanguage(r.Context(), homeLanguage(r, l.Language))
	p := views.HomePage{Path: linkPath(token), State: l.State, Window: l.Window, Study: l.Study, Question: l.Questions}
	if l.State == registry.LinkAnswered && r.URL.Query().Get("sent") == "1" {
		p.State = "thanks"
	}
	a.render(w, r.WithContext(ctx), http.StatusOK, views.HomeAnswerPage(p))
}

// homeAnswerSave saves the patient's answers through the one rule book. Answers it refuses
// come back with a message at each question and everything typed kept.
func (a *app) homeAnswerSave(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		a.homeFail(w, r, registry.Errorf(registry.EINVALID, "The form could not be read."))
		return
	}
	l, err := a.store.OpenInvitationLink(r.Context(), token, nurseClock())
	if err != nil {
		a.homeFail(w, r, err)
		return
	}
	lang := homeLanguage(r, l.Language)
	ctx := views.WithLanguage(r.Context(), lang)
	in := registry.VisitInput{Values: map[string]registry.ValueInput{}, Items: map[string]map[string]registry.ValueInput{}}
	typed := map[string]string{}
	for _, m := range l.Questions {
		if m.Instrument != nil {
			items := map[string]registry.ValueInput{}
			for _, it := range m.Instrument.Items {
				f := registry.ItemField(m.Code, it.Code)
				typed[f] = cleanText(r.PostFormValue(f))
				if typed[f] != "" {
					items[it.Code] = registry.ValueInput{Raw: typed[f]}
				}
			}
			in.Items[m.Code] = items
			continue
		}
		f := registry.MeasureField(m.Code)
		typed[f] = cleanText(r.PostFormValue(f))
		in.Values[m.Code] = registry.ValueInput{Raw: typed[f]}
	}
	saved, err := a.store.AnswerInvitationLink(r.Context(), token, in, nurseClock())
	var e *registry.Error
	switch {
	case err == nil && saved.Saved:
		http.Redirect(w, r, linkPath(token)+"?sent=1&lang="+lang, http.StatusSeeOther)
	case err == nil:
		p := views.HomePage{Path: linkPath(token), State: saved.State, Window: saved.Window}
		a.render(w, r.WithContext(ctx), http.StatusConflict, views.HomeAnswerPage(p))
	case errors.As(err, &e) && e.Code == registry.EINVALID && len(e.Fields) > 0:
		p := views.HomePage{Path: linkPath(token), State: l.State, Window: l.Window, Study: l.Study, Question: l.Questions,
			Values: typed, Errors: map[string]string{},
			Message: views.HT(ctx, "Some answers need another look; they are marked below. Your other answers are kept.")}
		for field, msg := range e.Fields {
			p.Errors[field] = patientProblem(ctx, msg, e.Args[field])
		}
		a.render(w, r.WithContext(ctx), http.StatusBadRequest, views.HomeAnswerPage(p))
	default:
		a.homeFail(w, r, err)
	}
}

// homeFail answers a link's error in the patient's words: an unknown link is 404, the
// database away 503; nothing about the registry's inside.
func (a *app) homeFail(w http.ResponseWriter, r *http.Request, err error) {
	ctx := views.WithLanguage(r.Context(), homeLanguage(r, ""))
	switch {
	case registry.ErrorCode(err) == registry.ENOTFOUND:
		a.render(w, r.WithContext(ctx), http.StatusNotFound, views.HomeAnswerPage(views.HomePage{}))
	case registry.ErrorCode(err) == registry.EINVALID:
		a.render(w, r.WithContext(ctx), http.StatusBadRequest, views.HomeAnswerPage(views.HomePage{State: "error"}))
	default:
		status := http.StatusInternalServerError
		if isUnavailable(err) {
			status = http.StatusServiceUnavailable
			w.Header().Set("Retry-After", "5")
		}
		a.logger.Error("patient link", append(a.requestLog(w, r), "err", err)...)
		a.render(w, r.WithContext(ctx), status, views.HomeAnswerPage(views.HomePage{State: "error"}))
	}
}

// patientProblem says what the rule book found wrong with an answer in words for the
// patient, in her language: the rule book's messages are written for nurses (missing-data
// codes, decimal marks), so the few a patient can meet are said again plainly, and any
// other becomes "Check this answer."
func patientProblem(ctx context.Context, msg string, args []any) string {
	switch msg {
	case "Enter a value or choose why it is missing.":
		return views.HT(ctx, "Please answer this question.")
	case "%s is outside the allowed range (%s).", "%s is not a whole number.":
		return views.HT(ctx, msg, args...)
	case "%s is not one of the answers (%s).":
		return views.HT(ctx, "Choose one of the answers.")
	case "Answer the questions or choose why they are missing.":
		return views.HT(ctx, "Please answer these questions.")
	case "Too few questions answered to compute the score: answer at least %d of them, or choose why the score is missing.":
		return views.HT(ctx, "Please answer at least %d of these questions.", args...)
	}
	if strings.HasPrefix(msg, "Too few categories answered") {
		return views.HT(ctx, "Please answer more of these questions.")
	}
	if strings.HasPrefix(msg, "%q is not a number") || strings.HasPrefix(msg, "%q could be a thousand") || strings.HasPrefix(msg, "%q is too large") {
		return views.HT(ctx, "Write a number, for example 4.")
	}
	return views.HT(ctx, "Check this answer.")
}
