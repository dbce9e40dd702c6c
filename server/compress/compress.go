// Package compress compresses answers for the pages and the API alike: brotli and gzip
// with pooled writers, and the reading of Accept-Encoding.
package compress

import (
	"bytes"
	"compress/gzip"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// Writers are pooled per level: a brotli writer allocates its window, more than an
// answer's worth.
var brotliWriters, gzipWriters sync.Map // level → *sync.Pool

func pool(m *sync.Map, level int) *sync.Pool {
	p, _ := m.LoadOrStore(level, &sync.Pool{})
	return p.(*sync.Pool)
}

// Brotli compresses b at level (brotli.BestSpeed to brotli.BestCompression).
func Brotli(b []byte, level int) []byte {
	var out bytes.Buffer
	p := pool(&brotliWriters, level)
	w, _ := p.Get().(*brotli.Writer)
	if w == nil {
		w = brotli.NewWriterLevel(&out, level)
	} else {
		w.Reset(&out)
	}
	w.Write(b) // writes to a bytes.Buffer do not fail
	w.Close()
	p.Put(w)
	return out.Bytes()
}

// Gzip compresses b at level (gzip.BestSpeed to gzip.BestCompression).
func Gzip(b []byte, level int) []byte {
	var out bytes.Buffer
	p := pool(&gzipWriters, level)
	w, _ := p.Get().(*gzip.Writer)
	if w == nil {
		w, _ = gzip.NewWriterLevel(&out, level) // the levels are the package's own
	} else {
		w.Reset(&out)
	}
	w.Write(b)
	w.Close()
	p.Put(w)
	return out.Bytes()
}

// Accepts reports whether an Accept-Encoding header allows coding (with q > 0).
func Accepts(header, coding string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), coding) {
			continue
		}
		if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(q, 64)
			return err == nil && f > 0
		}
		return true
	}
	return false
}
