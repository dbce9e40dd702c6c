package api

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/server/cases"
	"github.com/lomake/lomake/server/router"
	"github.com/lomake/lomake/server/session"
	"github.com/lomake/lomake/server/store"
)

// server is a running API with its store and session manager.
type server struct {
	*httptest.Server
	store    *store.Store
	sessions *session.Manager
}

func newServer(t *testing.T) *server {
	t.Helper()
	services, err := schemas.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return newServerWith(t, services)
}

// newServerWith serves the given services.
func newServerWith(t *testing.T, services *schemas.Registry) *server {
	t.Helper()
	return newServerLogging(t, services, io.Discard)
}

// newServerLogging serves the given services and writes the server's log to w.
func newServerLogging(t *testing.T, services *schemas.Registry, w io.Writer) *server {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := func() time.Time { return time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC) }
	sm := session.New(st, clock)
	log := slog.New(slog.NewTextHandler(w, nil))
	rt := router.New(router.Config{Sessions: sm, Store: st, AdminToken: "admin-secret", Log: log})
	New(services, st, cases.New(st, clock, log), DefaultLimits, nil, log, clock).Register(rt)
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	return &server{srv, st, sm}
}

// signIn creates a user (registered or not) and returns the headers of a browser
// signed in as them: the session cookie and the CSRF token.
func (s *server) signIn(t *testing.T, code, given string, registered bool) []string {
	t.Helper()
	u, err := s.store.CreateUser(store.User{IdentityCode: code, GivenName: given, FamilyName: "Testilä"})
	if err != nil {
		t.Fatal(err)
	}
	if registered {
		u.Registered, u.Email, u.Language, u.Channel = true, "tessa@example.fi", "fi", "email"
		if err := s.store.UpdateUser(u); err != nil {
			t.Fatal(err)
		}
	}
	w := httptest.NewRecorder()
	sess, err := s.sessions.Start(w, httptest.NewRequest("GET", s.URL, nil), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return []string{"Cookie", session.CookieName + "=" + sess.ID, apiv1.CSRFHeader, sess.CSRF}
}

const validDog = `{
  "owner": {"firstName": "Tessa", "lastName": "Testilä", "personalIdentityCode": "010280-952L",
    "streetAddress": "Pohjoisesplanadi 11", "postalCode": "00170", "postOffice": "Helsinki",
    "email": "tessa@example.fi"},
  "dog": {"name": "Musti", "breed": "Suomenpystykorva", "sex": "female", "birthDate": "2024-03-01",
    "microchipNumber": "246098100123456"}
}`

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func do(t *testing.T, method, url, contentType, body string, hdr ...string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
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
	var m map[string]any
	data, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s %s: answer is not JSON (%d): %s", method, url, res.StatusCode, data)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	return answer{res.StatusCode, res.Header, m}
}

func errorMessage(a answer) string {
	e, _ := a.body["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

func TestCatalogIsLocalizedAndAlphabetical(t *testing.T) {
	srv := newServer(t)
	services, err := schemas.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	// The Finnish and Swedish alphabets end in å, ä, ö.
	alphabet := strings.NewReplacer("å", "{1", "ä", "{2", "ö", "{3")
	for _, c := range []struct{ query, header, lang string }{
		{"?lang=sv", "", "sv"},
		{"", "sv-FI,sv;q=0.9", "sv"},
		{"?lang=fi", "sv", "fi"},
		{"", "en", "en"},
	} {
		a := do(t, "GET", srv.URL+"/api/v1/services"+c.query, "", "", "Accept-Language", c.header)
		if a.status != 200 {
			t.Fatalf("status %d", a.status)
		}
		list := a.body["services"].([]any)
		if len(list) != len(services.Services()) {
			t.Fatalf("%d services, want all %d", len(list), len(services.Services()))
		}
		prev := ""
		for _, item := range list {
			m := item.(map[string]any)
			s := services.Service(m["id"].(string))
			if s == nil || m["name"] != s.Name.In(c.lang) {
				t.Errorf("%s %s: %v is not a service named in %s", c.query, c.header, m, c.lang)
				continue
			}
			key := alphabet.Replace(strings.ToLower(m["name"].(string)))
			if key < prev {
				t.Errorf("%s %s: %q comes after a name that sorts later", c.query, c.header, m["name"])
			}
			prev = key
		}
	}
}

func TestServiceWithSchema(t *testing.T) {
	srv := newServer(t)
	a := do(t, "GET", srv.URL+"/api/v1/services/dog-registration?lang=en", "", "")
	if a.status != 200 || a.body["id"] != "dog-registration" || a.body["code"] != "KOI" {
		t.Fatalf("got %d %v", a.status, a.body)
	}
	schema, _ := a.body["schema"].(map[string]any)
	if schema["$schema"] != "http://json-schema.org/draft-07/schema#" {
		t.Errorf("schema not included: %v", a.body["schema"])
	}
	nf := do(t, "GET", srv.URL+"/api/v1/services/no-such-service?lang=sv", "", "")
	if nf.status != 404 || errorMessage(nf) != "Tjänsten hittades inte." {
		t.Errorf("unknown service: %d %q", nf.status, errorMessage(nf))
	}
}

func TestSubmissionCreatesCaseThatCanBeRead(t *testing.T) {
	srv := newServer(t)
	tessa := srv.signIn(t, "010280-952L", "Tessa", true)
	a := do(t, "POST", srv.URL+"/api/v1/services/dog-registration/submissions?lang=fi", "application/json", validDog, tessa...)
	if a.status != 201 {
		t.Fatalf("status %d: %v", a.status, a.body)
	}
	if a.body["caseNumber"] != "HEL-KOI-2026-000001" || a.body["status"] != "SENT" {
		t.Fatalf("answer %v", a.body)
	}
	if loc := a.header.Get("Location"); loc != "/api/v1/cases/HEL-KOI-2026-000001" {
		t.Errorf("Location = %q", loc)
	}
	second := do(t, "POST", srv.URL+"/api/v1/services/dog-registration/submissions", "application/json; charset=utf-8", validDog, tessa...)
	if second.body["caseNumber"] != "HEL-KOI-2026-000002" {
		t.Errorf("second case %v", second.body["caseNumber"])
	}
	c := do(t, "GET", srv.URL+"/api/v1/cases/HEL-KOI-2026-000001", "", "", tessa...)
	if c.status != 200 || c.body["serviceId"] != "dog-registration" || c.body["status"] != "SENT" {
		t.Fatalf("case: %d %v", c.status, c.body)
	}
	dog := c.body["data"].(map[string]any)["dog"].(map[string]any)
	if dog["name"] != "Musti" {
		t.Errorf("stored data lost the dog's name: %v", dog)
	}
	nf := do(t, "GET", srv.URL+"/api/v1/cases/HEL-KOI-2026-999999?lang=en", "", "", tessa...)
	if nf.status != 404 || errorMessage(nf) != "Case not found." {
		t.Errorf("unknown case: %d %v", nf.status, nf.body)
	}
	// Only the sender reads a case: anyone else gets "not found", nobody gets it unsigned.
	joni := srv.signIn(t, "010469-999W", "Joni", true)
	other := do(t, "GET", srv.URL+"/api/v1/cases/HEL-KOI-2026-000001?lang=en", "", "", joni...)
	if other.status != 404 || other.body["data"] != nil {
		t.Errorf("another user read the case: %d %v", other.status, other.body)
	}
	anon := do(t, "GET", srv.URL+"/api/v1/cases/HEL-KOI-2026-000001?lang=en", "", "")
	if anon.status != 401 || !strings.Contains(errorMessage(anon), "Identify yourself") {
		t.Errorf("anonymous read: %d %v", anon.status, anon.body)
	}
}

// The same send replayed three times (an outbox retrying after a lost answer) makes
// one case and always answers with its number.
func TestSubmissionIsIdempotent(t *testing.T) {
	srv := newServer(t)
	tessa := srv.signIn(t, "010280-952L", "Tessa", true)
	url := srv.URL + "/api/v1/services/dog-registration/submissions"
	key := append(append([]string{}, tessa...), "Idempotency-Key", "3f1c9a2e-outbox-1")
	first := do(t, "POST", url, "application/json", validDog, key...)
	if first.status != 201 {
		t.Fatalf("first send: %d %v", first.status, first.body)
	}
	for i := 0; i < 3; i++ {
		again := do(t, "POST", url, "application/json", validDog, key...)
		if again.status != 200 || again.body["caseNumber"] != first.body["caseNumber"] || again.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay %d: %d %v", i, again.status, again.body)
		}
	}
	other := do(t, "POST", url, "application/json", validDog, append(append([]string{}, tessa...), "Idempotency-Key", "another-send")...)
	if other.status != 201 || other.body["caseNumber"] == first.body["caseNumber"] {
		t.Errorf("a different send: %d %v", other.status, other.body)
	}
	if next := do(t, "GET", srv.URL+"/api/v1/cases/HEL-KOI-2026-000003", "", "", tessa...); next.status != 404 {
		t.Errorf("replays made extra cases: %d", next.status)
	}
	bad := do(t, "POST", url, "application/json", validDog, append(append([]string{}, tessa...), "Idempotency-Key", "has space")...)
	if bad.status != 400 {
		t.Errorf("a malformed key: %d", bad.status)
	}
}

func TestSubmissionNeedsARegisteredSessionAndCSRF(t *testing.T) {
	srv := newServer(t)
	url := srv.URL + "/api/v1/services/dog-registration/submissions?lang=fi"
	if a := do(t, "POST", url, "application/json", validDog); a.status != 401 {
		t.Errorf("without a session: %d", a.status)
	}
	tessa := srv.signIn(t, "010280-952L", "Tessa", true)
	noToken := tessa[:2]
	if a := do(t, "POST", url, "application/json", validDog, noToken...); a.status != 403 {
		t.Errorf("without the CSRF token: %d", a.status)
	}
	joni := srv.signIn(t, "010469-999W", "Joni", false)
	if a := do(t, "POST", url, "application/json", validDog, joni...); a.status != 403 || !strings.Contains(errorMessage(a), "yhteystietosi") {
		t.Errorf("before registration: %d %v", a.status, a.body)
	}
}

func TestInvalidSubmissionListsFieldErrorsInLanguage(t *testing.T) {
	srv := newServer(t)
	tessa := srv.signIn(t, "010280-952L", "Tessa", true)
	doc := strings.Replace(validDog, `"email": "tessa@example.fi"`, `"email": "tessa(at)example"`, 1)
	doc = strings.Replace(doc, `"name": "Musti", `, ``, 1)
	for lang, want := range map[string][]string{
		"fi": {"Anna sähköpostiosoite muodossa nimi@esimerkki.fi", "Anna koiran nimi"},
		"sv": {"Ange e-postadressen i formen namn@exempel.fi", "Ange hundens namn"},
		"en": {"Enter the email address in the form name@example.com", "Enter dog's name"},
	} {
		a := do(t, "POST", srv.URL+"/api/v1/services/dog-registration/submissions?lang="+lang, "application/json", doc, tessa...)
		if a.status != 422 {
			t.Fatalf("status %d", a.status)
		}
		errs := a.body["errors"].([]any)
		if len(errs) != 2 {
			t.Fatalf("%s: %d errors, want 2: %v", lang, len(errs), errs)
		}
		first, second := errs[0].(map[string]any), errs[1].(map[string]any)
		if first["pointer"] != "/owner/email" || first["code"] != "format" {
			t.Errorf("first error %v", first)
		}
		if second["pointer"] != "/dog/name" || second["code"] != "required" {
			t.Errorf("second error %v", second)
		}
		for i, w := range want {
			if msg := errs[i].(map[string]any)["message"].(string); !strings.HasPrefix(msg, w) {
				t.Errorf("%s: message %q, want %q…", lang, msg, w)
			}
		}
	}
	// Nothing was stored for refused submissions.
	if c := do(t, "GET", srv.URL+"/api/v1/cases/HEL-KOI-2026-000001", "", "", tessa...); c.status != 404 {
		t.Errorf("a refused submission was stored: %v", c.body)
	}
}

func TestBadRequests(t *testing.T) {
	srv := newServer(t)
	tessa := srv.signIn(t, "010280-952L", "Tessa", true)
	url := srv.URL + "/api/v1/services/dog-registration/submissions?lang=en"
	cases := []struct {
		name, contentType, body string
		hdr                     []string
		status                  int
		message                 string
	}{
		{"malformed JSON", "application/json", `{"owner": {"firstName": "Tessa",`, nil, 400, "The form data could not be read. Try again."},
		{"wrong types", "application/json", `{"owner": 5, "dog": []}`, nil, 422, ""},
		{"too large", "application/json", `{"x": "` + strings.Repeat("a", MaxBody) + `"}`, nil, 413, "The form is too large to send (at most 256 KiB)."},
		{"not JSON", "application/x-www-form-urlencoded", `owner=1`, nil, 415, "Send the data as JSON."},
		{"cross-site", "application/json", validDog, []string{"Sec-Fetch-Site", "cross-site"}, 403, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := do(t, "POST", url, c.contentType, c.body, append(append([]string{}, tessa...), c.hdr...)...)
			if a.status != c.status {
				t.Fatalf("status %d, want %d: %v", a.status, c.status, a.body)
			}
			if c.message != "" && errorMessage(a) != c.message {
				t.Errorf("message %q, want %q", errorMessage(a), c.message)
			}
		})
	}
	wrongTypes := do(t, "POST", url, "application/json", `{"owner": 5, "dog": []}`, tessa...)
	errs := wrongTypes.body["errors"].([]any)
	for _, e := range errs {
		m := e.(map[string]any)
		if m["code"] != "type" || !regexp.MustCompile(`^/(owner|dog)$`).MatchString(m["pointer"].(string)) {
			t.Errorf("wrong types: %v", m)
		}
	}
	unknown := do(t, "POST", srv.URL+"/api/v1/services/no-such/submissions", "application/json", validDog, tessa...)
	if unknown.status != 404 {
		t.Errorf("unknown service: %d", unknown.status)
	}
	if a := do(t, "GET", srv.URL+"/api/v1/nothing-here", "", ""); a.status != 404 {
		t.Errorf("unknown API path: %d", a.status)
	}
}
