package pwa

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/lomake/lomake/server/compress"
)

// What the portal sends besides the client goes compressed when the browser accepts
// it. Files (ours under /web/ and go-app's scripts, styles and manifest) are compressed
// once, at the highest level, and kept by their content; each representation has its
// own strong ETag (the content's hash, "-br" or "-gz" for a compressed one), so that a
// browser or the service worker revalidates with If-None-Match and mostly hears 304.
// Pages differ per request: they are compressed per response at a fast level.

// minCompressed is the smallest body worth compressing: below it, the saving is less
// than the headers that announce it.
const minCompressed = 256

// Compression levels of pages, compressed on every request: an 11 KB form page takes
// about half a millisecond and compresses to 2.5 KB (2.1 KB at the best level, a
// hundred times slower).
const (
	pageBrotli = 4
	pageGzip   = gzip.BestSpeed
)

// maxKept bounds the files kept compressed; the portal has a few dozen.
const maxKept = 256

// representations is one body as it can be sent.
type representations struct {
	hash     string // of the uncompressed body; "" for none (a page)
	raw      []byte
	br, gz   []byte // nil: not made, or compressing does not pay
	compress bool   // of a type worth compressing: answers vary by Accept-Encoding
}

// fileRepresentations makes both compressed forms of a file, at the highest levels.
func fileRepresentations(body []byte, ctype string) *representations {
	sum := sha256.Sum256(body)
	rep := &representations{hash: hex.EncodeToString(sum[:15]), raw: body, compress: compressible(ctype)}
	if rep.compress && len(body) >= minCompressed {
		rep.br = smaller(compress.Brotli(body, brotli.BestCompression), body)
		rep.gz = smaller(compress.Gzip(body, gzip.BestCompression), body)
	}
	return rep
}

// pageRepresentations makes the one compressed form of a page that r will get, at a
// fast level. A page has no validator: it is rendered for who asks, and go-app writes
// attributes in no fixed order, so no two renders are alike byte for byte.
func pageRepresentations(body []byte, ctype string, r *http.Request) *representations {
	rep := &representations{raw: body, compress: compressible(ctype)}
	if !rep.compress || len(body) < minCompressed || !mayCompressPage(r) {
		return rep
	}
	switch preferredEncoding(r) {
	case "br":
		rep.br = smaller(compress.Brotli(body, pageBrotli), body)
	case "gzip":
		rep.gz = smaller(compress.Gzip(body, pageGzip), body)
	}
	return rep
}

func smaller(compressed, raw []byte) []byte {
	if len(compressed) >= len(raw) {
		return nil
	}
	return compressed
}

// preferredEncoding is the coding r would best get: brotli, else gzip, else none ("").
// A Range request gets the body as is, the one whose offsets a client can know
// whatever it was sent before.
func preferredEncoding(r *http.Request) string {
	enc := r.Header.Get("Accept-Encoding")
	switch {
	case r.Header.Get("Range") != "":
		return ""
	case compress.Accepts(enc, "br"):
		return "br"
	case compress.Accepts(enc, "gzip"):
		return "gzip"
	}
	return ""
}

// compressible reports whether a type is text that compresses; images other than SVG,
// fonts and the WebAssembly client (sent pre-compressed) are not.
func compressible(ctype string) bool {
	mt, _, err := mime.ParseMediaType(ctype)
	if err != nil {
		return false
	}
	switch mt {
	case "application/javascript", "application/json", "application/manifest+json",
		"application/xml", "image/svg+xml":
		return true
	}
	return strings.HasPrefix(mt, "text/") || strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "+xml")
}

// fileCache keeps files compressed, by content, so that each is compressed once
// whichever address or handler serves it.
type fileCache struct {
	mu   sync.Mutex
	kept map[[sha256.Size]byte]*keptFile
}

type keptFile struct {
	once sync.Once
	rep  *representations
}

// get returns body's representations, compressing it the first time it is seen.
func (c *fileCache) get(body []byte, ctype string) *representations {
	key := sha256.Sum256(body)
	c.mu.Lock()
	if c.kept == nil {
		c.kept = map[[sha256.Size]byte]*keptFile{}
	}
	f := c.kept[key]
	if f == nil && len(c.kept) < maxKept {
		f = &keptFile{}
		c.kept[key] = f
	}
	c.mu.Unlock()
	if f == nil { // full: something serves ever-changing "files"
		return fileRepresentations(body, ctype)
	}
	f.once.Do(func() { f.rep = fileRepresentations(body, ctype) })
	return f.rep
}

// serveRepresentation answers r with the representation it accepts. http.ServeContent
// answers If-None-Match (304), HEAD and Range; a Range request gets the uncompressed
// body, the one whose offsets a client can know whatever it was sent before.
func serveRepresentation(w http.ResponseWriter, r *http.Request, rep *representations) {
	hdr := w.Header()
	body, coding := rep.raw, ""
	if rep.compress {
		addVary(hdr, "Accept-Encoding")
		enc := r.Header.Get("Accept-Encoding")
		switch {
		case r.Header.Get("Range") != "":
		case rep.br != nil && compress.Accepts(enc, "br"):
			body, coding = rep.br, "br"
		case rep.gz != nil && compress.Accepts(enc, "gzip"):
			body, coding = rep.gz, "gzip"
		}
	}
	hdr.Del("ETag") // go-app's version, which names no answer of ours
	if rep.hash != "" {
		hdr.Set("ETag", `"`+rep.hash+etagSuffix[coding]+`"`)
	}
	hdr.Del("Content-Length")
	if coding != "" {
		hdr.Set("Content-Encoding", coding)
		// ServeContent leaves it out of encoded answers, taking them for compressed on the fly.
		hdr.Set("Content-Length", strconv.Itoa(len(body)))
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// etagSuffix tells a compressed representation's ETag from the uncompressed one's.
var etagSuffix = map[string]string{"br": "-br", "gzip": "-gz"}

// sendCompressed writes an answer other than 200 (the not-found page), compressed if
// the client accepts it and it pays.
func sendCompressed(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	hdr := w.Header()
	if compressible(hdr.Get("Content-Type")) {
		addVary(hdr, "Accept-Encoding")
		if len(body) >= minCompressed && mayCompressPage(r) {
			switch preferredEncoding(r) {
			case "br":
				body = compress.Brotli(body, pageBrotli)
				hdr.Set("Content-Encoding", "br")
			case "gzip":
				body = compress.Gzip(body, pageGzip)
				hdr.Set("Content-Encoding", "gzip")
			}
		}
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// mayCompressPage reports whether a page may go compressed. A page can carry a secret
// (the session's CSRF token) next to text from its address: compressed, its length
// would tell, over many requests, guesses at the secret right from wrong (BREACH). A
// site that wants to guess makes the browser load the page cross-site (a link, a
// redirect, a pop-up) with the resident's cookies; the portal's own navigations come
// from itself (same-origin) or the resident (none). A first visit from elsewhere has
// no cookies and so no secret, and goes compressed.
func mayCompressPage(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return r.Header.Get("Cookie") == ""
	}
	return true
}

// addVary adds field to the Vary header unless it is there.
func addVary(h http.Header, field string) {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), field) || strings.TrimSpace(f) == "*" {
				return
			}
		}
	}
	h.Add("Vary", field)
}
