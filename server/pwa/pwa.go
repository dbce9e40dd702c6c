// Package pwa serves the portal's pages (prerendered by go-app), its static files and
// the pre-compressed WebAssembly client.
package pwa

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/app/ui"
	"github.com/lomake/lomake/locales"
)

// Handler serves everything that is not the API.
type Handler struct {
	pages  *app.Handler
	static http.Handler
	wasmBr []byte
	wasmGz []byte
	etag   string
	exists func(serviceID string) bool
}

// ReleaseEnv names the deploy (Config.Release); it is part of the version.
const ReleaseEnv = "LOMAKE_RELEASE"

// workerJS is our service worker; see the file for what it caches and why.
//
//go:embed worker.js
var workerJS string

// New builds the handler from the web files (web.FS). services are the ids of the known
// services: their pages and schemas are cached for offline use, and an unknown
// service's page answers 404. env reaches the pages on both sides through app.Getenv.
func New(files fs.FS, services []string, env map[string]string) (*Handler, error) {
	known := map[string]bool{}
	for _, id := range services {
		known[id] = true
	}
	exists := func(id string) bool { return known[id] }
	static, err := fs.Sub(files, "static")
	if err != nil {
		return nil, fmt.Errorf("pwa: %w", err)
	}
	h := &Handler{static: http.StripPrefix("/web/", http.FileServer(http.FS(static))), exists: exists}
	if h.wasmBr, err = fs.ReadFile(files, "dist/app.wasm.br"); err != nil {
		return nil, fmt.Errorf("pwa: the WebAssembly client is not built (run make): %w", err)
	}
	if h.wasmGz, err = fs.ReadFile(files, "dist/app.wasm.gz"); err != nil {
		return nil, fmt.Errorf("pwa: %w", err)
	}
	var meta struct {
		Size   int    `json:"size"`
		SHA256 string `json:"sha256"`
	}
	b, err := fs.ReadFile(files, "dist/app.wasm.json")
	if err == nil {
		err = json.Unmarshal(b, &meta)
	}
	if err != nil {
		return nil, fmt.Errorf("pwa: reading app.wasm.json: %w", err)
	}

	// The version is a hash of everything the client caches, so that a deploy with the
	// same files keeps the installed app, and any change updates it.
	sum := sha256.New()
	sum.Write([]byte(meta.SHA256))
	sum.Write([]byte(env[ReleaseEnv]))
	if err := fs.WalkDir(static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(static, p)
		sum.Write([]byte(p))
		sum.Write(data)
		return err
	}); err != nil {
		return nil, fmt.Errorf("pwa: hashing static files: %w", err)
	}
	version := hex.EncodeToString(sum.Sum(nil))[:20]
	h.etag = `"` + version + `"`

	// Installed, the app opens on the catalog; every language's catalog is cached so
	// that any address has a page to open on offline, and so are the catalog and
	// schemas of the API.
	cacheable := []string{"/api/v1/services"}
	for _, l := range locales.Languages {
		cacheable = append(cacheable, ui.CatalogPath(l))
	}
	for _, id := range services {
		cacheable = append(cacheable, "/api/v1/services/"+id)
	}

	ui.Register()
	lang := locales.Default
	h.pages = &app.Handler{
		Name:            locales.T(lang, "site.name", nil),
		ShortName:       "Asiointi",
		Title:           locales.T(lang, "site.name", nil),
		Description:     locales.T(lang, "catalog.intro", nil),
		Lang:            lang,
		Author:          "Helsingin kaupunki",
		ThemeColor:      "#0000bf",
		BackgroundColor: "#ffffff",
		LoadingLabel:    "{progress} %",
		StartURL:        "/",
		Icon: app.Icon{
			Default:  "/web/icons/icon-192.png",
			Large:    "/web/icons/icon-512.png",
			Maskable: "/web/icons/icon-maskable-512.png",
			SVG:      "/web/icons/icon.svg",
		},
		Styles:                []string{"/web/app.css"},
		Scripts:               []string{"/web/lomake.js"},
		CacheableResources:    cacheable,
		ServiceWorkerTemplate: workerJS,
		RawHeaders:            []string{ui.TextSizeScript},
		Version:               version,
		WasmContentLength:     strconv.Itoa(meta.Size),
		Env:                   env,
	}
	return h, nil
}

// Version is the app version, a content hash.
func (h *Handler) Version() string { return strings.Trim(h.etag, `"`) }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case p == "/web/app.wasm" || p == "/app.wasm":
		h.serveWasm(w, r)
	case strings.HasPrefix(p, "/web/"):
		w.Header().Set("Cache-Control", "no-cache")
		h.static.ServeHTTP(w, r)
	case p == "/":
		h.redirectToLanguage(w, r)
	default:
		h.servePage(w, r)
	}
}

// serveWasm sends the client brotli- or gzip-compressed as the browser accepts, and
// inflates the gzip copy for the rare client that accepts neither.
func (h *Handler) serveWasm(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Type", "application/wasm")
	hdr.Set("Vary", "Accept-Encoding")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("ETag", h.etag)
	if r.Header.Get("If-None-Match") == h.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	accept := r.Header.Get("Accept-Encoding")
	switch {
	case acceptsEncoding(accept, "br"):
		hdr.Set("Content-Encoding", "br")
		hdr.Set("Content-Length", strconv.Itoa(len(h.wasmBr)))
		w.Write(h.wasmBr)
	case acceptsEncoding(accept, "gzip"):
		hdr.Set("Content-Encoding", "gzip")
		hdr.Set("Content-Length", strconv.Itoa(len(h.wasmGz)))
		w.Write(h.wasmGz)
	default:
		zr, err := gzip.NewReader(bytes.NewReader(h.wasmGz))
		if err != nil {
			http.Error(w, "wasm unavailable", http.StatusInternalServerError)
			return
		}
		io.Copy(w, zr)
	}
}

// acceptsEncoding reports whether an Accept-Encoding header allows enc (q > 0).
func acceptsEncoding(header, enc string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), enc) {
			continue
		}
		q := strings.TrimSpace(params)
		if v, ok := strings.CutPrefix(q, "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			return err == nil && f > 0
		}
		return true
	}
	return false
}

// redirectToLanguage sends "/" to the remembered language, else the browser's.
func (h *Handler) redirectToLanguage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Vary", "Cookie, Accept-Language")
	http.Redirect(w, r, ui.CatalogPath(locales.Remembered(r)), http.StatusFound)
}

func (h *Handler) servePage(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if locales.Supported(segs[0]) {
		http.SetCookie(w, &http.Cookie{
			Name: "lang", Value: segs[0], Path: "/", MaxAge: 365 * 24 * 3600,
			Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode,
		})
	}
	page := &pageWriter{header: w.Header(), status: http.StatusOK}
	h.pages.ServeHTTP(page, r)
	body := page.body.Bytes()
	if page.status == http.StatusOK {
		if len(segs) >= 3 && segs[1] == "services" && !h.exists(segs[2]) {
			page.status = http.StatusNotFound
		}
		if strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
			body = bareARIA.ReplaceAll(body, []byte(`$1="true"$2`))
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(page.status)
	w.Write(body)
}

// bareARIA finds ARIA attributes that go-app's prerenderer wrote without their value:
// it drops ="true" from every attribute, and a bare aria-hidden means false to ARIA.
var bareARIA = regexp.MustCompile(`( aria-[a-z]+)([ >])`)

// pageWriter holds a prerendered page so that its status and markup can be corrected
// before it is sent.
type pageWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (p *pageWriter) Header() http.Header         { return p.header }
func (p *pageWriter) WriteHeader(code int)        { p.status = code }
func (p *pageWriter) Write(b []byte) (int, error) { return p.body.Write(b) }
