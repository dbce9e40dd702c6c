// Package auth is the portal's side of identification: it sends the browser to the
// identification provider, takes it back, finds or creates the user, and signs the
// browser in and out.
package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/locales"
	"github.com/lomake/lomake/server/cases"
	"github.com/lomake/lomake/server/identity"
	"github.com/lomake/lomake/server/ratelimit"
	"github.com/lomake/lomake/server/router"
	"github.com/lomake/lomake/server/session"
	"github.com/lomake/lomake/server/site"
	"github.com/lomake/lomake/server/store"
)

// Paths of the auth endpoints.
const (
	LoginPath    = "/auth/login"
	CallbackPath = "/auth/callback"
	LogoutPath   = "/auth/logout"
	SessionPath  = apiv1.SessionPath
	attemptName  = "lomake_auth"
)

// Handler serves the auth endpoints.
type Handler struct {
	provider identity.Provider
	sessions *session.Manager
	store    *store.Store
	now      func() time.Time
	log      *slog.Logger
	limit    *ratelimit.Limiter
	key      []byte // signs the attempt cookie
}

// LoginLimit is how many logins and callbacks one client address may start: the
// identification service is expensive and a target for guessing. Behind a proxy the
// address is the browser's (LOMAKE_TRUSTED_PROXIES), not the proxy's.
var LoginLimit = ratelimit.Rule{Burst: 20, Every: 3 * time.Second}

// New returns the handler. key signs the cookie that carries an identification under
// way (at least 32 bytes); buckets keep the login limit (nil: in memory); now may be nil
// (the wall clock).
func New(p identity.Provider, sm *session.Manager, st *store.Store, key []byte, buckets ratelimit.Buckets, log *slog.Logger, now func() time.Time) *Handler {
	if now == nil {
		now = time.Now
	}
	if len(key) < 32 {
		panic("auth: the cookie key must be at least 32 bytes")
	}
	return &Handler{provider: p, sessions: sm, store: st, now: now, log: log, key: key,
		limit: ratelimit.New("login", LoginLimit, now, buckets)}
}

// Register adds the endpoints.
func (h *Handler) Register(rt *router.Router) {
	for _, r := range []router.Route{
		{Method: "GET", Pattern: LoginPath, Rate: h.limit, Handler: h.login},
		{Method: "GET", Pattern: CallbackPath, Rate: h.limit, Handler: h.callback},
		{Method: "POST", Pattern: LogoutPath, Body: router.FormBody, Handler: h.logout},
		{Method: "POST", Pattern: SessionPath + "/extend", Access: router.Resident, Body: router.JSONBody, Handler: h.extend},
	} {
		rt.Handle(r)
	}
}

// RegisterSession adds GET /api/v1/session, which answers also when nobody can sign in.
func RegisterSession(rt *router.Router, sm *session.Manager) {
	rt.Handle(router.Route{Method: "GET", Pattern: SessionPath, Handler: func(w http.ResponseWriter, r *http.Request) {
		current(w, r, sm)
	}})
}

// RegisterTestService adds the built-in test identification service. It stands in for
// the national service, outside the portal: it sees no session of ours.
func RegisterTestService(rt *router.Router, test http.Handler) {
	for _, m := range []string{"GET", "POST"} {
		rt.Handle(router.Route{Method: m, Pattern: identity.TestPath, Access: router.Outside, Body: router.FormBody, Handler: test.ServeHTTP})
	}
}

// SweepLimits forgets login limits that no longer matter (a job).
func (h *Handler) SweepLimits(ctx context.Context) error {
	_, err := h.limit.Sweep(ctx)
	return err
}

// login starts an identification: GET /auth/login?method=bank&return=/fi/...
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	method := r.URL.Query().Get("method")
	if !validMethod(method) {
		router.Problem(w, r, http.StatusBadRequest, "method", nil)
		return
	}
	a := identity.NewAttempt(method, r.URL.Query().Get("return"), h.now())
	value, err := h.seal(a)
	if err != nil {
		h.log.Error("sealing an identification attempt", "err", err)
		router.Problem(w, r, http.StatusInternalServerError, "internal", nil)
		return
	}
	// The attempt waits in a short-lived, signed cookie only the callback path receives.
	http.SetCookie(w, &http.Cookie{
		Name: attemptName, Value: value, Path: CallbackPath,
		MaxAge: int(identity.MaxAttemptAge / time.Second), HttpOnly: true, Secure: site.SecureCookies(r),
		SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, h.provider.AuthURL(a), http.StatusFound)
}

// seal signs an attempt: base64url(JSON) + "." + base64url(HMAC-SHA256).
func (h *Handler) seal(a identity.Attempt) (string, error) {
	data, err := json.Marshal(a)
	if err != nil {
		return "", err
	}
	payload := base64.RawURLEncoding.EncodeToString(data)
	return payload + "." + base64.RawURLEncoding.EncodeToString(h.mac(payload)), nil
}

// open checks an attempt cookie's signature and decodes it; a zero Attempt (which no
// callback matches) when anything is wrong.
func (h *Handler) open(value string) identity.Attempt {
	payload, sig, ok := strings.Cut(value, ".")
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(got, h.mac(payload)) {
		return identity.Attempt{}
	}
	var a identity.Attempt
	data, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || json.Unmarshal(data, &a) != nil {
		return identity.Attempt{}
	}
	return a
}

func (h *Handler) mac(payload string) []byte {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte("lomake attempt\x00" + payload))
	return m.Sum(nil)
}

// callback finishes an identification and signs the browser in.
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	var a identity.Attempt
	if c, err := r.Cookie(attemptName); err == nil {
		a = h.open(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: attemptName, Value: "", Path: CallbackPath, MaxAge: -1,
		HttpOnly: true, Secure: site.SecureCookies(r), SameSite: http.SameSiteLaxMode})
	id, err := identity.Callback(r.Context(), h.provider, a, r.URL.Query(), h.now())
	if err != nil {
		h.log.Info("identification failed", "id", router.RequestID(r), "err", err)
		router.Problem(w, r, http.StatusBadRequest, "failed", nil)
		return
	}
	u, err := h.user(id)
	if err != nil {
		h.log.Error("finding the identified user", "err", err)
		router.Problem(w, r, http.StatusInternalServerError, "internal", nil)
		return
	}
	if _, err := h.sessions.Start(w, r, u.ID); err != nil {
		h.log.Error("starting a session", "err", err)
		router.Problem(w, r, http.StatusInternalServerError, "internal", nil)
		return
	}
	lang := locales.Remembered(r)
	// Checked again: the cookie is signed, but a path is only followed if it is ours.
	to := identity.LocalPath(a.Return)
	if to == "" {
		to = "/" + lang + "/home"
	}
	// First login is registration: nothing else is reachable before it.
	if !u.Registered {
		to = "/" + lang + "/register?return=" + url.QueryEscape(to)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// user finds the identified person, creating them at first login. Names follow the
// provider (the population register), never the user.
func (h *Handler) user(id identity.Identity) (store.User, error) {
	u, err := h.store.UserByIdentityCode(id.IdentityCode)
	if errors.Is(err, store.ErrNotFound) {
		u, err = h.store.CreateUser(store.User{IdentityCode: id.IdentityCode, GivenName: id.GivenName, FamilyName: id.FamilyName})
		if errors.Is(err, store.ErrExists) { // the same person in two tabs at once
			return h.store.UserByIdentityCode(id.IdentityCode)
		}
		return u, err
	}
	if err != nil {
		return store.User{}, err
	}
	if u.GivenName != id.GivenName || u.FamilyName != id.FamilyName {
		u.GivenName, u.FamilyName, u.UpdatedAt = id.GivenName, id.FamilyName, time.Time{}
		if err := h.store.UpdateUser(u); err != nil {
			return store.User{}, err
		}
	}
	return u, nil
}

// logout signs the browser out. The router has checked the session's CSRF token (a
// form field): otherwise any site could sign residents out.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if err := h.sessions.End(w, r); err != nil {
		h.log.Error("ending a session", "id", router.RequestID(r), "err", err)
	}
	http.Redirect(w, r, "/"+locales.Remembered(r)+"/?logged-out=1", http.StatusSeeOther)
}

// extend records activity ("Continue" in the idle warning, or typing) and answers like
// current.
func (h *Handler) extend(w http.ResponseWriter, r *http.Request) {
	s := router.CallerOf(r).Session
	s.LastSeen = time.Time{} // force the write: the user asked to continue
	if err := h.sessions.Touch(s); err != nil {
		h.log.Error("extending a session", "id", router.RequestID(r), "err", err)
	}
	current(w, r, h.sessions)
}

// current tells the client who is signed in, the CSRF token for its requests, and how
// long the session has left (for the idle warning).
func current(w http.ResponseWriter, r *http.Request, sm *session.Manager) {
	router.JSON(w, http.StatusOK, Session(r, sm))
}

// Session is who is signed in for r, as the client and prerendered pages see it.
func Session(r *http.Request, sm *session.Manager) apiv1.Session {
	c := router.CallerOf(r)
	if c.User == nil {
		return apiv1.Session{}
	}
	return apiv1.Session{
		Authenticated:    true,
		User:             c.User.ID, // random, not the identity code: tells the device whose outbox is whose
		Name:             c.User.GivenName + " " + c.User.FamilyName,
		Registered:       c.User.Registered,
		CSRF:             c.Session.CSRF,
		RemainingSeconds: int(sm.Remaining(*c.Session) / time.Second),
		Prefill:          cases.PrefillValues(*c.User),
	}
}

func validMethod(m string) bool {
	for _, v := range identity.Methods {
		if m == v {
			return true
		}
	}
	return false
}
