package pwa

import (
	"bytes"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
)

// kept holds the static files and go-app's generated ones compressed. It is keyed by
// content, so one cache serves every handler.
var kept fileCache

// serveStatic sends one of the static files (under /web/, or /robots.txt and the like)
// with a strong ETag, compressed once. They stay "no-cache": their names carry no
// version (go-app, the pages and the service worker name them as they are), so the
// browser asks each time and mostly hears 304.
func (h *Handler) serveStatic(w http.ResponseWriter, r *http.Request, name string) {
	rep, ctype, err := h.staticFile(name)
	if err != nil {
		h.serveNotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-cache")
	serveRepresentation(w, r, rep)
}

func (h *Handler) staticFile(name string) (*representations, string, error) {
	data, err := fs.ReadFile(h.staticFS, name)
	if err != nil {
		return nil, "", err
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = http.DetectContentType(data)
	}
	return kept.get(data, ctype), ctype, nil
}

// deliver sends what go-app answered, a page or one of its files, compressed as r
// accepts.
func (h *Handler) deliver(w http.ResponseWriter, r *http.Request, page *pageWriter, body []byte) {
	ctype := w.Header().Get("Content-Type")
	switch {
	case page.status == http.StatusNotModified: // go-app's answer to its version ETag
		w.WriteHeader(page.status)
	case page.status != http.StatusOK:
		w.Header().Del("ETag") // go-app's version, which names no answer of ours
		sendCompressed(w, r, page.status, body)
	case page.isPage():
		if r.URL.Query().Get("wasm") == "false" { // app.js will not load the client
			body = bytes.Replace(body, []byte(wasmPreload), nil, 1)
		}
		serveRepresentation(w, r, pageRepresentations(body, ctype, r))
	default:
		serveRepresentation(w, r, goappFile(r.URL.Path, body, ctype))
	}
}

// goappFile is one of go-app's generated files as we send it.
func goappFile(path string, body []byte, ctype string) *representations {
	if path == "/app.js" || path == "/goapp.js" {
		body = streamWasm(body)
	}
	return kept.get(body, ctype)
}

// warm compresses the files before anyone asks for them: at the best level, a style
// sheet takes a quarter of a second, which the first visitor after a start would
// otherwise wait.
func (h *Handler) warm() {
	for _, p := range []string{"/app.js", "/wasm_exec.js", "/app-worker.js", "/app.css", "/manifest.webmanifest"} {
		page := &pageWriter{header: http.Header{}, status: http.StatusOK}
		h.pages.ServeHTTP(page, &http.Request{Method: http.MethodGet, URL: &url.URL{Path: p}, Header: http.Header{}})
		if page.status == http.StatusOK {
			goappFile(p, page.body.Bytes(), page.header.Get("Content-Type"))
		}
	}
	fs.WalkDir(h.staticFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			h.staticFile(p)
		}
		return nil
	})
}

// withoutVersionCondition drops an If-None-Match naming the version, which go-app
// answers with 304 before it renders anything: a page now depends on who asks (the
// CSRF token in its forms), not only on the version. go-app's files are validated by
// their content's hash once rendered (deliver).
func (h *Handler) withoutVersionCondition(r *http.Request) *http.Request {
	if r.Header.Get("If-None-Match") != h.etag {
		return r
	}
	r = r.Clone(r.Context())
	r.Header.Del("If-None-Match")
	return r
}

// wasmPreload starts downloading the client as soon as the browser reads the page's
// head, not when app.js runs after the whole page has been parsed. It must match the
// request app.js makes, or the browser downloads the client twice: fetch() is a CORS
// request with same-origin credentials, as a preload "as fetch" with crossorigin is.
const wasmPreload = `<link rel="preload" href="/web/app.wasm" as="fetch" crossorigin="anonymous">`

// go-app's app.js passes WebAssembly.instantiateStreaming a Response it builds to count
// the progress of the download: it still compiles while downloading, but through a
// JavaScript loop on the main thread, and a built Response has no URL, so Chromium
// cannot keep the compiled code for the next visit. streamWasm passes the network's
// own Response and counts the progress on a copy.
//
// It also starts Go in a task of its own: app.js runs it right after instantiating, in
// the same task, so finishing the compile and instantiating (80 ms at 1× on a first
// visit) added up with Go's runtime start and package init (the client's first step)
// into the start's longest task; a key or a tap waited for both.
var (
	goappFetch  = []byte(`fetchWithProgress("/web/app.wasm", showProgress)`)
	directFetch = []byte(`fetch("/web/app.wasm").then((response) => {
        lomakeProgress(response.clone(), showProgress);
        return response;
      })`)
	goappRun   = []byte(`go.run(wasm.instance);`)
	yieldedRun = []byte(`await new Promise((resolve) => setTimeout(resolve, 0));
    go.run(wasm.instance);`)
	progressJS = []byte(`

// lomakeProgress shows how much of the client has arrived (see server/pwa/static.go).
async function lomakeProgress(response, progress) {
  const total = parseInt(goappWasmContentLength, 10);
  const reader = response.body.getReader();
  if (!total) {
    return reader.cancel(); // or the copy would keep the whole client in memory
  }
  for (let loaded = 0; ;) {
    const { done, value } = await reader.read();
    if (done) {
      return;
    }
    loaded += value.byteLength;
    progress(Math.round((loaded * 100) / total));
  }
}
`)
)

// streamWasm rewrites go-app's app.js as described above;
// TestPagesStartTheClientEarlyAndBlockNothing fails if go-app's script no longer has
// the call it replaces.
func streamWasm(js []byte) []byte {
	if !bytes.Contains(js, goappFetch) || !bytes.Contains(js, goappRun) {
		return js
	}
	js = bytes.Replace(js, goappFetch, directFetch, 1)
	js = bytes.Replace(js, goappRun, yieldedRun, 1)
	return append(js, progressJS...)
}
