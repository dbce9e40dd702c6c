package api

import (
	"strings"
	"testing"
)

func TestDraftsSyncWithRevisions(t *testing.T) {
	srv := newServer(t)
	tessa := srv.signIn(t, "010280-952L", "Tessa", true)
	url := srv.URL + "/api/v1/drafts/dog-registration?lang=en"
	with := func(h ...string) []string { return append(append([]string{}, tessa...), h...) }

	if a := do(t, "PUT", url, "application/json", `{"data": {}}`, tessa...); a.status != 428 {
		t.Errorf("a save without a revision: %d, want 428", a.status)
	}
	first := do(t, "PUT", url, "application/json", `{"schemaVersion": 1, "data": {"dog": {"name": "Musti"}}}`, with("If-None-Match", "*")...)
	if first.status != 200 || first.header.Get("ETag") != `"1"` {
		t.Fatalf("first save: %d %v %s", first.status, first.body, first.header.Get("ETag"))
	}
	phone := do(t, "PUT", url, "application/json", `{"data": {"dog": {"name": "Musti", "breed": "Pystykorva"}}}`, with("If-Match", `"1"`)...)
	if phone.status != 200 || phone.header.Get("ETag") != `"2"` {
		t.Fatalf("phone: %d %v", phone.status, phone.body)
	}
	laptop := do(t, "PUT", url, "application/json", `{"data": {"dog": {"name": "Rekku"}}}`, with("If-Match", `"1"`)...)
	if laptop.status != 412 || !strings.Contains(errorMessage(laptop), "another device") {
		t.Fatalf("laptop on revision 1: %d %v", laptop.status, laptop.body)
	}
	current := laptop.body["draft"].(map[string]any)
	if current["rev"] != 2.0 || current["data"].(map[string]any)["dog"].(map[string]any)["breed"] != "Pystykorva" {
		t.Errorf("the conflict does not carry the current draft: %v", current)
	}
	got := do(t, "GET", url, "", "", tessa...)
	if got.status != 200 || got.header.Get("ETag") != `"2"` {
		t.Errorf("read: %d %s", got.status, got.header.Get("ETag"))
	}
	list := do(t, "GET", srv.URL+"/api/v1/drafts?lang=en", "", "", tessa...)
	items := list.body["drafts"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["name"] != "Dog registration" {
		t.Errorf("drafts list: %v", items)
	}
	// Another resident sees none of it.
	joni := srv.signIn(t, "010469-999W", "Joni", true)
	if a := do(t, "GET", url, "", "", joni...); a.status != 404 {
		t.Errorf("another resident reads the draft: %d", a.status)
	}
	if a := do(t, "PUT", url, "application/json", `{"data": 5}`, with("If-Match", `"2"`)...); a.status != 400 {
		t.Errorf("data that is not an object: %d", a.status)
	}
	// Sending the form removes its draft.
	sent := do(t, "POST", srv.URL+"/api/v1/services/dog-registration/submissions", "application/json", validDog, tessa...)
	if sent.status != 201 {
		t.Fatalf("send: %d", sent.status)
	}
	if a := do(t, "GET", url, "", "", tessa...); a.status != 404 {
		t.Errorf("the draft outlived its sending: %d", a.status)
	}
}
