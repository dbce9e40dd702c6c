// Package auth is the portal's side of identification: it sends the browser to the
// identification provider, takes it back, finds or creates the user, and signs the
// browser in and out.
package auth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/lomake/lomake/locales"
	"github.com/lomake/lomake/server/identity"
	"github.com/lomake/lomake/server/session"
	"github.com/lomake/lomake/server/store"
)

// Paths of the auth endpoints.
const (
	LoginPath    = "/auth/login"
	CallbackPath = "/auth/callback"
	LogoutPath   = "/auth/logout"
	SessionPath  = "/api/v1/session"
	attemptName  = "lomake_auth"
)

// Handler serves the auth endpoints.
type Handler struct {
	provider identity.Provider
	sessions *session.Manager
	store    *store.Store
	now      func() time.Time
	log      *slog.Logger
	limit    *limiter
}

// New returns the handler. now may be nil (the wall clock).
func New(p identity.Provider, sm *session.Manager, st *store.Store, log *slog.Logger, now func() time.Time) *Handler {
	if now == nil {
		now = time.Now
	}
	return &Handler{provider: p, sessions: sm, store: st, now: now, log: log,
		limit: newLimiter(20, time.Minute, now)}
}

// Register adds the endpoints to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+LoginPath, h.login)
	mux.HandleFunc("GET "+CallbackPath, h.callback)
	mux.HandleFunc("POST "+LogoutPath, h.logout)
	mux.HandleFunc("GET "+SessionPath, h.current)
	mux.HandleFunc("POST "+SessionPath+"/extend", h.extend)
}

// login starts an identification: GET /auth/login?method=bank&return=/fi/...
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if !h.limit.allow(clientIP(r)) {
		h.refuse(w, r, http.StatusTooManyRequests, "auth.tooMany")
		return
	}
	method := r.URL.Query().Get("method")
	if !validMethod(method) {
		h.refuse(w, r, http.StatusBadRequest, "auth.method")
		return
	}
	a := identity.NewAttempt(method, r.URL.Query().Get("return"), h.now())
	data, err := json.Marshal(a)
	if err != nil {
		h.refuse(w, r, http.StatusInternalServerError, "api.internal")
		return
	}
	// The attempt waits in a short-lived cookie only the callback path receives.
	http.SetCookie(w, &http.Cookie{
		Name: attemptName, Value: base64.RawURLEncoding.EncodeToString(data), Path: CallbackPath,
		MaxAge: int(identity.MaxAttemptAge / time.Second), HttpOnly: true, Secure: !session.IsLocalhost(r),
		SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, h.provider.AuthURL(a), http.StatusFound)
}

// callback finishes an identification and signs the browser in.
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	if !h.limit.allow(clientIP(r)) {
		h.refuse(w, r, http.StatusTooManyRequests, "auth.tooMany")
		return
	}
	var a identity.Attempt
	if c, err := r.Cookie(attemptName); err == nil {
		if data, err := base64.RawURLEncoding.DecodeString(c.Value); err == nil {
			_ = json.Unmarshal(data, &a)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: attemptName, Value: "", Path: CallbackPath, MaxAge: -1,
		HttpOnly: true, Secure: !session.IsLocalhost(r), SameSite: http.SameSiteLaxMode})
	id, err := identity.Callback(r.Context(), h.provider, a, r.URL.Query(), h.now())
	if err != nil {
		h.log.Info("identification failed", "err", err)
		h.refuse(w, r, http.StatusBadRequest, "auth.failed")
		return
	}
	u, err := h.user(id)
	if err != nil {
		h.log.Error("finding the identified user", "err", err)
		h.refuse(w, r, http.StatusInternalServerError, "api.internal")
		return
	}
	if _, err := h.sessions.Start(w, r, u.ID); err != nil {
		h.log.Error("starting a session", "err", err)
		h.refuse(w, r, http.StatusInternalServerError, "api.internal")
		return
	}
	lang := locales.Remembered(r)
	to := a.Return
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

// logout signs the browser out. It needs the session's CSRF token: otherwise any site
// could sign residents out.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	s, err := h.sessions.Get(r)
	if err == nil && !session.CheckCSRF(r, s) {
		h.refuse(w, r, http.StatusForbidden, "auth.csrf")
		return
	}
	if err := h.sessions.End(w, r); err != nil {
		h.log.Error("ending a session", "err", err)
	}
	http.Redirect(w, r, "/"+locales.Remembered(r)+"/?logged-out=1", http.StatusSeeOther)
}

// extend records activity ("Continue" in the idle warning, or typing) and answers like
// current.
func (h *Handler) extend(w http.ResponseWriter, r *http.Request) {
	s, err := h.sessions.Get(r)
	if err != nil {
		h.refuse(w, r, http.StatusUnauthorized, "api.unauthenticated")
		return
	}
	if !session.CheckCSRF(r, s) {
		h.refuse(w, r, http.StatusForbidden, "auth.csrf")
		return
	}
	s.LastSeen = time.Time{} // force the write: the user asked to continue
	if err := h.sessions.Touch(&s); err != nil {
		h.log.Error("extending a session", "err", err)
	}
	h.current(w, r)
}

// current tells the client who is signed in, the CSRF token for its requests, and how
// long the session has left (for the idle warning).
func (h *Handler) current(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	s, err := h.sessions.Get(r)
	if err != nil {
		json.NewEncoder(w).Encode(map[string]any{"authenticated": false})
		return
	}
	u, err := h.store.User(s.UserID)
	if err != nil {
		json.NewEncoder(w).Encode(map[string]any{"authenticated": false})
		return
	}
	json.NewEncoder(w).Encode(map[string]any{
		"authenticated":    true,
		"user":             u.ID, // random, not the identity code: tells the device whose outbox is whose
		"name":             u.GivenName + " " + u.FamilyName,
		"registered":       u.Registered,
		"csrf":             s.CSRF,
		"remainingSeconds": int(h.sessions.Remaining(s) / time.Second),
	})
}

func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, status int, id string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write([]byte(locales.T(locales.Remembered(r), id, nil) + "\n"))
}

func validMethod(m string) bool {
	for _, v := range identity.Methods {
		if m == v {
			return true
		}
	}
	return false
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return strings.TrimSpace(host)
}

// limiter allows n requests per window per client: identification is expensive for the
// provider and a target for guessing.
type limiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	now    func() time.Time
	seen   map[string][]time.Time
}

func newLimiter(n int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{n: n, window: window, now: now, seen: map[string][]time.Time{}}
}

func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	recent := l.seen[key][:0]
	for _, t := range l.seen[key] {
		if now.Sub(t) < l.window {
			recent = append(recent, t)
		}
	}
	if len(recent) >= l.n {
		l.seen[key] = recent
		return false
	}
	l.seen[key] = append(recent, now)
	if len(l.seen) > 10000 { // forget quiet clients so the map cannot grow without end
		for k, ts := range l.seen {
			if len(ts) == 0 || now.Sub(ts[len(ts)-1]) >= l.window {
				delete(l.seen, k)
			}
		}
	}
	return true
}
