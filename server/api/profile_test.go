package api

import (
	"strings"
	"testing"
)

func TestRegistrationValidatesAndSaves(t *testing.T) {
	srv := newServer(t)
	joni := srv.signIn(t, "010469-999W", "Joni", false)
	url := srv.URL + "/api/v1/profile?lang=en"
	cases := []struct {
		body, pointer, message string
	}{
		{`{"email": "joni@example.fi", "language": "fi", "channel": "email"}`, "/consent", "Give your consent"},
		{`{"consent": true, "language": "fi", "channel": "email"}`, "/email", "Enter an e-mail address or a mobile number"},
		{`{"consent": true, "email": "joni(at)example", "language": "fi", "channel": "email"}`, "/email", "e-mail address in the correct format"},
		{`{"consent": true, "phone": "09 310 88800", "language": "fi", "channel": "sms"}`, "/phone", "Enter a mobile number"},
		{`{"consent": true, "phone": "040 123 4567", "language": "fi", "channel": "email"}`, "/channel", "to get notifications by e-mail"},
		{`{"consent": true, "email": "joni@example.fi", "language": "de", "channel": "email"}`, "/language", "Choose language of notifications"},
		{`{"consent": true, "email": "joni@example.fi", "language": "fi"}`, "/channel", "Choose how to notify you"},
	}
	for _, c := range cases {
		a := do(t, "PUT", url, "application/json", c.body, joni...)
		if a.status != 422 {
			t.Fatalf("%s: status %d", c.body, a.status)
		}
		e := a.body["errors"].([]any)[0].(map[string]any)
		if e["pointer"] != c.pointer || !strings.Contains(e["message"].(string), c.message) {
			t.Errorf("%s: %v, want %s %q", c.body, e, c.pointer, c.message)
		}
	}
	if a := do(t, "PUT", url, "application/json", `{"consent": true, "email": "joni@example.fi"}`, joni[:2]...); a.status != 403 {
		t.Errorf("registration without the CSRF token: %d", a.status)
	}
	ok := do(t, "PUT", url, "application/json", `{"consent": true, "email": "joni@example.fi", "phone": "+358 40 123 4567", "language": "sv", "channel": "both"}`, joni...)
	if ok.status != 200 || ok.body["registered"] != true || ok.body["language"] != "sv" {
		t.Fatalf("registration: %d %v", ok.status, ok.body)
	}
	got := do(t, "GET", url, "", "", joni...)
	if got.body["identityCode"] != "010469-****" || got.body["name"] != "Joni Testilä" || got.body["email"] != "joni@example.fi" {
		t.Errorf("profile: %v", got.body)
	}
	// Later edits need no new consent, and are validated just the same.
	edit := do(t, "PUT", url, "application/json", `{"email": "", "phone": "040 765 4321", "language": "en", "channel": "sms"}`, joni...)
	if edit.status != 200 || edit.body["phone"] != "040 765 4321" || edit.body["email"] != "" {
		t.Errorf("edit: %d %v", edit.status, edit.body)
	}
	if a := do(t, "GET", url, "", ""); a.status != 401 {
		t.Errorf("profile without a session: %d", a.status)
	}
}

func TestMaskAndMobile(t *testing.T) {
	if got := MaskIdentityCode("010280-952L"); got != "010280-****" {
		t.Errorf("mask %q", got)
	}
	for s, want := range map[string]bool{"040 123 4567": true, "050-1234567": true, "+358 40 1234567": true, "+46 70 123 45 67": true, "09 310 88800": false, "+358 9 310 88800": false} {
		if ValidMobile(s) != want {
			t.Errorf("ValidMobile(%q) != %v", s, want)
		}
	}
}
