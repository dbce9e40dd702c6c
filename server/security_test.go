package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/server/api"
	"github.com/lomake/lomake/server/auth"
	"github.com/lomake/lomake/server/ratelimit"
	"github.com/lomake/lomake/server/router"
	"github.com/lomake/lomake/server/session"
)

// The security suite probes every registered route (srv.Router.Routes()) as every kind
// of caller, with a well-formed request and with each way a forged or confused request
// differs from it, and checks what may never happen: a server error, a state change
// without the session's own CSRF token, from another site or in another media type, an
// answer to someone who may not have it, one resident's data in anyone else's answer,
// and a change to a resident's data by anyone else. A new endpoint joins by being
// registered; a wildcard or catch-all the tables below cannot fill fails the suite.

// secPathValues fill a route's wildcards with something of A's (A's service draft, A's
// case), so that everyone else's probes reach for A's data. A pattern-specific value
// wins over the wildcard's general one.
var secPathValues = map[string]func(s *secSuite) string{
	"id":     func(*secSuite) string { return "dog-registration" },
	"number": func(s *secSuite) string { return s.caseNumber },
}

var secPatternValues = map[string]map[string]func(s *secSuite) string{
	apiv1.Prefix + "/admin/announcements/{id}": {"id": func(s *secSuite) string { return s.announcement }},
}

// secProbePaths are the addresses probed for a pattern that is not one address: a
// catch-all (a pattern ending in "/") must be listed here, and a route that does
// something only with a query may list its query. {number} is A's case number.
var secProbePaths = map[string][]string{
	"/": {"/", "/fi/", "/sv/services/dog-registration", "/en/services/dog-registration/sent?case={number}",
		"/fi/home", "/fi/nope"},
	auth.LoginPath:         {auth.LoginPath + "?method=bank&return=/fi/"},
	auth.CallbackPath:      {auth.CallbackPath + "?code=forged&state=forged"},
	"/test-identification": {"/test-identification?state=s&nonce=n&code_challenge=c&method=bank"},
}

// secHostile are path values that no route may answer with a success or a server error.
var secHostile = []string{"a%2Fb", "%2e%2e", "..%2F..%2Fsession", "x%00y", "%E2%80%AE", strings.Repeat("z", 2000)}

const (
	secDogName = "Salaisuus" // A's dog: in A's case and draft only
	secProbe   = `{"owner": {"firstName": "Tessa", "lastName": "Testilä", "personalIdentityCode": "010280-952L",
  "streetAddress": "Pohjoisesplanadi 11", "postalCode": "00170", "postOffice": "Helsinki", "email": "tessa@example.fi"},
  "dog": {"name": "Musti", "breed": "Suomenpystykorva", "sex": "female", "birthDate": "2024-03-01",
  "microchipNumber": "246098100123456"}}`
	secAnnouncement = `{"text": {"fi": "Huoltokatko", "sv": "Underhåll", "en": "Maintenance"}}`
)

// secRequests are what a well-formed request of a route sends besides the path, by
// "METHOD pattern"; without an entry, {} for JSON and an empty form (with the CSRF
// field) for forms.
var secRequests = map[string]func(s *secSuite, who *secWho) (body string, header http.Header){
	"POST " + apiv1.Prefix + "/services/{id}/submissions": func(*secSuite, *secWho) (string, http.Header) {
		return secProbe, nil
	},
	"PUT " + apiv1.Prefix + "/profile": func(_ *secSuite, who *secWho) (string, http.Header) {
		return `{"consent": true, "email": "probe-` + who.name + `@example.fi", "language": "sv", "channel": "email"}`, nil
	},
	"PUT " + apiv1.Prefix + "/drafts/{id}": func(s *secSuite, who *secWho) (string, http.Header) {
		h := http.Header{"If-None-Match": {"*"}}
		if who == s.a { // A has a draft: save on its revision, so that a save would succeed
			h = http.Header{"If-Match": {`"` + strconv.Itoa(s.aDraftRev) + `"`}}
		}
		return `{"schemaVersion": 1, "data": {}}`, h
	},
	"POST " + apiv1.Prefix + "/admin/announcements": func(*secSuite, *secWho) (string, http.Header) {
		return secAnnouncement, nil
	},
}

// secWho is one caller.
type secWho struct {
	name       string
	cookie     string // session cookie value; "" without a session
	csrf       string
	bearer     string
	registered bool // what the suite keeps them as
	code       string
	given      string
	family     string
	email      string
}

func (w *secWho) session() bool { return w.cookie != "" }

// secVariant is one way of sending a route's request.
type secVariant struct {
	name        string
	kind        int
	contentType string
	header      [2]string
}

const (
	secWellFormed = iota
	secNoCSRF
	secForeignCSRF
	secContentType
	secCrossSite
	secOrigin
	secHostilePath
)

// secVariants, the well-formed one last. Whatever a probe did (a logout, a registration,
// a deleted draft) is undone right after it (restore), so the next probe starts from
// the same state. The media-type variants do not apply to a state change that reads
// no body (DELETE).
var secVariants = []secVariant{
	{name: "no CSRF token", kind: secNoCSRF},
	{name: "foreign CSRF token", kind: secForeignCSRF},
	{name: "text/plain", kind: secContentType, contentType: "text/plain"},
	{name: "application/jsonx", kind: secContentType, contentType: "application/jsonx"},
	{name: "Sec-Fetch-Site cross-site", kind: secCrossSite, header: [2]string{"Sec-Fetch-Site", "cross-site"}},
	{name: "Origin evil.example", kind: secOrigin, header: [2]string{"Origin", "https://evil.example"}},
	{name: "well-formed", kind: secWellFormed},
}

type secSuite struct {
	base   string
	client *http.Client
	srv    *Server

	anon, a, b, unreg, admin *secWho
	callers                  []*secWho
	secrets                  map[*secWho][]string

	caseNumber   string
	announcement string
	aDraftRev    int
	serial       int

	baseline secPrint
	probes   int
}

type secAnswer struct {
	status  int
	header  http.Header
	body    []byte
	cookies []*http.Cookie
}

func (a secAnswer) snippet() string {
	s := string(a.body)
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return strings.Join(strings.Fields(s), " ")
}

// newSecSuite starts a portal with no rate limits and sets up the callers: anonymous,
// A (registered, with a case, a draft and a profile), B (registered), an unregistered
// user and the admin.
func newSecSuite(t *testing.T) *secSuite {
	t.Helper()
	// The login limit is per client address and every caller here is 127.0.0.1.
	saved := auth.LoginLimit
	auth.LoginLimit = ratelimit.Rule{}
	t.Cleanup(func() { auth.LoginLimit = saved })

	srv, err := New(Config{DataDir: t.TempDir(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		TestIdentification: true, AdminToken: "admin-secret", Limits: &api.Limits{}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	s := &secSuite{base: hs.URL, srv: srv, secrets: map[*secWho][]string{}, serial: 10,
		client: &http.Client{
			Timeout:       20 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}}
	s.anon = &secWho{name: "anonymous"}
	s.unreg = &secWho{name: "unregistered", given: "Urho", family: "Hiljaisuus"}
	s.b = &secWho{name: "B", given: "Bertta", family: "Kuiskaus", email: "bertta.kuiskaus@example.fi", registered: true}
	s.admin = &secWho{name: "admin", bearer: "admin-secret"}
	s.a = &secWho{name: "A", given: "Aava", family: "Vaitiolo", email: "aava.vaitiolo@example.fi", registered: true}
	// A last: A's own well-formed probes change A's state, which is then put back; the
	// admin before A, so that the announcement others probe exists.
	s.callers = []*secWho{s.anon, s.unreg, s.b, s.admin, s.a}
	for _, w := range []*secWho{s.a, s.b, s.unreg} {
		w.code = s.nextCode()
		s.signIn(t, w)
	}
	s.secrets[s.a] = append(s.secrets[s.a], secDogName, "Vaitiolonkuja 3")

	// A's case, draft and profile (registered in signIn).
	res := s.call(t, s.a, "POST", apiv1.Prefix+"/services/dog-registration/submissions", s.aCase(), nil)
	var sent apiv1.Sent
	if res.status != http.StatusCreated || json.Unmarshal(res.body, &sent) != nil || sent.CaseNumber == "" {
		t.Fatalf("A's case: %d %s", res.status, res.snippet())
	}
	s.caseNumber = sent.CaseNumber
	s.restoreDraft(t)
	s.restoreAnnouncement(t)
	s.baseline = s.fingerprint(t)
	return s
}

// nextCode is a valid personal identity code in the test range that no test identity
// listed on the test service's page has.
func (s *secSuite) nextCode() string {
	s.serial++
	n := 150385*1000 + 900 + s.serial
	return fmt.Sprintf("150385-%03d%c", 900+s.serial, "0123456789ABCDEFHJKLMNPRSTUVWXY"[n%31])
}

func (s *secSuite) aCase() string {
	return `{"owner": {"firstName": "Aava", "lastName": "Vaitiolo", "personalIdentityCode": "` + s.a.code + `",
  "streetAddress": "Vaitiolonkuja 3", "postalCode": "00170", "postOffice": "Helsinki", "email": "` + s.a.email + `"},
  "dog": {"name": "` + secDogName + `", "breed": "Suomenpystykorva", "sex": "female", "birthDate": "2024-03-01",
  "microchipNumber": "246098100123456"}}`
}

func (s *secSuite) aDraft() string {
	return `{"schemaVersion": 1, "data": {"dog": {"name": "` + secDogName + `"}, "owner": {"email": "` + s.a.email + `"}}}`
}

// send does one request without following redirects.
func (s *secSuite) send(t testing.TB, req *http.Request) secAnswer {
	t.Helper()
	s.probes++
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", req.Method, req.URL, err)
	}
	return secAnswer{status: res.StatusCode, header: res.Header, body: body, cookies: res.Cookies()}
}

// call is a well-formed request as who: their cookie, bearer and CSRF token.
func (s *secSuite) call(t testing.TB, who *secWho, method, path, body string, header http.Header) secAnswer {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.base+path, r)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if who.cookie != "" {
		req.AddCookie(&http.Cookie{Name: session.CookieName, Value: who.cookie})
		req.Header.Set(apiv1.CSRFHeader, who.csrf)
	}
	if who.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+who.bearer)
	}
	return s.send(t, req)
}

var secContinue = regexp.MustCompile(`id="continue" href="([^"]+)"`)

// signIn identifies who at the test service with a typed identity (so that their code is
// on no page), starts a session and registers them if they are to be registered.
func (s *secSuite) signIn(t testing.TB, who *secWho) {
	t.Helper()
	nobody := &secWho{}
	res := s.call(t, nobody, "GET", auth.LoginPath+"?method=bank", "", nil)
	to, err := url.Parse(res.header.Get("Location"))
	if res.status != http.StatusFound || err != nil {
		t.Fatalf("login: %d %s", res.status, res.snippet())
	}
	attempt := res.cookies
	form := to.Query()
	form.Set("identity", "other")
	form.Set("code", who.code)
	form.Set("given", who.given)
	form.Set("family", who.family)
	res = s.call(t, nobody, "POST", to.Path, form.Encode(), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	m := secContinue.FindSubmatch(res.body)
	if m == nil {
		t.Fatalf("test identification: %d %s", res.status, res.snippet())
	}
	req, _ := http.NewRequest("GET", s.base+strings.ReplaceAll(string(m[1]), "&amp;", "&"), nil)
	for _, c := range attempt {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	res = s.send(t, req)
	who.cookie = ""
	for _, c := range res.cookies {
		if c.Name == session.CookieName && c.Value != "" {
			who.cookie = c.Value
		}
	}
	if res.status != http.StatusSeeOther || who.cookie == "" {
		t.Fatalf("callback for %s: %d %s", who.name, res.status, res.snippet())
	}
	sess := s.session(t, who)
	if !sess.Authenticated || sess.CSRF == "" {
		t.Fatalf("no session for %s after identification", who.name)
	}
	who.csrf = sess.CSRF
	if who.registered && !sess.Registered {
		res = s.call(t, who, "PUT", apiv1.Prefix+"/profile",
			`{"consent": true, "email": "`+who.email+`", "language": "fi", "channel": "email"}`, nil)
		if res.status != http.StatusOK {
			t.Fatalf("registering %s: %d %s", who.name, res.status, res.snippet())
		}
	}
	s.secrets[who] = append(s.secrets[who], who.code, who.family, who.cookie, who.csrf)
	if who.email != "" {
		s.secrets[who] = append(s.secrets[who], who.email)
	}
}

func (s *secSuite) session(t testing.TB, who *secWho) apiv1.Session {
	t.Helper()
	var sess apiv1.Session
	res := s.call(t, who, "GET", apiv1.SessionPath, "", nil)
	if res.status != http.StatusOK || json.Unmarshal(res.body, &sess) != nil {
		t.Fatalf("session of %s: %d %s", who.name, res.status, res.snippet())
	}
	return sess
}

// restore puts a caller back as the suite keeps them, after a probe that may have
// changed them: signed in, registered or not, and A's profile and draft with A's data.
func (s *secSuite) restore(t testing.TB, who *secWho) {
	t.Helper()
	switch who {
	case s.anon:
		return
	case s.admin:
		s.restoreAnnouncement(t)
		return
	}
	sess := s.session(t, who)
	switch {
	case !who.registered && sess.Registered: // registered by a probe: someone new
		who.code = s.nextCode()
		s.signIn(t, who)
	case !sess.Authenticated || sess.CSRF != who.csrf:
		s.signIn(t, who)
	}
	if who != s.a {
		return
	}
	var p apiv1.Profile
	res := s.call(t, s.a, "GET", apiv1.Prefix+"/profile", "", nil)
	if json.Unmarshal(res.body, &p) != nil || p.Email != s.a.email || p.Language != "fi" {
		res = s.call(t, s.a, "PUT", apiv1.Prefix+"/profile",
			`{"consent": true, "email": "`+s.a.email+`", "language": "fi", "channel": "email"}`, nil)
		if res.status != http.StatusOK {
			t.Fatalf("restoring A's profile: %d %s", res.status, res.snippet())
		}
	}
	s.restoreDraft(t)
}

// restoreDraft makes A's draft hold A's data, and notes its revision.
func (s *secSuite) restoreDraft(t testing.TB) {
	t.Helper()
	path := apiv1.Prefix + "/drafts/dog-registration"
	res := s.call(t, s.a, "GET", path, "", nil)
	var d apiv1.Draft
	switch {
	case res.status == http.StatusNotFound:
		res = s.call(t, s.a, "PUT", path, s.aDraft(), http.Header{"If-None-Match": {"*"}})
	case res.status == http.StatusOK && json.Unmarshal(res.body, &d) == nil && !strings.Contains(string(d.Data), secDogName):
		res = s.call(t, s.a, "PUT", path, s.aDraft(), http.Header{"If-Match": {`"` + strconv.Itoa(d.Rev) + `"`}})
	}
	if res.status != http.StatusOK || json.Unmarshal(res.body, &d) != nil || d.Rev == 0 {
		t.Fatalf("A's draft: %d %s", res.status, res.snippet())
	}
	s.aDraftRev = d.Rev
}

// restoreAnnouncement makes sure the announcement others probe exists.
func (s *secSuite) restoreAnnouncement(t testing.TB) {
	t.Helper()
	if s.announcement != "" {
		res := s.call(t, s.admin, "GET", apiv1.Prefix+"/admin/announcements", "", nil)
		if res.status == http.StatusOK && strings.Contains(string(res.body), `"`+s.announcement+`"`) {
			return
		}
	}
	res := s.call(t, s.admin, "POST", apiv1.Prefix+"/admin/announcements", secAnnouncement, nil)
	var an struct{ ID string }
	if res.status != http.StatusCreated || json.Unmarshal(res.body, &an) != nil || an.ID == "" {
		t.Fatalf("creating an announcement: %d %s", res.status, res.snippet())
	}
	s.announcement = an.ID
}

// secPrint is what others may not change: A's profile, draft, drafts, case and
// session, and (for everyone but the admin) the announcements.
type secPrint struct{ a, admin []string }

func (s *secSuite) fingerprint(t testing.TB) secPrint {
	t.Helper()
	var p secPrint
	for _, path := range []string{"/profile", "/drafts/dog-registration", "/drafts", "/cases/" + s.caseNumber} {
		res := s.call(t, s.a, "GET", apiv1.Prefix+path, "", nil)
		p.a = append(p.a, fmt.Sprintf("A's GET %s: %d %s", path, res.status, res.body))
	}
	sess := s.session(t, s.a)
	p.a = append(p.a, fmt.Sprintf("A's session: authenticated %v, user %q, registered %v, csrf %q",
		sess.Authenticated, sess.User, sess.Registered, sess.CSRF))
	res := s.call(t, s.admin, "GET", apiv1.Prefix+"/admin/announcements", "", nil)
	p.admin = append(p.admin, fmt.Sprintf("announcements: %d %s", res.status, res.body))
	return p
}

func secDiff(was, now []string) []string {
	var out []string
	for i := range was {
		if i >= len(now) || was[i] != now[i] {
			w, n := was[i], ""
			if i < len(now) {
				n = now[i]
			}
			out = append(out, fmt.Sprintf("was %.200s; now %.200s", w, n))
		}
	}
	return out
}

func secUnsafe(method string) bool { return method != "GET" && method != "HEAD" && method != "OPTIONS" }

func secKey(rt router.Route) string { return rt.Method + " " + rt.Pattern }

var secWildcard = regexp.MustCompile(`\{([^}]*)\}`)

// templates are the addresses to probe for a route, with its wildcards still in them;
// an error says what the tables lack.
func (s *secSuite) templates(rt router.Route) ([]string, error) {
	if !strings.HasPrefix(rt.Pattern, "/") {
		return nil, fmt.Errorf("route %s: the suite knows only patterns that start with a path; teach it this one (security_test.go)", secKey(rt))
	}
	paths, listed := secProbePaths[rt.Pattern]
	if !listed {
		if strings.HasSuffix(rt.Pattern, "/") && !strings.HasSuffix(rt.Pattern, "{$}") {
			return nil, fmt.Errorf("route %s answers a whole subtree: list the addresses to probe in secProbePaths (security_test.go)", secKey(rt))
		}
		paths = []string{rt.Pattern}
	}
	for _, p := range paths {
		for _, m := range secWildcard.FindAllStringSubmatch(p, -1) {
			name := strings.TrimSuffix(m[1], "...")
			if name == "$" {
				continue
			}
			if secPatternValues[rt.Pattern][name] == nil && secPathValues[name] == nil {
				return nil, fmt.Errorf("route %s: no value for the wildcard {%s}: add one to secPathValues or secPatternValues (security_test.go), so that the suite can probe it", secKey(rt), m[1])
			}
		}
	}
	return paths, nil
}

// fill puts the current values (or one hostile value) in a template's wildcards.
func (s *secSuite) fill(rt router.Route, tmpl, hostile string) string {
	return secWildcard.ReplaceAllStringFunc(tmpl, func(w string) string {
		name := strings.TrimSuffix(w[1:len(w)-1], "...")
		switch {
		case name == "$":
			return ""
		case hostile != "":
			return hostile
		case secPatternValues[rt.Pattern][name] != nil:
			return url.PathEscape(secPatternValues[rt.Pattern][name](s))
		}
		return url.PathEscape(secPathValues[name](s))
	})
}

// allowed reports whether who may call rt at all.
func (s *secSuite) allowed(rt router.Route, who *secWho) bool {
	switch rt.Access {
	case router.Resident:
		return who.session()
	case router.Registered:
		return who.session() && who.registered
	case router.Admin:
		return who.bearer != ""
	}
	return true
}

// refused reports whether the probe must be refused (no 2xx; for a state change no 3xx
// either).
func (s *secSuite) refused(rt router.Route, who *secWho, v secVariant) bool {
	if rt.Access == router.Outside {
		return false // stands in for another service: only "no 5xx, no leak" holds
	}
	if !s.allowed(rt, who) || v.kind == secHostilePath {
		return true
	}
	changes := secUnsafe(rt.Method)
	switch v.kind {
	case secCrossSite:
		return changes || rt.API()
	case secOrigin:
		return changes
	case secContentType:
		return changes && rt.Body != router.NoBody
	case secNoCSRF, secForeignCSRF:
		return changes && who.session()
	}
	return false
}

func secApplies(rt router.Route, v secVariant) bool {
	if v.kind == secContentType && secUnsafe(rt.Method) && rt.Body == router.NoBody {
		return false // nothing is read: the media type does not matter
	}
	return true
}

// request builds a probe: the well-formed request of rt as who, changed as v says.
func (s *secSuite) request(t testing.TB, rt router.Route, path string, who *secWho, v secVariant) *http.Request {
	t.Helper()
	changes := secUnsafe(rt.Method)
	body, header, ct := "", http.Header{}, ""
	if changes {
		switch rt.Body {
		case router.JSONBody:
			body, ct = "{}", "application/json"
		case router.FormBody:
			ct = "application/x-www-form-urlencoded"
		}
		if f := secRequests[secKey(rt)]; f != nil {
			var h http.Header
			body, h = f(s, who)
			for k, vs := range h {
				header[k] = vs
			}
		}
	}
	token := ""
	switch {
	case v.kind == secNoCSRF:
	case v.kind == secForeignCSRF && who == s.a:
		token = s.b.csrf
	case v.kind == secForeignCSRF:
		token = s.a.csrf
	case who.session():
		token = who.csrf
	}
	if changes && rt.Body == router.FormBody {
		form, _ := url.ParseQuery(body)
		if token != "" {
			form.Set("csrf", token)
		}
		body = form.Encode()
	} else if token != "" {
		header.Set(apiv1.CSRFHeader, token)
	}
	if v.kind == secContentType {
		ct = v.contentType
	}
	if ct != "" {
		header.Set("Content-Type", ct)
	}
	switch v.kind {
	case secWellFormed, secHostilePath: // what a browser on the portal's own page sends
		header.Set("Sec-Fetch-Site", "same-origin")
		if changes {
			header.Set("Origin", s.base)
		}
	case secCrossSite, secOrigin:
		header.Set(v.header[0], v.header[1])
	}
	var r io.Reader
	if changes && body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(rt.Method, s.base+path, r)
	if err != nil {
		t.Fatalf("%s %s: %v", rt.Method, path, err)
	}
	req.Header = header
	if who.cookie != "" {
		req.AddCookie(&http.Cookie{Name: session.CookieName, Value: who.cookie})
	}
	if who.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+who.bearer)
	}
	return req
}

// probe sends one request and checks the answer and, for a state change, that nobody's
// data changed that the probe may not change.
func (s *secSuite) probe(t *testing.T, rt router.Route, path string, who *secWho, v secVariant) secAnswer {
	t.Helper()
	req := s.request(t, rt, path, who, v)
	res := s.send(t, req)
	where := fmt.Sprintf("%s %s as %s (%s)", rt.Method, secShort(path), who.name, v.name)
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf("%s: %s; answered %d %s", where, fmt.Sprintf(format, args...), res.status, res.snippet())
	}
	refused := s.refused(rt, who, v)
	changes := secUnsafe(rt.Method)

	// (a) no server errors, and every answer carries the security headers.
	if res.status >= 500 {
		fail("server error")
	}
	if res.header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(res.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		fail("the security headers are missing")
	}
	// (b) refusals.
	if refused {
		switch {
		case res.status >= 200 && res.status < 300:
			fail("must be refused (access %s, session %v)", rt.Access, who.session())
		case changes && v.kind != secHostilePath && res.status < 400:
			fail("a state change must be refused with a 4xx, not %d", res.status)
		}
	}
	// (c) nobody reads anyone else's data.
	text := secText(res)
	for owner, secrets := range s.secrets {
		if owner == who || (who == s.admin && rt.Access == router.Admin) {
			continue
		}
		for _, secret := range secrets {
			if secret != "" && strings.Contains(text, secret) {
				fail("the answer has %s's %q", owner.name, secSecretName(secret))
			}
		}
	}
	// Refusals are JSON under /api/, a page elsewhere.
	if res.status >= 400 {
		if strings.HasPrefix(path, apiv1.Prefix+"/") {
			if err := secEnvelope(res); err != nil {
				fail("not the API's refusal: %v", err)
			}
		} else if rt.Access != router.Outside && !secMedia(res, "text/html") {
			fail("a refusal outside the API is no page: Content-Type %q", res.header.Get("Content-Type"))
		}
	}
	// (d) nobody else's data changed.
	if changes {
		now := s.fingerprint(t)
		diffA, diffAdmin := secDiff(s.baseline.a, now.a), secDiff(s.baseline.admin, now.admin)
		if len(diffA) > 0 && (who != s.a || refused) {
			fail("A's data changed: %s", strings.Join(diffA, " | "))
		}
		if len(diffAdmin) > 0 && (who != s.admin || refused) {
			fail("the announcements changed: %s", strings.Join(diffAdmin, " | "))
		}
		if res.status < 400 || len(diffA) > 0 || len(diffAdmin) > 0 {
			s.restore(t, who)
			if len(diffA) > 0 {
				s.restore(t, s.a)
			}
			if len(diffAdmin) > 0 {
				s.restore(t, s.admin)
			}
			now = s.fingerprint(t)
		}
		s.baseline = now
	}
	return res
}

// secText is what a reader of the answer sees: its headers and body.
func secText(res secAnswer) string {
	var b strings.Builder
	keys := make([]string, 0, len(res.header))
	for k := range res.header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(res.header[k], ", "))
	}
	b.Write(res.body)
	return b.String()
}

// secSecretName shows a secret in a failure without printing a whole token.
func secSecretName(s string) string {
	if len(s) > 12 {
		return s[:6] + "…"
	}
	return s
}

func secShort(path string) string {
	if len(path) > 80 {
		return path[:80] + "…"
	}
	return path
}

func secMedia(res secAnswer, want string) bool {
	mt, _, err := mime.ParseMediaType(res.header.Get("Content-Type"))
	return err == nil && mt == want
}

// secEnvelope checks an API refusal: application/json with {"error": {"code",
// "message"}}, or the 422 {"message", "errors", "total"}, or the 412 draft conflict
// (the envelope and the current draft).
func secEnvelope(res secAnswer) error {
	if !secMedia(res, "application/json") {
		return fmt.Errorf("Content-Type %q", res.header.Get("Content-Type"))
	}
	var v map[string]json.RawMessage
	if err := json.Unmarshal(res.body, &v); err != nil {
		return fmt.Errorf("no JSON object: %v", err)
	}
	if raw, ok := v["error"]; ok {
		var d apiv1.ProblemDetail
		if err := json.Unmarshal(raw, &d); err != nil || d.Code == "" || d.Message == "" {
			return fmt.Errorf("error without a code and a message")
		}
		delete(v, "error")
		if _, ok := v["draft"]; ok && res.status == http.StatusPreconditionFailed {
			delete(v, "draft")
		}
		if len(v) > 0 {
			return fmt.Errorf("more than the envelope: %d other fields", len(v))
		}
		return nil
	}
	if res.status == http.StatusUnprocessableEntity {
		var in apiv1.Invalid
		_, hasErrors := v["errors"]
		_, hasTotal := v["total"]
		if json.Unmarshal(res.body, &in) != nil || in.Message == "" || !hasErrors || !hasTotal || in.Total < len(in.Errors) {
			return fmt.Errorf("a 422 without message, errors and total")
		}
		return nil
	}
	return fmt.Errorf("no {\"error\": {\"code\", \"message\"}}")
}

// TestSecurityRoutes probes every registered route as every caller in every variant.
func TestSecurityRoutes(t *testing.T) {
	start := time.Now()
	s := newSecSuite(t)
	routes := s.srv.Router.Routes()
	if len(routes) == 0 {
		t.Fatal("no routes registered")
	}
	variants := 0
	for _, rt := range routes {
		t.Run(secKey(rt), func(t *testing.T) {
			tmpls, err := s.templates(rt)
			if err != nil {
				t.Fatal(err)
			}
			succeeded := false
			for _, who := range s.callers {
				t.Run(who.name, func(t *testing.T) {
					for _, tmpl := range tmpls {
						for _, v := range secVariants {
							if !secApplies(rt, v) {
								continue
							}
							name := v.name
							if len(tmpls) > 1 {
								name = tmpl + " " + v.name
							}
							t.Run(name, func(t *testing.T) {
								variants++
								res := s.probe(t, rt, s.fill(rt, tmpl, ""), who, v)
								if v.kind == secWellFormed && res.status < 400 {
									succeeded = true
								}
							})
						}
						// Hostile path values, as the callers who get past the access check.
						if !secWildcard.MatchString(rt.Pattern) || !s.allowed(rt, who) || who == s.anon {
							continue
						}
						for _, h := range secHostile {
							t.Run("hostile "+secShort(h), func(t *testing.T) {
								variants++
								s.probe(t, rt, s.fill(rt, tmpl, h), who, secVariant{name: "hostile " + secShort(h), kind: secHostilePath})
							})
						}
					}
				})
			}
			// A refusal proves something only if the same request, well-formed, works.
			if !succeeded && rt.Access != router.Outside && (secUnsafe(rt.Method) || rt.Access != router.Public) {
				t.Errorf("%s: no caller's well-formed request succeeded, so its refusals prove nothing: fix its entry in secRequests (security_test.go)", secKey(rt))
			}
		})
	}
	t.Logf("%d routes × %d callers: %d probes, %d HTTP requests in all, in %v",
		len(routes), len(s.callers), variants, s.probes, time.Since(start).Round(time.Millisecond))
}

// TestSecurityRegressions pins refusals that once went wrong or easily could.
func TestSecurityRegressions(t *testing.T) {
	s := newSecSuite(t)
	big := `{"email": "` + strings.Repeat("a", router.DefaultLimit) + `@example.fi"}`
	for _, c := range []struct {
		who          *secWho
		method, path string
		body         string
		header       http.Header
		status       int // 0: any refusal
	}{
		// A service id with an escaped slash reaches the store's key check: 404, not 500.
		{s.a, "GET", apiv1.Prefix + "/drafts/a%2Fb", "", nil, http.StatusNotFound},
		{s.a, "PUT", apiv1.Prefix + "/drafts/a%2Fb", `{"data": {}}`, http.Header{"If-None-Match": {"*"}}, http.StatusNotFound},
		{s.a, "DELETE", apiv1.Prefix + "/drafts/a%2Fb", "", nil, http.StatusNotFound},
		{s.anon, "GET", apiv1.Prefix + "/services/a%2Fb", "", nil, http.StatusNotFound},
		// Addresses and methods no route claims.
		{s.anon, "GET", apiv1.Prefix + "/nope", "", nil, http.StatusNotFound},
		{s.a, "POST", apiv1.Prefix + "/nope", "{}", nil, http.StatusNotFound},
		{s.a, "PATCH", apiv1.Prefix + "/profile", "{}", nil, http.StatusNotFound},
		{s.a, "DELETE", apiv1.Prefix + "/profile", "", nil, http.StatusNotFound},
		{s.a, "PUT", apiv1.Prefix + "/services/dog-registration", "{}", nil, http.StatusNotFound},
		{s.a, "POST", apiv1.Prefix + "/services", "{}", nil, http.StatusNotFound},
		// Methods no route has (a CORS preflight, a probe): still the API's refusal.
		{s.anon, "OPTIONS", apiv1.Prefix + "/services", "", nil, 0},
		{s.anon, "TRACE", apiv1.Prefix + "/session", "", nil, 0},
		// Someone else's case, and none at all.
		{s.b, "GET", apiv1.Prefix + "/cases/" + s.caseNumber, "", nil, http.StatusNotFound},
		{s.a, "GET", apiv1.Prefix + "/cases/HEL-KOI-2026-999999", "", nil, http.StatusNotFound},
		// Bodies.
		{s.a, "PUT", apiv1.Prefix + "/profile", big, nil, http.StatusRequestEntityTooLarge},
		{s.a, "PUT", apiv1.Prefix + "/profile", "{", nil, http.StatusBadRequest},
		{s.a, "PUT", apiv1.Prefix + "/profile", `{"email": "a@example.fi", "email": "b@example.fi"}`, nil, http.StatusBadRequest},
		{s.a, "PUT", apiv1.Prefix + "/profile", "{}", nil, http.StatusUnprocessableEntity},
		{s.a, "PUT", apiv1.Prefix + "/drafts/dog-registration", `{"data": {}}`, nil, http.StatusPreconditionRequired},
		{s.a, "PUT", apiv1.Prefix + "/drafts/dog-registration", `{"data": {}}`, http.Header{"If-None-Match": {"*"}}, http.StatusPreconditionFailed},
		{s.a, "POST", apiv1.Prefix + "/services/dog-registration/submissions", `{"dog": {}}`, nil, http.StatusUnprocessableEntity},
		{s.a, "POST", apiv1.Prefix + "/services/dog-registration/submissions", secProbe, http.Header{"Idempotency-Key": {"two words"}}, http.StatusBadRequest},
		{s.a, "POST", apiv1.Prefix + "/services/nope/submissions", secProbe, nil, http.StatusNotFound},
		{&secWho{name: "wrong admin token", bearer: "admin-secreT"}, "GET", apiv1.Prefix + "/admin/announcements", "", nil, http.StatusUnauthorized},
		{s.admin, "DELETE", apiv1.Prefix + "/admin/announcements/nope", "", nil, http.StatusNotFound},
		{s.admin, "POST", apiv1.Prefix + "/admin/announcements", `{"text": {"fi": "Vain suomeksi"}}`, nil, http.StatusUnprocessableEntity},
	} {
		where := fmt.Sprintf("%s %s as %s", c.method, secShort(c.path), c.who.name)
		t.Run(where, func(t *testing.T) {
			res := s.call(t, c.who, c.method, c.path, c.body, c.header)
			if (c.status != 0 && res.status != c.status) || res.status < 400 || res.status >= 500 {
				t.Errorf("%s: %d, want %s: %s", where, res.status, secWant(c.status), res.snippet())
			}
			if err := secEnvelope(res); err != nil {
				t.Errorf("%s: the refusal is not the API's: %v; answered %d %s", where, err, res.status, res.snippet())
			}
		})
	}
	// Pages that do not exist are the portal's not-found page with status 404.
	for _, who := range []*secWho{s.anon, s.a} {
		for _, path := range []string{"/en/nope", "/fi/folder", "/sv/services/nope", "/nope", "/web/nope.css"} {
			res := s.call(t, who, "GET", path, "", nil)
			if res.status != http.StatusNotFound || !secMedia(res, "text/html") {
				t.Errorf("GET %s as %s: %d %q, want 404 text/html: %s", path, who.name, res.status, res.header.Get("Content-Type"), res.snippet())
			}
		}
	}
	// A's state came through all of it.
	if d := secDiff(s.baseline.a, s.fingerprint(t).a); len(d) > 0 {
		t.Errorf("A's data changed: %s", strings.Join(d, " | "))
	}
}

func secWant(status int) string {
	if status == 0 {
		return "a 4xx"
	}
	return strconv.Itoa(status)
}
