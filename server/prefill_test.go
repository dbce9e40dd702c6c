package server

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// The fields a form fills in from identification (x-prefill, testdata/rent-support.json)
// are the sender's own: an anonymous visitor reads that they are filled in when they
// identify; the session gives the signed-in resident's own values; the API refuses
// another person's identity code, and a changed read-only answer, at their fields.
func TestPrefilledFieldsAreTheSenders(t *testing.T) {
	srv := startTestServerWith(t, t.TempDir(), "127.0.0.1:0", nil, withFixture(t, "rent-support"))
	res, err := http.Get(srv.base + "/fi/services/rent-support/form")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	code := regexp.MustCompile(`<input[^>]*id="f-applicant-personalIdentityCode"[^>]*>`).FindString(string(page))
	if !strings.Contains(string(page), "Täytetään tunnistautumisesi perusteella, kun tunnistaudut.") || !strings.Contains(code, "readonly") {
		t.Errorf("signed out, the identity code field reads %q", code)
	}

	_, client := resident(t, srv.base, "010280-952L")
	res, err = client.Get(srv.base + "/api/v1/session")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		CSRF    string
		Prefill map[string]string
	}
	json.NewDecoder(res.Body).Decode(&s)
	res.Body.Close()
	if s.Prefill["identity.personalIdentityCode"] != "010280-952L" || s.Prefill["identity.firstNames"] != "Tessa" || s.Prefill["profile.email"] != "tessa@example.fi" {
		t.Errorf("the session's prefill: %v", s.Prefill)
	}

	send := func(applicant string) (int, string) {
		body := `{"applicant": ` + applicant + `, "housing": "own"}`
		req, _ := http.NewRequest("POST", srv.base+"/api/v1/services/rent-support/submissions", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", s.CSRF)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	cases := []struct {
		name, applicant string
		status          int
		want            string
	}{
		{"another person's identity code", `{"personalIdentityCode": "010469-999W", "firstNames": "Tessa", "lastName": "Testilä", "email": "tessa@example.fi", "municipality": "Helsinki"}`,
			http.StatusUnprocessableEntity, `"pointer":"/applicant/personalIdentityCode","code":"prefill"`},
		{"another name", `{"personalIdentityCode": "010280-952L", "firstNames": "Joni", "lastName": "Testilä", "email": "tessa@example.fi", "municipality": "Helsinki"}`,
			http.StatusUnprocessableEntity, `"pointer":"/applicant/firstNames","code":"prefill"`},
		{"a changed read-only answer", `{"personalIdentityCode": "010280-952L", "firstNames": "Tessa", "lastName": "Testilä", "email": "tessa@example.fi", "municipality": "Espoo"}`,
			http.StatusUnprocessableEntity, `"pointer":"/applicant/municipality","code":"readOnly"`},
		{"the sender's own", `{"personalIdentityCode": "010280-952L", "firstNames": "Tessa", "lastName": "Testilä", "email": "tessa@example.fi", "municipality": "Helsinki"}`,
			http.StatusCreated, `HEL-VUO-`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := send(c.applicant)
			if status != c.status || !strings.Contains(strings.ReplaceAll(body, " ", ""), strings.ReplaceAll(c.want, " ", "")) {
				t.Errorf("%d %s, want %d with %s", status, body, c.status, c.want)
			}
		})
	}
}
