package identity

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lomake/lomake/schemas"
)

// testIdentify plays the browser at the test service: open the picker, post a choice,
// follow "Continue to the service" to the callback.
func testIdentify(t *testing.T, p *TestProvider, a Attempt, form url.Values) (url.Values, *httptest.ResponseRecorder) {
	t.Helper()
	picker := httptest.NewRecorder()
	p.ServeHTTP(picker, httptest.NewRequest("GET", p.AuthURL(a), nil))
	if picker.Code != 200 || !strings.Contains(picker.Body.String(), "Tessa Testilä (010280-952L)") {
		t.Fatalf("picker: %d\n%s", picker.Code, picker.Body)
	}
	u, _ := url.Parse(p.AuthURL(a))
	for k, v := range u.Query() {
		form[k] = v
	}
	req := httptest.NewRequest("POST", TestPath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	done := httptest.NewRecorder()
	p.ServeHTTP(done, req)
	m := regexp.MustCompile(`id="continue" href="([^"]+)"`).FindStringSubmatch(done.Body.String())
	if m == nil {
		return nil, done
	}
	cont, _ := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	if cont.Path != "/auth/callback" {
		t.Fatalf("continue leads to %s", cont)
	}
	return cont.Query(), done
}

func TestTestProviderPickAnIdentity(t *testing.T) {
	p := NewTestProvider("/auth/callback", nil)
	a := NewAttempt("mobile", "/fi/", time.Now())
	q, page := testIdentify(t, p, a, url.Values{"identity": {"010469-999W"}})
	if !strings.Contains(page.Body.String(), "Tunnistus onnistui") || !strings.Contains(page.Body.String(), "Jatka palveluun") {
		t.Fatalf("success page:\n%s", page.Body)
	}
	id, err := Callback(context.Background(), p, a, q, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if id != (Identity{IdentityCode: "010469-999W", GivenName: "Joni Kristian", FamilyName: "Kivi", Method: "mobile"}) {
		t.Errorf("identity %+v", id)
	}
	// A code works once.
	if _, err := Callback(context.Background(), p, a, q, time.Now()); err == nil {
		t.Error("a used code was accepted again")
	}
}

func TestTestProviderTypedIdentity(t *testing.T) {
	p := NewTestProvider("/auth/callback", nil)
	a := NewAttempt("bank", "/", time.Now())
	_, page := testIdentify(t, p, a, url.Values{"identity": {"other"}, "code": {"131052-308U"}, "given": {"Maija"}, "family": {"Meikäläinen"}})
	body := page.Body.String()
	if page.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, `value="Meikäläinen"`) {
		t.Fatalf("an invalid identity code: %d, want the error with the typed name kept\n%s", page.Code, body)
	}
	q, _ := testIdentify(t, p, a, url.Values{"identity": {"other"}, "code": {"131052-308t"}, "given": {"Maija"}, "family": {"Meikäläinen"}})
	id, err := Callback(context.Background(), p, a, q, time.Now())
	if err != nil || id.IdentityCode != "131052-308T" || id.FamilyName != "Meikäläinen" {
		t.Errorf("typed identity: %+v, %v", id, err)
	}
}

func TestTestProviderBindsCodeToAttempt(t *testing.T) {
	p := NewTestProvider("/auth/callback", nil)
	a := NewAttempt("bank", "/", time.Now())
	q, _ := testIdentify(t, p, a, url.Values{"identity": {"010280-952L"}})
	other := a
	other.Verifier = NewAttempt("bank", "/", time.Now()).Verifier
	if _, err := Callback(context.Background(), p, other, q, time.Now()); err == nil {
		t.Error("the code was redeemed with another PKCE verifier")
	}
	q2, _ := testIdentify(t, p, a, url.Values{"identity": {"010280-952L"}})
	nonce := a
	nonce.Nonce = "other"
	if _, err := Callback(context.Background(), p, nonce, q2, time.Now()); err != ErrNonce {
		t.Errorf("another nonce: err = %v, want ErrNonce", err)
	}
}

// Every fictional identity of the national test service is offered, and valid.
func TestTestIdentitiesAreTheNationalOnes(t *testing.T) {
	want := []string{"010280-952L", "010469-999W", "010675-9981", "261298-998X", "040265-9985", "260991-999R", "020365-999P"}
	have := map[string]bool{}
	for _, id := range TestIdentities {
		have[id.IdentityCode] = true
		if _, ok := (&TestProvider{}).chosen(url.Values{"identity": {id.IdentityCode}}); !ok || !schemas.ValidPersonalIdentityCode(id.IdentityCode) {
			t.Errorf("%s cannot be chosen, or is not a valid identity code", id.IdentityCode)
		}
	}
	for _, code := range want {
		if !have[code] {
			t.Errorf("test identity %s is missing", code)
		}
	}
}

func TestTestProviderSpeaksTheUsersLanguage(t *testing.T) {
	p := NewTestProvider("/auth/callback", nil)
	a := NewAttempt("bank", "/", time.Now())
	w := httptest.NewRecorder()
	p.ServeHTTP(w, httptest.NewRequest("GET", p.AuthURL(a)+"&lang=sv", nil))
	if !strings.Contains(w.Body.String(), `<html lang="sv">`) || !strings.Contains(w.Body.String(), "Välj en testperson") {
		t.Errorf("Swedish picker:\n%s", w.Body)
	}
	w = httptest.NewRecorder()
	p.ServeHTTP(w, httptest.NewRequest("GET", TestPath, nil))
	if w.Code != http.StatusBadRequest {
		t.Errorf("without state and nonce: %d", w.Code)
	}
}
