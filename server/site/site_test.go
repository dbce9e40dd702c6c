package site

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// Forwarding headers are believed only from trusted proxies; the client is the last
// address before them, so a client cannot pose as another by writing the header itself.
func TestClientBehindProxies(t *testing.T) {
	s, err := New("", "10.0.0.0/8, 192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, remote, forwarded, proto string
		ip                             string
		https                          bool
	}{
		{"direct", "203.0.113.5:1234", "", "", "203.0.113.5", false},
		{"direct, forged header", "203.0.113.5:1234", "198.51.100.7", "https", "203.0.113.5", false},
		{"through the proxy", "10.1.2.3:1234", "198.51.100.7", "https", "198.51.100.7", true},
		{"client wrote its own hop first", "10.1.2.3:1234", "1.2.3.4, 198.51.100.7", "https", "198.51.100.7", true},
		{"two trusted proxies", "192.0.2.1:1234", "198.51.100.7, 10.9.9.9", "http", "198.51.100.7", false},
		{"garbage in the header", "10.1.2.3:1234", "nonsense", "https", "10.1.2.3", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.remote
			if c.forwarded != "" {
				r.Header.Set("X-Forwarded-For", c.forwarded)
			}
			if c.proto != "" {
				r.Header.Set("X-Forwarded-Proto", c.proto)
			}
			got := s.describe(r)
			if got.ClientIP != c.ip || got.HTTPS != c.https {
				t.Errorf("got %+v, want %s https=%v", got, c.ip, c.https)
			}
		})
	}
}

func TestPublicURLDecidesSchemeAndOrigin(t *testing.T) {
	s, err := New("https://asiointi.example.fi/", "")
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "http://10.0.0.5:8080/", nil)
	var got Request
	s.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = Of(r) })).ServeHTTP(httptest.NewRecorder(), r)
	if !got.HTTPS || got.Origin != "https://asiointi.example.fi" {
		t.Errorf("got %+v", got)
	}
	for _, bad := range []string{"asiointi.example.fi", "ftp://x", "https://", "https://x/?q=1"} {
		if _, err := New(bad, ""); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := New("", "not-an-address"); err == nil {
		t.Error("a bad proxy accepted")
	}
}

func TestCookiesAreSecureButOnLocalPlainHTTP(t *testing.T) {
	for host, want := range map[string]bool{"localhost:8080": false, "127.0.0.1:8080": false, "[::1]:8080": false, "asiointi.example.fi": true, "10.0.0.5:8080": true} {
		r := httptest.NewRequest("GET", "http://"+host+"/", nil)
		if got := SecureCookies(r); got != want {
			t.Errorf("%s: Secure=%v, want %v", host, got, want)
		}
	}
}
