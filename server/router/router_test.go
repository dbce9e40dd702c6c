package router

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/server/ratelimit"
	"github.com/lomake/lomake/server/session"
	"github.com/lomake/lomake/server/site"
	"github.com/lomake/lomake/server/store"
)

// portal is a router with a few routes of each kind, over a real store.
type portal struct {
	*httptest.Server
	store    *store.Store
	sessions *session.Manager
	logs     *bytes.Buffer
	calls    int // handler calls: a refused request must not reach the handler
}

func newPortal(t *testing.T, publicURL string) *portal {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p := &portal{store: st, sessions: session.New(st, nil), logs: &bytes.Buffer{}}
	where, err := site.New(publicURL, "")
	if err != nil {
		t.Fatal(err)
	}
	rt := New(Config{Sessions: p.sessions, Store: st, Site: where, AdminToken: "admin-secret",
		Log: slog.New(slog.NewJSONHandler(p.logs, nil))})
	ok := func(w http.ResponseWriter, r *http.Request) {
		p.calls++
		var in map[string]any
		if r.Body != nil && r.Header.Get("Content-Type") == "application/json" {
			if !DecodeJSON(w, r, &in) {
				return
			}
		}
		JSON(w, http.StatusOK, map[string]any{"user": User(r).ID})
	}
	for _, r := range []Route{
		{Method: "GET", Pattern: "/api/v1/public", Handler: ok},
		{Method: "GET", Pattern: "/api/v1/mine", Access: Resident, Handler: ok},
		{Method: "POST", Pattern: "/api/v1/things", Access: Registered, Body: JSONBody, Limit: 1 << 10, Handler: ok},
		{Method: "POST", Pattern: "/api/v1/limited", Access: Registered, Body: JSONBody,
			Rate: ratelimit.New("things", ratelimit.Rule{Burst: 3, Every: time.Hour}, nil, nil), Handler: ok},
		{Method: "POST", Pattern: "/api/v1/admin/things", Access: Admin, Body: JSONBody, Handler: ok},
		{Method: "POST", Pattern: "/form", Body: FormBody, Limit: 1 << 10, Handler: ok},
		{Method: "GET", Pattern: "/panic", Handler: func(http.ResponseWriter, *http.Request) { panic("boom") }},
		{Method: "GET", Pattern: "/api/v1/panic", Handler: func(http.ResponseWriter, *http.Request) { panic("boom") }},
	} {
		rt.Handle(r)
	}
	p.Server = httptest.NewServer(rt)
	t.Cleanup(p.Close)
	return p
}

// signIn returns the cookie and CSRF token of a new session of a new user.
func (p *portal) signIn(t *testing.T, code string, registered bool) (cookie, csrf string) {
	t.Helper()
	u, err := p.store.CreateUser(store.User{IdentityCode: code, GivenName: "Tessa", FamilyName: "Testilä", Registered: registered})
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.sessions.Start(httptest.NewRecorder(), httptest.NewRequest("GET", p.URL, nil), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return session.CookieName + "=" + s.ID, s.CSRF
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (a answer) code() string {
	var p apiv1.Problem
	json.Unmarshal([]byte(a.body), &p)
	return p.Error.Code
}

func (p *portal) do(t *testing.T, method, path, contentType string, body io.Reader, hdr ...string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, p.URL+path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, string(b)}
}

func TestRefusals(t *testing.T) {
	p := newPortal(t, "")
	cookie, csrf := p.signIn(t, "010280-952L", true)
	_, otherCSRF := p.signIn(t, "010469-999W", true)
	unregistered, unregisteredCSRF := p.signIn(t, "311299-999X", false)
	signed := func(h ...string) []string { return append([]string{"Cookie", cookie, apiv1.CSRFHeader, csrf}, h...) }
	for _, c := range []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		hdr         []string
		status      int
		code        string
	}{
		{"anonymous read of a resident's route", "GET", "/api/v1/mine", "", "", nil, 401, "unauthenticated"},
		{"anonymous change", "POST", "/api/v1/things", "application/json", `{}`, nil, 401, "unauthenticated"},
		{"no CSRF token", "POST", "/api/v1/things", "application/json", `{}`, []string{"Cookie", cookie}, 403, "csrf"},
		{"another session's CSRF token", "POST", "/api/v1/things", "application/json", `{}`, []string{"Cookie", cookie, apiv1.CSRFHeader, otherCSRF}, 403, "csrf"},
		{"token in a JSON body's field does not count", "POST", "/api/v1/things", "application/json", `{"csrf":"` + csrf + `"}`, []string{"Cookie", cookie}, 403, "csrf"},
		{"not yet registered", "POST", "/api/v1/things", "application/json", `{}`, []string{"Cookie", unregistered, apiv1.CSRFHeader, unregisteredCSRF}, 403, "notRegistered"},
		{"application/jsonx is not JSON", "POST", "/api/v1/things", "application/jsonx", `{}`, signed(), 415, "unsupportedType"},
		{"text/plain", "POST", "/api/v1/things", "text/plain", `{}`, signed(), 415, "unsupportedType"},
		{"a charset other than UTF-8", "POST", "/api/v1/things", "application/json; charset=latin1", `{}`, signed(), 415, "unsupportedType"},
		{"no content type", "POST", "/api/v1/things", "", `{}`, signed(), 415, "unsupportedType"},
		{"cross-site", "POST", "/api/v1/things", "application/json", `{}`, signed("Sec-Fetch-Site", "cross-site"), 403, "crossSite"},
		{"cross-site read of the API", "GET", "/api/v1/mine", "", "", signed("Sec-Fetch-Site", "cross-site"), 403, "crossSite"},
		{"foreign Origin", "POST", "/api/v1/things", "application/json", `{}`, signed("Origin", "https://evil.example"), 403, "crossSite"},
		{"over the body limit", "POST", "/api/v1/things", "application/json", `{"a":"` + strings.Repeat("x", 2<<10) + `"}`, signed(), 413, "tooLarge"},
		{"duplicate keys", "POST", "/api/v1/things", "application/json", `{"a":"<b>x</b>","a":"ok"}`, signed(), 400, "duplicateKey"},
		{"a number beyond float64", "POST", "/api/v1/things", "application/json", `{"a":1e999999}`, signed(), 400, "numberRange"},
		{"not JSON", "POST", "/api/v1/things", "application/json", `{"a":`, signed(), 400, "malformed"},
		{"admin route without the token", "POST", "/api/v1/admin/things", "application/json", `{}`, signed(), 401, "unauthenticated"},
		{"admin route with a wrong token", "POST", "/api/v1/admin/things", "application/json", `{}`, []string{"Authorization", "Bearer nope"}, 401, "unauthenticated"},
		{"form post without the token", "POST", "/form", "application/x-www-form-urlencoded", "a=1", []string{"Cookie", cookie}, 403, "csrf"},
		{"form post as multipart", "POST", "/form", "multipart/form-data; boundary=x", "--x--", signed(), 415, "unsupportedType"},
		{"unknown API address", "GET", "/api/v1/nope", "", "", nil, 404, "notFound"},
		{"unknown API address, other method", "DELETE", "/api/v1/nope", "", "", nil, 404, "notFound"},
		{"a page posted to", "POST", "/fi/", "application/x-www-form-urlencoded", "a=1", nil, 405, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := p.calls
			a := p.do(t, c.method, c.path, c.contentType, strings.NewReader(c.body), c.hdr...)
			if a.status != c.status {
				t.Fatalf("status %d, want %d: %s", a.status, c.status, a.body)
			}
			if strings.HasPrefix(c.path, "/api/") {
				if ct := a.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
					t.Errorf("Content-Type %q", ct)
				}
				if a.code() != c.code {
					t.Errorf("code %q, want %q: %s", a.code(), c.code, a.body)
				}
			}
			if c.status != 400 && c.status != 413 && p.calls != before {
				t.Error("the handler ran for a refused request")
			}
		})
	}
	t.Run("allowed", func(t *testing.T) {
		for _, c := range []struct{ contentType, body string }{
			{"application/json", `{}`},
			{"application/json; charset=utf-8", `{"a":1}`},
			{"Application/JSON; Charset=UTF-8", `{}`},
		} {
			if a := p.do(t, "POST", "/api/v1/things", c.contentType, strings.NewReader(c.body), signed("Origin", p.URL, "Sec-Fetch-Site", "same-origin")...); a.status != 200 {
				t.Errorf("%s: %d %s", c.contentType, a.status, a.body)
			}
		}
		if a := p.do(t, "POST", "/form", "application/x-www-form-urlencoded", strings.NewReader("csrf="+csrf), "Cookie", cookie); a.status != 200 {
			t.Errorf("form post with the token field: %d %s", a.status, a.body)
		}
		if a := p.do(t, "POST", "/api/v1/admin/things", "application/json", strings.NewReader(`{}`), "Authorization", "Bearer admin-secret"); a.status != 200 {
			t.Errorf("admin: %d %s", a.status, a.body)
		}
	})
}

// Refusals are in the asker's language.
func TestRefusalsAreTranslated(t *testing.T) {
	p := newPortal(t, "")
	for lang, want := range map[string]string{"fi": "Tunnistaudu", "sv": "Identifiera dig", "en": "Identify yourself"} {
		a := p.do(t, "GET", "/api/v1/mine?lang="+lang, "", nil)
		var pr apiv1.Problem
		if json.Unmarshal([]byte(a.body), &pr) != nil || !strings.Contains(pr.Error.Message, want) {
			t.Errorf("%s: %s", lang, a.body)
		}
	}
}

// A multipart body is refused before anything reads it: nothing is spooled to disk.
func TestMultipartIsNotSpooled(t *testing.T) {
	p := newPortal(t, "")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "big.bin")
	fw.Write(bytes.Repeat([]byte("x"), 4<<20))
	mw.Close()
	cookie, _ := p.signIn(t, "010280-952L", true)
	a := p.do(t, "POST", "/form", mw.FormDataContentType(), &body, "Cookie", cookie)
	if a.status != 415 {
		t.Errorf("status %d, want 415", a.status)
	}
	if spooled, _ := filepath.Glob(filepath.Join(tmp, "multipart-*")); len(spooled) > 0 {
		t.Errorf("spooled %v", spooled)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
		t.Errorf("files written: %v", entries)
	}
}

// A form post's token field is read only within the body limit.
func TestFormTokenReadWithinLimit(t *testing.T) {
	p := newPortal(t, "")
	cookie, csrf := p.signIn(t, "010280-952L", true)
	body := "pad=" + strings.Repeat("x", 4<<10) + "&csrf=" + csrf
	if a := p.do(t, "POST", "/form", "application/x-www-form-urlencoded", strings.NewReader(body), "Cookie", cookie); a.status != 413 {
		t.Errorf("status %d, want 413", a.status)
	}
}

func TestPerUserRateLimit(t *testing.T) {
	p := newPortal(t, "")
	cookie, csrf := p.signIn(t, "010280-952L", true)
	other, otherCSRF := p.signIn(t, "010469-999W", true)
	for i := range 3 {
		if a := p.do(t, "POST", "/api/v1/limited", "application/json", strings.NewReader(`{}`), "Cookie", cookie, apiv1.CSRFHeader, csrf); a.status != 200 {
			t.Fatalf("request %d within the burst: %d", i+1, a.status)
		}
	}
	a := p.do(t, "POST", "/api/v1/limited?lang=en", "application/json", strings.NewReader(`{}`), "Cookie", cookie, apiv1.CSRFHeader, csrf)
	if a.status != 429 || a.code() != "tooManyRequests" || a.header.Get("Retry-After") == "" || !strings.Contains(a.body, "seconds") {
		t.Errorf("over the limit: %d Retry-After %q %s", a.status, a.header.Get("Retry-After"), a.body)
	}
	if a := p.do(t, "POST", "/api/v1/limited", "application/json", strings.NewReader(`{}`), "Cookie", other, apiv1.CSRFHeader, otherCSRF); a.status != 200 {
		t.Errorf("another user is limited too: %d", a.status)
	}
}

// A panic is answered (JSON under /api/, a page elsewhere) and logged as one line.
func TestPanicIsRecoveredAndLoggedOnce(t *testing.T) {
	p := newPortal(t, "")
	a := p.do(t, "GET", "/api/v1/panic", "", nil)
	var pr apiv1.Problem
	if a.status != 500 || json.Unmarshal([]byte(a.body), &pr) != nil || pr.Error.Code != "internal" || pr.Error.RequestID == "" {
		t.Errorf("%d %s", a.status, a.body)
	}
	if pr.Error.RequestID != a.header.Get(apiv1.RequestIDHeader) {
		t.Errorf("request id %q in the body, %q in the header", pr.Error.RequestID, a.header.Get(apiv1.RequestIDHeader))
	}
	if page := p.do(t, "GET", "/panic", "", nil); page.status != 500 || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") {
		t.Errorf("page: %d %s", page.status, page.header.Get("Content-Type"))
	}
	panics := strings.Count(p.logs.String(), `"msg":"panic"`)
	if panics != 2 || strings.Contains(p.logs.String(), "goroutine ") {
		t.Errorf("%d panic lines; log:\n%s", panics, p.logs)
	}
}

// One access line per request: the route, never the body, cookies or identity codes.
func TestAccessLog(t *testing.T) {
	p := newPortal(t, "")
	cookie, csrf := p.signIn(t, "010280-952L", true)
	p.logs.Reset()
	p.do(t, "POST", "/api/v1/things", "application/json", strings.NewReader(`{"code":"010280-952L"}`), "Cookie", cookie, apiv1.CSRFHeader, csrf)
	var line map[string]any
	lines := strings.Split(strings.TrimSpace(p.logs.String()), "\n")
	if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &line) != nil {
		t.Fatalf("log:\n%s", p.logs)
	}
	if line["route"] != "POST /api/v1/things" || line["status"] != 200.0 || line["method"] != "POST" || line["id"] == "" {
		t.Errorf("line %v", line)
	}
	for _, secret := range []string{"010280-952L", csrf, strings.TrimPrefix(cookie, session.CookieName+"=")} {
		if strings.Contains(p.logs.String(), secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
}

// Behind a TLS-terminating proxy: HSTS and Secure cookies follow the public scheme, and
// the origin check uses the public address.
func TestPublicURL(t *testing.T) {
	p := newPortal(t, "https://asiointi.example.fi")
	a := p.do(t, "GET", "/api/v1/public", "", nil)
	if got := a.header.Get("Strict-Transport-Security"); got == "" {
		t.Error("no HSTS behind https")
	}
	cookie, csrf := p.signIn(t, "010280-952L", true)
	if a := p.do(t, "POST", "/api/v1/things", "application/json", strings.NewReader(`{}`), "Cookie", cookie, apiv1.CSRFHeader, csrf, "Origin", "https://asiointi.example.fi"); a.status != 200 {
		t.Errorf("the public origin refused: %d %s", a.status, a.body)
	}
	if a := p.do(t, "POST", "/api/v1/things", "application/json", strings.NewReader(`{}`), "Cookie", cookie, apiv1.CSRFHeader, csrf, "Origin", p.URL); a.status != 403 {
		t.Errorf("the internal origin accepted: %d", a.status)
	}
	plain := newPortal(t, "")
	if got := plain.do(t, "GET", "/api/v1/public", "", nil).header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("HSTS on plain http: %q", got)
	}
}
