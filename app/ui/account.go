package ui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/locales"
)

// LoginPage: first resident or company customer, then the identification method. The
// method buttons submit a plain GET form to /auth/login, which leaves the app for the
// identification service (go-app would route a link inside the app).
type LoginPage struct {
	app.Compo
	route      route
	returnTo   string
	customer   string
	loggedOut  bool
	sessionEnd bool
}

func (p *LoginPage) OnPreRender(ctx app.Context) { p.load(ctx) }
func (p *LoginPage) OnNav(ctx app.Context)       { p.load(ctx) }

func (p *LoginPage) load(ctx app.Context) {
	u := ctx.Page().URL()
	p.route = parseRoute(u)
	p.returnTo = u.Query().Get("return")
	p.customer = u.Query().Get("customer")
	setPage(ctx, p.route.lang, t(p.route.lang, "login.title"))
}

func (p *LoginPage) Render() app.UI {
	lang := p.route.lang
	var body app.UI
	if p.customer != "person" && p.customer != "company" {
		choice := func(kind string) app.UI {
			return app.Li().Class("card").Body(
				app.H2().Class("card-title").Text(t(lang, "login."+kind)),
				app.P().Class("card-summary").Text(t(lang, "login."+kind+".help")),
				app.A().Class("button").Href("/"+lang+"/login?customer="+kind+"&return="+url.QueryEscape(p.returnTo)).Text(t(lang, "login.choose."+kind)),
			)
		}
		body = app.Div().Body(
			app.P().Class("lead").Text(t(lang, "login.intro")),
			app.Ul().Class("cards").Body(choice("person"), choice("company")),
		)
	} else {
		buttons := []app.UI{app.Input().Type("hidden").Name("return").Value(p.returnTo)}
		for _, m := range []string{"bank", "mobile", "card"} {
			buttons = append(buttons, app.Button().Type("submit").Class("button button-secondary method").
				Name("method").Value(m).Text(t(lang, "login.method."+m)))
		}
		body = app.Div().Body(
			backLink("/"+lang+"/login?return="+url.QueryEscape(p.returnTo), t(lang, "login.back")),
			app.If(p.customer == "company", func() app.UI { return app.P().Text(t(lang, "login.company.note")) }),
			app.H2().Text(t(lang, "login.method")),
			app.Form().Class("methods").Method("get").Action("/auth/login").Body(buttons...),
			app.P().Class("hint").Text(t(lang, "login.national")),
		)
	}
	var ended app.UI
	if p.route.url != nil && p.route.url.Query().Get("ended") == "1" {
		ended = app.P().Class("panel panel-info").Role("status").Text(t(lang, "idle.ended"))
	}
	return shell(lang, p.route.url, ended, app.H1().Text(t(lang, "login.title")), body)
}

// profileFields are the editable details of a profile.
type profileFields = apiv1.ProfileInput

// AccountPage is first-login registration (/register) and the profile (/profile): the
// same details, validated by the server, with consent asked only at registration.
type AccountPage struct {
	app.Compo
	route    route
	register bool
	returnTo string

	name, identityCode string
	fields, saved      profileFields
	problems           []apiv1.FieldError
	status             string // message id after saving
	busy               bool
	ctx                app.Context
}

func (p *AccountPage) OnPreRender(ctx app.Context) { p.load(ctx) }

func (p *AccountPage) OnNav(ctx app.Context) {
	p.ctx = ctx
	p.load(ctx)
	loadUser(ctx, true, func(ctx app.Context) {
		if !user.Authenticated {
			ctx.Navigate(LoginPath(p.route.lang, p.route.url.RequestURI()))
			return
		}
		if p.register && user.Registered {
			ctx.Navigate(p.next())
			return
		}
		if !p.register && !user.Registered { // nothing before registration
			ctx.Navigate(RegisterPath(p.route.lang, ProfilePath(p.route.lang)))
			return
		}
		p.fetch(ctx)
	})
}

func (p *AccountPage) load(ctx app.Context) {
	u := ctx.Page().URL()
	p.route = parseRoute(u)
	p.register = strings.Trim(u.Path, "/") == p.route.lang+"/register"
	p.returnTo = u.Query().Get("return")
	if p.fields.Language == "" {
		p.fields.Language = p.route.lang
	}
	p.setTitle(ctx)
}

func (p *AccountPage) setTitle(ctx app.Context) {
	title := t(p.route.lang, p.titleID())
	if len(p.problems) > 0 {
		title = t(p.route.lang, "form.errorPrefix") + " " + title
	}
	setPage(ctx, p.route.lang, title)
}

func (p *AccountPage) titleID() string {
	if p.register {
		return "register.title"
	}
	return "profile.title"
}

func (p *AccountPage) next() string {
	if p.returnTo != "" && p.returnTo[0] == '/' && (len(p.returnTo) < 2 || p.returnTo[1] != '/') {
		return p.returnTo
	}
	return HomePath(p.route.lang)
}

func (p *AccountPage) fetch(ctx app.Context) {
	ctx.Async(func() {
		res, err := call(http.MethodGet, "/api/v1/profile", p.route.lang, nil)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil || res.status != http.StatusOK {
				return
			}
			var pr apiv1.Profile
			if json.Unmarshal(res.body, &pr) == nil {
				p.name, p.identityCode = pr.Name, pr.IdentityCode
				if pr.Language == "" {
					pr.Language = p.route.lang
				}
				f := profileFields{Email: pr.Email, Phone: pr.Phone, Language: pr.Language, Channel: pr.Channel}
				// What the user changed while this was on its way stays theirs.
				mine, was := p.fields, p.saved
				keep := func(cur, before, got string) string {
					if cur != before {
						return cur
					}
					return got
				}
				p.saved = f
				f.Email, f.Phone = keep(mine.Email, was.Email, f.Email), keep(mine.Phone, was.Phone, f.Phone)
				f.Language, f.Channel = keep(mine.Language, was.Language, f.Language), keep(mine.Channel, was.Channel, f.Channel)
				f.Consent = mine.Consent
				p.fields = f
			}
		})
	})
}

func (p *AccountPage) Render() app.UI {
	lang := p.route.lang
	var head []app.UI
	if p.register {
		head = append(head, app.P().Class("lead").Text(t(lang, "register.intro")))
	} else if p.name != "" {
		head = append(head, app.Dl().Class("facts").Body(
			app.Dt().Text(t(lang, "profile.name")), app.Dd().Text(p.name),
			app.Dt().Text(t(lang, "profile.identityCode")), app.Dd().Text(p.identityCode),
		), app.P().Class("hint").Text(t(lang, "profile.fromRegister")))
	}
	var summary app.UI
	if len(p.problems) > 0 {
		items := make([]app.UI, len(p.problems))
		for i, pr := range p.problems {
			items[i] = app.Li().Body(app.A().Href("#p" + pr.Pointer[1:]).Text(pr.Message))
		}
		summary = app.Section().ID("error-summary").Class("error-summary").TabIndex(-1).Aria("labelledby", "error-summary-title").Body(
			app.H2().ID("error-summary-title").Text(t(lang, "form.summary")),
			app.Ul().Body(items...),
		)
	}
	var consent app.UI
	if p.register {
		consent = p.check("consent", "register.consent", p.fields.Consent, func(v bool) { p.fields.Consent = v })
	}
	actions := []app.UI{app.Button().Type("submit").Class("button").Text(t(lang, map[bool]string{true: "register.save", false: "profile.save"}[p.register]))}
	if !p.register {
		actions = append(actions, app.Button().Type("button").Class("button button-secondary").OnClick(p.cancel).Text(t(lang, "profile.cancel")))
	}
	return shell(lang, p.route.url,
		app.H1().Text(t(lang, p.titleID())),
		app.Div().Class("form-messages").Body(summary,
			app.If(p.status != "", func() app.UI {
				return app.P().ID("profile-status").Class("panel panel-success").Role("status").Text(t(lang, p.status))
			})),
		app.Div().Body(head...),
		app.Form().ID("form").Class("form").Method("post").Action(ProfilePath(lang)).NoValidate(true).OnSubmit(p.submit).Body(
			app.Div().Class("fields").Body(
				consent,
				p.text("email", "email", "register.email", "email", p.fields.Email, func(v string) { p.fields.Email = v }),
				p.text("phone", "tel", "register.phone", "tel", p.fields.Phone, func(v string) { p.fields.Phone = v }),
				p.choice("language", "profile.language", locales.Languages, func(v string) string { return locales.Name(v) }, p.fields.Language, func(v string) { p.fields.Language = v }),
				p.choice("channel", "profile.channel", []string{"email", "sms", "both"}, func(v string) string { return t(lang, "register.channel."+v) }, p.fields.Channel, func(v string) { p.fields.Channel = v }),
			),
			app.P().Class("hint").Text(t(lang, "register.contactNote")),
			app.Div().Class("actions").Body(actions...),
		),
	)
}

func (p *AccountPage) problem(name string) string {
	for _, pr := range p.problems {
		if pr.Pointer == "/"+name {
			return pr.Message
		}
	}
	return ""
}

// frame is a profile field's frame in the kit (kit.go), as the service forms draw theirs.
func (p *AccountPage) frame(name string, label []app.UI) frame {
	return frame{lang: p.route.lang, id: "p" + name, label: label, message: p.problem(name)}
}

func (p *AccountPage) text(name, typ, label, autocomplete, value string, set func(string)) app.UI {
	f := p.frame(name, []app.UI{app.Text(t(p.route.lang, label))})
	in := app.Input().Type(typ).ID(f.id).Name(name).Class("control control-"+typ).Value(value).Attr("autocomplete", autocomplete).
		// The scope makes go-app replace the handler when another field takes this place
		// (the page renders once before OnNav knows it is registration).
		Aria("invalid", boolString(f.message != "")).Aria("describedby", f.describedBy()).
		OnChange(func(ctx app.Context, e app.Event) { set(ctx.JSSrc().Get("value").String()) }, app.EventScope(name))
	return f.labelled(in)
}

func (p *AccountPage) check(name, label string, checked bool, set func(bool)) app.UI {
	f := p.frame(name, []app.UI{app.Text(t(p.route.lang, label)), requiredMark()})
	box := app.Input().Type("checkbox").ID(f.id).Name(name).Value("true").Required(true).
		Aria("invalid", boolString(f.message != "")).Aria("describedby", f.describedBy()). // the message is read with the box
		OnChange(func(ctx app.Context, e app.Event) { set(ctx.JSSrc().Get("checked").Bool()) }, app.EventScope(name))
	if checked {
		box = box.Checked(true)
	}
	return f.box(box)
}

func (p *AccountPage) choice(name, label string, values []string, text func(string) string, current string, set func(string)) app.UI {
	f := p.frame(name, []app.UI{app.Text(t(p.route.lang, label)), requiredMark()})
	opts := make([]app.UI, len(values))
	for i, v := range values {
		v := v
		id := f.id
		if i > 0 {
			id += "-" + v
		}
		// Required for screen readers too, not only by the visible mark.
		radio := app.Input().Type("radio").ID(id).Name(name).Value(v).Required(true).Aria("invalid", boolString(f.message != "")).
			OnChange(func(ctx app.Context, e app.Event) { set(v) }, app.EventScope(name+v))
		if v == current {
			radio = radio.Checked(true)
		}
		opts[i] = choice(radio, id, text(v), false)
	}
	return f.choices(opts)
}

func (p *AccountPage) cancel(ctx app.Context, e app.Event) {
	p.fields, p.problems, p.status = p.saved, nil, ""
	p.setTitle(ctx)
	p.ctx.Defer(func(app.Context) { syncForm(p.fields) })
}

func (p *AccountPage) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy {
		return
	}
	p.busy, p.status = true, ""
	fields, lang := p.fields, p.route.lang
	ctx.Async(func() {
		res, err := call(http.MethodPut, "/api/v1/profile", lang, fields)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			var answer struct {
				Errors []apiv1.FieldError `json:"errors"`
			}
			switch {
			case err != nil:
				p.problems = []apiv1.FieldError{{Pointer: "/email", Message: t(lang, "form.networkError")}}
			case res.status == http.StatusOK:
				p.problems = nil
				p.saved = p.fields
				user.Registered = true
				if p.register {
					ctx.Navigate(p.next())
					return
				}
				p.status = "profile.saved"
				p.setTitle(ctx)
				p.ctx.Defer(func(app.Context) { focus("profile-status") })
				return
			case res.status == http.StatusUnauthorized:
				ctx.Navigate(LoginPath(lang, p.route.url.RequestURI()))
				return
			default:
				_ = json.Unmarshal(res.body, &answer)
				p.problems = answer.Errors
				if len(p.problems) == 0 {
					p.problems = []apiv1.FieldError{{Pointer: "/email", Message: t(lang, "form.serverError")}}
				}
			}
			p.setTitle(ctx)
			p.ctx.Defer(func(app.Context) { focus("error-summary") })
		})
	})
}

// syncForm puts saved values back into the controls after Cancel (go-app leaves typed
// text in place when the rendered value does not change).
func syncForm(f profileFields) {
	for id, v := range map[string]string{"pemail": f.Email, "pphone": f.Phone} {
		if el := app.Window().GetElementByID(id); el.Truthy() {
			el.Set("value", v)
		}
	}
}

// HomePage greets a signed-in resident.
type HomePage struct {
	app.Compo
	route         route
	announcements []string
	drafts        []draftItem
	draftsLoaded  bool
	latest        []apiv1.CaseSummary // the cases whose events are newest
	latestLoaded  bool
}

// draftItem is a form the user has started and not sent, as the server lists it.
type draftItem = apiv1.DraftItem

func (p *HomePage) OnPreRender(ctx app.Context) { p.load(ctx) }

func (p *HomePage) OnNav(ctx app.Context) {
	p.load(ctx)
	withCatalog(ctx, func() {}) // the services it links to
	loadUser(ctx, false, func(ctx app.Context) {
		if !user.Authenticated {
			ctx.Navigate(LoginPath(p.route.lang, HomePath(p.route.lang)))
			return
		} else if !user.Registered {
			ctx.Navigate(RegisterPath(p.route.lang, HomePath(p.route.lang)))
			return
		}
		lang := p.route.lang
		ctx.Async(func() {
			res, err := call(http.MethodGet, "/api/v1/announcements", lang, nil)
			var answer apiv1.Announcements
			if err != nil || res.status != http.StatusOK || json.Unmarshal(res.body, &answer) != nil {
				return
			}
			ctx.Dispatch(func(app.Context) {
				p.announcements = p.announcements[:0]
				for _, a := range answer.Announcements {
					p.announcements = append(p.announcements, a.Text)
				}
			})
		})
		ctx.Async(func() {
			drafts, _ := fetchDrafts(lang)
			ctx.Dispatch(func(app.Context) { p.drafts, p.draftsLoaded = drafts, true })
		})
		ctx.Async(func() {
			f, _ := fetchFolder(lang, "", sortDate)
			ctx.Dispatch(func(app.Context) {
				p.latestLoaded = true
				if f != nil {
					p.latest = latestEvents(f.Cases, 5)
					setFolderNews(f.NewCases)
				}
			})
		})
	})
}

func (p *HomePage) load(ctx app.Context) {
	p.route = parseRoute(ctx.Page().URL())
	setPage(ctx, p.route.lang, t(p.route.lang, "home.title"))
}

func (p *HomePage) Render() app.UI {
	lang := p.route.lang
	services := registry().Sorted(lang)
	links := make([]app.UI, len(services))
	for i, s := range services {
		links[i] = app.Li().Body(app.A().Href(ServicePath(lang, s.ID)).Text(s.Name.In(lang)))
	}
	// Until the client knows who is signed in (and in the prerendered page), the
	// heading is the page's name rather than a greeting to nobody.
	heading := t(lang, "home.title")
	if user.Name != "" {
		heading = tf(lang, "home.welcome", map[string]any{"Name": user.Name})
	}
	// Announcements show only when there are any, in a container of their own.
	var notes app.UI
	if len(p.announcements) > 0 {
		items := make([]app.UI, len(p.announcements))
		for i, a := range p.announcements {
			items[i] = app.Li().Text(a)
		}
		notes = app.Div().Role("region").Class("panel panel-info announcements").Aria("labelledby", "announcements-title").Body(
			app.H2().ID("announcements-title").Text(t(lang, "home.announcements")),
			app.Ul().Body(items...),
		)
	}
	return shell(lang, p.route.url,
		app.H1().Text(heading),
		app.P().Body(app.A().Href(ProfilePath(lang)).Text(t(lang, "home.editDetails"))),
		app.Div().Class("home-announcements").Body(notes),
		app.H2().Text(t(lang, "home.drafts")),
		draftList(lang, "drafts", p.drafts, !p.draftsLoaded),
		app.H2().Text(t(lang, "home.latest")),
		latestList(lang, p.latest, !p.latestLoaded),
		app.P().Body(app.A().ID("home-folder").Href(FolderPath(lang)).Text(t(lang, "sent.none.folder"))),
		app.H2().Text(t(lang, "home.popular")),
		app.Ul().Class("links").Body(links...),
	)
}

// mainMenu is the language switch, the text size and, signed in, the links of the
// user's pages. On a phone it folds behind one Menu button: a details element, so that
// it opens before the client runs, or without it; from 768 px it is laid out in the
// top bar, the button hidden. The folder's link carries the number of cases with news
// (and so does the button, which hides it on a phone), and officials get the back
// office.
type mainMenu struct {
	app.Compo
	Lang string
	Path string   // the page's, to mark its link current
	URL  *url.URL // the page's, for the language switch
	// SignedIn is the session as the page knew it: its change renders the menu again.
	SignedIn bool
	ctx      app.Context
}

func (m *mainMenu) OnMount(ctx app.Context) {
	m.ctx, menu = ctx, m
	menuFacts(ctx)
}

// OnUpdate: the session becomes known after the menu has mounted.
func (m *mainMenu) OnUpdate(ctx app.Context) { menuFacts(ctx) }

func (m *mainMenu) OnDismount() {
	if menu == m {
		menu = nil
	}
}

// closeMenu folds the menu, as on a new page.
func closeMenu() {
	if d := app.Window().GetElementByID("site-menu"); d.Truthy() {
		d.Set("open", false)
	}
}

func (m *mainMenu) Render() app.UI {
	lang := m.Lang
	link := func(id, href string, body ...app.UI) app.UI {
		a := app.A().ID(id).Href(href).Body(body...)
		here := strings.TrimSuffix(href, "/")
		if m.Path == here || (href != CatalogPath(lang) && strings.HasPrefix(m.Path, here+"/")) {
			a = a.Aria("current", "page")
		}
		return app.Li().Body(a)
	}
	news := func(label string) []app.UI {
		out := []app.UI{app.Text(label)}
		if n := newCasesCount(); n > 0 {
			out = append(out,
				app.Span().Class("badge badge-count").Aria("hidden", "true").Text(n),
				app.Span().Class("visually-hidden").Text(" "+tf(lang, "menu.folderNews", map[string]any{"Count": n})),
			)
		}
		return out
	}
	return app.Details().ID("site-menu").Class("site-menu").Body(
		app.Summary().ID("menu-toggle").Class("menu-toggle").Body(news(t(lang, "menu.button"))...),
		app.Div().Class("menu-panel").Body(
			languageSwitch(lang, m.URL),
			&TextSize{Lang: lang},
			app.If(user.Authenticated, func() app.UI {
				return app.Nav().Class("main-menu").Aria("label", t(lang, "menu.label")).Body(
					app.Ul().ID("main-menu-list").Class("menu-list").Body(
						link("menu-home", HomePath(lang), app.Text(t(lang, "home.title"))),
						link("menu-folder", FolderPath(lang), news(t(lang, "folder.title"))...),
						link("menu-catalog", CatalogPath(lang), app.Text(t(lang, "catalog.title"))),
						link("menu-profile", ProfilePath(lang), app.Text(t(lang, "profile.title"))),
						app.If(isOfficial(), func() app.UI {
							return link("menu-backoffice", BackofficePath(lang), app.Text(t(lang, "backoffice.title")))
						}),
					),
				)
			}),
		),
	)
}

// activity tells the server the user is busy (typing counts), at most once a minute,
// so that the idle timeout starts over.
var lastActivity time.Time

func activity(ctx app.Context) {
	if !user.Authenticated || time.Since(lastActivity) < time.Minute {
		return
	}
	lastActivity = time.Now()
	ctx.Async(func() {
		res, err := call(http.MethodPost, "/api/v1/session/extend", "", struct{}{})
		if err != nil || res.status != http.StatusOK {
			return
		}
		var s signedIn
		if json.Unmarshal(res.body, &s) == nil {
			ctx.Dispatch(func(app.Context) { user.expires = time.Now().Add(time.Duration(s.RemainingSeconds) * time.Second) })
		}
	})
}

// IdleWatch warns 5 minutes before the session ends and offers to continue; at the end
// it signs the user out and says why. The form keeps what was typed in the tab.
type IdleWatch struct {
	app.Compo
	Lang    string
	warning bool
}

func (w *IdleWatch) OnMount(ctx app.Context) { w.tick(ctx) }

func (w *IdleWatch) tick(ctx app.Context) {
	// Offline the session's end is unknown; the server says when it is back.
	if user.Authenticated && !user.offline {
		left := time.Until(user.expires)
		switch {
		case left <= 0:
			user = signedIn{Loaded: true}
			ctx.Navigate("/" + w.Lang + "/login?ended=1&return=" + url.QueryEscape(app.Window().URL().RequestURI()))
			return
		case left <= 5*time.Minute && !w.warning:
			w.warning = true
			ctx.Defer(func(app.Context) { focus("idle-continue") })
		}
	}
	ctx.After(10*time.Second, w.tick)
}

func (w *IdleWatch) Render() app.UI {
	if !w.warning {
		return app.Div().Class("idle-watch")
	}
	lang := w.Lang
	return app.Div().Class("idle-watch dialog-backdrop").Body(
		app.Div().ID("idle-dialog").Class("dialog").Role("alertdialog").Aria("modal", "true").
			Aria("labelledby", "idle-title").Aria("describedby", "idle-text").OnKeyDown(trapFocus).Body(
			app.H2().ID("idle-title").Text(t(lang, "idle.title")),
			app.P().ID("idle-text").Text(t(lang, "idle.text")),
			app.Div().Class("actions").Body(
				app.Button().ID("idle-continue").Type("button").Class("button").OnClick(w.extend).Text(t(lang, "idle.continue")),
				logoutForm(lang, "idle-logout"),
			),
		),
	)
}

func (w *IdleWatch) extend(ctx app.Context, e app.Event) {
	w.warning = false
	lastActivity = time.Time{}
	activity(ctx)
}

// trapFocus keeps Tab inside the dialog (WCAG 2.1.2 needs a way out: Continue or Log out).
func trapFocus(ctx app.Context, e app.Event) {
	if e.Get("key").String() != "Tab" {
		return
	}
	first, last := app.Window().GetElementByID("idle-continue"), app.Window().GetElementByID("idle-logout")
	active := app.Window().Get("document").Get("activeElement")
	switch {
	case e.Get("shiftKey").Bool() && active.Equal(first):
		e.PreventDefault()
		last.Call("focus")
	case !e.Get("shiftKey").Bool() && active.Equal(last):
		e.PreventDefault()
		first.Call("focus")
	}
}

// logoutForm signs out with a POST that carries the CSRF token.
func logoutForm(lang, buttonID string) app.UI {
	return app.Form().Class("logout").Method("post").Action("/auth/logout").Body(
		app.Input().Type("hidden").Name("csrf").Value(user.CSRF),
		app.Button().ID(buttonID).Type("submit").Class("button button-secondary").Text(t(lang, "site.logout")),
	)
}
