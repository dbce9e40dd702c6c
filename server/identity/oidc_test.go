package identity

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// users is the OpenID provider's directory: one resident whose identity code travels in
// preferred_username, as a Keycloak mapper would put it in a claim of its own.
type users struct{}

var tessa = &storage.User{ID: "u1", Username: "010280-952L", Password: "verysecure", FirstName: "Tessa", LastName: "Testilä"}

func (users) GetUserByID(id string) *storage.User {
	if id == tessa.ID {
		return tessa
	}
	return nil
}

func (users) GetUserByUsername(name string) *storage.User {
	if name == tessa.Username {
		return tessa
	}
	return nil
}

func (users) ExampleClientID() string { return "service" }

const callbackPath = "/auth/callback"

// provider runs a real OpenID provider (zitadel's) in the test process and returns a
// relying party configured for it. now is the relying party's clock.
func provider(t *testing.T, now func() time.Time) (*OIDC, string) {
	t.Helper()
	opServer := httptest.NewUnstartedServer(nil)
	opServer.Start()
	t.Cleanup(opServer.Close)
	issuer := opServer.URL
	redirect := "http://127.0.0.1:1" + callbackPath // never dialled: the test stops at it
	clients := map[string]*storage.Client{"lomake": storage.WebClient("lomake", "secret", redirect)}
	st := storage.NewStorageWithClients(users{}, clients)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	opServer.Config.Handler = exampleop.SetupServer(issuer, st, logger, false, op.WithAllowInsecure())

	rp, err := NewOIDC(context.Background(), OIDCConfig{
		Issuer: issuer, ClientID: "lomake", ClientSecret: "secret", RedirectURL: redirect,
		IdentityClaim: "preferred_username", Now: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return rp, redirect
}

// identify plays the browser: it follows the provider's login and returns the query the
// provider sends to the callback.
func identify(t *testing.T, rp *OIDC, redirect string, a Attempt, password string) url.Values {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	var callback *url.URL
	client := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirect) {
			callback = req.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	res, err := client.Get(rp.AuthURL(a))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	login := res.Request.URL
	id := login.Query().Get("authRequestID")
	if id == "" {
		t.Fatalf("the provider did not show its login page: %s (%d)", login, res.StatusCode)
	}
	form := url.Values{"username": {"010280-952L"}, "password": {password}, "id": {id}}
	res, err = client.PostForm(login.Scheme+"://"+login.Host+"/login/username", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if callback == nil {
		t.Fatalf("the provider did not come back to the callback (%d)", res.StatusCode)
	}
	return callback.Query()
}

func TestOIDCIdentifies(t *testing.T) {
	rp, redirect := provider(t, nil)
	a := NewAttempt("bank", "/fi/services/dog-registration/form", time.Now())
	q := identify(t, rp, redirect, a, "verysecure")
	id, err := Callback(context.Background(), rp, a, q, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := Identity{IdentityCode: "010280-952L", GivenName: "Tessa", FamilyName: "Testilä", Method: "bank"}
	if id != want {
		t.Errorf("identity = %+v, want %+v", id, want)
	}
	if a.Return != "/fi/services/dog-registration/form" {
		t.Errorf("return path lost: %q", a.Return)
	}
}

func TestOIDCRefusesBadState(t *testing.T) {
	rp, redirect := provider(t, nil)
	a := NewAttempt("bank", "/", time.Now())
	q := identify(t, rp, redirect, a, "verysecure")
	forged := NewAttempt("bank", "/", time.Now()) // another browser's attempt
	if _, err := Callback(context.Background(), rp, forged, q, time.Now()); !errors.Is(err, ErrState) {
		t.Errorf("a callback for another attempt: err = %v, want ErrState", err)
	}
	q.Set("state", "")
	if _, err := Callback(context.Background(), rp, a, q, time.Now()); !errors.Is(err, ErrState) {
		t.Errorf("a callback without state: err = %v, want ErrState", err)
	}
}

func TestOIDCRefusesBadNonce(t *testing.T) {
	rp, redirect := provider(t, nil)
	a := NewAttempt("bank", "/", time.Now())
	q := identify(t, rp, redirect, a, "verysecure")
	replayed := a
	replayed.Nonce = NewAttempt("bank", "/", time.Now()).Nonce
	if _, err := Callback(context.Background(), rp, replayed, q, time.Now()); !errors.Is(err, ErrNonce) {
		t.Errorf("an ID token for another nonce: err = %v, want ErrNonce", err)
	}
}

func TestOIDCRefusesWrongVerifier(t *testing.T) {
	rp, redirect := provider(t, nil)
	a := NewAttempt("bank", "/", time.Now())
	q := identify(t, rp, redirect, a, "verysecure")
	stolen := a
	stolen.Verifier = NewAttempt("bank", "/", time.Now()).Verifier
	if _, err := Callback(context.Background(), rp, stolen, q, time.Now()); err == nil {
		t.Error("a code redeemed without its PKCE verifier was accepted")
	}
}

func TestOIDCRefusesExpiredToken(t *testing.T) {
	// The relying party's clock is two hours ahead: every fresh token has expired.
	rp, redirect := provider(t, func() time.Time { return time.Now().Add(2 * time.Hour) })
	a := NewAttempt("bank", "/", time.Now())
	q := identify(t, rp, redirect, a, "verysecure")
	_, err := Callback(context.Background(), rp, a, q, time.Now())
	if err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("an expired ID token: err = %v, want expiry refused", err)
	}
}

func TestCallbackRefusesStaleAttemptAndDenial(t *testing.T) {
	rp, redirect := provider(t, nil)
	a := NewAttempt("bank", "/", time.Now().Add(-time.Hour))
	q := url.Values{"state": {a.State}, "code": {"x"}}
	if _, err := Callback(context.Background(), rp, a, q, time.Now()); !errors.Is(err, ErrExpired) {
		t.Errorf("an hour-old attempt: err = %v, want ErrExpired", err)
	}
	fresh := NewAttempt("bank", "/", time.Now())
	q = url.Values{"state": {fresh.State}, "error": {"access_denied"}}
	if _, err := Callback(context.Background(), rp, fresh, q, time.Now()); !errors.Is(err, ErrDenied) {
		t.Errorf("a cancelled identification: err = %v, want ErrDenied", err)
	}
	_ = redirect
}

func TestLocalPathKeepsUsersOnSite(t *testing.T) {
	cases := map[string]string{
		"/fi/services/dog-registration/form": "/fi/services/dog-registration/form",
		"/sv/?x=1":                           "/sv/?x=1",
		"https://evil.example/":              "",
		"//evil.example/":                    "",
		"/\\evil.example":                    "",
		"javascript:alert(1)":                "",
		"fi/relative":                        "",
		"":                                   "",
	}
	for in, want := range cases {
		if got := LocalPath(in); got != want {
			t.Errorf("LocalPath(%q) = %q, want %q", in, got, want)
		}
	}
}
