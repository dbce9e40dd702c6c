package session

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lomake/lomake/server/store"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func setup(t *testing.T) (*Manager, *clock) {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{t: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
	return New(st, c.now), c
}

// request is a browser request to host carrying the cookies a response set.
func request(host string, from *httptest.ResponseRecorder) *http.Request {
	r := httptest.NewRequest("GET", "http://"+host+"/fi/", nil)
	if from != nil {
		for _, c := range from.Result().Cookies() {
			if c.MaxAge >= 0 {
				r.AddCookie(c)
			}
		}
	}
	return r
}

func TestCookieIsSecureHttpOnlyLax(t *testing.T) {
	m, _ := setup(t)
	for host, secure := range map[string]bool{"asiointi.hel.fi": true, "localhost:8080": false, "127.0.0.1:8080": false} {
		w := httptest.NewRecorder()
		if _, err := m.Start(w, request(host, nil), "u1"); err != nil {
			t.Fatal(err)
		}
		c := w.Result().Cookies()[0]
		if c.Name != CookieName || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != secure || c.Path != "/" {
			t.Errorf("%s: cookie %+v", host, c)
		}
	}
}

func TestIdleTimeoutIsTwoHoursAndActivityExtends(t *testing.T) {
	m, c := setup(t)
	w := httptest.NewRecorder()
	if _, err := m.Start(w, request("localhost", nil), "u1"); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(time.Hour + 55*time.Minute)
	s, err := m.Get(request("localhost", w))
	if err != nil {
		t.Fatalf("1 h 55 min idle: %v", err)
	}
	if got := m.Remaining(s); got != 5*time.Minute {
		t.Errorf("remaining %v, want 5 min (time to warn)", got)
	}
	if err := m.Touch(&s); err != nil { // the user typed: the session starts over
		t.Fatal(err)
	}
	c.t = c.t.Add(time.Hour + 59*time.Minute)
	if _, err := m.Get(request("localhost", w)); err != nil {
		t.Fatalf("after activity the session should last 2 h more: %v", err)
	}
	c.t = c.t.Add(2 * time.Minute)
	if _, err := m.Get(request("localhost", w)); err != ErrNone {
		t.Fatalf("2 h 1 min idle: err = %v, want ErrNone", err)
	}
	c.t = c.t.Add(-time.Hour) // even if the clock went back, the idle session is gone
	if _, err := m.Get(request("localhost", w)); err != ErrNone {
		t.Errorf("an expired session came back: %v", err)
	}
}

func TestLoginGivesANewIDAndEndsTheOld(t *testing.T) {
	m, _ := setup(t)
	first := httptest.NewRecorder()
	old, _ := m.Start(first, request("localhost", nil), "u1")
	second := httptest.NewRecorder()
	s, err := m.Start(second, request("localhost", first), "u2")
	if err != nil {
		t.Fatal(err)
	}
	if s.ID == old.ID || s.CSRF == old.CSRF {
		t.Error("login kept the session id or CSRF token")
	}
	if _, err := m.Get(request("localhost", first)); err != ErrNone {
		t.Errorf("the pre-login session still works: %v", err)
	}
	got, err := m.Get(request("localhost", second))
	if err != nil || got.UserID != "u2" {
		t.Errorf("new session: %+v %v", got, err)
	}
}

func TestLogoutEndsTheSession(t *testing.T) {
	m, _ := setup(t)
	w := httptest.NewRecorder()
	m.Start(w, request("localhost", nil), "u1")
	out := httptest.NewRecorder()
	if err := m.End(out, request("localhost", w)); err != nil {
		t.Fatal(err)
	}
	if c := out.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 || c[0].Value != "" {
		t.Errorf("logout did not clear the cookie: %+v", c)
	}
	if _, err := m.Get(request("localhost", w)); err != ErrNone {
		t.Errorf("the old cookie still signs in after logout: %v", err)
	}
}

// Sessions whose cookie never comes back are removed by the sweep, live ones kept.
func TestSweepRemovesIdleSessions(t *testing.T) {
	m, c := setup(t)
	old, _ := m.Start(httptest.NewRecorder(), request("localhost", nil), "u1")
	c.t = c.t.Add(IdleTimeout - time.Minute)
	live, _ := m.Start(httptest.NewRecorder(), request("localhost", nil), "u2")
	c.t = c.t.Add(2 * time.Minute)
	n, err := m.Sweep()
	if err != nil || n != 1 {
		t.Fatalf("swept %d, %v; want the one idle session", n, err)
	}
	if _, err := m.store.Session(old.ID); err != store.ErrNotFound {
		t.Errorf("the idle session is still stored: %v", err)
	}
	if _, err := m.store.Session(live.ID); err != nil {
		t.Errorf("the live session was removed: %v", err)
	}
}
