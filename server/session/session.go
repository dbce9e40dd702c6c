// Package session keeps residents signed in: server-side sessions in the store, a cookie
// that holds only a random id, the city's 2-hour idle timeout, and CSRF tokens for every
// state-changing request.
package session

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/lomake/lomake/server/site"
	"github.com/lomake/lomake/server/store"
)

const (
	// CookieName is the session cookie.
	CookieName = "lomake_session"
	// IdleTimeout is how long a session lives without activity: the city's rule.
	IdleTimeout = 2 * time.Hour
	// WarnBefore is when the user is warned that the session is about to end.
	WarnBefore = 5 * time.Minute
	// touchEvery limits LastSeen writes: activity within a minute changes nothing that
	// matters for a 2-hour timeout.
	touchEvery = time.Minute
)

// ErrNone means the request has no live session: never signed in, signed out, or idle
// for too long.
var ErrNone = errors.New("session: none")

// Manager creates, finds and ends sessions.
type Manager struct {
	store *store.Store
	now   func() time.Time
}

// New returns a manager; now may be nil (the wall clock).
func New(st *store.Store, now func() time.Time) *Manager {
	if now == nil {
		now = time.Now
	}
	return &Manager{store: st, now: now}
}

// Start signs userID in with a brand-new session id, ending any session the browser
// had, so that an id planted before identification is worthless (no fixation).
func (m *Manager) Start(w http.ResponseWriter, r *http.Request, userID string) (store.Session, error) {
	if c, err := r.Cookie(CookieName); err == nil && c.Value != "" {
		if err := m.store.DeleteSession(c.Value); err != nil {
			return store.Session{}, fmt.Errorf("session: ending the old session: %w", err)
		}
	}
	now := m.now()
	s := store.Session{ID: token(), UserID: userID, CSRF: token(), CreatedAt: now, LastSeen: now}
	if err := m.store.PutSession(s); err != nil {
		return store.Session{}, fmt.Errorf("session: %w", err)
	}
	http.SetCookie(w, m.cookie(r, s.ID, 0))
	return s, nil
}

// Get returns the request's live session, ErrNone if there is none, or a storage
// error. An idle session is ended on the spot.
func (m *Manager) Get(r *http.Request) (store.Session, error) {
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return store.Session{}, ErrNone
	}
	s, err := m.store.Session(c.Value)
	if errors.Is(err, store.ErrNotFound) {
		return store.Session{}, ErrNone
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("session: %w", err)
	}
	if m.Remaining(s) <= 0 {
		_ = m.store.DeleteSession(s.ID)
		return store.Session{}, ErrNone
	}
	return s, nil
}

// Touch records activity, extending the session by IdleTimeout from now.
func (m *Manager) Touch(s *store.Session) error {
	now := m.now()
	if now.Sub(s.LastSeen) < touchEvery {
		return nil
	}
	s.LastSeen = now
	if err := m.store.PutSession(*s); err != nil {
		return fmt.Errorf("session: %w", err)
	}
	return nil
}

// Sweep removes every session idle for longer than IdleTimeout, also those whose
// cookie never comes back to be refused (a job runs it).
func (m *Manager) Sweep() (int, error) {
	n, err := m.store.DeleteSessionsIdleSince(m.now().Add(-IdleTimeout))
	if err != nil {
		return n, fmt.Errorf("session: sweeping: %w", err)
	}
	return n, nil
}

// Remaining is how long the session has left without activity.
func (m *Manager) Remaining(s store.Session) time.Duration {
	return s.LastSeen.Add(IdleTimeout).Sub(m.now())
}

// End signs the browser out: the server forgets the session and the cookie is cleared.
func (m *Manager) End(w http.ResponseWriter, r *http.Request) error {
	http.SetCookie(w, m.cookie(r, "", -1))
	if c, err := r.Cookie(CookieName); err == nil && c.Value != "" {
		if err := m.store.DeleteSession(c.Value); err != nil {
			return fmt.Errorf("session: %w", err)
		}
	}
	return nil
}

// cookie is Secure everywhere but for a browser on this machine over plain http (`make
// run`; see site.SecureCookies), HttpOnly, and SameSite=Lax so that a
// link from another site still arrives signed in but no cross-site POST carries it.
func (m *Manager) cookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     CookieName,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		Secure:   site.SecureCookies(r),
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}

func token() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("session: no randomness: %v", err)) // the OS is broken; nothing is safe
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
