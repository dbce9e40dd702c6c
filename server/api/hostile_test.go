package api

import (
	"fmt"
	"strings"
	"testing"
)

// Bodies a hostile resident can send: each gets a bounded, translated 4xx, and nothing
// is stored.
func TestHostileSubmissions(t *testing.T) {
	srv := newServer(t)
	tessa := srv.signIn(t, "010280-952L", "Tessa", true)
	var keys strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&keys, `"k%d":1,`, i)
	}
	manyErrors := `{` + keys.String() + `"k":1}` // each unknown key is an error
	overfull := `{"preferredUnits":[` + strings.Repeat(`"x",`, 4000) + `"x"]}`
	for _, c := range []struct {
		name, service, body string
		status              int
		code                string
	}{
		// gojsonschema v1.2.0 dereferences nil on this in a uniqueItems array.
		{"number beyond float64 in a unique list", "early-childhood-education", `{"preferredUnits":[1e400]}`, 400, "numberRange"},
		{"absurd exponent", "dog-registration", `{"dog":{"name":1e999999}}`, 400, "numberRange"},
		{"duplicate keys", "dog-registration", `{"dog":{"name":"<b>x</b>","name":"ok"}}`, 400, "duplicateKey"},
		{"invalid UTF-8", "dog-registration", "{\"dog\":{\"name\":\"\xff\"}}", 400, "invalidUTF8"},
		{"too deep", "dog-registration", strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 40), 400, "tooDeep"},
		{"too many values", "dog-registration", `[` + strings.Repeat(`1,`, 6000) + `1]`, 400, "tooManyValues"},
		{"over 256 KiB", "dog-registration", `{"a":"` + strings.Repeat("x", 300<<10) + `"}`, 413, "tooLarge"},
		{"more digits than float64 keeps", "dog-registration", `{"dog":{"name":18446744073709551600}}`, 400, "numberPrecision"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := do(t, "POST", srv.URL+"/api/v1/services/"+c.service+"/submissions?lang=en", "application/json", c.body, tessa...)
			if a.status != c.status || a.body["error"].(map[string]any)["code"] != c.code || errorMessage(a) == "" {
				t.Errorf("%d %v", a.status, a.body)
			}
		})
	}
	t.Run("a thousand errors give a small answer", func(t *testing.T) {
		a := do(t, "POST", srv.URL+"/api/v1/services/dog-registration/submissions?lang=en", "application/json", manyErrors, tessa...)
		errs, _ := a.body["errors"].([]any)
		if a.status != 422 || len(errs) != 100 || a.body["total"].(float64) <= 1000 {
			t.Errorf("%d: %d errors listed, total %v", a.status, len(errs), a.body["total"])
		}
	})
	t.Run("a list over its maxItems is refused on that alone", func(t *testing.T) {
		a := do(t, "POST", srv.URL+"/api/v1/services/early-childhood-education/submissions?lang=en", "application/json", overfull, tessa...)
		errs, _ := a.body["errors"].([]any)
		if a.status != 422 || len(errs) != 1 || errs[0].(map[string]any)["pointer"] != "/preferredUnits" || errs[0].(map[string]any)["code"] != "maxItems" {
			t.Errorf("%d: %v", a.status, a.body)
		}
	})
	if c := do(t, "GET", srv.URL+"/api/v1/cases/HEL-KOI-2026-000001", "", "", tessa...); c.status != 404 {
		t.Errorf("a refused body was stored: %d", c.status)
	}
}

// A key is bound to its send: reused for another service or another body it is
// refused, never answered with the first send's case number.
func TestIdempotencyKeyReusedElsewhere(t *testing.T) {
	srv := newServer(t)
	tessa := srv.signIn(t, "010280-952L", "Tessa", true)
	with := append(append([]string{}, tessa...), "Idempotency-Key", "one-key")
	first := do(t, "POST", srv.URL+"/api/v1/services/dog-registration/submissions", "application/json", validDog, with...)
	if first.status != 201 {
		t.Fatalf("%d %v", first.status, first.body)
	}
	otherDog := strings.Replace(validDog, "Musti", "Rekku", 1)
	for name, c := range map[string]struct{ service, body string }{
		"another body":    {"dog-registration", otherDog},
		"another service": {"resident-parking-permit", validParking},
	} {
		t.Run(name, func(t *testing.T) {
			a := do(t, "POST", srv.URL+"/api/v1/services/"+c.service+"/submissions?lang=en", "application/json", c.body, with...)
			if a.status != 422 || a.body["error"].(map[string]any)["code"] != "idempotencyKeyReused" || a.body["caseNumber"] != nil {
				t.Errorf("%d %v", a.status, a.body)
			}
		})
	}
}

// An offline outbox flushing ten sends at once gets through; a script sending without
// pause is stopped with 429 and Retry-After.
func TestSendsAreRateLimitedPerUser(t *testing.T) {
	srv := newServer(t)
	tessa := srv.signIn(t, "010280-952L", "Tessa", true)
	url := srv.URL + "/api/v1/services/dog-registration/submissions?lang=en"
	for i := range DefaultLimits.Sends.Burst {
		if a := do(t, "POST", url, "application/json", validDog, tessa...); a.status != 201 {
			t.Fatalf("send %d: %d %v", i+1, a.status, a.body)
		}
	}
	a := do(t, "POST", url, "application/json", validDog, tessa...)
	if a.status != 429 || a.header.Get("Retry-After") == "" || !strings.Contains(errorMessage(a), "Wait") {
		t.Errorf("%d %v", a.status, a.body)
	}
	joni := srv.signIn(t, "010469-999W", "Joni", true)
	if a := do(t, "POST", url, "application/json", validDog, joni...); a.status != 201 {
		t.Errorf("another resident was limited: %d", a.status)
	}
}

func TestDraftOfAnUnknownServiceIsNotFound(t *testing.T) {
	srv := newServer(t)
	tessa := srv.signIn(t, "010280-952L", "Tessa", true)
	for _, method := range []string{"GET", "DELETE"} {
		if a := do(t, method, srv.URL+"/api/v1/drafts/a%2Fb", "", "", tessa...); a.status != 404 {
			t.Errorf("%s: %d %v", method, a.status, a.body)
		}
	}
}

const validParking = `{"applicant": {"firstName": "Tessa", "lastName": "Testilä", "personalIdentityCode": "010280-952L",
  "email": "tessa@example.fi", "phone": "+358 40 123 4567"},
  "address": {"streetAddress": "Pohjoisesplanadi 11", "postalCode": "00170", "city": "Helsinki"},
  "vehicle": {"registrationNumber": "ABC-123", "ownership": "leasing", "leasingCompanyBusinessId": "0112038-9"},
  "permit": {"zone": "A", "duration": "12", "startDate": "2027-01-01"}}`
