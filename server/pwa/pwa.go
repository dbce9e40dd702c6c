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
	"html"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/app/ui"
	"github.com/lomake/lomake/locales"
	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/server/compress"
	"github.com/lomake/lomake/server/site"
)

// Handler serves everything that is not the API.
type Handler struct {
	pages     *app.Handler
	staticFS  fs.FS
	wasmBr    []byte
	wasmGz    []byte
	etag      string
	exists    func(serviceID string) bool
	preview   bool // preview pages exist (the server follows a schema folder)
	publicURL string

	// RequestOf tells a page what the server knows of its request (who asks); see
	// prerender.go. Set it before serving; nil prerenders every page as for nobody.
	RequestOf func(*http.Request) ui.Request
}

// ReleaseEnv names the deploy (Config.Release); it is part of the version.
const ReleaseEnv = "LOMAKE_RELEASE"

// PublicURLEnv is the portal's public address without a trailing slash
// ("https://asiointi.hel.fi"), for the absolute addresses of link previews (og:url,
// og:image). Unset, they use the address each request came to.
const PublicURLEnv = "LOMAKE_PUBLIC_URL"

// workerJS is our service worker; see the file for what it caches and why.
//
//go:embed worker.js
var workerJS string

// New builds the handler from the web files (web.FS). services are the services: the
// catalog and the schemas of those there at start are cached for offline use, and the
// page of a service not there (then or now: a followed schema folder changes) answers
// 404. env reaches the pages on both sides through app.Getenv;
// env[PublicURLEnv], if set, must be an http or https origin.
func New(files fs.FS, services *schemas.Registry, env map[string]string) (*Handler, error) {
	exists := func(id string) bool { return services.Entry(id) != nil }
	static, err := fs.Sub(files, "static")
	if err != nil {
		return nil, fmt.Errorf("pwa: %w", err)
	}
	h := &Handler{staticFS: static, exists: exists, preview: env[ui.PreviewEnv] == "1"}
	if h.publicURL = strings.TrimRight(env[PublicURLEnv], "/"); h.publicURL != "" {
		u, err := url.Parse(h.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("pwa: %s %q is not an http or https origin such as https://asiointi.hel.fi", PublicURLEnv, h.publicURL)
		}
	}
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
	cacheable := []string{apiv1.CatalogPath, "/api/v1/services"}
	for _, l := range locales.Languages {
		cacheable = append(cacheable, ui.CatalogPath(l))
	}
	for _, e := range services.Entries() {
		cacheable = append(cacheable, "/api/v1/services/"+e.ID)
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
		Image:                 previewImage,
		Styles:                []string{"/web/app.css"},
		Scripts:               []string{"/web/lomake.js defer"}, // runs once parsed, after app.js, before the client
		CacheableResources:    cacheable,
		ServiceWorkerTemplate: workerJS,
		RawHeaders:            []string{wasmPreload, ui.TextSizeScript},
		Version:               version,
		WasmContentLength:     strconv.Itoa(meta.Size),
		Env:                   env,
	}
	go h.warm()
	return h, nil
}

// Version is the app version, a content hash.
func (h *Handler) Version() string { return strings.Trim(h.etag, `"`) }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case p == "/web/app.wasm" || p == "/app.wasm":
		h.serveWasm(w, r)
	case strings.HasPrefix(p, "/web/"):
		if !h.isStatic(strings.TrimPrefix(p, "/web/")) {
			h.serveNotFound(w, r)
			return
		}
		h.serveStatic(w, r, strings.TrimPrefix(p, "/web/"))
	case p == "/robots.txt" || p == "/sitemap.xml" || p == "/ads.txt":
		// go-app would fetch these from http://<the request's Host>/web/… and keep what
		// it got for everyone: a forged Host would choose their content.
		if !h.isStatic(p[1:]) {
			h.serveNotFound(w, r)
			return
		}
		h.serveStatic(w, r, p[1:])
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
	case compress.Accepts(accept, "br"):
		hdr.Set("Content-Encoding", "br")
		hdr.Set("Content-Length", strconv.Itoa(len(h.wasmBr)))
		w.Write(h.wasmBr)
	case compress.Accepts(accept, "gzip"):
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

// redirectToLanguage sends "/" to the remembered language, else the browser's.
func (h *Handler) redirectToLanguage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Vary", "Cookie, Accept-Language")
	http.Redirect(w, r, ui.CatalogPath(locales.Remembered(r)), http.StatusFound)
}

// isStatic reports whether name is a file of the static files (not a folder, which
// the file server would list).
func (h *Handler) isStatic(name string) bool {
	if !fs.ValidPath(name) {
		return false
	}
	fi, err := fs.Stat(h.staticFS, name)
	return err == nil && !fi.IsDir()
}

// servePage prerenders a page, or serves one of go-app's files. An address that is no
// page gets the portal's own not-found page with status 404, in the address's language.
func (h *Handler) servePage(w http.ResponseWriter, r *http.Request) {
	r = h.withoutVersionCondition(r)
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	found := ui.Routed(r.URL.Path) && !(len(segs) >= 3 && segs[1] == "services" && !h.exists(segs[2])) &&
		!(len(segs) >= 3 && segs[1] == "preview" && !h.preview)
	if !locales.Supported(segs[0]) {
		page := &pageWriter{header: w.Header(), status: http.StatusOK}
		h.pages.ServeHTTP(page, r)
		if !page.isPage() { // app.js, the manifest and go-app's other files
			h.send(w, r, page, true)
			return
		}
		h.serveNotFound(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: "lang", Value: segs[0], Path: "/", MaxAge: 365 * 24 * 3600,
		Secure: site.SecureCookies(r), SameSite: http.SameSiteLaxMode,
	})
	page := &pageWriter{header: w.Header(), status: http.StatusOK}
	h.prerender(page, r, nil)
	h.send(w, r, page, found)
}

// serveNotFound answers an address without a language that leads nowhere: the
// not-found page in the user's language, prerendered at a not-found address in it.
func (h *Handler) serveNotFound(w http.ResponseWriter, r *http.Request) {
	at := r.Clone(r.Context())
	at.URL.Path, at.URL.RawPath = ui.NotFoundPath(locales.Remembered(r)), ""
	w.Header().Set("Vary", "Cookie, Accept-Language")
	page := &pageWriter{header: w.Header(), status: http.StatusOK}
	h.pages.ServeHTTP(page, at)
	h.send(w, r, page, false)
}

// send corrects a prerendered page's status and markup, then sends it. found is
// false for a page that is the not-found page.
func (h *Handler) send(w http.ResponseWriter, r *http.Request, page *pageWriter, found bool) {
	body := page.body.Bytes()
	if page.isPage() {
		if !found {
			page.status = http.StatusNotFound
		}
		body = bareARIA.ReplaceAll(body, []byte(`$1="true"$2`))
		body = h.absolutePreview(body, r)
	}
	h.deliver(w, r, page, body)
}

// previewImage is the picture of a link preview.
const previewImage = "/web/icons/icon-512.png"

// previewTag finds the link preview's address and picture, which go-app writes as
// "https://" and the path without our host (and without the path's final slash).
var previewTag = regexp.MustCompile(`<meta [^>]*property="og:(url|image)"[^>]*>`)

// absolutePreview gives a page's link preview absolute addresses: the page's own path
// (without its query) and the picture, at the public address.
func (h *Handler) absolutePreview(body []byte, r *http.Request) []byte {
	base := h.publicURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return previewTag.ReplaceAllFunc(body, func(tag []byte) []byte {
		prop, target := "og:url", r.URL.EscapedPath()
		if bytes.Contains(tag, []byte(`"og:image"`)) {
			prop, target = "og:image", previewImage
		}
		return []byte(`<meta property="` + prop + `" content="` + html.EscapeString(base+target) + `">`)
	})
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

// isPage reports whether go-app answered with a page (not a file, an error or 304).
func (p *pageWriter) isPage() bool {
	return p.status == http.StatusOK && strings.HasPrefix(p.header.Get("Content-Type"), "text/html")
}
