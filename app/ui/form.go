package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/app/draft"
	"github.com/lomake/lomake/schemas"
)

// FormPage renders a service's form from its schema, one page (step) at a time, checks
// fields as the user leaves them and every page on Next and Send, and sends the form.
type FormPage struct {
	app.Compo

	route   route
	service *schemas.Service
	doc     map[string]any
	step    int

	// shown holds the problems shown under fields, by pointer. Messages are made at
	// render time so that switching language translates them too.
	shown map[string]schemas.Violation
	// summary is the error summary shown after a failed Next or Send, in form order.
	summary []schemas.Violation
	alert   string // message id of a sending problem
	sending bool
	// sendKey names the send under way, kept for retries until a case number comes.
	sendKey string

	// The draft's state against the server's copy (see formsync.go).
	base      map[string]any
	rev       int
	dirty     bool
	syncing   bool
	syncAt    time.Time
	conflicts []draft.Conflict
	choice    map[string]bool // conflict pointer → take the other device's answer
	dropped   []string        // answers a changed form had no room for
	quotaLow  bool

	// ctx is the page's own context: a deferred focus must hang on an element that stays
	// mounted, and the button that was clicked may be gone after the render.
	ctx app.Context
}

func (p *FormPage) OnPreRender(ctx app.Context) { p.load(ctx) }
func (p *FormPage) OnNav(ctx app.Context) {
	p.ctx = ctx
	fresh := p.load(ctx)
	if !app.IsClient || p.service == nil {
		return
	}
	// What was typed before, on this device or another, comes back.
	if fresh {
		p.opened(ctx)
		return
	}
	p.restructured("")
}

func (p *FormPage) OnMount(ctx app.Context) {
	pageHook = func(event string) {
		if event == "online" {
			p.ctx.Dispatch(func(ctx app.Context) { p.sync(ctx) })
		}
	}
	p.tick(ctx)
}

func (p *FormPage) OnDismount() { pageHook = nil }

// focusAfterRender moves focus to id once the pending render is done.
func (p *FormPage) focusAfterRender(id string) {
	p.ctx.Defer(func(app.Context) { focus(id) })
}

// restructured is called when other fields take the place of the ones shown (a new
// step, a removed list item): go-app reuses the DOM controls, and an empty value does
// not clear what the browser holds, so the controls are set from the document once
// the render is done.
func (p *FormPage) restructured(focusID string) {
	p.ctx.Defer(func(app.Context) {
		p.syncControls()
		if focusID != "" {
			focus(focusID)
		}
	})
}

func (p *FormPage) syncControls() {
	form := app.Window().GetElementByID("form")
	if !form.Truthy() {
		return
	}
	els := form.Get("elements")
	for i, n := 0, els.Length(); i < n; i++ {
		el := els.Index(i)
		name := el.Get("name").String()
		if name == "" {
			continue
		}
		want := p.value(name)
		switch el.Get("type").String() {
		case "radio":
			el.Set("checked", el.Get("value").String() == want)
		case "checkbox":
			el.Set("checked", want == "true")
		case "submit", "button":
		default:
			if el.Get("value").String() != want {
				el.Set("value", want)
			}
		}
	}
}

// load reads the address; it reports whether the form was set up anew (another service,
// or the first visit) rather than kept across a language switch.
func (p *FormPage) load(ctx app.Context) (fresh bool) {
	r := parseRoute(ctx.Page().URL())
	// The same component serves a language switch: keep what was typed when only the
	// language changes.
	fresh = p.service == nil || r.service != p.route.service
	if fresh {
		p.service = registry().Service(r.service)
		p.step, p.summary, p.alert, p.sendKey = 0, nil, "", ""
		p.base, p.rev, p.dirty, p.conflicts, p.dropped = nil, 0, false, nil, nil
		p.shown = map[string]schemas.Violation{}
		p.doc = map[string]any{}
		if p.service != nil {
			p.doc, _ = defaults(p.service.Form).(map[string]any)
		}
	}
	p.route = r
	p.setTitle(ctx)
	return fresh
}

func (p *FormPage) setTitle(ctx app.Context) {
	lang := p.route.lang
	if p.service == nil {
		setPage(ctx, lang, t(lang, "notfound.title"))
		return
	}
	title := p.service.Form.Title.In(lang)
	if len(p.service.Pages) > 1 {
		if pt := p.service.Pages[p.step].Title; pt != nil {
			title = pt.In(lang) + " – " + title
		}
	}
	if len(p.summary) > 0 {
		title = t(lang, "form.errorPrefix") + " " + title
	}
	setPage(ctx, lang, title)
}

func (p *FormPage) Render() app.UI {
	lang, s := p.route.lang, p.service
	if s == nil {
		return notFound(lang, p.route.url)
	}
	last := p.step == len(s.Pages)-1
	page := s.Pages[p.step]

	var fields []app.UI
	for _, name := range page.Fields {
		if n := s.Form.Property(name); n != nil {
			fields = append(fields, p.field(n, schemas.Pointer("", name)))
		}
	}

	var actions []app.UI
	if p.step > 0 {
		actions = append(actions, app.Button().Type("button").Class("button button-secondary").
			OnClick(p.previous).Text(t(lang, "form.previous")))
	}
	submit := "form.next"
	if last {
		submit = "form.send"
		if p.sending {
			submit = "form.sending"
		}
	}
	send := app.Button().Type("submit").Class("button").Aria("busy", boolString(p.sending)).Text(t(lang, submit))
	if p.sending {
		send = send.Disabled(true)
	}
	actions = append(actions, send)

	var stepTitle app.UI
	if page.Title != nil {
		stepTitle = app.H2().ID("step-title").Class("step-title").TabIndex(-1).Text(page.Title.In(lang))
	}

	return shell(lang, p.route.url,
		backLink(ServicePath(lang, s.ID), s.Name.In(lang)),
		app.H1().Text(s.Form.Title.In(lang)),
		p.steps(),
		// Messages that come and go live in their own container, so that the form after
		// them keeps its place and go-app updates it instead of building it anew.
		app.Div().Class("form-messages").Body(
			app.If(user.Loaded && !user.Authenticated, func() app.UI {
				return app.Div().Class("panel panel-info").Body(
					app.P().Text(t(lang, "form.identifyFirst")),
					app.A().Class("button button-secondary").Href(LoginPath(lang, FormPath(lang, s.ID))).Text(t(lang, "login.identify")),
				)
			}),
			p.conflictPanel(),
			p.notices(),
			p.errorSummary(),
			app.If(p.alert != "", func() app.UI {
				return app.Div().ID("form-alert").Class("alert").Role("alert").TabIndex(-1).Text(t(lang, p.alert))
			}),
		),
		app.P().Class("required-note").Text(t(lang, "form.requiredNote")),
		// A real form (method, names, labels) so that it can be sent before the
		// WebAssembly has loaded; novalidate because our messages replace the browser's.
		app.Form().ID("form").Class("form").Method("post").Action(FormPath(lang, s.ID)).DataSet("service", s.ID).
			NoValidate(true).OnSubmit(p.submit).Body(
			stepTitle,
			app.Div().Class("fields").Body(fields...),
			app.Div().Class("actions").Body(actions...),
		),
	)
}

// steps shows where the user is in a multi-page form.
func (p *FormPage) steps() app.UI {
	lang, pages := p.route.lang, p.service.Pages
	if len(pages) < 2 {
		return nil
	}
	items := make([]app.UI, len(pages))
	for i, pg := range pages {
		li := app.Li().Class("step")
		state := ""
		switch {
		case i == p.step:
			li = li.Class("step-current").Aria("current", "step")
			state = t(lang, "form.stepCurrent")
		case i < p.step:
			li = li.Class("step-done")
			state = t(lang, "form.stepDone")
		}
		label := ""
		if pg.Title != nil {
			label = pg.Title.In(lang)
		}
		items[i] = li.Body(
			app.Span().Class("step-number").Aria("hidden", "true").Text(strconv.Itoa(i+1)),
			app.Span().Class("step-label").Text(label),
			app.If(state != "", func() app.UI { return app.Span().Class("visually-hidden").Text(" (" + state + ")") }),
		)
	}
	return app.Nav().Class("steps").Aria("label", t(lang, "form.steps")).Body(
		app.P().Class("step-count").Text(tf(lang, "form.step", map[string]any{"Current": p.step + 1, "Total": len(pages)})),
		app.Ol().Body(items...),
	)
}

func (p *FormPage) errorSummary() app.UI {
	if len(p.summary) == 0 {
		return nil
	}
	lang := p.route.lang
	items := make([]app.UI, len(p.summary))
	for i, v := range p.summary {
		ptr := v.Pointer
		msg := p.service.Message(lang, v)
		if item := p.service.ItemLabel(lang, ptr); item != "" {
			msg = item + ": " + msg
		}
		items[i] = app.Li().Body(app.A().Href("#"+fieldID(ptr)).
			OnClick(func(ctx app.Context, e app.Event) {
				e.PreventDefault()
				p.goToField(ctx, ptr)
			}, app.EventScope(ptr)).
			Text(msg))
	}
	return app.Div().ID("error-summary").Class("error-summary").TabIndex(-1).
		Aria("labelledby", "error-summary-title").Body(
		app.H2().ID("error-summary-title").Text(t(lang, "form.summary")),
		app.Ul().Body(items...),
	)
}

// goToField shows the page a field is on and moves focus to it.
func (p *FormPage) goToField(ctx app.Context, ptr string) {
	p.step = p.service.PageOf(ptr)
	p.setTitle(ctx)
	p.restructured(fieldID(ptr))
}

func (p *FormPage) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.sending {
		return
	}
	all := p.service.Validate(p.doc)
	if p.step < len(p.service.Pages)-1 {
		var here []schemas.Violation
		for _, v := range all {
			if p.service.PageOf(v.Pointer) == p.step {
				here = append(here, v)
			}
		}
		if len(here) > 0 {
			p.showErrors(ctx, here)
			return
		}
		p.step++
		p.summary, p.alert = nil, ""
		p.setTitle(ctx)
		p.restructured("step-title")
		return
	}
	if len(all) > 0 {
		p.showErrors(ctx, all)
		return
	}
	p.send(ctx)
}

// identify goes to identification, which comes back here; the device has the draft.
func (p *FormPage) identify(ctx app.Context) {
	ctx.Navigate(LoginPath(p.route.lang, FormPath(p.route.lang, p.service.ID)))
}

func (p *FormPage) previous(ctx app.Context, e app.Event) {
	if p.step > 0 {
		p.step--
		p.summary, p.alert = nil, ""
		p.setTitle(ctx)
		p.restructured("step-title")
	}
}

// showErrors puts problems under their fields and in a focused summary at the top.
func (p *FormPage) showErrors(ctx app.Context, vs []schemas.Violation) {
	p.summary = vs
	for _, v := range vs {
		p.shown[v.Pointer] = v
	}
	p.setTitle(ctx)
	p.focusAfterRender("error-summary")
}

// check validates the document again after a field changed and updates what is shown
// for that field (and anything inside it).
func (p *FormPage) check(ptr string) {
	inside := func(q string) bool { return q == ptr || strings.HasPrefix(q, ptr+"/") }
	for q := range p.shown {
		if inside(q) {
			delete(p.shown, q)
		}
	}
	for _, v := range p.service.Validate(p.doc) {
		if inside(v.Pointer) {
			p.shown[v.Pointer] = v
		}
	}
	// A fixed problem leaves the summary too; new ones wait for the next Next or Send.
	kept := p.summary[:0]
	for _, v := range p.summary {
		if _, still := p.shown[v.Pointer]; still || !inside(v.Pointer) {
			kept = append(kept, v)
		}
	}
	p.summary = kept
}

// send posts the form; what was typed stays in place whatever happens. Without a
// session it first sends the user to identify, keeping the form for their return.
func (p *FormPage) send(ctx app.Context) {
	if user.Loaded && !user.Authenticated {
		p.identify(ctx)
		return
	}
	if user.Authenticated && !user.Registered { // identified, but registration comes first
		ctx.Navigate(RegisterPath(p.route.lang, FormPath(p.route.lang, p.service.ID)))
		return
	}
	p.sending, p.alert = true, ""
	if p.sendKey == "" {
		p.sendKey = newSendKey()
	}
	doc, id, lang, key := p.doc, p.service.ID, p.route.lang, p.sendKey
	if !online || user.offline {
		p.queue(ctx)
		return
	}
	ctx.Async(func() {
		res := postSubmission(id, lang, key, doc)
		ctx.Dispatch(func(ctx app.Context) {
			p.sending = false
			switch {
			case res.caseNumber != "":
				deleteDraft(id)
				p.sendKey = ""
				ctx.Navigate(SentPath(lang, id, res.caseNumber))
			case res.network:
				p.queue(ctx)
			case res.needIdentity:
				p.identify(ctx)
			case len(res.violations) > 0:
				p.showErrors(ctx, res.violations)
			default:
				p.alert = res.problem
				p.setTitle(ctx)
				p.focusAfterRender("form-alert")
			}
		})
	})
}

// queue keeps a send that cannot go now in the device's outbox, under its idempotency
// key, and shows the provisional receipt. The outbox sends it when it can.
func (p *FormPage) queue(ctx app.Context) {
	q := queued{ID: p.sendKey, Service: p.service.ID, Lang: p.route.lang, Owner: user.User, Doc: p.doc, Queued: time.Now()}
	p.sending = true
	ctx.Async(func() {
		ok := putQueued(q)
		ctx.Dispatch(func(ctx app.Context) {
			p.sending = false
			if !ok {
				p.alert = "form.networkError"
				p.focusAfterRender("form-alert")
				return
			}
			deleteDraft(q.Service)
			p.sendKey = ""
			flushOutbox()
			ctx.Navigate(QueuedPath(q.Lang, q.Service, q.ID))
		})
	})
}
