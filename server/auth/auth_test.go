package auth

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lomake/lomake/server/identity"
	"github.com/lomake/lomake/server/router"
	"github.com/lomake/lomake/server/session"
	"github.com/lomake/lomake/server/store"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

type portal struct {
	srv   *httptest.Server
	store *store.Store
}

func newPortal(t *testing.T) portal {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	test := identity.NewTestProvider(CallbackPath, nil)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sm := session.New(st, nil)
	rt := router.New(router.Config{Sessions: sm, Store: st, Log: log})
	New(test, sm, st, testKey, nil, log, nil).Register(rt)
	RegisterSession(rt, sm)
	RegisterTestService(rt, test)
	rt.Handle(router.Route{Method: "GET", Pattern: "/", Handler: func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("page " + r.URL.Path)) }})
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	return portal{srv, st}
}

func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// signIn goes through login → test identification → callback and returns the final page.
func signIn(t *testing.T, p portal, c *http.Client, code, returnTo string) *http.Response {
	t.Helper()
	res, err := c.Get(p.srv.URL + LoginPath + "?method=bank&return=" + url.QueryEscape(returnTo))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	picker := res.Request.URL
	if picker.Path != identity.TestPath {
		t.Fatalf("login went to %s, want the identification service", picker)
	}
	form := picker.Query()
	form.Set("identity", code)
	res, err = c.PostForm(p.srv.URL+identity.TestPath, form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`id="continue" href="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no Continue link:\n%s", body)
	}
	res, err = c.Get(p.srv.URL + strings.ReplaceAll(string(m[1]), "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func sessionOf(t *testing.T, p portal, c *http.Client) map[string]any {
	t.Helper()
	res, err := c.Get(p.srv.URL + SessionPath)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	json.NewDecoder(res.Body).Decode(&m)
	return m
}

func TestLoginReturnsToTheFormSignedIn(t *testing.T) {
	p := newPortal(t)
	c := browser()
	if s := sessionOf(t, p, c); s["authenticated"] != false {
		t.Fatalf("signed in before identifying: %v", s)
	}
	res := signIn(t, p, c, "010280-952L", "/fi/services/dog-registration/form")
	res.Body.Close()
	// First login is registration, which then leads on to the form.
	if got := res.Request.URL; got.Path != "/fi/register" || got.Query().Get("return") != "/fi/services/dog-registration/form" {
		t.Errorf("after the first identification the user is at %s, want registration with the form to return to", got)
	}
	s := sessionOf(t, p, c)
	if s["authenticated"] != true || s["name"] != "Tessa Testilä" || s["registered"] != false || s["csrf"] == "" {
		t.Fatalf("session: %v", s)
	}
	if r := s["remainingSeconds"].(float64); r < 7190 || r > 7200 {
		t.Errorf("remaining %v s, want 2 h", r)
	}
	u, err := p.store.UserByIdentityCode("010280-952L")
	if err != nil || u.GivenName != "Tessa" {
		t.Fatalf("user not created: %+v %v", u, err)
	}
	// Signing in again, registered, is the same person, with a new session, and lands
	// where they were going.
	u.Registered, u.UpdatedAt = true, time.Time{}
	if err := p.store.UpdateUser(u); err != nil {
		t.Fatal(err)
	}
	res = signIn(t, p, c, "010280-952L", "/sv/services/dog-registration/form")
	res.Body.Close()
	if res.Request.URL.Path != "/sv/services/dog-registration/form" {
		t.Errorf("a registered user landed at %s, want the form", res.Request.URL)
	}
	again, _ := p.store.UserByIdentityCode("010280-952L")
	if again.ID != u.ID {
		t.Error("a second login created another user")
	}
	if sessionOf(t, p, c)["csrf"] == s["csrf"] {
		t.Error("the second login kept the old session")
	}
}

func TestCallbackFromAnotherBrowserIsRefused(t *testing.T) {
	p := newPortal(t)
	victim, attacker := browser(), browser()
	// The attacker identifies and hands the victim its callback link (login CSRF).
	res, _ := attacker.Get(p.srv.URL + LoginPath + "?method=bank")
	res.Body.Close()
	form := res.Request.URL.Query()
	form.Set("identity", "010469-999W")
	res, _ = attacker.PostForm(p.srv.URL+identity.TestPath, form)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	link := strings.ReplaceAll(string(regexp.MustCompile(`id="continue" href="([^"]+)"`).FindSubmatch(body)[1]), "&amp;", "&")
	res, err := victim.Get(p.srv.URL + link)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest || sessionOf(t, p, victim)["authenticated"] != false {
		t.Errorf("the victim was signed in as the attacker: %d", res.StatusCode)
	}
}

func TestReturnGoesOnlyToThisSite(t *testing.T) {
	p := newPortal(t)
	c := browser()
	res := signIn(t, p, c, "010280-952L", "https://evil.example/phish")
	res.Body.Close()
	if res.Request.URL.Host != strings.TrimPrefix(p.srv.URL, "http://") {
		t.Errorf("sent to %s", res.Request.URL)
	}
}

func TestLogoutNeedsTheCSRFToken(t *testing.T) {
	p := newPortal(t)
	c := browser()
	signIn(t, p, c, "010280-952L", "/").Body.Close()
	csrf := sessionOf(t, p, c)["csrf"].(string)
	res, _ := c.Post(p.srv.URL+LogoutPath, "application/x-www-form-urlencoded", strings.NewReader(""))
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden || sessionOf(t, p, c)["authenticated"] != true {
		t.Fatalf("logout without the token: %d", res.StatusCode)
	}
	res, _ = c.Post(p.srv.URL+LogoutPath, "application/x-www-form-urlencoded", strings.NewReader("csrf="+csrf))
	res.Body.Close()
	if sessionOf(t, p, c)["authenticated"] != false {
		t.Error("still signed in after logout")
	}
	if !strings.Contains(res.Request.URL.RawQuery, "logged-out=1") {
		t.Errorf("after logout at %s, want the front page with a confirmation", res.Request.URL)
	}
}

func TestLoginIsRateLimited(t *testing.T) {
	p := newPortal(t)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	status := 0
	for i := 0; i < 21; i++ {
		res, err := c.Get(p.srv.URL + LoginPath + "?method=bank")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		status = res.StatusCode
	}
	if status != http.StatusTooManyRequests {
		t.Errorf("the 21st login in a minute: %d, want 429", status)
	}
}

func TestUnknownMethodIsRefusedInTheUsersLanguage(t *testing.T) {
	p := newPortal(t)
	req, _ := http.NewRequest("GET", p.srv.URL+LoginPath+"?method=password", nil)
	req.AddCookie(&http.Cookie{Name: "lang", Value: "sv"})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 400 || !strings.Contains(string(body), "Välj ett identifieringssätt") {
		t.Errorf("%d %s", res.StatusCode, body)
	}
}

// The cookie that carries an identification under way is signed: a planted one (the
// old unsigned form, here returning to another site) is worth nothing, and even a
// correctly signed one returns only to a path on this site.
func TestAttemptCookieIsSignedAndReturnRechecked(t *testing.T) {
	p := newPortal(t)
	h := New(identity.NewTestProvider(CallbackPath, nil), nil, nil, testKey, nil, nil, nil)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	a := identity.NewAttempt("bank", "/fi/", time.Now())
	a.Return = "//evil.example/"
	unsigned, _ := json.Marshal(a)
	signed, _ := h.seal(a)
	for _, c := range []struct {
		name, cookie string
		status       int
	}{
		{"unsigned", base64.RawURLEncoding.EncodeToString(unsigned), http.StatusBadRequest},
		{"signature of another key", signed[:strings.IndexByte(signed, '.')] + ".AAAA", http.StatusBadRequest},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", p.srv.URL+CallbackPath+"?code=x&state="+url.QueryEscape(a.State), nil)
			req.AddCookie(&http.Cookie{Name: attemptName, Value: c.cookie})
			res, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != c.status || res.Header.Get("Location") != "" {
				t.Errorf("status %d, Location %q", res.StatusCode, res.Header.Get("Location"))
			}
		})
	}
	if got := h.open(signed); got.Return != "//evil.example/" || identity.LocalPath(got.Return) != "" {
		t.Errorf("a signed attempt opens as %+v; its return must still be refused", got)
	}
}
