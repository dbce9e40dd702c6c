// Package forms handles the posts of the prerendered forms. A resident whose phone has
// not yet run the client (or never will: JavaScript off, a failed download) moves
// between a form's pages, adds and removes list items and sends the form through
// them, and gets the same pages, errors and confirmation as from the client. The
// rules are the client's own (ui.ReadPost); this handler only decodes, sends and
// answers.
package forms

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/lomake/lomake/app/ui"
	"github.com/lomake/lomake/locales"
	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/server/cases"
	"github.com/lomake/lomake/server/pwa"
	"github.com/lomake/lomake/server/ratelimit"
	"github.com/lomake/lomake/server/router"
	"github.com/lomake/lomake/server/site"
	"github.com/lomake/lomake/server/store"
)

// MaxBody bounds a form post: the largest JSON a send may be, and room for the names.
const MaxBody = 512 << 10

// PostRate bounds a user's (or an address's) form posts: a page a second for a while,
// as a resident clicking through a long form would, and not a flood.
var PostRate = ratelimit.Rule{Burst: 60, Every: time.Second}

// KeepRate bounds the forms kept for one address while their senders identify: a
// family sending a few forms, not a flood filling the disk (each is at most
// store.MaxPendingForm, for an hour).
var KeepRate = ratelimit.Rule{Burst: 5, Every: time.Minute}

// Handler answers the form posts.
type Handler struct {
	services *schemas.Registry
	cases    *cases.Cases
	store    *store.Store
	pages    *pwa.Handler
	rate     *ratelimit.Limiter
	keeps    *ratelimit.Limiter
	log      *slog.Logger
	now      func() time.Time
}

// New returns the handler; buckets are the rate limits' (nil: in memory), now the
// clock (nil: the wall clock).
func New(services *schemas.Registry, c *cases.Cases, st *store.Store, pages *pwa.Handler, buckets ratelimit.Buckets, log *slog.Logger, now func() time.Time) *Handler {
	if now == nil {
		now = time.Now
	}
	return &Handler{services: services, cases: c, store: st, pages: pages,
		rate:  ratelimit.New("form posts", PostRate, now, buckets),
		keeps: ratelimit.New("kept forms", KeepRate, now, buckets), log: log, now: now}
}

// Register adds the form's post route. The router checks the CSRF token (the form's
// hidden csrf field) of a signed-in browser before the handler runs.
func (h *Handler) Register(rt *router.Router) {
	rt.Handle(router.Route{Method: "POST", Pattern: "/{lang}/services/{id}/form", Body: router.FormBody,
		Limit: MaxBody, Rate: h.rate, Handler: h.post})
}

// Sweep forgets rate limit state and kept forms that no longer matter (a job).
func (h *Handler) Sweep(ctx context.Context) error {
	_, err := h.rate.Sweep(ctx)
	_, err2 := h.keeps.Sweep(ctx)
	_, err3 := h.store.DeleteExpiredPendingForms(h.now())
	return errors.Join(err, err2, err3)
}

func (h *Handler) post(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	s := h.services.Service(r.PathValue("id"))
	if !locales.Supported(lang) || s == nil {
		router.Problem(w, r, http.StatusNotFound, "notFound", nil)
		return
	}
	if err := r.ParseForm(); err != nil {
		router.Problem(w, r, http.StatusBadRequest, "malformed", nil)
		return
	}
	var prefill map[string]string
	if u := router.CallerOf(r).User; u != nil {
		prefill = cases.PrefillValues(*u)
	}
	st := ui.ReadPost(s, r.PostForm, prefill)
	if st.Send {
		if done := h.send(w, r, s, lang, st); done {
			return
		}
	}
	h.pages.RenderForm(w, r, st)
}

// PendingCookie names the cookie of a form kept while its sender identifies.
const PendingCookie = "lomake_form"

// PendingFor is how long a form is kept while its sender identifies.
const PendingFor = time.Hour

// keep keeps a complete form while its sender goes to identify (or, the first time,
// to create their profile), and sends them there; the form page then comes back with
// the answers (Pending). A form too large to keep is shown again with a message.
func (h *Handler) keep(w http.ResponseWriter, r *http.Request, s *schemas.Service, lang string, st *ui.FormState, data []byte, identify bool) bool {
	if ok, _, err := h.keeps.Allow(r.Context(), "ip:"+site.Of(r).ClientIP); !ok {
		st.Alert = "form.identifyNotKept" // the form stays on the page, with every answer
		return false
	} else if err != nil {
		h.log.Warn("kept forms limit", "id", router.RequestID(r), "err", err)
	}
	b := make([]byte, 32)
	rand.Read(b)
	token := hex.EncodeToString(b)
	err := h.store.PutPendingForm(token, store.PendingForm{ServiceID: s.ID, Data: data, Key: st.Key, Expires: h.now().Add(PendingFor)})
	if err != nil {
		if !errors.Is(err, store.ErrPendingTooLarge) {
			h.log.Error("keeping a form", "id", router.RequestID(r), "err", err)
		}
		st.Alert = "form.identifyNotKept"
		return false
	}
	http.SetCookie(w, &http.Cookie{Name: PendingCookie, Value: token, Path: "/", MaxAge: int(PendingFor / time.Second),
		HttpOnly: true, Secure: site.SecureCookies(r), SameSite: http.SameSiteLaxMode})
	back := ui.FormPath(lang, s.ID)
	next := ui.LoginPath(lang, back)
	if !identify {
		next = ui.RegisterPath(lang, back)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return true
}

// Pending is the form kept for r's browser while it identified, for the form page of
// its service: with its answers to check, ready to send. nil when there is none.
func (h *Handler) Pending(r *http.Request, serviceID string) *ui.FormState {
	c, err := r.Cookie(PendingCookie)
	if err != nil {
		return nil
	}
	f, err := h.store.PendingForm(c.Value, h.now())
	if err != nil || f.ServiceID != serviceID {
		return nil
	}
	s := h.services.Service(serviceID)
	var doc map[string]any
	if s == nil || json.Unmarshal(f.Data, &doc) != nil {
		return nil
	}
	if u := router.CallerOf(r).User; u != nil {
		s.Prefill(doc, cases.PrefillValues(*u)) // now that they have identified
	}
	return &ui.FormState{Doc: doc, Step: len(s.Pages), Key: f.Key, Shown: map[string]schemas.Violation{},
		Alert: "form.kept", Focus: "form-alert"}
}

// send sends a complete form for the signed-in resident and shows the confirmation;
// otherwise it says in st why not, and the form is shown again with every answer.
func (h *Handler) send(w http.ResponseWriter, r *http.Request, s *schemas.Service, lang string, st *ui.FormState) (done bool) {
	st.Send = false
	data, err := json.Marshal(s.Clean(st.Doc)) // hidden answers are not sent
	if err != nil {
		h.log.Error("encoding a posted form", "id", router.RequestID(r), "err", err)
		st.Alert = "form.serverError"
		return false
	}
	u := router.CallerOf(r).User
	if u == nil || !u.Registered {
		// Identification (and, the first time, the profile) come first: the answers
		// wait here, and the form comes back with them (Pending).
		return h.keep(w, r, s, lang, st, data, u == nil)
	}
	sub := cases.Submission{Service: s, Owner: *u, Lang: lang, Data: data, Key: st.Key}
	res, err := h.cases.Submit(r.Context(), sub)
	if errors.Is(err, cases.ErrKeyReused) {
		// The key's send was made with other answers (the resident went back to a
		// sent form and changed it): these answers are a send of their own.
		sub.Key = ui.NewSendKey()
		res, err = h.cases.Submit(r.Context(), sub)
	}
	switch {
	case errors.Is(err, schemas.ErrInvalidJSON), errors.Is(err, schemas.ErrValidatorFailed):
		h.log.Warn("posted form refused", "id", router.RequestID(r), "service", s.ID, "err", err)
		st.Alert = "form.serverError"
		return false
	case r.Context().Err() != nil:
		return true // the asker has gone
	case err != nil:
		h.log.Error("sending a posted form", "id", router.RequestID(r), "service", s.ID, "err", err)
		st.Alert = "form.serverError"
		return false
	}
	if len(res.Violations) > 0 {
		st.Refused(s, res.Violations)
		return false
	}
	if c, err := r.Cookie(PendingCookie); err == nil {
		if err := h.store.DeletePendingForm(c.Value); err != nil {
			h.log.Error("forgetting a kept form", "id", router.RequestID(r), "err", err)
		}
		http.SetCookie(w, &http.Cookie{Name: PendingCookie, Value: "", Path: "/", MaxAge: -1,
			HttpOnly: true, Secure: site.SecureCookies(r), SameSite: http.SameSiteLaxMode})
	}
	http.Redirect(w, r, ui.SentPath(lang, s.ID, res.Case.Number), http.StatusSeeOther)
	return true
}
