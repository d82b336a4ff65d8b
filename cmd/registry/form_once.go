package main

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Double submissions. Every nurse form carries a one-time token (views.FormToken). The
// first post of a token runs; a repeat of it (a double click, a reload of the answer, a
// second tab) does not save again but gets the answer the first one got: the page of the
// record already saved. A post refused for bad input frees its token, so that the corrected
// form can be sent. Tokens are remembered per user, in memory, for formTokenTTL.

const formTokenTTL = 30 * time.Minute

type formOnce struct {
	mu   sync.Mutex
	seen map[string]*formResult // user id + token
}

// formResult is the answer to a token's first post; done is closed when it is known.
type formResult struct {
	done     chan struct{}
	location string // where the successful post sent the user; "" when it failed
	at       time.Time
}

func newFormOnce() *formOnce { return &formOnce{seen: map[string]*formResult{}} }

// once wraps a form's POST handler so that a token is acted on once.
func (a *app) once(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if err := r.ParseForm(); err != nil {
			h(w, r) // the handler answers the unreadable form
			return
		}
		token := r.PostFormValue("form_token")
		u := userOf(r)
		if token == "" || len(token) > 64 || u == nil {
			h(w, r)
			return
		}
		key := strconv.FormatInt(u.ID, 10) + " " + token
		fo := a.forms
		for {
			fo.mu.Lock()
			fo.expire()
			res, seen := fo.seen[key]
			if !seen {
				res = &formResult{done: make(chan struct{}), at: time.Now()}
				fo.seen[key] = res
				fo.mu.Unlock()
				break
			}
			fo.mu.Unlock()
			select {
			case <-res.done:
			case <-r.Context().Done():
				return
			}
			if res.location != "" {
				http.Redirect(w, r, res.location, http.StatusSeeOther)
				return
			}
			// The first post was refused and freed the token: this one runs.
		}
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			fo.mu.Lock()
			res := fo.seen[key]
			if rec.status == http.StatusSeeOther {
				res.location = rec.Header().Get("Location")
			} else {
				delete(fo.seen, key)
			}
			close(res.done)
			fo.mu.Unlock()
		}()
		h(rec, r)
	}
}

// expire forgets tokens older than formTokenTTL; the caller holds mu.
func (fo *formOnce) expire() {
	if len(fo.seen) < 1024 {
		return
	}
	for k, res := range fo.seen {
		select {
		case <-res.done:
			if time.Since(res.at) > formTokenTTL {
				delete(fo.seen, k)
			}
		default:
		}
	}
}

// statusRecorder remembers the status a handler answered.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}
