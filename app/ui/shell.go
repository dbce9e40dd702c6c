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
func shell(lang string, u *url.URL, content ...app.UI) app.UI {
	return app.Div().Class("page").Body(
		app.A().Class("skip-link").Href("#main").Text(t(lang, "site.skip")),
		app.If(app.Getenv(TestIdentificationEnv) == "1", func() app.UI {
			return app.P().Class("test-banner").Role("note").Text(t(lang, "site.testIdentification"))
		}),
		app.Header().Class("topbar").Body(
			app.Div().Class("topbar-inner").Body(
				app.A().Class("brand").Href(CatalogPath(lang)).Body(
					app.Span().Class("brand-mark").Aria("hidden", "true").Text("H"),
					app.Span().Class("brand-name").Text(t(lang, "site.name")),
				),
				app.Div().Class("topbar-tools").Body(
					languageSwitch(lang, u),
					&TextSize{Lang: lang},
					userArea(lang, u),
				),
			),
			&NetStatus{Lang: lang},
			app.If(user.Authenticated, func() app.UI { return &mainMenu{Lang: lang, Path: pathOf(u)} }),
		),
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
