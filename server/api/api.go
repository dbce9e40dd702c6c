// Package api is the portal's JSON API under /api/v1/: the service catalog, service
// schemas, submissions and cases. Every answer is JSON, and every refusal carries a
// message in the asker's language.
package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/lomake/lomake/locales"
	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/server/session"
	"github.com/lomake/lomake/server/store"
)

// MaxBody is the largest submission accepted. The biggest form today is about 5 KB of
// JSON; 256 KiB leaves room for long free-text answers.
const MaxBody = 256 << 10

// API serves /api/v1/.
type API struct {
	services *schemas.Registry
	store    *store.Store
	sessions *session.Manager
	// adminToken guards the admin endpoints; empty turns them off.
	adminToken string
	now        func() time.Time
	log        *slog.Logger
	mux        *http.ServeMux
}

// helsinki is the time zone of case dates and of the year in case numbers.
var helsinki = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// New returns the API. now may be nil (the wall clock).
func New(services *schemas.Registry, st *store.Store, sm *session.Manager, adminToken string, log *slog.Logger, now func() time.Time) *API {
	if now == nil {
		now = time.Now
	}
	a := &API{services: services, store: st, sessions: sm, adminToken: adminToken, now: now, log: log, mux: http.NewServeMux()}
	a.mux.HandleFunc("GET /api/v1/services", a.listServices)
	a.mux.HandleFunc("GET /api/v1/services/{id}", a.getService)
	a.mux.HandleFunc("POST /api/v1/services/{id}/submissions", a.createSubmission)
	a.mux.HandleFunc("GET /api/v1/cases/{number}", a.getCase)
	a.mux.HandleFunc("GET /api/v1/profile", a.getProfile)
	a.mux.HandleFunc("PUT /api/v1/profile", a.putProfile)
	a.registerAnnouncements()
	a.registerDrafts()
	a.mux.HandleFunc("/api/", a.notFound)
	return a
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	a.mux.ServeHTTP(w, r)
}

// lang is the language of the answer: ?lang=, else Accept-Language.
func lang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); locales.Supported(l) {
		return l
	}
	return locales.Match(r.Header.Get("Accept-Language"))
}

type serviceSummary struct {
	ID             string   `json:"id"`
	Code           string   `json:"code"`
	Version        int      `json:"version"`
	Name           string   `json:"name"`
	Summary        string   `json:"summary"`
	Description    string   `json:"description"`
	Audience       string   `json:"audience"`
	ProcessingTime string   `json:"processingTime"`
	Department     string   `json:"department"`
	KeepInFolder   bool     `json:"keepInFolder"`
	Topics         []string `json:"topics"`
	Lang           string   `json:"lang"`
}

func summarize(s *schemas.Service, lang string) serviceSummary {
	return serviceSummary{
		ID: s.ID, Code: s.Code, Version: s.Version, Lang: lang,
		Name: s.Name.In(lang), Summary: s.Summary.In(lang), Description: s.Description.In(lang),
		Audience: s.Audience.In(lang), ProcessingTime: s.ProcessingTime.In(lang),
		Department: s.Department.In(lang), KeepInFolder: s.KeepInFolder, Topics: s.Topics,
	}
}

func (a *API) listServices(w http.ResponseWriter, r *http.Request) {
	l := lang(r)
	sorted := a.services.Sorted(l)
	out := make([]serviceSummary, len(sorted))
	for i, s := range sorted {
		out[i] = summarize(s, l)
	}
	w.Header().Set("Vary", "Accept-Language")
	writeJSON(w, http.StatusOK, map[string]any{"services": out})
}

func (a *API) getService(w http.ResponseWriter, r *http.Request) {
	l := lang(r)
	s := a.services.Service(r.PathValue("id"))
	if s == nil {
		a.problem(w, r, http.StatusNotFound, "unknownService", nil)
		return
	}
	w.Header().Set("Vary", "Accept-Language")
	writeJSON(w, http.StatusOK, struct {
		serviceSummary
		Schema json.RawMessage `json:"schema"`
	}{summarize(s, l), s.Schema})
}

func (a *API) createSubmission(w http.ResponseWriter, r *http.Request) {
	l := lang(r)
	s := a.services.Service(r.PathValue("id"))
	if s == nil {
		a.problem(w, r, http.StatusNotFound, "unknownService", nil)
		return
	}
	// A cross-site page can post a plain HTML form, but not JSON without a CORS
	// preflight, which this API never grants; Sec-Fetch-Site refuses the rest.
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" {
		a.problem(w, r, http.StatusForbidden, "unsupportedType", nil)
		return
	}
	user, ok := a.signedIn(w, r, true)
	if !ok {
		return
	}
	if !user.Registered {
		a.problem(w, r, http.StatusForbidden, "notRegistered", nil)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "application/json") {
		a.problem(w, r, http.StatusUnsupportedMediaType, "unsupportedType", nil)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			a.problem(w, r, http.StatusRequestEntityTooLarge, "tooLarge", map[string]any{"Limit": fmt.Sprintf("%d KiB", MaxBody>>10)})
			return
		}
		// The client went away mid-body: nothing to answer, nothing stored.
		a.log.Info("submission body not read", "service", s.ID, "err", err)
		a.problem(w, r, http.StatusBadRequest, "malformed", nil)
		return
	}
	violations, err := s.ValidateJSON(body)
	if errors.Is(err, schemas.ErrInvalidJSON) {
		a.problem(w, r, http.StatusBadRequest, "malformed", nil)
		return
	}
	if err != nil {
		a.log.Error("validating submission", "service", s.ID, "err", err)
		a.problem(w, r, http.StatusInternalServerError, "internal", nil)
		return
	}
	if len(violations) > 0 {
		errs := make([]fieldError, len(violations))
		for i, v := range violations {
			errs[i] = fieldError{Pointer: v.Pointer, Code: v.Code, Params: v.Params, Message: s.Message(l, v)}
		}
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"message": locales.T(l, "api.invalid", nil),
			"errors":  errs,
		})
		return
	}
	// A client that may retry (an offline outbox, a lost answer) names its send; the
	// same name always gets the same case.
	key := r.Header.Get("Idempotency-Key")
	if !validKey(key) {
		a.problem(w, r, http.StatusBadRequest, "malformed", nil)
		return
	}
	c, existing, err := a.store.CreateCaseOnce(r.Context(), s.Code, store.Case{
		ServiceID:      s.ID,
		ServiceVersion: s.Version,
		Lang:           l,
		Owner:          user.ID,
		Data:           json.RawMessage(body),
		CreatedAt:      a.now().In(helsinki),
	}, key)
	if err != nil {
		a.log.Error("storing submission", "service", s.ID, "err", err)
		a.problem(w, r, http.StatusInternalServerError, "internal", nil)
		return
	}
	w.Header().Set("Location", "/api/v1/cases/"+c.Number)
	if existing {
		w.Header().Set("Idempotent-Replayed", "true")
		writeJSON(w, http.StatusOK, map[string]string{"caseNumber": c.Number, "status": c.Status})
		return
	}
	a.log.Info("case created", "case", c.Number, "service", s.ID)
	// The draft has become a case.
	if err := a.store.DeleteDraft(user.ID, s.ID); err != nil {
		a.log.Error("deleting a sent draft", "err", err)
	}
	writeJSON(w, http.StatusCreated, map[string]string{"caseNumber": c.Number, "status": c.Status})
}

// validKey accepts no key, or 1–100 visible ASCII characters (a UUID fits).
func validKey(k string) bool {
	if len(k) > 100 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] <= ' ' || k[i] > '~' {
			return false
		}
	}
	return true
}

// fieldError is one problem of a refused submission. Params carry the numbers of the
// message (min, max) so that a client can word it in another language.
type fieldError struct {
	Pointer string         `json:"pointer"`
	Code    string         `json:"code"`
	Params  map[string]any `json:"params,omitempty"`
	Message string         `json:"message"`
}

func (a *API) getCase(w http.ResponseWriter, r *http.Request) {
	user, ok := a.signedIn(w, r, false)
	if !ok {
		return
	}
	c, err := a.store.Case(r.PathValue("number"))
	// Someone else's case is "not found": its existence is nobody else's business.
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.Owner != user.ID) {
		a.problem(w, r, http.StatusNotFound, "unknownCase", nil)
		return
	}
	if err != nil {
		a.log.Error("reading case", "case", r.PathValue("number"), "err", err)
		a.problem(w, r, http.StatusInternalServerError, "internal", nil)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// signedIn returns the user of the request's session, answering 401 (no session) or
// 403 (a state change without the session's CSRF token) itself when there is none.
// Every call counts as activity for the idle timeout.
func (a *API) signedIn(w http.ResponseWriter, r *http.Request, changes bool) (store.User, bool) {
	s, err := a.sessions.Get(r)
	if err != nil {
		if !errors.Is(err, session.ErrNone) {
			a.log.Error("reading session", "err", err)
		}
		a.problem(w, r, http.StatusUnauthorized, "unauthenticated", nil)
		return store.User{}, false
	}
	if changes && !session.CheckCSRF(r, s) {
		a.problem(w, r, http.StatusForbidden, "csrf", nil)
		return store.User{}, false
	}
	u, err := a.store.User(s.UserID)
	if err != nil {
		a.problem(w, r, http.StatusUnauthorized, "unauthenticated", nil)
		return store.User{}, false
	}
	if err := a.sessions.Touch(&s); err != nil {
		a.log.Error("touching session", "err", err)
	}
	return u, true
}

func (a *API) notFound(w http.ResponseWriter, r *http.Request) {
	a.problem(w, r, http.StatusNotFound, "notFound", nil)
}

// problem answers with {"error": {"code", "message"}} in the asker's language.
func (a *API) problem(w http.ResponseWriter, r *http.Request, status int, code string, data map[string]any) {
	id := "api." + code
	switch code {
	case "notFound":
		id = "notfound.title"
	case "csrf":
		id = "auth.csrf"
	}
	writeJSON(w, status, map[string]any{"error": map[string]string{
		"code":    code,
		"message": locales.T(lang(r), id, data),
	}})
}

func (a *API) message(r *http.Request, id string) string { return locales.T(lang(r), id, nil) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}
