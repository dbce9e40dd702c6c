package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lomake/lomake/server/auth"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestRefusesTestIdentificationInProduction(t *testing.T) {
	_, err := New(Config{DataDir: t.TempDir(), Log: quiet(), Production: true, TestIdentification: true})
	if !errors.Is(err, ErrTestIdentificationInProduction) {
		t.Fatalf("err = %v, want a refusal to start", err)
	}
}

func TestTestIdentificationIsVisibleAndWired(t *testing.T) {
	srv, err := New(Config{DataDir: t.TempDir(), Log: quiet(), TestIdentification: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.store.Close() })
	w := httptest.NewRecorder()
	srv.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/fi/", nil))
	if !strings.Contains(w.Body.String(), "Testiympäristö") {
		t.Error("the front page does not warn that test identification is on")
	}
	w = httptest.NewRecorder()
	srv.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/auth/login?method=bank&return=/fi/", nil))
	if w.Code != http.StatusFound || !strings.HasPrefix(w.Header().Get("Location"), "/test-identification?") {
		t.Errorf("login: %d to %q", w.Code, w.Header().Get("Location"))
	}
}

func TestNoProviderNoLogin(t *testing.T) {
	srv, err := New(Config{DataDir: t.TempDir(), Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.store.Close() })
	w := httptest.NewRecorder()
	srv.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/test-identification?state=a&nonce=b&code_challenge=c", nil))
	if w.Code == http.StatusOK {
		t.Error("the test identification service answers although it is off")
	}
}

func TestTestIdentificationListensOnThisMachineOnly(t *testing.T) {
	for _, c := range []struct {
		addr          string
		testID, allow bool
		ok            bool
	}{
		{"127.0.0.1:8080", true, false, true},
		{"[::1]:8080", true, false, true},
		{"localhost:8080", true, false, true},
		{":8080", true, false, false},
		{"0.0.0.0:8080", true, false, false},
		{"192.0.2.10:8080", true, false, false},
		{":8080", true, true, true},
		{":8080", false, false, true},
	} {
		t.Run(c.addr, func(t *testing.T) {
			err := CheckListen(c.addr, c.testID, c.allow)
			if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrTestIdentificationOnNetwork)) {
				t.Errorf("CheckListen(%q, test %v, allow %v) = %v", c.addr, c.testID, c.allow, err)
			}
		})
	}
}

// Behind a TLS-terminating proxy: the lang and session cookies are Secure, HSTS is
// sent, and the login limit counts browsers, not the proxy.
func TestBehindAProxy(t *testing.T) {
	srv, err := New(Config{DataDir: t.TempDir(), Log: quiet(), TestIdentification: true,
		PublicURL: "https://asiointi.example.fi", TrustedProxies: "10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	get := func(path, client string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "http://10.0.0.2:8080"+path, nil)
		r.RemoteAddr = "10.0.0.1:5555"
		r.Header.Set("X-Forwarded-For", client)
		r.Header.Set("X-Forwarded-Proto", "https")
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, r)
		return w
	}
	page := get("/sv/", "198.51.100.1")
	if page.Header().Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS")
	}
	for _, c := range page.Result().Cookies() {
		if c.Name == "lang" && !c.Secure {
			t.Error("the lang cookie is not Secure")
		}
	}
	for i := range auth.LoginLimit.Burst {
		if w := get("/auth/login?method=bank", "198.51.100.1"); w.Code != http.StatusFound {
			t.Fatalf("login %d: %d", i+1, w.Code)
		}
	}
	if w := get("/auth/login?method=bank", "198.51.100.1"); w.Code != http.StatusTooManyRequests {
		t.Errorf("over the limit: %d", w.Code)
	}
	if w := get("/auth/login?method=bank", "198.51.100.2"); w.Code != http.StatusFound {
		t.Errorf("another resident behind the same proxy was limited: %d", w.Code)
	}
	for _, c := range get("/auth/login?method=bank", "198.51.100.3").Result().Cookies() {
		if !c.Secure || !c.HttpOnly {
			t.Errorf("cookie %s: Secure %v HttpOnly %v", c.Name, c.Secure, c.HttpOnly)
		}
	}
}
