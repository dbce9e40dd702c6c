package router

import (
	"bytes"
	"compress/gzip"
	"mime"
	"net/http"
	"strconv"

	"github.com/lomake/lomake/server/compress"
)

// JSON answers go compressed to a browser that accepts it: a service's schema, which
// every form page and the service worker fetch, is 11 KB as text and 2 KB in brotli.
// This is the one place that sees both the request's Accept-Encoding and every JSON
// answer (JSON takes no request). Pages and files are compressed by server/pwa.
//
// An answer can hold a secret (the session's CSRF token) and text an attacker chose;
// compressed, its length could betray the secret to a site that makes the browser ask
// many times (BREACH). A site cannot make a browser ask the API cross-site: guard
// refuses such requests before any handler.

// minCompressedJSON is the smallest answer worth compressing.
const minCompressedJSON = 1 << 10

// compressWriter holds a JSON answer and sends it compressed, or as it is when small.
// Anything else passes through.
type compressWriter struct {
	http.ResponseWriter
	coding string // "br" or "gzip"
	status int
	held   *bytes.Buffer // the JSON answer; nil until one is written
}

// compressJSON wraps w for r, unless r accepts no compression; finish sends the held
// answer once the handler has returned.
func compressJSON(w http.ResponseWriter, r *http.Request) (_ http.ResponseWriter, finish func()) {
	ae := r.Header.Get("Accept-Encoding")
	var c *compressWriter
	switch {
	case compress.Accepts(ae, "br"):
		c = &compressWriter{ResponseWriter: w, coding: "br"}
	case compress.Accepts(ae, "gzip"):
		c = &compressWriter{ResponseWriter: w, coding: "gzip"}
	default:
		return w, func() {}
	}
	return c, c.finish
}

func (c *compressWriter) WriteHeader(code int) {
	if c.held != nil {
		return // superfluous, as net/http would say
	}
	h := c.Header()
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if c.status == 0 && mt == "application/json" && h.Get("Content-Encoding") == "" {
		h.Add("Vary", "Accept-Encoding")
		c.status, c.held = code, &bytes.Buffer{}
		return
	}
	c.status = code
	c.ResponseWriter.WriteHeader(code)
}

func (c *compressWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.WriteHeader(http.StatusOK)
	}
	if c.held != nil {
		return c.held.Write(b)
	}
	return c.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (c *compressWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// finish sends the held answer, if any.
func (c *compressWriter) finish() {
	if c.held == nil {
		return
	}
	body, h := c.held.Bytes(), c.Header()
	if len(body) >= minCompressedJSON {
		body = pack(body, c.coding)
		h.Set("Content-Encoding", c.coding)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.ResponseWriter.WriteHeader(c.status)
	c.ResponseWriter.Write(body)
}

// pack compresses an answer at a fast level: answers are compressed per request.
func pack(b []byte, coding string) []byte {
	if coding == "br" {
		return compress.Brotli(b, 4)
	}
	return compress.Gzip(b, gzip.BestSpeed)
}
