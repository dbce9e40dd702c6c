package api

import (
	"context"
	"encoding/json"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/server/store"
)

// officials makes code an official of services (with admin role when admin).
func (s *server) official(t *testing.T, code, given string, admin bool, services ...string) []string {
	t.Helper()
	roles := []string{"official"}
	if admin {
		roles = append(roles, "admin")
	}
	if err := s.store.PutOfficial(context.Background(), store.Official{IdentityCode: code, Roles: roles, Services: services}); err != nil {
		t.Fatal(err)
	}
	return s.signIn(t, code, given, true)
}

func field(a answer, key string) string {
	v, _ := a.body[key].(string)
	return v
}

func code(a answer) string {
	e, _ := a.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// A case travels from SENT to DECIDED through an official's hands while the resident
// follows each step in the folder.
func TestCaseLifecycle(t *testing.T) {
	srv := newServer(t)
	tessa := srv.signIn(t, "010280-952L", "Tessa", true)
	sent := do(t, "POST", srv.URL+"/api/v1/services/dog-registration/submissions", "application/json", validDog, tessa...)
	number := field(sent, "caseNumber")
	if sent.status != 201 {
		t.Fatalf("send: %d %v", sent.status, sent.body)
	}
	joni := srv.official(t, "010469-999W", "Joni", false, "dog-registration")
	other := srv.official(t, "261298-998X", "Tiina", false, "resident-parking-permit")
	admin := srv.official(t, "010675-9981", "Taina", true, "*")
	base := srv.URL + "/api/v1/backoffice/cases/" + number

	folder := do(t, "GET", srv.URL+"/api/v1/cases?lang=en", "", "", tessa...)
	cs := folder.body["cases"].([]any)
	if folder.status != 200 || len(cs) != 1 || cs[0].(map[string]any)["status"] != "SENT" || cs[0].(map[string]any)["serviceName"] != "Dog registration" {
		t.Fatalf("folder: %d %v", folder.status, folder.body)
	}
	if cs[0].(map[string]any)["new"] != false {
		t.Error("the resident's own send is new to them")
	}

	queue := do(t, "GET", srv.URL+"/api/v1/backoffice/cases", "", "", joni...)
	if qs, _ := queue.body["cases"].([]any); queue.status != 200 || len(qs) != 1 {
		t.Fatalf("queue: %d %v", queue.status, queue.body)
	}
	if q := do(t, "GET", srv.URL+"/api/v1/backoffice/cases", "", "", other...); len(q.body["cases"].([]any)) != 0 {
		t.Errorf("an official of another service sees the case: %v", q.body)
	}
	if a := do(t, "GET", base, "", "", other...); a.status != 404 {
		t.Errorf("an official of another service opens it: %d", a.status)
	}
	if a := do(t, "GET", base, "", "", tessa...); a.status != 403 || code(a) != "notOfficial" {
		t.Errorf("a resident in the back office: %d %v", a.status, a.body)
	}

	if a := do(t, "POST", srv.URL+"/api/v1/cases/"+number+"/messages", "application/json", `{"text":"Hello?"}`, tessa...); a.status != 409 || code(a) != "noThread" {
		t.Errorf("a reply before the city wrote: %d %v", a.status, a.body)
	}
	opened := do(t, "GET", base, "", "", joni...)
	if opened.status != 200 || opened.body["applicant"] != "Tessa Testilä" || opened.body["data"] == nil {
		t.Fatalf("official opens: %d %v", opened.status, opened.body)
	}
	if a := do(t, "POST", base+"/status", "application/json", `{"status":"DECIDED","note":""}`, joni...); a.status != 409 {
		t.Errorf("DECIDED without a decision: %d", a.status)
	}
	if a := do(t, "POST", base+"/status", "application/json", `{"status":"PROCESSING","note":"Checking the chip"}`, joni...); a.status != 200 || a.body["status"] != "PROCESSING" {
		t.Fatalf("to PROCESSING: %d %v", a.status, a.body)
	}
	if a := do(t, "POST", base+"/messages", "application/json", `{"text":"Send the vaccination date, please."}`, joni...); a.status != 200 {
		t.Fatalf("message: %d %v", a.status, a.body)
	}

	folder = do(t, "GET", srv.URL+"/api/v1/cases", "", "", tessa...)
	row := folder.body["cases"].([]any)[0].(map[string]any)
	if row["new"] != true || row["unreadMessages"] != 1.0 || row["status"] != "PROCESSING" || folder.body["newCases"] != 1.0 {
		t.Fatalf("the resident does not see news: %v", folder.body)
	}
	details := do(t, "GET", srv.URL+"/api/v1/cases/"+number, "", "", tessa...)
	msgs := details.body["messages"].([]any)
	if details.body["canReply"] != true || len(msgs) != 1 || msgs[0].(map[string]any)["text"] != "Send the vaccination date, please." {
		t.Fatalf("details: %v", details.body)
	}
	if from := msgs[0].(map[string]any)["from"].(map[string]any); from["name"] != nil {
		t.Errorf("the resident sees the official's name: %v", from)
	}
	do(t, "POST", srv.URL+"/api/v1/cases/"+number+"/seen", "application/json", `{}`, tessa...)
	if f := do(t, "GET", srv.URL+"/api/v1/cases", "", "", tessa...); f.body["newCases"] != 0.0 || f.body["cases"].([]any)[0].(map[string]any)["unreadMessages"] != 0.0 {
		t.Errorf("seen and read, still new: %v", f.body)
	}
	if a := do(t, "POST", srv.URL+"/api/v1/cases/"+number+"/messages", "application/json", `{"text":"It was 1.3.2026."}`, tessa...); a.status != 200 {
		t.Fatalf("reply: %d %v", a.status, a.body)
	}
	q := do(t, "GET", srv.URL+"/api/v1/backoffice/cases", "", "", joni...)
	if q.body["cases"].([]any)[0].(map[string]any)["unreadMessages"] != 1.0 {
		t.Errorf("the official does not see the unread reply: %v", q.body)
	}
	if a := do(t, "POST", base+"/decision", "application/json", `{"text":"  "}`, joni...); a.status != 422 {
		t.Errorf("an empty decision: %d", a.status)
	}
	decided := do(t, "POST", base+"/decision", "application/json", `{"text":"Registered. Tag number 1234."}`, joni...)
	if decided.status != 200 || decided.body["status"] != "DECIDED" {
		t.Fatalf("decision: %d %v", decided.status, decided.body)
	}
	mine := do(t, "GET", srv.URL+"/api/v1/cases/"+number, "", "", tessa...)
	if mine.body["status"] != "DECIDED" || mine.body["decision"] != "Registered. Tag number 1234." || mine.body["canCancel"] != false {
		t.Errorf("resident after decision: %v", mine.body)
	}
	var kinds []string
	for _, e := range mine.body["events"].([]any) {
		kinds = append(kinds, e.(map[string]any)["kind"].(string))
	}
	if strings.Join(kinds, ",") != "sent,status,message,message,decision" {
		t.Errorf("history: %v", kinds)
	}
	if a := do(t, "POST", srv.URL+"/api/v1/cases/"+number+"/cancel", "application/json", `{}`, tessa...); a.status != 409 {
		t.Errorf("cancelling a decided case: %d", a.status)
	}
	if a := do(t, "POST", base+"/status", "application/json", `{"status":"PROCESSING","note":""}`, joni...); a.status != 409 {
		t.Errorf("reopening a decided case: %d", a.status)
	}

	// Every official action is in the audit log, which only admins read.
	if a := do(t, "GET", srv.URL+"/api/v1/backoffice/audit", "", "", joni...); a.status != 403 {
		t.Errorf("audit for a non-admin: %d", a.status)
	}
	audit := do(t, "GET", srv.URL+"/api/v1/backoffice/audit", "", "", admin...)
	var actions []string
	for _, e := range audit.body["entries"].([]any) {
		m := e.(map[string]any)
		if id, _ := m["actorId"].(string); m["caseNumber"] != number || !strings.HasPrefix(m["actor"].(string), "Joni") || id == "" || strings.Contains(id, "010469") {
			t.Errorf("audit entry %v", m)
		}
		actions = append(actions, m["action"].(string))
	}
	// (The test's clock stands still, so entries of one instant come in any order.)
	sort.Strings(actions)
	if strings.Join(actions, ",") != "decision,message,open,status" {
		t.Errorf("audit: %v", actions)
	}
}

// An official who sent a case as a resident (the test identity 010469-999W is both)
// may open it in the back office, which says it is their own, but never handle it
// (Hallintolaki 28 §); another official of the service does. A refusal changes nothing,
// is not audited, and is logged once with the request id, not the identity code.
func TestOfficialNeverHandlesOwnCase(t *testing.T) {
	var log syncBuffer
	srv := newLoggedServer(t, &log)
	joni := srv.official(t, "010469-999W", "Joni", true, "*")
	tiina := srv.official(t, "261298-998X", "Tiina", false, "dog-registration")
	sent := do(t, "POST", srv.URL+"/api/v1/services/dog-registration/submissions", "application/json", validDog, joni...)
	number := field(sent, "caseNumber")
	if sent.status != 201 {
		t.Fatalf("send: %d %v", sent.status, sent.body)
	}
	base := srv.URL + "/api/v1/backoffice/cases/" + number
	if a := do(t, "GET", base, "", "", joni...); a.status != 200 || a.body["own"] != true {
		t.Errorf("the official opens their own case: %d own=%v", a.status, a.body["own"])
	}
	if a := do(t, "GET", base, "", "", tiina...); a.status != 200 || a.body["own"] != nil {
		t.Errorf("another official opens it: %d own=%v", a.status, a.body["own"])
	}

	for _, c := range []struct {
		name, path, body, lang, message string
		status                          string // after the other official's act
	}{
		{"status", "/status", `{"status":"PROCESSING","note":"Käsittelyssä"}`, "fi",
			"Et voi käsitellä omaa asiaasi. Sen käsittelee palvelun toinen virkailija.", "PROCESSING"},
		{"message", "/messages", `{"text":"Onko koira rokotettu?"}`, "sv",
			"Du kan inte behandla ditt eget ärende. En annan handläggare vid tjänsten behandlar det.", "PROCESSING"},
		{"decision", "/decision", `{"text":"Koira on rekisteröity."}`, "en",
			"You cannot handle your own case. Another official of the service handles it.", "DECIDED"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, err := srv.store.Case(number)
			if err != nil {
				t.Fatal(err)
			}
			a := do(t, "POST", base+c.path+"?lang="+c.lang, "application/json", c.body, joni...)
			if a.status != 403 || code(a) != "disqualified" || errorMessage(a) != c.message {
				t.Errorf("own case: %d %v", a.status, a.body)
			}
			after, err := srv.store.Case(number)
			if err != nil {
				t.Fatal(err)
			}
			if after.Status != before.Status || len(after.Events) != len(before.Events) ||
				len(after.Messages) != len(before.Messages) || after.Decision != before.Decision {
				t.Errorf("a refused act changed the case: %+v, was %+v", after, before)
			}
			if id := a.header.Get(apiv1.RequestIDHeader); id == "" || !strings.Contains(log.String(), "id="+id) {
				t.Errorf("the refusal %q is not in the log:\n%s", id, log.String())
			}
			if a := do(t, "POST", base+c.path, "application/json", c.body, tiina...); a.status != 200 || a.body["status"] != c.status {
				t.Errorf("another official: %d %v", a.status, a.body)
			}
		})
	}

	audit := do(t, "GET", srv.URL+"/api/v1/backoffice/audit", "", "", joni...)
	var joniActs []string
	for _, e := range audit.body["entries"].([]any) {
		if m := e.(map[string]any); strings.HasPrefix(m["actor"].(string), "Joni") {
			joniActs = append(joniActs, m["action"].(string))
		}
	}
	if strings.Join(joniActs, ",") != "open" {
		t.Errorf("the official's audit entries on their own case: %v", joniActs)
	}
	if n := strings.Count(log.String(), "official refused on their own case"); n != 3 {
		t.Errorf("%d refusals logged, want 3:\n%s", n, log.String())
	}
	if strings.Contains(log.String(), "010469-999W") {
		t.Errorf("the log has the identity code:\n%s", log.String())
	}
}

// newLoggedServer is newServer with its log written to w.
func newLoggedServer(t *testing.T, w io.Writer) *server {
	t.Helper()
	services, err := schemas.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return newServerLogging(t, services, w)
}

// syncBuffer is a log the server writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestResidentCancels(t *testing.T) {
	srv := newServer(t)
	tessa := srv.signIn(t, "010280-952L", "Tessa", true)
	joni := srv.signIn(t, "010469-999W", "Joni", true)
	official := srv.official(t, "261298-998X", "Tiina", false, "dog-registration")
	number := field(do(t, "POST", srv.URL+"/api/v1/services/dog-registration/submissions", "application/json", validDog, tessa...), "caseNumber")
	do(t, "POST", srv.URL+"/api/v1/backoffice/cases/"+number+"/messages", "application/json", `{"text":"A question"}`, official...)
	if a := do(t, "POST", srv.URL+"/api/v1/cases/"+number+"/cancel", "application/json", `{}`, joni...); a.status != 404 {
		t.Errorf("another resident cancels: %d", a.status)
	}
	a := do(t, "POST", srv.URL+"/api/v1/cases/"+number+"/cancel", "application/json", `{}`, tessa...)
	if a.status != 200 || a.body["status"] != "CANCELLED" || a.body["canCancel"] != false {
		t.Errorf("cancel: %d %v", a.status, a.body)
	}
	if a := do(t, "POST", srv.URL+"/api/v1/cases/"+number+"/messages", "application/json", `{"text":"Still there?"}`, tessa...); a.status != 409 {
		t.Errorf("a reply to a cancelled case: %d", a.status)
	}
	if a := do(t, "POST", srv.URL+"/api/v1/backoffice/cases/"+number+"/messages", "application/json", `{"text":"Hello"}`, official...); a.status != 409 {
		t.Errorf("a message to a cancelled case: %d", a.status)
	}
}

// A service not kept in the folder (health care) never gives its content back to the
// resident, and its drafts stay on the device; its officials see everything.
func TestServiceNotKeptInFolder(t *testing.T) {
	builtin, err := schemas.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	files := fstest.MapFS{}
	for _, s := range builtin.Services() {
		files[s.ID+".json"] = &fstest.MapFile{Data: s.Schema}
	}
	var health map[string]any
	json.Unmarshal(builtin.Service("dog-registration").Schema, &health)
	svc := health["x-service"].(map[string]any)
	svc["code"], svc["keepInFolder"] = "TER", false
	files["health-test.json"] = &fstest.MapFile{Data: must(json.Marshal(health))}
	registry, err := schemas.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	srv := newServerWith(t, registry)
	tessa := srv.signIn(t, "010280-952L", "Tessa", true)
	joni := srv.official(t, "010469-999W", "Joni", false, "health-test")
	sent := do(t, "POST", srv.URL+"/api/v1/services/health-test/submissions", "application/json", validDog, tessa...)
	number := field(sent, "caseNumber")
	if sent.status != 201 || !strings.HasPrefix(number, "HEL-TER-") {
		t.Fatalf("send: %d %v", sent.status, sent.body)
	}
	mine := do(t, "GET", srv.URL+"/api/v1/cases/"+number, "", "", tessa...)
	if mine.status != 200 || mine.body["data"] != nil || mine.body["keptInFolder"] != false || strings.Contains(mustString(mine.body), "Musti") {
		t.Errorf("the resident gets the content back: %v", mine.body)
	}
	if a := do(t, "GET", srv.URL+"/api/v1/backoffice/cases/"+number, "", "", joni...); a.status != 200 || !strings.Contains(mustString(a.body), "Musti") {
		t.Errorf("the service's official does not see the content: %d", a.status)
	}
	with := append(append([]string{}, tessa...), "If-None-Match", "*")
	if a := do(t, "PUT", srv.URL+"/api/v1/drafts/health-test", "application/json", `{"data":{}}`, with...); a.status != 403 || code(a) != "draftsOnDevice" {
		t.Errorf("a draft of a health service on the server: %d %v", a.status, a.body)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func mustString(v any) string { return string(must(json.Marshal(v))) }
