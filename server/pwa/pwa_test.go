package pwa

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/andybalholm/brotli"

	"github.com/lomake/lomake/locales"
	"github.com/lomake/lomake/schemas"
)

var wasm = bytes.Repeat([]byte("\x00asm fake client "), 1000)

func files(t *testing.T, css string) fstest.MapFS {
	t.Helper()
	var br, gz bytes.Buffer
	bw := brotli.NewWriter(&br)
	bw.Write(wasm)
	bw.Close()
	gw := gzip.NewWriter(&gz)
	gw.Write(wasm)
	gw.Close()
	meta, _ := json.Marshal(map[string]any{"size": len(wasm), "sha256": "abc"})
	return fstest.MapFS{
		"static/app.css":            {Data: []byte(css)},
		"static/lomake.js":          {Data: []byte(testScript)},
		"static/icons/icon-192.png": {Data: []byte("png")},
		"dist/app.wasm.br":          {Data: br.Bytes()},
		"dist/app.wasm.gz":          {Data: gz.Bytes()},
		"dist/app.wasm.json":        {Data: meta},
	}
}

var handler *Handler

func newHandler(t *testing.T) *Handler {
	t.Helper()
	// go-app's routes are global: build the handler once per test binary.
	if handler == nil {
		h, err := New(files(t, testCSS), dogOnly(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		handler = h
	}
	return handler
}

func get(h http.Handler, path string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestWasmIsServedCompressedAsAccepted(t *testing.T) {
	h := newHandler(t)
	cases := []struct{ accept, encoding string }{
		{"gzip, deflate, br, zstd", "br"},
		{"gzip", "gzip"},
		{"br;q=0, gzip", "gzip"},
		{"", ""},
	}
	for _, c := range cases {
		w := get(h, "/web/app.wasm", "Accept-Encoding", c.accept)
		if w.Code != 200 || w.Header().Get("Content-Encoding") != c.encoding {
			t.Errorf("Accept-Encoding %q: status %d, encoding %q, want %q", c.accept, w.Code, w.Header().Get("Content-Encoding"), c.encoding)
			continue
		}
		if w.Header().Get("Content-Type") != "application/wasm" || w.Header().Get("Vary") != "Accept-Encoding" {
			t.Errorf("%q: headers %v", c.accept, w.Header())
		}
		var body io.Reader = w.Body
		switch c.encoding {
		case "br":
			body = brotli.NewReader(w.Body)
		case "gzip":
			body, _ = gzip.NewReader(w.Body)
		}
		got, _ := io.ReadAll(body)
		if !bytes.Equal(got, wasm) {
			t.Errorf("%q: the client came out different (%d bytes)", c.accept, len(got))
		}
	}
	etag := get(h, "/web/app.wasm").Header().Get("ETag")
	if w := get(h, "/web/app.wasm", "If-None-Match", etag); w.Code != http.StatusNotModified {
		t.Errorf("revalidation: %d", w.Code)
	}
}

func TestAppScriptKnowsTheRawSizeAndVersion(t *testing.T) {
	h := newHandler(t)
	js := get(h, "/app.js").Body.String()
	if !strings.Contains(js, `const goappWasmContentLength = "`+itoa(len(wasm))+`"`) {
		t.Errorf("app.js does not carry the raw size %d for the loading progress", len(wasm))
	}
	if v := h.Version(); len(v) != 20 || !strings.Contains(js, v) {
		t.Errorf("version %q is not a content hash used by app.js", v)
	}
	other, err := New(files(t, "body{color:red}"), dogOnly(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if other.Version() == h.Version() {
		t.Error("a changed stylesheet kept the same version: installed apps would not update")
	}
}

func TestManifestAndPageUseLocalIcons(t *testing.T) {
	h := newHandler(t)
	manifest := get(h, "/manifest.webmanifest").Body.String()
	page := get(h, "/fi/").Body.String()
	for what, s := range map[string]string{"manifest": manifest, "page": page} {
		if strings.Contains(s, "githubusercontent") || strings.Contains(s, "://raw.") {
			t.Errorf("%s points at a remote icon", what)
		}
	}
	if !strings.Contains(manifest, "/web/icons/icon-192.png") || !strings.Contains(manifest, `"maskable"`) {
		t.Errorf("manifest icons: %s", manifest)
	}
	if w := get(h, "/web/icons/icon-192.png"); w.Code != 200 || w.Body.String() != "png" {
		t.Errorf("icon: %d", w.Code)
	}
}

func TestRootRedirectsToRememberedLanguage(t *testing.T) {
	h := newHandler(t)
	cases := []struct{ cookie, accept, want string }{
		{"", "", "/fi/"},
		{"", "sv-FI,sv;q=0.9", "/sv/"},
		{"en", "sv", "/en/"},
		{"xx", "en", "/en/"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Language", c.accept)
		if c.cookie != "" {
			r.AddCookie(&http.Cookie{Name: "lang", Value: c.cookie})
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusFound || w.Header().Get("Location") != c.want {
			t.Errorf("cookie %q, Accept-Language %q: %d to %q, want %q", c.cookie, c.accept, w.Code, w.Header().Get("Location"), c.want)
		}
	}
}

func TestPagesArePrerenderedInTheirLanguage(t *testing.T) {
	h := newHandler(t)
	w := get(h, "/sv/services/dog-registration")
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, `<html lang="sv">`) || !strings.Contains(body, "Fyll i formuläret") {
		t.Fatalf("service page in Swedish: %d\n%.400s", w.Code, body)
	}
	if strings.Contains(body, ` aria-hidden>`) || strings.Contains(body, ` aria-hidden `) || !strings.Contains(body, `aria-hidden="true"`) {
		t.Error("aria-hidden is written without its value: screen readers read it as false")
	}
	if c := w.Header().Get("Set-Cookie"); !strings.Contains(c, "lang=sv") || !strings.Contains(c, "SameSite=Lax") {
		t.Errorf("language not remembered: %q", c)
	}
	form := get(h, "/en/services/dog-registration/form").Body.String()
	for _, bad := range []string{`readonly="false"`, `disabled="false"`, `required="false"`, `selected="false"`} {
		if strings.Contains(form, bad) {
			t.Errorf("prerendered form has %s, which HTML reads as true", bad)
		}
	}
	if w := get(h, "/fi/services/no-such-service"); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "Sivua ei löytynyt") {
		t.Errorf("unknown service page: %d", w.Code)
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func TestManifestMakesAnInstallableApp(t *testing.T) {
	h := newHandler(t)
	var m struct {
		Name, ShortName, StartURL, Display, ThemeColor string
		Icons                                          []struct{ Src, Sizes, Purpose string }
	}
	res := get(h, "/manifest.webmanifest")
	body := strings.NewReplacer(`"short_name"`, `"ShortName"`, `"start_url"`, `"StartURL"`, `"theme_color"`, `"ThemeColor"`).Replace(res.Body.String())
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	if m.Name == "" || m.ShortName == "" || m.StartURL != "/" || m.Display != "standalone" || m.ThemeColor == "" {
		t.Errorf("manifest: %+v", m)
	}
	sizes := map[string]bool{}
	for _, i := range m.Icons {
		sizes[i.Sizes+" "+i.Purpose] = true
	}
	for _, want := range []string{"192x192 ", "512x512 ", "512x512 maskable"} {
		if !sizes[want] {
			t.Errorf("no %q icon in %v", want, m.Icons)
		}
	}
}

func TestWorkerCachesTheAppForOffline(t *testing.T) {
	h := newHandler(t)
	js := get(h, "/app-worker.js").Body.String()
	if !strings.Contains(js, `"lomake-`+h.Version()+`"`) {
		t.Error("the worker's cache is not named after the version: an update would not replace it")
	}
	for _, want := range []string{`"/fi/"`, `"/sv/"`, `"/en/"`, `"/web/app.wasm"`, `"/web/lomake.js"`, `"/web/app.css"`,
		`"/api/v1/services"`, `"/api/v1/services/dog-registration"`, `"/manifest.webmanifest"`} {
		if !strings.Contains(js, want) {
			t.Errorf("the worker does not precache %s", want)
		}
	}
	if !strings.Contains(js, `path.startsWith("/auth/")`) {
		t.Error("the worker does not leave identification alone")
	}
	// A worker that does not parse installs nothing, silently: check it as JavaScript
	// where Node is (make test installs it for axe-core).
	if node, err := exec.LookPath("node"); err == nil {
		file := filepath.Join(t.TempDir(), "worker.js")
		if err := os.WriteFile(file, []byte(js), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(node, "--check", file).CombinedOutput(); err != nil {
			t.Errorf("the worker is not valid JavaScript: %v\n%s", err, out)
		}
	} else {
		t.Log("no node: the worker's syntax is not checked")
	}
}

// A confirmation page's address can be written by anyone: the prerendered page never
// vouches for the case number in it (phishing: "your case number is CALL-THIS-NUMBER").
func TestSentPageDoesNotConfirmTheAddresssCaseNumber(t *testing.T) {
	h := newHandler(t)
	for _, lang := range locales.Languages {
		for _, number := range []string{"HEL-FAKE-0000", "HEL-KOI-2026-000123"} {
			t.Run(lang+" "+number, func(t *testing.T) {
				w := get(h, "/"+lang+"/services/dog-registration/sent?case="+number)
				body := w.Body.String()
				if w.Code != http.StatusOK {
					t.Fatalf("status %d", w.Code)
				}
				if strings.Contains(body, number) {
					t.Errorf("the page repeats the address's case number %s", number)
				}
				for _, id := range []string{"confirm.title", "confirm.caseNumber"} {
					if s := locales.T(lang, id, nil); strings.Contains(body, s) {
						t.Errorf("the page says %q", s)
					}
				}
				if !strings.Contains(body, "<title>"+locales.T(lang, "sent.none.title", nil)) ||
					!strings.Contains(body, html.EscapeString(locales.T(lang, "sent.none.text", nil))) {
					t.Errorf("the page does not say that it confirms nothing:\n%s", body)
				}
			})
		}
	}
}

// An address that leads nowhere gets the portal's page, in its language, not Go's
// plain-text answer that a phone shows tiny.
func TestUnknownAddressesGetTheTranslatedNotFoundPage(t *testing.T) {
	h := newHandler(t)
	cases := []struct {
		path string
		hdr  []string
		lang string
	}{
		{"/en/nope", nil, "en"},
		{"/fi/folders", nil, "fi"},
		{"/fi/folder/not-a-case", nil, "fi"},
		{"/en/backoffice/HEL-KOI", nil, "en"},
		{"/sv/services/nope", nil, "sv"},
		{"/fi/services/nope", nil, "fi"},
		{"/en/services/dog-registration/nope", nil, "en"},
		{"/xx/", nil, "fi"},
		{"/xx/", []string{"Accept-Language", "sv-FI,sv;q=0.9"}, "sv"},
		{"/services/dog-registration", []string{"Cookie", "lang=en", "Accept-Language", "sv"}, "en"},
		{"/web/nope.css", []string{"Accept-Language", "en"}, "en"},
		{"/web/icons/", nil, "fi"},
	}
	for _, c := range cases {
		t.Run(c.path+" "+c.lang, func(t *testing.T) {
			w := get(h, c.path, c.hdr...)
			body := w.Body.String()
			if w.Code != http.StatusNotFound || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
				t.Fatalf("status %d, Content-Type %q:\n%.300s", w.Code, w.Header().Get("Content-Type"), body)
			}
			title := locales.T(c.lang, "notfound.title", nil)
			for _, want := range []string{`<html lang="` + c.lang + `">`, "<title>" + title, "<h1>" + title + "</h1>",
				`name="viewport"`, `class="topbar"`, `href="` + "/" + c.lang + `/"`} {
				if !strings.Contains(body, want) {
					t.Errorf("no %s in\n%s", want, body)
				}
			}
			if n := w.Header().Get("Content-Length"); n != strconv.Itoa(len(body)) {
				t.Errorf("Content-Length %s for %d bytes", n, len(body))
			}
		})
	}
}

// meta returns the content of the page's first meta tag with attr (name="description").
func meta(page, attr string) string {
	tag := regexp.MustCompile(`<meta [^>]*` + regexp.QuoteMeta(attr) + `[^>]*>`).FindString(page)
	m := regexp.MustCompile(`content="([^"]*)"`).FindStringSubmatch(tag)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// Link previews are in the page's language and point at the public address.
func TestLinkPreviewsAreInThePagesLanguageAtThePublicAddress(t *testing.T) {
	newHandler(t) // the routes
	h, err := New(files(t, "body{}"), dogOnly(t), map[string]string{PublicURLEnv: "https://asiointi.example.fi/"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ base, path, lang, description string }{
		{"https://asiointi.example.fi", "/sv/", "sv", locales.T("sv", "catalog.intro", nil)},
		{"https://asiointi.example.fi", "/en/", "en", locales.T("en", "catalog.intro", nil)},
		{"https://asiointi.example.fi", "/fi/", "fi", locales.T("fi", "catalog.intro", nil)},
		{"https://asiointi.example.fi", "/en/login", "en", locales.T("en", "catalog.intro", nil)},
		{"https://asiointi.example.fi", "/sv/services/dog-registration", "sv", "Anmäl din hund och dess ägares uppgifter till hundregistret."},
	} {
		t.Run(c.path, func(t *testing.T) {
			page := get(h, c.path+"?case=x").Body.String()
			if got := meta(page, `name="description"`); !strings.Contains(got, c.description) {
				t.Errorf("description %q, want %q", got, c.description)
			}
			if got := meta(page, `property="og:description"`); !strings.Contains(got, c.description) {
				t.Errorf("og:description %q, want %q", got, c.description)
			}
			if got, want := meta(page, `property="og:title"`), locales.T(c.lang, "site.name", nil); !strings.Contains(got, want) {
				t.Errorf("og:title %q, want it to name %q", got, want)
			}
			if got := meta(page, `property="og:url"`); got != c.base+c.path {
				t.Errorf("og:url %q, want %q", got, c.base+c.path)
			}
			if got := meta(page, `property="og:image"`); got != c.base+"/web/icons/icon-512.png" {
				t.Errorf("og:image %q", got)
			}
		})
	}
	// Without a public address, the request's own (plain http on localhost).
	r := httptest.NewRequest("GET", "/en/", nil)
	r.Host = "localhost:8080"
	w := httptest.NewRecorder()
	newHandler(t).ServeHTTP(w, r)
	if got := meta(w.Body.String(), `property="og:url"`); got != "http://localhost:8080/en/" {
		t.Errorf("og:url without %s: %q", PublicURLEnv, got)
	}
	for _, bad := range []string{"asiointi.example.fi", "ftp://asiointi.example.fi", "https://", "https://x.fi/?a=b", "https://x.fi/portal"} {
		if _, err := New(files(t, "body{}"), schemas.Catalog(nil), map[string]string{PublicURLEnv: bad}); err == nil {
			t.Errorf("%s %q was accepted", PublicURLEnv, bad)
		}
	}
}

// go-app fetches /robots.txt and the like from the request's Host and keeps the answer:
// the portal must never ask another host, whatever the Host header says.
func TestWellKnownFilesAreNotFetchedFromTheRequestsHost(t *testing.T) {
	asked := false
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = true
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("Disallow: nothing, from elsewhere"))
	}))
	defer other.Close()
	h := newHandler(t)
	for _, p := range []string{"/robots.txt", "/sitemap.xml", "/ads.txt"} {
		r := httptest.NewRequest("GET", p, nil)
		r.Host = strings.TrimPrefix(other.URL, "http://")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if asked || w.Code != http.StatusNotFound || strings.Contains(w.Body.String(), "elsewhere") {
			t.Errorf("%s: asked the request's host: %v, status %d", p, asked, w.Code)
		}
	}
	fsys := files(t, "body{}")
	fsys["static/robots.txt"] = &fstest.MapFile{Data: []byte("User-agent: *\n")}
	withRobots, err := New(fsys, schemas.Catalog(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if w := get(withRobots, "/robots.txt"); w.Code != 200 || w.Body.String() != "User-agent: *\n" || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		t.Errorf("the portal's own robots.txt: %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Body.String())
	}
}

// The folder, a case and the back office are prerendered for everyone alike: in their
// language, readable before the client, with a way to sign in and nothing of any case.
func TestFolderAndBackOfficePrerenderWithoutCases(t *testing.T) {
	h := newHandler(t)
	const number = "HEL-KOI-2026-000001"
	for _, lang := range locales.Languages {
		for _, c := range []struct{ path, title, signIn string }{
			{"/" + lang + "/folder", "folder.title", "folder.signIn"},
			{"/" + lang + "/folder/", "folder.title", "folder.signIn"},
			{"/" + lang + "/folder?q=" + number + "&sort=name", "folder.title", "folder.signIn"},
			{"/" + lang + "/folder/" + number, "case.title", "case.signIn"},
			{"/" + lang + "/backoffice", "backoffice.title", "backoffice.signIn"},
			{"/" + lang + "/backoffice?service=dog-registration&status=SENT", "backoffice.title", "backoffice.signIn"},
			{"/" + lang + "/backoffice/" + number, "backoffice.case", "backoffice.signIn"},
		} {
			t.Run(c.path, func(t *testing.T) {
				w := get(h, c.path)
				body := w.Body.String()
				if w.Code != http.StatusOK {
					t.Fatalf("status %d", w.Code)
				}
				title := html.EscapeString(locales.T(lang, c.title, nil))
				for _, want := range []string{`<html lang="` + lang + `">`, "<title>" + title + " – ", ">" + title + "</h1>",
					html.EscapeString(locales.T(lang, c.signIn, nil)), `href="/` + lang + `/login?return=`} {
					if !strings.Contains(body, want) {
						t.Errorf("no %s in\n%s", want, body)
					}
				}
				main := body[strings.Index(body, "<main"):strings.Index(body, "</main>")]
				for _, bad := range []string{">" + number + "<", `id="case-status"`, `id="case-answers"`, `id="messages"`, `id="folder-table"`,
					`id="queue-`, `id="reply-text"`, `id="status-select"`, `id="folder-drafts"`, "aria-busy"} {
					if strings.Contains(main, bad) {
						t.Errorf("the prerendered page has %s", bad)
					}
				}
			})
		}
	}
}

// testCSS and testScript are static files big enough to be worth compressing.
var (
	testCSS    = strings.Repeat(".field { margin: 0 0 1rem; }\n", 20)
	testScript = strings.Repeat("document.addEventListener(\"input\", note, true);\n", 20)
)

// decode undoes a Content-Encoding.
func decode(t *testing.T, encoding string, body []byte) []byte {
	t.Helper()
	var r io.Reader = bytes.NewReader(body)
	switch encoding {
	case "br":
		r = brotli.NewReader(r)
	case "gzip":
		gr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = gr
	case "":
	default:
		t.Fatalf("unexpected Content-Encoding %q", encoding)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Pages, scripts, styles and the manifest go compressed as the browser accepts, and say
// that they vary by it; the decompressed answer is the uncompressed one.
func TestAnswersAreCompressedAsAccepted(t *testing.T) {
	h := newHandler(t)
	paths := []string{"/fi/", "/fi/services/dog-registration/form", "/app.js", "/wasm_exec.js", "/app-worker.js",
		"/app.css", "/manifest.webmanifest", "/web/app.css", "/web/lomake.js"}
	accepts := []struct{ accept, encoding string }{
		{"gzip, deflate, br, zstd", "br"},
		{"gzip", "gzip"},
		{"br;q=0, gzip", "gzip"},
		{"", ""},
	}
	for _, p := range paths {
		plain := get(h, p).Body.Bytes()
		// go-app writes a page's attributes in no fixed order, and a form has its own
		// send key: a page is compared by length.
		page := strings.HasPrefix(p, "/fi/")
		for _, a := range accepts {
			w := get(h, p, "Accept-Encoding", a.accept)
			if w.Code != 200 || w.Header().Get("Content-Encoding") != a.encoding {
				t.Errorf("%s, Accept-Encoding %q: status %d, encoding %q, want %q", p, a.accept, w.Code, w.Header().Get("Content-Encoding"), a.encoding)
				continue
			}
			if !strings.Contains(w.Header().Get("Vary"), "Accept-Encoding") {
				t.Errorf("%s: Vary %q", p, w.Header().Get("Vary"))
			}
			if n := w.Header().Get("Content-Length"); n != strconv.Itoa(w.Body.Len()) {
				t.Errorf("%s, %q: Content-Length %s for %d bytes", p, a.accept, n, w.Body.Len())
			}
			got := decode(t, a.encoding, w.Body.Bytes())
			if page && len(got) != len(plain) || !page && !bytes.Equal(got, plain) {
				t.Errorf("%s, %q: decompressed it differs from the plain answer", p, a.accept)
			}
			if a.encoding != "" && w.Body.Len() >= len(got) {
				t.Errorf("%s, %q: %d bytes compressed, %d plain", p, a.accept, w.Body.Len(), len(got))
			}
		}
	}
	// What is compressed already, or too small to gain, goes as it is.
	for _, p := range []string{"/web/icons/icon-192.png"} {
		if w := get(h, p, "Accept-Encoding", "br, gzip"); w.Header().Get("Content-Encoding") != "" {
			t.Errorf("%s compressed again: %q", p, w.Header().Get("Content-Encoding"))
		}
	}
}

// A page can carry the session's CSRF token next to text from its address: compressed,
// its length would leak the token to a site that makes the browser load it many times
// (BREACH). Pages loaded cross-site with cookies go uncompressed.
func TestPagesLoadedCrossSiteWithCookiesAreNotCompressed(t *testing.T) {
	h := newHandler(t)
	cases := []struct {
		site, cookie, encoding string
	}{
		{"", "", "br"},
		{"none", "session=x", "br"},
		{"same-origin", "session=x", "br"},
		{"cross-site", "", "br"},
		{"cross-site", "session=x", ""},
		{"same-site", "session=x", ""},
	}
	for _, c := range cases {
		hdr := []string{"Accept-Encoding", "br", "Sec-Fetch-Site", c.site}
		if c.cookie != "" {
			hdr = append(hdr, "Cookie", c.cookie)
		}
		if w := get(h, "/fi/services/dog-registration", hdr...); w.Header().Get("Content-Encoding") != c.encoding {
			t.Errorf("Sec-Fetch-Site %q, Cookie %q: encoding %q, want %q", c.site, c.cookie, w.Header().Get("Content-Encoding"), c.encoding)
		}
	}
	if w := get(h, "/web/lomake.js", "Accept-Encoding", "br", "Sec-Fetch-Site", "cross-site", "Cookie", "session=x"); w.Header().Get("Content-Encoding") != "br" {
		t.Error("a static file, which holds no secret, went uncompressed")
	}
}

// Static files and go-app's carry a strong ETag per representation (the hash of their
// content), so that the browser and the service worker revalidate them with a 304.
func TestFilesRevalidateByContent(t *testing.T) {
	h := newHandler(t)
	for _, p := range []string{"/web/app.css", "/web/lomake.js", "/web/icons/icon-192.png", "/app.js", "/app.css", "/manifest.webmanifest"} {
		for _, accept := range []string{"br", "gzip", ""} {
			first := get(h, p, "Accept-Encoding", accept)
			etag := first.Header().Get("ETag")
			if !regexp.MustCompile(`^"[0-9a-f]{30}(-br|-gz)?"$`).MatchString(etag) {
				t.Errorf("%s, %q: ETag %q is not a strong content hash", p, accept, etag)
				continue
			}
			w := get(h, p, "Accept-Encoding", accept, "If-None-Match", etag)
			if w.Code != http.StatusNotModified || w.Body.Len() != 0 || w.Header().Get("ETag") != etag {
				t.Errorf("%s, %q, If-None-Match %s: status %d, %d bytes, ETag %q", p, accept, etag, w.Code, w.Body.Len(), w.Header().Get("ETag"))
			}
			if p != "/web/icons/icon-192.png" && accept != "" {
				if w := get(h, p, "If-None-Match", etag); w.Code != 200 || w.Header().Get("ETag") == etag {
					t.Errorf("%s: the %s ETag validated the uncompressed answer (%d)", p, accept, w.Code)
				}
			}
		}
	}
	// Same content, same ETag, whichever handler; changed content, a new one.
	other, err := New(files(t, testCSS+"body{color:red}"), dogOnly(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := get(h, "/web/app.css").Header().Get("ETag"), get(other, "/web/app.css").Header().Get("ETag"); a == b {
		t.Errorf("a changed stylesheet kept its ETag %s", a)
	}
	if a, b := get(h, "/web/lomake.js").Header().Get("ETag"), get(other, "/web/lomake.js").Header().Get("ETag"); a != b {
		t.Errorf("the same script got ETags %s and %s", a, b)
	}
	// A page depends on who asks and go-app writes it differently each time: it has no
	// validator, and go-app's (the version, answered with 304 before rendering) is gone.
	for _, inm := range []string{"", `"` + h.Version() + `"`} {
		if w := get(h, "/fi/", "Accept-Encoding", "br", "If-None-Match", inm); w.Code != 200 || w.Header().Get("ETag") != "" {
			t.Errorf("page, If-None-Match %q: %d, ETag %q", inm, w.Code, w.Header().Get("ETag"))
		}
	}
}

// HEAD and Range stay what they were: HEAD gives the headers of GET without the body, a
// range is taken from the uncompressed file.
func TestHeadAndRangeOfCompressedFiles(t *testing.T) {
	h := newHandler(t)
	for _, p := range []string{"/web/lomake.js", "/app.js"} {
		full := get(h, p, "Accept-Encoding", "br")
		r := httptest.NewRequest("HEAD", p, nil)
		r.Header.Set("Accept-Encoding", "br")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") != strconv.Itoa(full.Body.Len()) ||
			w.Header().Get("Content-Encoding") != "br" || w.Header().Get("ETag") != full.Header().Get("ETag") {
			t.Errorf("HEAD %s: %d, %d bytes, headers %v", p, w.Code, w.Body.Len(), w.Header())
		}
	}
	r := httptest.NewRequest("HEAD", "/fi/", nil)
	r.Header.Set("Accept-Encoding", "br")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Encoding") != "br" || w.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD of a page: %d, %d bytes, headers %v", w.Code, w.Body.Len(), w.Header())
	}
	w = get(h, "/web/lomake.js", "Accept-Encoding", "br, gzip", "Range", "bytes=0-7")
	if w.Code != http.StatusPartialContent || w.Header().Get("Content-Encoding") != "" || w.Body.String() != testScript[:8] ||
		w.Header().Get("Content-Range") != "bytes 0-7/"+strconv.Itoa(len(testScript)) {
		t.Errorf("Range: %d %v %q", w.Code, w.Header(), w.Body.String())
	}
}

// The page's head starts downloading the client (the preload matches app.js's fetch,
// or the browser would download it twice) and blocks rendering on no script file;
// app.js compiles the client from the network's own answer while it downloads.
func TestPagesStartTheClientEarlyAndBlockNothing(t *testing.T) {
	h := newHandler(t)
	page := get(h, "/fi/services/dog-registration/form").Body.String()
	head := page[:strings.Index(page, "</head>")]
	if !strings.Contains(head, `<link rel="preload" href="/web/app.wasm" as="fetch" crossorigin="anonymous">`) {
		t.Errorf("no preload of the client in the head:\n%s", head)
	}
	for _, tag := range regexp.MustCompile(`<script[^>]*\ssrc=[^>]*>`).FindAllString(head, -1) {
		if !strings.Contains(tag, " defer") && !strings.Contains(tag, " async") {
			t.Errorf("%s blocks rendering", tag)
		}
	}
	// go-app writes a tag's attributes in any order.
	if !regexp.MustCompile(`<script (src="/web/lomake.js" defer|defer src="/web/lomake.js")>`).MatchString(head) {
		t.Errorf("lomake.js is not deferred:\n%s", head)
	}
	js := get(h, "/app.js").Body.String()
	if !regexp.MustCompile(`instantiateStreaming\(\s*fetch\("/web/app.wasm"\)`).MatchString(js) || strings.Contains(js, `fetchWithProgress("/web/app.wasm"`) {
		t.Errorf("app.js does not compile the network's answer (has go-app's app.js changed?):\n%s", js)
	}
	if !regexp.MustCompile(`setTimeout\(resolve, 0\)\);\s*go\.run\(`).MatchString(js) {
		t.Errorf("app.js starts Go in the task that instantiated the client (has go-app's app.js changed?):\n%s", js)
	}
	if strings.Contains(get(h, "/fi/services/dog-registration/form?wasm=false").Body.String(), `rel="preload" href="/web/app.wasm"`) {
		t.Error("a page without the client (?wasm=false) still downloads it")
	}
}

// A boolean attribute that is false is not in a prerendered page: HTML reads
// open="false" as open (the catalog's filters were unfolded until the client ran, a
// whole screen that then vanished on a phone).
func TestPrerenderedBooleansFalseAreLeftOut(t *testing.T) {
	h := newHandler(t)
	falseAttr := regexp.MustCompile(`\s(open|hidden|disabled|required|checked|selected|readonly|multiple|autofocus)="false"`)
	for _, path := range []string{"/fi/", "/sv/?q=koira", "/fi/services/dog-registration", "/fi/services/dog-registration/form", "/en/login"} {
		page := get(h, path).Body.String()
		if m := falseAttr.FindString(page); m != "" {
			t.Errorf("%s has%s", path, m)
		}
	}
	filters := regexp.MustCompile(`<details[^>]*\sid="catalog-filters"[^>]*>`)
	for path, open := range map[string]bool{"/fi/": false, "/fi/?topic=pets": true} {
		tag := filters.FindString(get(h, path).Body.String())
		if tag == "" {
			t.Fatalf("%s has no filters", path)
		}
		if got := strings.Contains(tag, " open"); got != open {
			t.Errorf("%s: the filters are %s, want open %v", path, tag, open)
		}
	}
}

// TestPrerenderedValuesAreEscaped holds what a visitor puts in a link to the page's
// attributes: a search for `"><b id=injected>` is the search box's value, not markup.
func TestPrerenderedValuesAreEscaped(t *testing.T) {
	h := newHandler(t)
	for _, payload := range []string{`"><b id=injected>x</b>`, `" autofocus onfocus="alert(1)`, `'><b id=injected>`} {
		for _, lang := range []string{"fi", "sv", "en"} {
			path := "/" + lang + "/?q=" + url.QueryEscape(payload)
			page := get(h, path).Body.String()
			if strings.Contains(page, "<b id=injected>") || strings.Contains(page, ` onfocus="alert`) {
				t.Errorf("%s: the query became markup", path)
			}
			if want := `value="` + html.EscapeString(payload) + `"`; !strings.Contains(page, want) {
				t.Errorf("%s: no search box with %s", path, want)
			}
		}
	}
}

// dogOnly is a registry of one service, the dog registration.
func dogOnly(t *testing.T) *schemas.Registry {
	t.Helper()
	r, err := schemas.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return schemas.Catalog([]schemas.Entry{*r.Entry("dog-registration")})
}
