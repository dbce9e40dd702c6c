package ui

import (
	"net/url"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/locales"
	"github.com/lomake/lomake/schemas"
)

// ServicePage describes a service before its form: who it is for, how long it takes.
type ServicePage struct {
	app.Compo
	route   route
	service *schemas.Entry
}

func (p *ServicePage) OnPreRender(ctx app.Context) { p.load(ctx) }
func (p *ServicePage) OnNav(ctx app.Context) {
	p.load(ctx)
	showUser(ctx)
	if p.service == nil && app.IsClient {
		withCatalog(ctx, func() { p.load(ctx) }) // reached from a page that had no catalog
	}
	if id := p.route.service; app.IsClient && p.service != nil {
		ctx.Async(func() { loadService(id) }) // the form is the next page
	}
}

func (p *ServicePage) load(ctx app.Context) {
	p.route = parseRoute(ctx.Page().URL())
	p.service = registry().Entry(p.route.service)
	if p.service == nil {
		setPage(ctx, p.route.lang, t(p.route.lang, "notfound.title"))
		return
	}
	setPage(ctx, p.route.lang, p.service.Name.In(p.route.lang))
	ctx.Page().SetDescription("%s", p.service.Summary.In(p.route.lang))
}

func (p *ServicePage) Render() app.UI {
	lang, s := p.route.lang, p.service
	if s == nil {
		return notFound(lang, p.route.url)
	}
	folder := "service.folder.yes"
	if !s.KeepInFolder {
		folder = "service.folder.no"
	}
	body := []app.UI{
		backLink(CatalogPath(lang), t(lang, "service.all")),
		app.H1().Text(s.Name.In(lang)),
		app.P().Class("lead").Text(s.Summary.In(lang)),
	}
	body = append(body, paragraphs(s.Description.In(lang))...)
	facts := []app.UI{
		app.Dt().Text(t(lang, "service.audience")), app.Dd().Text(s.Audience.In(lang)),
		app.Dt().Text(t(lang, "service.processingTime")), app.Dd().Text(s.ProcessingTime.In(lang)),
	}
	if s.Validity != nil {
		facts = append(facts, app.Dt().Text(t(lang, "service.validity")), app.Dd().Text(s.Validity.In(lang)))
	}
	companies := "service.companies.no"
	if s.Companies() {
		companies = "service.companies.yes"
	}
	facts = append(facts,
		app.Dt().Text(t(lang, "service.department")), app.Dd().Text(s.Department.In(lang)),
		app.Dt().Text(t(lang, "service.topics")), app.Dd().Text(names(lang, "topic.", s.Topics)),
		app.Dt().Text(t(lang, "service.groups")), app.Dd().Text(names(lang, "group.", s.TargetGroups)),
		app.Dt().Text(t(lang, "service.companies")), app.Dd().Text(t(lang, companies)),
		app.Dt().Text(t(lang, "service.folder")), app.Dd().Text(t(lang, folder)),
	)
	body = append(body,
		app.Dl().ID("service-facts").Class("facts").Body(facts...),
		app.A().Class("button").Href(FormPath(lang, s.ID)).Text(t(lang, "service.start")),
	)
	if len(s.Channels) > 0 {
		items := make([]app.UI, len(s.Channels))
		for i, c := range s.Channels {
			items[i] = channelItem(lang, c)
		}
		body = append(body, app.Section().ID("service-channels").Aria("labelledby", "service-channels-title").Body(
			app.H2().ID("service-channels-title").Text(t(lang, "service.channels")),
			app.Ul().Class("channels").Body(items...),
		))
	}
	if s.Feedback != "" {
		body = append(body, app.P().ID("service-feedback").Body(
			app.A().Href(s.Feedback).Attr("rel", "noopener").Text(t(lang, "service.feedback")),
		))
	}
	return shell(lang, p.route.url, body...)
}

// names joins the names of a service's topics or target groups.
func names(lang, prefix string, ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = t(lang, prefix+id)
	}
	return strings.Join(out, ", ")
}

// channelItem is another way to use the service: a PDF form to download, a phone
// number with its hours, an e-mail address. The addresses are the schema's, checked
// to be https (or a number, an address) when it loaded.
func channelItem(lang string, c schemas.Channel) app.UI {
	switch c.Type {
	case "pdf":
		return app.Li().Body(app.A().Href(c.URL).Attr("rel", "noopener").Text(c.Title.In(lang)))
	case "phone":
		return app.Li().Body(
			app.Text(t(lang, "service.phone")+": "),
			app.A().Href(c.Tel()).Text(c.Number),
			app.Text(" ("+c.Hours.In(lang)+")"),
		)
	default:
		return app.Li().Body(
			app.Text(t(lang, "service.email")+": "),
			app.A().Href("mailto:"+c.Email).Text(c.Email),
		)
	}
}

// SentPage confirms a sent form and gives its case number.
//
// The address carries the case number (?case=), but anyone can write an address: the
// number is shown only when this client knows it is the reader's, because it received
// it from the server in this session or its outbox sent the form, or because the
// server gives the signed-in user the case. Otherwise, and always in prerendering, the
// page confirms nothing, so that a link cannot make the portal vouch for a number.
//
// A send waiting in the device's outbox gets a provisional receipt here instead, which
// turns into the confirmation when the outbox has sent it.
type SentPage struct {
	app.Compo
	route    route
	service  *schemas.Entry
	claimed  string // the address's case number, not yet trusted
	number   string // the case number, once confirmed
	checking bool   // the server is being asked about claimed
	queued   *queued
	req      *Request // on the server: what it knows of the request
	ctx      app.Context
}

// OnPreRender keeps what the server knows of the request: a form sent through its
// own posts, without the client, is confirmed to its sender here.
func (p *SentPage) OnPreRender(ctx app.Context) {
	p.req = requestOf(ctx)
	p.load(ctx)
}

func (p *SentPage) OnNav(ctx app.Context) { p.load(ctx) }

func (p *SentPage) OnMount(ctx app.Context) {
	p.ctx = ctx
	pageHook = func(event string) {
		if event == "outbox" {
			p.ctx.Dispatch(p.lookUp)
		}
	}
}

func (p *SentPage) OnDismount() { pageHook = nil }

func (p *SentPage) load(ctx app.Context) {
	u := ctx.Page().URL()
	p.route = parseRoute(u)
	p.service = registry().Entry(p.route.service)
	p.claimed, p.number, p.checking, p.queued = u.Query().Get("case"), "", false, nil
	if app.IsClient && p.service != nil {
		p.lookUp(ctx)
		p.checking = p.number == "" && caseNumberOf(p.claimed, p.service.Code)
		loadUser(ctx, false, p.ask)
		ctx.Defer(func(app.Context) { focus("confirmation") })
	} else {
		showUser(ctx)
		if r := p.req; r != nil && r.OwnCase != nil && p.service != nil && caseNumberOf(p.claimed, p.service.Code) &&
			r.OwnCase(p.claimed) == p.service.ID {
			p.number = p.claimed
		}
	}
	p.setTitle(ctx)
}

func (p *SentPage) setTitle(ctx app.Context) {
	title := "sent.none.title"
	switch {
	case p.service == nil:
		title = "notfound.title"
	case p.number != "":
		title = "confirm.title"
	case p.queued != nil:
		title = "queued.title"
	case p.checking:
		title = "sent.checking"
	}
	setPage(ctx, p.route.lang, t(p.route.lang, title))
}

// lookUp looks the send up on this device as it is now: the outbox's send named by
// ?queued=, the outbox's sent forms and the case numbers this client has received.
func (p *SentPage) lookUp(ctx app.Context) {
	if key := ctx.Page().URL().Query().Get("queued"); key != "" {
		for i, q := range outboxItems {
			if q.ID == key {
				p.queued = &outboxItems[i]
				if q.Case != "" {
					p.number = q.Case
				}
			}
		}
	}
	if n := p.claimed; n != "" && p.number == "" && p.service != nil {
		known := receivedCase(n) == p.service.ID
		for _, q := range outboxItems {
			known = known || (q.Case == n && q.Service == p.service.ID)
		}
		if known {
			p.number = n
		}
	}
	p.setTitle(ctx)
}

// ask asks the server, once it is known who is signed in, whether the address's case
// is the user's: it answers 404 for anyone else's and for a number that does not exist.
func (p *SentPage) ask(ctx app.Context) {
	if !p.checking {
		return
	}
	if !user.Authenticated || p.number != "" {
		p.checking = false
		p.setTitle(ctx)
		return
	}
	n, id := p.claimed, p.service.ID
	ctx.Async(func() {
		ok := ownCase(n, id)
		ctx.Dispatch(func(ctx app.Context) {
			if p.claimed != n { // the page has moved on
				return
			}
			p.checking = false
			if ok && p.number == "" {
				noteCase(n, id)
				p.number = n
			}
			p.setTitle(ctx)
		})
	})
}

// linkURL is the page's address for its links (language switch, login return): without
// a case number the page has not confirmed, so that it is not passed on.
func (p *SentPage) linkURL() *url.URL {
	u := p.route.url
	if u == nil {
		return nil
	}
	q := u.Query()
	if c := q.Get("case"); c == "" || c == p.number {
		return u
	}
	q.Del("case")
	v := *u
	v.RawQuery = q.Encode()
	return &v
}

func (p *SentPage) Render() app.UI {
	lang := p.route.lang
	if p.service == nil {
		return notFound(lang, p.linkURL())
	}
	title, class := t(lang, "sent.none.title"), "panel panel-info"
	var body app.UI = app.Div().Body(
		app.P().Text(t(lang, "sent.none.text")),
		app.P().Body(app.A().Href(HomePath(lang)).Text(t(lang, "sent.none.folder"))),
	)
	switch q := p.queued; {
	case p.number != "":
		// The sentence is translated whole, then the case number is cut out and set in
		// bold, so that no translator has to split a sentence around it. A service not
		// kept in the folder gives the number as a receipt: nothing is there to follow.
		sentence := "confirm.text"
		if !p.service.KeepInFolder {
			sentence = "confirm.receipt"
		}
		text := locales.T(lang, sentence, map[string]any{"Case": "\x00"})
		before, after, _ := strings.Cut(text, "\x00")
		title, class = t(lang, "confirm.title"), "panel panel-success"
		body = app.Div().Body(
			app.P().Class("lead").Body(app.Text(before), app.Strong().Class("case-number").Text(p.number), app.Text(after)),
			app.Dl().Class("facts").Body(
				app.Dt().Text(t(lang, "confirm.service")), app.Dd().Text(p.service.Name.In(lang)),
				app.Dt().Text(t(lang, "confirm.caseNumber")), app.Dd().Text(p.number),
				app.Dt().Text(t(lang, "confirm.status")), app.Dd().Text(t(lang, "status.SENT")),
			),
		)
	case q != nil:
		title = t(lang, "queued.title")
		body = app.Div().Body(
			app.P().Class("lead").Text(t(lang, "queued.text")),
			app.Dl().Class("facts").Body(
				app.Dt().Text(t(lang, "confirm.service")), app.Dd().Text(p.service.Name.In(lang)),
				app.Dt().Text(t(lang, "queued.saved")), app.Dd().Text(inHelsinki(q.Queued).Format("2.1.2006 15.04")),
				app.Dt().Text(t(lang, "confirm.status")), app.Dd().ID("queued-status").Text(t(lang, "status.QUEUED")),
			),
		)
	case p.checking:
		title, body = t(lang, "sent.checking"), nil
	}
	return shell(lang, p.linkURL(),
		app.Div().ID("confirmation").Class(class).TabIndex(-1).Role("status").Body(
			app.H1().Text(title),
			body,
		),
		app.P().Body(app.A().Href(CatalogPath(lang)).Text(t(lang, "confirm.back"))),
	)
}

// NotFoundPage is shown for addresses that lead nowhere.
type NotFoundPage struct {
	app.Compo
	route route
}

func (p *NotFoundPage) OnPreRender(ctx app.Context) { p.load(ctx) }
func (p *NotFoundPage) OnNav(ctx app.Context)       { p.load(ctx) }

func (p *NotFoundPage) load(ctx app.Context) {
	p.route = parseRoute(ctx.Page().URL())
	if app.IsClient && !locales.Supported(strings.Split(strings.Trim(p.route.url.Path, "/"), "/")[0]) {
		// An address without a language is answered in the user's, as the server does.
		p.route.lang = rememberedLang()
	}
	setPage(ctx, p.route.lang, t(p.route.lang, "notfound.title"))
}

func (p *NotFoundPage) Render() app.UI {
	u := p.route.url
	if u != nil && u.Path == NotFoundPath(p.route.lang) {
		u = nil // the server's stand-in for an address without a language: link to the catalogs
	}
	return notFound(p.route.lang, u)
}

func notFound(lang string, u *url.URL) app.UI {
	return shell(lang, u,
		app.H1().Text(t(lang, "notfound.title")),
		app.P().Body(app.Text(t(lang, "notfound.text")+" "), app.A().Href(CatalogPath(lang)).Text(t(lang, "catalog.title"))),
	)
}

func backLink(href, text string) app.UI {
	return app.P().Class("back").Body(app.A().Href(href).Text("‹ " + text))
}

// paragraphs splits plain text on blank lines: schema texts are never rendered as HTML.
func paragraphs(s string) []app.UI {
	var out []app.UI
	for _, p := range strings.Split(s, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, app.P().Text(p))
		}
	}
	return out
}

// afterPaint calls f on the UI goroutine once the browser has drawn what the current
// render changes: a timeout set from the next animation frame's callback runs after
// that frame. Another timeout covers a page that draws no frames (a hidden tab).
func afterPaint(ctx app.Context, f func(app.Context)) {
	w := app.Window()
	var frame, run app.Func
	var frameID, fallbackID app.Value
	done := false
	run = app.FuncOf(func(app.Value, []app.Value) any {
		if done {
			return nil
		}
		done = true
		w.Call("cancelAnimationFrame", frameID)
		w.Call("clearTimeout", fallbackID)
		frame.Release()
		run.Release()
		ctx.Dispatch(f)
		return nil
	})
	frames := 0
	frame = app.FuncOf(func(app.Value, []app.Value) any {
		if frames++; frames == 1 {
			frameID = w.Call("requestAnimationFrame", frame)
			return nil
		}
		w.Call("setTimeout", run, 0)
		return nil
	})
	frameID = w.Call("requestAnimationFrame", frame)
	fallbackID = w.Call("setTimeout", run, 250)
}

// focus moves keyboard focus to an element, for after a page or step change.
func focus(id string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Call("focus")
	}
}
