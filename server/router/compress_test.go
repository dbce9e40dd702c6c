package router

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

// JSON answers go compressed as the client accepts, when big enough to gain; other
// answers pass untouched (pages and files are compressed where they are made).
func TestJSONAnswersAreCompressedAsAccepted(t *testing.T) {
	big := map[string]any{"schema": strings.Repeat(`{"type": "string", "maxLength": 100}, `, 100)}
	rt := New(Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for _, r := range []Route{
		{Method: "GET", Pattern: "/api/v1/big", Access: Outside, Handler: func(w http.ResponseWriter, r *http.Request) { JSON(w, 200, big) }},
		{Method: "GET", Pattern: "/api/v1/small", Access: Outside, Handler: func(w http.ResponseWriter, r *http.Request) { JSON(w, 200, "ok") }},
		{Method: "GET", Pattern: "/page", Access: Outside, Handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(strings.Repeat("<p>page</p>", 500)))
		}},
	} {
		rt.Handle(r)
	}
	plain := func(path string) []byte {
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		return w.Body.Bytes()
	}
	cases := []struct{ path, accept, encoding string }{
		{"/api/v1/big", "gzip, deflate, br, zstd", "br"},
		{"/api/v1/big", "gzip", "gzip"},
		{"/api/v1/big", "br;q=0, gzip", "gzip"},
		{"/api/v1/big", "", ""},
		{"/api/v1/small", "br, gzip", ""},
		{"/api/v1/nothing-here", "br, gzip", ""},
		{"/page", "br, gzip", ""},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", c.path, nil)
		r.Header.Set("Accept-Encoding", c.accept)
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		if got := w.Header().Get("Content-Encoding"); got != c.encoding {
			t.Errorf("%s, Accept-Encoding %q: encoding %q, want %q", c.path, c.accept, got, c.encoding)
			continue
		}
		if n := w.Header().Get("Content-Length"); c.encoding != "" && n != strconv.Itoa(w.Body.Len()) {
			t.Errorf("%s, %q: Content-Length %s for %d bytes", c.path, c.accept, n, w.Body.Len())
		}
		if strings.HasPrefix(c.path, "/api/") && c.accept != "" && !strings.Contains(w.Header().Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s, %q: Vary %q", c.path, c.accept, w.Header().Get("Vary"))
		}
		var body io.Reader = w.Body
		switch c.encoding {
		case "br":
			body = brotli.NewReader(body)
		case "gzip":
			body, _ = gzip.NewReader(body)
		}
		got, _ := io.ReadAll(body)
		if want := plain(c.path); !bytes.Equal(got, want) {
			t.Errorf("%s, %q: the answer came out different:\n%.200s\nwant\n%.200s", c.path, c.accept, got, want)
		}
	}
	r := httptest.NewRequest("HEAD", "/api/v1/big", nil)
	r.Header.Set("Accept-Encoding", "br")
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, r)
	if w.Code != 200 || w.Header().Get("Content-Encoding") != "br" || w.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD: %d %v", w.Code, w.Header())
	}
}
