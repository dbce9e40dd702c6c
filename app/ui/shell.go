package ui

import (
	"net/url"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/locales"
)

// setPage sets what the browser shows of a page besides its body: its title, language
// and description (which link previews show). It runs both in prerendering and on the
// client.
func setPage(ctx app.Context, lang, title string) {
	ctx.Page().SetTitle("%s – %s", title, t(lang, "site.name"))
	ctx.Page().SetDescription("%s", t(lang, "catalog.intro"))
	ctx.Page().SetLang(lang)
	if app.IsClient {
		doc := app.Window().Get("document")
		doc.Get("documentElement").Set("lang", lang)
		// Remember the language for the next visit to "/". It is a preference, not a
		// secret, so the client may write it.
		doc.Set("cookie", "lang="+lang+"; path=/; max-age=31536000; samesite=lax")
	}
}

// rememberedLang is, in the browser, the language the user chose last (the lang
// cookie), else the browser's: the client's locales.Remembered, for an address that
// has no language in it.
func rememberedLang() string {
	for _, c := range strings.Split(app.Window().Get("document").Get("cookie").String(), ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(c), "lang="); ok && locales.Supported(v) {
			return v
		}
	}
	var tags []string
	if langs := app.Window().Get("navigator").Get("languages"); langs.Truthy() {
		for i := 0; i < langs.Length(); i++ {
			tags = append(tags, langs.Index(i).String())
		}
	}
	return locales.Match(strings.Join(tags, ","))
}

// shell wraps a page's content in the portal's frame: skip link, top bar, footer.
//
// On a phone the top bar is the mark, a Menu button and login or the user, under a
// one-line test banner, so that it takes at most a quarter of the screen at any text
// size; the language switch, the text size and the signed-in links are behind Menu.
// The offline strip comes after the header, never between its rows.
func shell(lang string, u *url.URL, content ...app.UI) app.UI {
	return app.Div().Class("page").Body(
		&skipLink{Lang: lang},
		app.If(app.Getenv(TestIdentificationEnv) == "1", func() app.UI {
			// The short text is what a phone has room for; screen readers get the whole.
			return app.P().Class("test-banner").Role("note").Body(
				app.Span().Class("test-banner-short").Aria("hidden", "true").Text(t(lang, "site.testIdentification.short")),
				app.Span().Class("test-banner-full").Text(t(lang, "site.testIdentification")),
			)
		}),
		app.Header().Class("topbar").Body(
			app.Div().Class("topbar-inner").Body(
				app.A().Class("brand").Href(CatalogPath(lang)).Body(
					app.Span().Class("brand-mark").Aria("hidden", "true").Text("H"),
					app.Span().Class("brand-name").Text(t(lang, "site.name")),
				),
				&mainMenu{Lang: lang, Path: pathOf(u), URL: u, SignedIn: user.Authenticated},
				userArea(lang, u),
			),
		),
		&NetStatus{Lang: lang},
		app.Main().ID("main").Class("main").TabIndex(-1).Body(content...),
		app.Footer().Class("footer").Body(
			app.Div().Class("footer-inner").Body(
				app.H2().Class("footer-title").Text(t(lang, "site.help")),
				app.P().Text(t(lang, "site.helpLine")),
				app.P().Text(t(lang, "site.never")),
				&InstallApp{Lang: lang},
			),
		),
		// Last, so that appearing when the session is known moves nothing before it.
		app.If(user.Authenticated, func() app.UI { return &IdleWatch{Lang: lang} }),
	)
}

// skipLink takes the keyboard past the header to the main content, and puts focus on
// the heading of a page the client has changed to.
//
// In the prerendered page the browser follows the link itself (main has tabindex -1,
// so it takes focus). The client's router would take the link for an in-app page
// change and only scroll, leaving focus on the link: the link does the browser's work
// instead.
type skipLink struct {
	app.Compo
	Lang string
}

func (s *skipLink) Render() app.UI {
	return app.A().Class("skip-link").Href("#main").OnClick(s.skip).Text(t(s.Lang, "site.skip"))
}

func (s *skipLink) skip(ctx app.Context, e app.Event) {
	e.PreventDefault()
	e.StopImmediatePropagation() // the router listens on the window
	if main := app.Window().GetElementByID("main"); main.Truthy() {
		main.Call("scrollIntoView")
		main.Call("focus", map[string]any{"preventScroll": true})
	}
}

// shownPage is the open page's address without its language; "" before the first.
var shownPage string

// OnNav moves focus to the new page's heading when the client has changed pages, so
// that a screen reader says where the user is and Tab starts from the top of the
// content, as after a page load. The first page (the prerendered one the client takes
// over) keeps its focus, and so does the same page in another language or with
// another query: its controls stay where they were.
func (s *skipLink) OnNav(ctx app.Context) {
	page := pageWithoutLang(ctx.Page().URL())
	first, changed := shownPage == "", page != shownPage
	shownPage = page
	if first || !changed {
		return
	}
	closeMenu()
	doc := app.Window().Get("document")
	before := doc.Get("activeElement")
	// Deferred until the page has rendered what it knows; a page that moves focus
	// itself on arrival (a confirmation, a form's step) has done so by then.
	ctx.Defer(func(app.Context) {
		if active := doc.Get("activeElement"); active.Truthy() && !active.Equal(before) && !active.Equal(doc.Get("body")) {
			return
		}
		target := doc.Call("querySelector", "main h1")
		if !target.Truthy() {
			target = app.Window().GetElementByID("main")
		} else if !target.Call("hasAttribute", "tabindex").Bool() {
			target.Call("setAttribute", "tabindex", "-1")
		}
		if !target.Truthy() {
			return
		}
		if ctx.Page().URL().Fragment == "" {
			app.Window().Call("scrollTo", 0, 0)
		}
		target.Call("focus", map[string]any{"preventScroll": true})
	})
}

// pageWithoutLang is an address's path without its language segment.
func pageWithoutLang(u *url.URL) string {
	p := strings.TrimSuffix(u.Path, "/")
	if seg, rest, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/"); locales.Supported(seg) {
		return "/" + rest
	}
	return p
}

// pathOf is an address's path, "" for none.
func pathOf(u *url.URL) string {
	if u == nil {
		return ""
	}
	return strings.TrimSuffix(u.Path, "/")
}

// userArea is "Log in", or the user's name and "Log out", at the top right.
func userArea(lang string, u *url.URL) app.UI {
	if user.Authenticated {
		return app.Div().Class("user-area").Body(
			app.A().Class("user-name").Href(ProfilePath(lang)).Text(user.Name),
			logoutForm(lang, "logout"),
		)
	}
	back := CatalogPath(lang)
	if u != nil && !strings.Contains(u.Path, "/login") {
		back = u.RequestURI()
	}
	return app.Div().Class("user-area").Body(app.A().Class("login-link").Href(LoginPath(lang, back)).Text(t(lang, "site.login")))
}

func languageSwitch(lang string, u *url.URL) app.UI {
	items := make([]app.UI, 0, len(locales.Languages))
	for _, l := range locales.Languages {
		a := app.A().Href(withLang(u, l)).Lang(l).Attr("hreflang", l).Text(locales.Name(l))
		if l == lang {
			a = a.Aria("current", "true")
		}
		items = append(items, app.Li().Body(a))
	}
	return app.Nav().Class("lang-switch").Aria("label", t(lang, "site.language")).Body(app.Ul().Body(items...))
}

// TestIdentificationEnv is set to "1" when the built-in test identification service is
// on; every page then says so, so that nobody mistakes the portal for production.
const TestIdentificationEnv = "LOMAKE_TEST_IDENTIFICATION"

// TextSize lets the user enlarge all text. The choice is kept in localStorage and an
// inline script in the page head applies it before the first paint.
type TextSize struct {
	app.Compo
	Lang string
	size string
}

var textSizes = []struct{ class, label, glyph string }{
	{"", "site.textSize.normal", "A"},
	{"text-large", "site.textSize.large", "A+"},
	{"text-larger", "site.textSize.larger", "A++"},
}

func (c *TextSize) OnMount(ctx app.Context) {
	c.size = app.Window().Get("localStorage").Call("getItem", "lomake.textSize").String()
	if c.size == "<null>" {
		c.size = ""
	}
}

func (c *TextSize) Render() app.UI {
	buttons := make([]app.UI, 0, len(textSizes))
	for _, s := range textSizes {
		class := s.class
		buttons = append(buttons, app.Button().
			Type("button").
			Aria("pressed", boolString(c.size == class)).
			Title(t(c.Lang, s.label)).
			OnClick(func(ctx app.Context, e app.Event) { c.set(class) }, app.EventScope(class)).
			// The visible glyph starts the accessible name (WCAG 2.5.3), the word says what it does.
			Body(app.Text(s.glyph), app.Span().Class("visually-hidden").Text(" "+t(c.Lang, s.label))))
	}
	return app.Div().Class("text-size").Role("group").Aria("label", t(c.Lang, "site.textSize")).Body(buttons...)
}

func (c *TextSize) set(class string) {
	c.size = class
	root := app.Window().Get("document").Get("documentElement")
	for _, s := range textSizes[1:] {
		root.Get("classList").Call("remove", s.class)
	}
	if class != "" {
		root.Get("classList").Call("add", class)
	}
	app.Window().Get("localStorage").Call("setItem", "lomake.textSize", class)
}

// TextSizeScript applies the stored text size before the page is painted.
const TextSizeScript = `<script>try{var s=localStorage.getItem("lomake.textSize");if(s)document.documentElement.classList.add(s)}catch(e){}</script>`

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
