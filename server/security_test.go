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
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/server/api"
	"github.com/lomake/lomake/server/auth"
	"github.com/lomake/lomake/server/ratelimit"
	"github.com/lomake/lomake/server/router"
	"github.com/lomake/lomake/server/session"
	"github.com/lomake/lomake/server/store"
)

// The security suite probes every registered route (srv.Router.Routes()) as every kind
// of caller, with a well-formed request and with each way a forged or confused request
// differs from it, and checks what may never happen: a server error, a state change
// without the session's own CSRF token, from another site or in another media type, an
// answer to someone who may not have it, one resident's data in anyone else's answer,
// and a change to a resident's data by anyone else. A new endpoint joins by being
// registered; a wildcard or catch-all the tables below cannot fill fails the suite.
//
// The callers are anonymous, residents A and B, an unregistered user, the admin (the
// bearer token), and three officials: X handles A's service, Y another one, and the
// admin official every service. What each may do is in allowed and mayRead.

// secService is the service of A's cases; official X handles it, official Y does not.
const secService = "dog-registration"

// secPathValues fill a route's wildcards with something of A's (A's service draft, A's
// case), so that everyone else's probes reach for A's data. A pattern-specific value
// wins over the wildcard's general one. Back-office routes get A's back-office case,
// which the officials who handle it may change; every other route gets A's own case.
var secPathValues = map[string]func(s *secSuite, rt router.Route) string{
	"id": func(*secSuite, router.Route) string { return secService },
	"number": func(s *secSuite, rt router.Route) string {
		if secBackoffice(rt) {
			return s.boCase
		}
		return s.caseNumber
	},
	"identityCode": func(s *secSuite, _ router.Route) string { return s.officialCode },
	"lang":         func(*secSuite, router.Route) string { return "fi" },
}

var secPatternValues = map[string]map[string]func(s *secSuite) string{
	apiv1.Prefix + "/uploads/{id}":                               {"id": func(s *secSuite) string { return s.upload }},
	apiv1.Prefix + "/backoffice/cases/{number}/attachments/{id}": {"id": func(s *secSuite) string { return s.boFile }},
	apiv1.Prefix + "/uploads/{id}/content":                       {"id": func(s *secSuite) string { return s.upload }},
	apiv1.Prefix + "/admin/announcements/{id}":                   {"id": func(s *secSuite) string { return s.announcement }},
}

// secProbePaths are the addresses probed for a pattern that is not one address: a
// catch-all (a pattern ending in "/") must be listed here, and a route that does
// something only with a query may list its query. {number} is A's case number.
var secProbePaths = map[string][]string{
	apiv1.Prefix + "/services/{id}/uploads": {apiv1.Prefix + "/services/{id}/uploads?pointer=/dog/vaccinationCertificate"},
	"/": {"/", "/fi/", "/sv/services/dog-registration", "/en/services/dog-registration/sent?case={number}",
		"/fi/home", "/fi/nope", "/fi/folder/{number}", "/sv/backoffice/{number}", "/en/preview/dog-registration"},
	auth.LoginPath:         {auth.LoginPath + "?method=bank&return=/fi/"},
	auth.CallbackPath:      {auth.CallbackPath + "?code=forged&state=forged"},
	"/test-identification": {"/test-identification?state=s&nonce=n&code_challenge=c&method=bank"},
	// The queue looks a case number up by its key, not through the official's services.
	apiv1.Prefix + "/backoffice/cases": {apiv1.Prefix + "/backoffice/cases", apiv1.Prefix + "/backoffice/cases?q={number}"},
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
	secQuestion     = `{"text": "Onko koira rokotettu?"}` // the city starts A's thread
	secOfficial     = `{"roles": ["official"], "services": ["` + secService + `"]}`
)

// secRequests are what a well-formed request of a route sends besides the path, by
// "METHOD pattern"; without an entry, {} for JSON and an empty form (with the CSRF
// field) for forms.
var secRequests = map[string]func(s *secSuite, who *secWho) (body string, header http.Header){
	"POST " + apiv1.Prefix + "/services/{id}/uploads": func(*secSuite, *secWho) (string, http.Header) {
		return secFile, http.Header{"Content-Type": {"application/octet-stream"}, "Content-Disposition": {`attachment; filename="rokotus.pdf"`}}
	},
	"POST " + apiv1.Prefix + "/services/{id}/submissions": func(*secSuite, *secWho) (string, http.Header) {
		return secProbe, nil
	},
	// The form's own post: Next on its first page, as a browser without the client.
	"POST /{lang}/services/{id}/form": func(*secSuite, *secWho) (string, http.Header) {
		return url.Values{"step": {"0"}, "action": {"next"}, "/dog/name": {"Musti"}}.Encode(), nil
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
	"POST " + apiv1.Prefix + "/cases/{number}/messages": func(*secSuite, *secWho) (string, http.Header) {
		return `{"text": "On rokotettu."}`, nil
	},
	"POST " + apiv1.Prefix + "/backoffice/cases/{number}/status": func(*secSuite, *secWho) (string, http.Header) {
		return `{"status": "` + apiv1.StatusProcessing + `", "note": "Käsittelyssä"}`, nil
	},
	"POST " + apiv1.Prefix + "/backoffice/cases/{number}/decision": func(*secSuite, *secWho) (string, http.Header) {
		return `{"text": "Koira on rekisteröity."}`, nil
	},
	"POST " + apiv1.Prefix + "/backoffice/cases/{number}/messages": func(*secSuite, *secWho) (string, http.Header) {
		return secQuestion, nil
	},
	"PUT " + apiv1.Prefix + "/admin/officials/{identityCode}": func(*secSuite, *secWho) (string, http.Header) {
		return secOfficial, nil
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
	roles      []string // an official's roles and services, as the store keeps them
	services   []string
}

func (w *secWho) session() bool { return w.cookie != "" }

func (w *secWho) official() bool { return slices.Contains(w.roles, apiv1.RoleOfficial) }

func (w *secWho) adminOfficial() bool {
	return w.official() && slices.Contains(w.roles, apiv1.RoleAdmin)
}

func (w *secWho) handles(service string) bool {
	return w.official() && (slices.Contains(w.services, "*") || slices.Contains(w.services, service))
}

// A secret is something of one caller's that no one else's answer may hold, except as
// mayRead allows.
type secSecret struct {
	value string
	kind  int
}

const (
	secCredential = iota // a session cookie or CSRF token
	secPersonal          // an identity code, an address, an email, what a case holds
	secName              // a family name
	secCaseRef           // a case number (checked in API answers: a page may show a link's own query)
)

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
	x, y, boss               *secWho // officials: of A's service, of another, the admin official
	callers                  []*secWho
	secrets                  map[*secWho][]secSecret

	caseNumber   string // A's case for A's routes: open, with a message from the city
	boCase       string // A's case for the back office's routes: just sent
	boFile       string // the attachment sent with it
	officialCode string // whom the admin makes an official
	announcement string
	upload       string // A's upload, not yet sent
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
// A (registered, with two cases, a draft and a profile), B (registered), an unregistered
// user, the admin and the officials X, Y and the admin official (registered residents
// too).
func newSecSuite(t *testing.T) *secSuite {
	t.Helper()
	// The login limit is per client address and every caller here is 127.0.0.1.
	saved := auth.LoginLimit
	auth.LoginLimit = ratelimit.Rule{}
	t.Cleanup(func() { auth.LoginLimit = saved })

	srv, err := New(Config{DataDir: t.TempDir(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		TestIdentification: true, AdminToken: "admin-secret", Limits: &api.Limits{}, SchemaDir: secServices(t)})
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
	s := &secSuite{base: hs.URL, srv: srv, secrets: map[*secWho][]secSecret{}, serial: 10,
		client: &http.Client{
			Timeout:       20 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}}
	s.anon = &secWho{name: "anonymous"}
	s.unreg = &secWho{name: "unregistered", given: "Urho", family: "Hiljaisuus"}
	s.b = &secWho{name: "B", given: "Bertta", family: "Kuiskaus", email: "bertta.kuiskaus@example.fi", registered: true}
	s.admin = &secWho{name: "admin", bearer: "admin-secret"}
	s.a = &secWho{name: "A", given: "Aava", family: "Vaitiolo", email: "aava.vaitiolo@example.fi", registered: true}
	s.x = &secWho{name: "official X", given: "Otto", family: "Hihnanen", email: "otto.hihnanen@example.fi", registered: true,
		roles: []string{apiv1.RoleOfficial}, services: []string{secService}}
	s.y = &secWho{name: "official Y", given: "Pirjo", family: "Ruutunen", email: "pirjo.ruutunen@example.fi", registered: true,
		roles: []string{apiv1.RoleOfficial}, services: []string{"resident-parking-permit"}}
	s.boss = &secWho{name: "admin official", given: "Aulis", family: "Ylivalta", email: "aulis.ylivalta@example.fi", registered: true,
		roles: []string{apiv1.RoleOfficial, apiv1.RoleAdmin}, services: []string{"*"}}
	// A last: A's own well-formed probes change A's state, which is then put back; the
	// admin before A, so that the announcement others probe exists. The officials' changes
	// to A's back-office case are put back too (restoreCases).
	s.callers = []*secWho{s.anon, s.unreg, s.b, s.admin, s.y, s.x, s.boss, s.a}
	for _, w := range []*secWho{s.a, s.b, s.unreg, s.x, s.y, s.boss} {
		w.code = s.nextCode()
		s.signIn(t, w)
	}
	s.restoreOfficials(t)
	s.officialCode = s.nextCode()
	s.secret(s.a, secDogName, secPersonal)
	s.secret(s.a, "Vaitiolonkuja 3", secPersonal)

	// A's cases, draft and profile (registered in signIn).
	s.restoreCases(t)
	s.restoreDraft(t)
	s.restoreUpload(t)
	s.restoreAnnouncement(t)
	s.baseline = s.fingerprint(t)
	return s
}

// restoreOfficials gives the officials their roles and services.
func (s *secSuite) restoreOfficials(t testing.TB) {
	t.Helper()
	for _, w := range []*secWho{s.x, s.y, s.boss} {
		if err := s.srv.store.PutOfficial(context.Background(), store.Official{IdentityCode: w.code, Roles: w.roles, Services: w.services}); err != nil {
			t.Fatalf("making %s an official: %v", w.name, err)
		}
	}
}

// restoreCases gives A the cases the probes reach for as the suite keeps them: A's own
// case open (SENT) with a message from the city to reply to, and the back-office case
// just sent, untouched. A case a probe has moved on is left be; A sends a new one.
func (s *secSuite) restoreCases(t testing.TB) {
	t.Helper()
	k, err := s.srv.store.Case(s.caseNumber)
	if s.caseNumber == "" || err != nil || k.Status != apiv1.StatusSent || !secThread(k) {
		s.caseNumber = s.sendCase(t)
		res := s.call(t, s.x, "POST", apiv1.Prefix+"/backoffice/cases/"+s.caseNumber+"/messages", secQuestion, nil)
		if res.status != http.StatusOK {
			t.Fatalf("official X writing to A: %d %s", res.status, res.snippet())
		}
	}
	k, err = s.srv.store.Case(s.boCase)
	if s.boCase == "" || err != nil || k.Status != apiv1.StatusSent || len(k.Events) != 1 || len(k.Messages) != 0 || k.Decision != "" {
		// With an attachment, for the officials' download.
		s.boFile = s.uploadFile(t)
		s.boCase = s.sendCase(t, s.boFile)
	}
}

func secThread(k store.Case) bool {
	for _, m := range k.Messages {
		if m.ActorKind == apiv1.ActorOfficial || m.ActorKind == apiv1.ActorAdmin {
			return true
		}
	}
	return false
}

// sendCase sends a case as A (which takes A's draft: restoreDraft puts it back), with
// the upload file attached if it is not "".
func (s *secSuite) sendCase(t testing.TB, file ...string) string {
	t.Helper()
	doc := s.aCase()
	if len(file) > 0 {
		doc = strings.Replace(doc, `"dog": {`, `"dog": {"vaccinationCertificate": "`+file[0]+`", `, 1)
	}
	res := s.call(t, s.a, "POST", apiv1.Prefix+"/services/"+secService+"/submissions", doc, nil)
	var sent apiv1.Sent
	if res.status != http.StatusCreated || json.Unmarshal(res.body, &sent) != nil || sent.CaseNumber == "" {
		t.Fatalf("A's case: %d %s", res.status, res.snippet())
	}
	s.secret(s.a, sent.CaseNumber, secCaseRef)
	return sent.CaseNumber
}

// secret notes something of owner's that no one else's answer may hold.
func (s *secSuite) secret(owner *secWho, value string, kind int) {
	if value != "" && !slices.Contains(s.secrets[owner], secSecret{value, kind}) {
		s.secrets[owner] = append(s.secrets[owner], secSecret{value, kind})
	}
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
	s.secret(who, who.code, secPersonal)
	s.secret(who, who.family, secName)
	s.secret(who, who.email, secPersonal)
	s.secret(who, who.cookie, secCredential)
	s.secret(who, who.csrf, secCredential)
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
		s.restoreOfficials(t)
		// Whom the admin made an official is one no longer, for the next probe.
		if err := s.srv.store.PutOfficial(context.Background(), store.Official{IdentityCode: s.officialCode}); err != nil {
			t.Fatalf("removing an official: %v", err)
		}
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
	s.restoreCases(t)
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
	s.restoreUpload(t)
}

// secFile is A's attachment: its content is A's alone.
const secFile = "%PDF-1.7\n% Vaitiolon rokotustodistus\n"

// restoreUpload makes sure A has an upload not yet sent.
func (s *secSuite) restoreUpload(t testing.TB) {
	t.Helper()
	if s.upload != "" && s.call(t, s.a, "GET", apiv1.Prefix+"/uploads/"+s.upload, "", nil).status == http.StatusOK {
		return
	}
	s.upload = s.uploadFile(t)
}

// uploadFile uploads A's file for the dog registration's certificate field.
func (s *secSuite) uploadFile(t testing.TB) string {
	t.Helper()
	res := s.call(t, s.a, "POST", apiv1.Prefix+"/services/dog-registration/uploads?pointer=/dog/vaccinationCertificate", secFile,
		http.Header{"Content-Type": {"application/octet-stream"}, "Content-Disposition": {`attachment; filename="Vaitiolo.pdf"`}})
	var up apiv1.Attachment
	if res.status != http.StatusCreated || json.Unmarshal(res.body, &up) != nil || up.ID == "" {
		t.Fatalf("A's upload: %d %s", res.status, res.snippet())
	}
	s.secret(s.a, up.ID, secPersonal)
	s.secret(s.a, "Vaitiolon rokotustodistus", secPersonal)
	return up.ID
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
// session; A's back-office case, which only the officials who handle it may change
// besides A; and (for everyone but the admin) the announcements and the officials.
type secPrint struct{ a, bo, admin []string }

func (s *secSuite) fingerprint(t testing.TB) secPrint {
	t.Helper()
	var p secPrint
	for _, path := range []string{"/profile", "/drafts/dog-registration", "/drafts", "/uploads/" + s.upload} {
		res := s.call(t, s.a, "GET", apiv1.Prefix+path, "", nil)
		p.a = append(p.a, fmt.Sprintf("A's GET %s: %d %s", path, res.status, res.body))
	}
	sess := s.session(t, s.a)
	p.a = append(p.a, fmt.Sprintf("A's session: authenticated %v, user %q, registered %v, csrf %q",
		sess.Authenticated, sess.User, sess.Registered, sess.CSRF))
	// The cases as stored, but for the read marks of the city's messages, which A's own
	// GETs set.
	p.a = append(p.a, s.storedCase(s.caseNumber))
	p.bo = append(p.bo, s.storedCase(s.boCase))
	res := s.call(t, s.admin, "GET", apiv1.Prefix+"/admin/announcements", "", nil)
	p.admin = append(p.admin, fmt.Sprintf("announcements: %d %s", res.status, res.body))
	for _, code := range []string{s.x.code, s.y.code, s.boss.code, s.officialCode} {
		o, err := s.srv.store.OfficialByIdentityCode(context.Background(), code)
		p.admin = append(p.admin, fmt.Sprintf("official %s: %+v %v", code, o, err))
	}
	return p
}

func (s *secSuite) storedCase(number string) string {
	k, err := s.srv.store.Case(number)
	for i, m := range k.Messages {
		if m.ActorKind != apiv1.ActorResident {
			k.Messages[i].ReadAt = time.Time{}
		}
	}
	b, _ := json.Marshal(k)
	return fmt.Sprintf("A's case %s: %s %v", number, b, err)
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
		return url.PathEscape(secPathValues[name](s, rt))
	})
}

// secBackoffice reports whether rt is the back office's: officials only, whatever its
// router access.
func secBackoffice(rt router.Route) bool {
	return strings.HasPrefix(rt.Pattern, apiv1.Prefix+"/backoffice/")
}

// passes reports whether who gets past the router's access check of rt.
func (s *secSuite) passes(rt router.Route, who *secWho) bool {
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

// allowed reports whether who may call rt at all: past the router, and past the
// handler's own check (rule).
func (s *secSuite) allowed(rt router.Route, who *secWho) bool {
	may, _ := s.rule(rt)
	return s.passes(rt, who) && (may == nil || may(who))
}

// rule is who the handler of rt lets through besides the router's access check, and
// that in words; nil when it lets through everyone the router does. A case's routes
// are its owner's (A's); the back office's are the officials', a case's there the
// officials' of its service, the audit the admin officials'. A new route under these
// addresses gets the same rule.
func (s *secSuite) rule(rt router.Route) (func(*secWho) bool, string) {
	p := rt.Pattern
	switch {
	case strings.HasPrefix(p, apiv1.Prefix+"/backoffice/audit"):
		return (*secWho).adminOfficial, "admin officials only"
	case strings.HasPrefix(p, apiv1.Prefix+"/backoffice/cases/{number}"):
		return func(w *secWho) bool { return w.handles(secService) }, "officials of " + secService + " only"
	case secBackoffice(rt):
		return (*secWho).official, "officials only"
	case strings.HasPrefix(p, apiv1.Prefix+"/cases/{number}"):
		return func(w *secWho) bool { return w == s.a }, "the case's owner A only"
	}
	return nil, ""
}

// mayRead reports whether reader's answer from rt may hold owner's secret.
func (s *secSuite) mayRead(rt router.Route, reader, owner *secWho, sec secSecret) bool {
	switch {
	case owner == reader, reader == s.admin && rt.Access == router.Admin:
		return true // one's own, and the admin's routes (the backup) hold everything
	case sec.kind == secCredential || !secBackoffice(rt):
		return false
	case owner == s.a:
		return reader.handles(secService) // A's cases, to the officials of their service
	}
	return sec.kind == secName && reader.official() // who did what, to the other officials
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
			_, rule := s.rule(rt)
			fail("must be refused (access %s, session %v; %s)", rt.Access, who.session(), rule)
		case changes && v.kind != secHostilePath && res.status < 400:
			fail("a state change must be refused with a 4xx, not %d", res.status)
		}
	}
	// (c) nobody reads anyone else's data.
	text := secText(res)
	api := strings.HasPrefix(path, apiv1.Prefix+"/")
	for owner, secrets := range s.secrets {
		for _, secret := range secrets {
			if (secret.kind == secCaseRef && !api) || s.mayRead(rt, who, owner, secret) {
				continue
			}
			if strings.Contains(text, secret.value) {
				fail("the answer has %s's %q", owner.name, secSecretName(secret.value))
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
	// (d) nobody else's data changed: A's only by A, A's back-office case by A or by an
	// official who handles it through the back office, the admin's only by the admin.
	if changes {
		now := s.fingerprint(t)
		diffA, diffAdmin := secDiff(s.baseline.a, now.a), secDiff(s.baseline.admin, now.admin)
		diffBo := secDiff(s.baseline.bo, now.bo)
		if len(diffA) > 0 && (who != s.a || refused) {
			fail("A's data changed: %s", strings.Join(diffA, " | "))
		}
		if len(diffBo) > 0 && (refused || (who != s.a && !(secBackoffice(rt) && who.handles(secService)))) {
			fail("A's back-office case changed: %s", strings.Join(diffBo, " | "))
		}
		if len(diffAdmin) > 0 && (who != s.admin || refused) {
			fail("the announcements or the officials changed: %s", strings.Join(diffAdmin, " | "))
		}
		if res.status < 400 || len(diffA) > 0 || len(diffBo) > 0 || len(diffAdmin) > 0 {
			s.restore(t, who)
			if len(diffA) > 0 || len(diffBo) > 0 {
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
						if !secWildcard.MatchString(rt.Pattern) || !s.passes(rt, who) || who == s.anon {
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
	bo := apiv1.Prefix + "/backoffice"
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
		// The back office: residents are no officials, an official sees only the cases of
		// their services, and only an admin official the audit.
		{s.anon, "GET", bo + "/me", "", nil, http.StatusUnauthorized},
		{s.a, "GET", bo + "/me", "", nil, http.StatusForbidden},
		{s.b, "GET", bo + "/cases", "", nil, http.StatusForbidden},
		{s.a, "GET", bo + "/cases/" + s.boCase, "", nil, http.StatusForbidden},
		{s.a, "POST", bo + "/cases/" + s.boCase + "/decision", `{"text": "Hyväksytty"}`, nil, http.StatusForbidden},
		{s.y, "GET", bo + "/cases/" + s.boCase, "", nil, http.StatusNotFound},
		{s.y, "POST", bo + "/cases/" + s.boCase + "/status", `{"status": "PROCESSING"}`, nil, http.StatusNotFound},
		{s.y, "POST", bo + "/cases/" + s.boCase + "/messages", secQuestion, nil, http.StatusNotFound},
		{s.x, "GET", bo + "/audit", "", nil, http.StatusForbidden},
		{s.y, "GET", bo + "/audit", "", nil, http.StatusForbidden},
		{s.x, "GET", bo + "/cases/HEL-KOI-2026-999999", "", nil, http.StatusNotFound},
		// The rules of the lifecycle.
		{s.x, "POST", bo + "/cases/" + s.boCase + "/status", `{"status": "DECIDED"}`, nil, http.StatusConflict},
		{s.x, "POST", bo + "/cases/" + s.boCase + "/status", `{"status": "CANCELLED"}`, nil, http.StatusConflict},
		{s.x, "POST", bo + "/cases/" + s.boCase + "/decision", `{"text": "  "}`, nil, http.StatusUnprocessableEntity},
		{s.x, "POST", bo + "/cases/" + s.boCase + "/messages", `{"text": "` + strings.Repeat("é", 5001) + `"}`, nil, http.StatusUnprocessableEntity},
		{s.a, "POST", apiv1.Prefix + "/cases/" + s.boCase + "/messages", `{"text": "Ensin"}`, nil, http.StatusConflict}, // no thread yet
		// A resident's case routes are the owner's, officials or not.
		{s.b, "POST", apiv1.Prefix + "/cases/" + s.caseNumber + "/messages", `{"text": "Minä"}`, nil, http.StatusNotFound},
		{s.x, "GET", apiv1.Prefix + "/cases/" + s.caseNumber, "", nil, http.StatusNotFound},
		{s.boss, "POST", apiv1.Prefix + "/cases/" + s.caseNumber + "/cancel", "{}", nil, http.StatusNotFound},
		// Officials are the admin's to make, with valid codes, roles and services.
		{s.a, "PUT", apiv1.Prefix + "/admin/officials/" + s.a.code, secOfficial, nil, http.StatusUnauthorized},
		{s.boss, "PUT", apiv1.Prefix + "/admin/officials/" + s.a.code, secOfficial, nil, http.StatusUnauthorized},
		{s.admin, "PUT", apiv1.Prefix + "/admin/officials/010280-952X", secOfficial, nil, http.StatusUnprocessableEntity},
		{s.admin, "PUT", apiv1.Prefix + "/admin/officials/" + s.officialCode, `{"roles": ["root"], "services": ["nope"]}`, nil, http.StatusUnprocessableEntity},
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
		for _, path := range []string{"/en/nope", "/fi/folder/nope", "/fi/backoffice/nope", "/sv/services/nope", "/nope", "/web/nope.css"} {
			res := s.call(t, who, "GET", path, "", nil)
			if res.status != http.StatusNotFound || !secMedia(res, "text/html") {
				t.Errorf("GET %s as %s: %d %q, want 404 text/html: %s", path, who.name, res.status, res.header.Get("Content-Type"), res.snippet())
			}
		}
	}
	// The queue is the cases of the official's services, also when one is asked for by
	// its number.
	for _, c := range []struct {
		who   *secWho
		query string
		want  []string
	}{
		{s.y, "", nil},
		{s.y, "?q=" + s.boCase, nil},
		{s.y, "?q=" + strings.ToLower(s.caseNumber), nil},
		{s.y, "?service=" + secService, nil},
		{s.x, "?q=" + s.boCase, []string{s.boCase}},
		{s.x, "?service=resident-parking-permit", nil},
		{s.x, "", []string{s.boCase, s.caseNumber}},
		{s.boss, "", []string{s.boCase, s.caseNumber}},
	} {
		res := s.call(t, c.who, "GET", bo+"/cases"+c.query, "", nil)
		var q apiv1.Queue
		if res.status != http.StatusOK || json.Unmarshal(res.body, &q) != nil {
			t.Errorf("the queue%s as %s: %d %s", c.query, c.who.name, res.status, res.snippet())
			continue
		}
		var got []string
		for _, k := range q.Cases {
			got = append(got, k.Number)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("the queue%s as %s: %q, want %q", c.query, c.who.name, got, c.want)
		}
	}
	// An official never handles their own case: the admin official's, sent as a
	// resident, is official X's to handle.
	sent := s.call(t, s.boss, "POST", apiv1.Prefix+"/services/"+secService+"/submissions", secProbe, nil)
	var own apiv1.Sent
	if sent.status != http.StatusCreated || json.Unmarshal(sent.body, &own) != nil {
		t.Fatalf("the admin official's own case: %d %s", sent.status, sent.snippet())
	}
	for _, c := range []struct{ path, body string }{
		{"/status", `{"status": "PROCESSING"}`},
		{"/messages", secQuestion},
		{"/decision", `{"text": "Hyväksytty"}`},
	} {
		path := bo + "/cases/" + own.CaseNumber + c.path
		res := s.call(t, s.boss, "POST", path, c.body, nil)
		var p apiv1.Problem
		if res.status != http.StatusForbidden || json.Unmarshal(res.body, &p) != nil || p.Error.Code != "disqualified" {
			t.Errorf("POST %s as its owner, the admin official: %d, want 403 disqualified: %s", secShort(path), res.status, res.snippet())
		}
		if res := s.call(t, s.x, "POST", path, c.body, nil); res.status != http.StatusOK {
			t.Errorf("POST %s as official X: %d: %s", secShort(path), res.status, res.snippet())
		}
	}
	// A's state came through all of it.
	now := s.fingerprint(t)
	if d := append(secDiff(s.baseline.a, now.a), secDiff(s.baseline.bo, now.bo)...); len(d) > 0 {
		t.Errorf("A's data changed: %s", strings.Join(d, " | "))
	}
}

func secWant(status int) string {
	if status == 0 {
		return "a 4xx"
	}
	return strconv.Itoa(status)
}

// secServices are the shipped services, the dog registration with an optional file
// field added (no shipped form asks for a file yet), so that the upload routes have a
// well-formed request to probe.
// secServices writes the suite's services to a folder the server follows, as make run
// does, so that the authors' routes (the previews) are probed too.
func secServices(t testing.TB) string {
	t.Helper()
	files := shippedFiles(t)
	var dog map[string]any
	if err := json.Unmarshal(files["dog-registration.json"].Data, &dog); err != nil {
		t.Fatal(err)
	}
	props := dog["properties"].(map[string]any)["dog"].(map[string]any)["properties"].(map[string]any)
	props["vaccinationCertificate"] = map[string]any{
		"type": "string", "title": "Rokotustodistus",
		"x-i18n": map[string]any{"sv": map[string]any{"title": "Vaccinationsintyg"}, "en": map[string]any{"title": "Vaccination certificate"}},
		"x-ui":   map[string]any{"widget": "file", "accept": []string{"pdf", "jpg", "png"}, "maxSize": 5242880},
	}
	data, _ := json.Marshal(dog)
	files["dog-registration.json"] = &fstest.MapFile{Data: data}
	if _, err := schemas.Load(files); err != nil {
		t.Fatalf("the fixture services: %v", err)
	}
	dir := t.TempDir()
	for name, f := range files {
		if err := os.WriteFile(filepath.Join(dir, name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
