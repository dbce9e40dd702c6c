// Package ui holds the portal's pages and form renderer as go-app components. The
// server prerenders them and the WebAssembly client runs them, so nothing here may
// import server code.
package ui

import (
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/locales"
)

// pages are the portal's addresses, as regular expressions. Any other address is not
// found. They stay text until matched: go-app compiles its own copies, and compiling
// them at package init cost every start of the client in its first task.
var pages = []struct {
	path string
	page func() app.Composer
}{
	{`^/(fi|sv|en)/?$`, func() app.Composer { return &CatalogPage{} }},
	{`^/(fi|sv|en)/services/[a-z0-9-]+/?$`, func() app.Composer { return &ServicePage{} }},
	{`^/(fi|sv|en)/services/[a-z0-9-]+/form/?$`, func() app.Composer { return &FormPage{} }},
	{`^/(fi|sv|en)/services/[a-z0-9-]+/sent/?$`, func() app.Composer { return &SentPage{} }},
	{`^/(fi|sv|en)/preview/[a-z0-9-]+/?$`, func() app.Composer { return &PreviewPage{} }},
	{`^/(fi|sv|en)/login/?$`, func() app.Composer { return &LoginPage{} }},
	{`^/(fi|sv|en)/(register|profile)/?$`, func() app.Composer { return &AccountPage{} }},
	{`^/(fi|sv|en)/home/?$`, func() app.Composer { return &HomePage{} }},
	{`^/(fi|sv|en)/folder/?$`, func() app.Composer { return &FolderPage{} }},
	{`^/(fi|sv|en)/folder/` + casePattern + `/?$`, func() app.Composer { return &CasePage{} }},
	{`^/(fi|sv|en)/backoffice/?$`, func() app.Composer { return &BackofficePage{} }},
	{`^/(fi|sv|en)/backoffice/` + casePattern + `/?$`, func() app.Composer { return &BackofficeCasePage{} }},
}

// casePattern is a case number in an address (HEL-KOI-2026-000123): only such a
// segment reaches the API's path.
const casePattern = `HEL-[A-Z]{3}-[0-9]{4}-[0-9]{1,12}`

var caseNumberRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^` + casePattern + `$`) })

var registerOnce sync.Once

// Register declares the routes. The server and the client must both call it: the server
// to prerender a page, the client to run it.
func Register() {
	registerOnce.Do(func() {
		for _, p := range pages {
			app.RouteWithRegexp(p.path, p.page)
		}
		// Last, every other address: go-app would otherwise answer the server's
		// prerendering with a bare "404 page not found" and show its own page in the
		// browser (it does not use app.NotFound).
		app.RouteWithRegexp(`^/`, func() app.Composer { return &NotFoundPage{} })
	})
}

// Routed reports whether path is one of the portal's pages; a service's pages are
// routed whether or not the service exists.
func Routed(path string) bool {
	for _, re := range pagePaths() {
		if re.MatchString(path) {
			return true
		}
	}
	return false
}

var pagePaths = sync.OnceValue(func() []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(pages))
	for i, p := range pages {
		out[i] = regexp.MustCompile(p.path)
	}
	return out
})

// NotFoundPath is an address that is no page, in lang: the server prerenders the
// not-found page of an address without a language at it.
func NotFoundPath(lang string) string { return "/" + lang + "/404" }

// Paths of the portal's pages. The language is the first segment, so that a prerendered
// page, a shared link and a bookmark all say which language they are in.

func CatalogPath(lang string) string     { return "/" + lang + "/" }
func ServicePath(lang, id string) string { return "/" + lang + "/services/" + id }
func FormPath(lang, id string) string    { return ServicePath(lang, id) + "/form" }
func SentPath(lang, id, number string) string {
	return ServicePath(lang, id) + "/sent?case=" + url.QueryEscape(number)
}

// QueuedPath is the provisional receipt of a send waiting in the device's outbox.
func QueuedPath(lang, id, key string) string {
	return ServicePath(lang, id) + "/sent?queued=" + url.QueryEscape(key)
}

// FolderPath is the resident's e-service folder, CasePath one of its cases.
func FolderPath(lang string) string            { return "/" + lang + "/folder" }
func CasePath(lang, number string) string      { return FolderPath(lang) + "/" + number }
func BackofficePath(lang string) string        { return "/" + lang + "/backoffice" }
func BackofficeCasePath(lang, n string) string { return BackofficePath(lang) + "/" + n }

// route is what a page's URL says.
type route struct {
	url     *url.URL
	lang    string
	service string
	// caseNumber is the case of a folder or back-office address, in the form of a case
	// number (nothing else reaches the API).
	caseNumber string
}

func parseRoute(u *url.URL) route {
	if q := u.Query(); q.Has(requestParam) {
		// A page being prerendered that did not take its request (prerender.go): its
		// links must not pass the key on.
		q.Del(requestParam)
		v := *u
		v.RawQuery = q.Encode()
		u = &v
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	r := route{url: u, lang: locales.Orient(segs[0])}
	if len(segs) >= 3 && (segs[1] == "services" || segs[1] == "preview") {
		r.service = segs[2]
	}
	if len(segs) == 3 && (segs[1] == "folder" || segs[1] == "backoffice") && caseNumberRE().MatchString(segs[2]) {
		r.caseNumber = segs[2]
	}
	return r
}

// PageLanguage is the language of the page at u.
func PageLanguage(u *url.URL) string { return parseRoute(u).lang }

// withLang returns the same address in another language.
func withLang(u *url.URL, lang string) string {
	if u == nil {
		return CatalogPath(lang)
	}
	segs := strings.Split(strings.TrimPrefix(u.Path, "/"), "/")
	if len(segs) > 0 && locales.Supported(segs[0]) {
		segs[0] = lang
	} else {
		segs = []string{lang, ""}
	}
	p := "/" + strings.Join(segs, "/")
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p
}

// t is a shorthand for a message in lang.
func t(lang, id string) string { return locales.T(lang, id, nil) }
