package ui

import (
	"net/url"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/locales"
	"github.com/lomake/lomake/schemas"
)

// CatalogPage lists the services alphabetically.
type CatalogPage struct {
	app.Compo
	route route
}

func (p *CatalogPage) OnPreRender(ctx app.Context) { p.load(ctx) }
func (p *CatalogPage) OnNav(ctx app.Context)       { p.load(ctx); showUser(ctx) }

func (p *CatalogPage) load(ctx app.Context) {
	p.route = parseRoute(ctx.Page().URL())
	setPage(ctx, p.route.lang, t(p.route.lang, "catalog.title"))
}

func (p *CatalogPage) Render() app.UI {
	lang := p.route.lang
	services := registry().Sorted(lang)
	cards := make([]app.UI, 0, len(services))
	for _, s := range services {
		headingID := "service-" + s.ID
		cards = append(cards, app.Li().Class("card").Body(
			app.H2().ID(headingID).Class("card-title").Text(s.Name.In(lang)),
			app.P().Class("card-summary").Text(s.Summary.In(lang)),
			app.A().Class("button button-secondary").Href(ServicePath(lang, s.ID)).Body(
				app.Text(t(lang, "catalog.go")),
				app.Span().Class("visually-hidden").Text(": "+s.Name.In(lang)),
			),
		))
	}
	var notice app.UI
	if p.route.url != nil && p.route.url.Query().Get("logged-out") == "1" {
		notice = app.P().ID("logged-out").Class("panel panel-success").Role("status").Text(t(lang, "site.loggedOut"))
	}
	return shell(lang, p.route.url,
		notice,
		app.H1().Text(t(lang, "catalog.title")),
		app.P().Class("lead").Text(t(lang, "catalog.intro")),
		app.Ul().Class("cards").Body(cards...),
	)
}

// ServicePage describes a service before its form: who it is for, how long it takes.
type ServicePage struct {
	app.Compo
	route   route
	service *schemas.Service
}

func (p *ServicePage) OnPreRender(ctx app.Context) { p.load(ctx) }
func (p *ServicePage) OnNav(ctx app.Context)       { p.load(ctx); showUser(ctx) }

func (p *ServicePage) load(ctx app.Context) {
	p.route = parseRoute(ctx.Page().URL())
	p.service = registry().Service(p.route.service)
	if p.service == nil {
		setPage(ctx, p.route.lang, t(p.route.lang, "notfound.title"))
		return
	}
	setPage(ctx, p.route.lang, p.service.Name.In(p.route.lang))
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
	body = append(body,
		app.Dl().Class("facts").Body(
			app.Dt().Text(t(lang, "service.audience")), app.Dd().Text(s.Audience.In(lang)),
			app.Dt().Text(t(lang, "service.processingTime")), app.Dd().Text(s.ProcessingTime.In(lang)),
			app.Dt().Text(t(lang, "service.department")), app.Dd().Text(s.Department.In(lang)),
			app.Dt().Text(t(lang, "service.folder")), app.Dd().Text(t(lang, folder)),
		),
		app.A().Class("button").Href(FormPath(lang, s.ID)).Text(t(lang, "service.start")),
	)
	return shell(lang, p.route.url, body...)
}

// SentPage confirms a sent form and gives its case number.
//
// A send waiting in the device's outbox gets a provisional receipt here instead, which
// turns into the confirmation when the outbox has sent it.
type SentPage struct {
	app.Compo
	route   route
	service *schemas.Service
	number  string
	queued  *queued
	ctx     app.Context
}

func (p *SentPage) OnPreRender(ctx app.Context) { p.load(ctx) }
func (p *SentPage) OnNav(ctx app.Context)       { p.load(ctx); showUser(ctx) }

func (p *SentPage) OnMount(ctx app.Context) {
	p.ctx = ctx
	pageHook = func(event string) {
		if event == "outbox" {
			p.ctx.Dispatch(p.findQueued)
		}
	}
}

func (p *SentPage) OnDismount() { pageHook = nil }

func (p *SentPage) load(ctx app.Context) {
	u := ctx.Page().URL()
	p.route = parseRoute(u)
	p.service = registry().Service(p.route.service)
	p.number = u.Query().Get("case")
	p.setTitle(ctx)
	if app.IsClient {
		p.findQueued(ctx)
		ctx.Defer(func(app.Context) { focus("confirmation") })
	}
}

func (p *SentPage) setTitle(ctx app.Context) {
	title := "confirm.title"
	if p.number == "" && p.queued != nil {
		title = "queued.title"
	}
	setPage(ctx, p.route.lang, t(p.route.lang, title))
}

// findQueued looks the send up in the outbox as it is now.
func (p *SentPage) findQueued(ctx app.Context) {
	key := ctx.Page().URL().Query().Get("queued")
	if key == "" {
		return
	}
	for i, q := range outboxItems {
		if q.ID == key {
			p.queued = &outboxItems[i]
			if q.Case != "" {
				p.number = q.Case
			}
		}
	}
	p.setTitle(ctx)
}

func (p *SentPage) Render() app.UI {
	lang := p.route.lang
	if p.service == nil {
		return notFound(lang, p.route.url)
	}
	var body app.UI = app.P().Text(t(lang, "confirm.noCase"))
	title, class := t(lang, "confirm.title"), "panel panel-success"
	if q := p.queued; q != nil && p.number == "" {
		title, class = t(lang, "queued.title"), "panel panel-info"
		body = app.Div().Body(
			app.P().Class("lead").Text(t(lang, "queued.text")),
			app.Dl().Class("facts").Body(
				app.Dt().Text(t(lang, "confirm.service")), app.Dd().Text(p.service.Name.In(lang)),
				app.Dt().Text(t(lang, "queued.saved")), app.Dd().Text(q.Queued.Local().Format("2.1.2006 15.04")),
				app.Dt().Text(t(lang, "confirm.status")), app.Dd().ID("queued-status").Text(t(lang, "status.QUEUED")),
			),
		)
	}
	if p.number != "" {
		// The sentence is translated whole, then the case number is cut out and set in
		// bold, so that no translator has to split a sentence around it.
		text := locales.T(lang, "confirm.text", map[string]any{"Case": "\x00"})
		before, after, _ := strings.Cut(text, "\x00")
		body = app.Div().Body(
			app.P().Class("lead").Body(app.Text(before), app.Strong().Class("case-number").Text(p.number), app.Text(after)),
			app.Dl().Class("facts").Body(
				app.Dt().Text(t(lang, "confirm.service")), app.Dd().Text(p.service.Name.In(lang)),
				app.Dt().Text(t(lang, "confirm.caseNumber")), app.Dd().Text(p.number),
				app.Dt().Text(t(lang, "confirm.status")), app.Dd().Text(t(lang, "status.SENT")),
			),
		)
	}
	return shell(lang, p.route.url,
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
	setPage(ctx, p.route.lang, t(p.route.lang, "notfound.title"))
}

func (p *NotFoundPage) Render() app.UI { return notFound(p.route.lang, p.route.url) }

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

// focus moves keyboard focus to an element, for after a page or step change.
func focus(id string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Call("focus")
	}
}
