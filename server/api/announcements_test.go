package api

import (
	"testing"
)

func TestAnnouncementsAreManagedByAdminsAndShownLocalized(t *testing.T) {
	srv := newServer(t)
	admin := []string{"Authorization", "Bearer admin-secret"}
	if a := do(t, "POST", srv.URL+"/api/v1/admin/announcements", "application/json", `{"text": {"fi": "x", "sv": "x", "en": "x"}}`); a.status != 401 {
		t.Errorf("without the token: %d", a.status)
	}
	if a := do(t, "POST", srv.URL+"/api/v1/admin/announcements", "application/json", `{"text": {"fi": "x", "sv": "x", "en": "x"}}`, "Authorization", "Bearer wrong"); a.status != 401 {
		t.Errorf("with a wrong token: %d", a.status)
	}
	missing := do(t, "POST", srv.URL+"/api/v1/admin/announcements?lang=en", "application/json", `{"text": {"fi": "Huoltokatko", "sv": "Serviceavbrott"}}`, admin...)
	if missing.status != 422 || missing.body["errors"].([]any)[0].(map[string]any)["pointer"] != "/text/en" {
		t.Errorf("without English: %d %v", missing.status, missing.body)
	}
	if a := do(t, "GET", srv.URL+"/api/v1/announcements", "", ""); len(a.body["announcements"].([]any)) != 0 {
		t.Errorf("announcements before any: %v", a.body)
	}
	created := do(t, "POST", srv.URL+"/api/v1/admin/announcements", "application/json",
		`{"text": {"fi": "Huoltokatko lauantaina", "sv": "Serviceavbrott på lördag", "en": "Maintenance break on Saturday"}}`, admin...)
	if created.status != 201 {
		t.Fatalf("create: %d %v", created.status, created.body)
	}
	do(t, "POST", srv.URL+"/api/v1/admin/announcements", "application/json",
		`{"text": {"fi": "Vanha", "sv": "Gammal", "en": "Old"}, "start": "2026-01-01T00:00:00Z", "end": "2026-02-01T00:00:00Z"}`, admin...)
	list := do(t, "GET", srv.URL+"/api/v1/announcements?lang=sv", "", "")
	items := list.body["announcements"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["text"] != "Serviceavbrott på lördag" {
		t.Errorf("public list in Swedish (the ended one left out): %v", items)
	}
	id := created.body["id"].(string)
	if a := do(t, "DELETE", srv.URL+"/api/v1/admin/announcements/"+id, "", "", admin...); a.status != 200 {
		t.Errorf("delete: %d", a.status)
	}
	if a := do(t, "GET", srv.URL+"/api/v1/announcements", "", ""); len(a.body["announcements"].([]any)) != 0 {
		t.Errorf("after delete: %v", a.body)
	}
}
