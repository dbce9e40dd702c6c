package ui

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/apiv1"
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
	// shownGen counts the failed Nexts and Sends whose fields' messages are on their
	// way (showErrors).
	shownGen int
	alert    string // message id of a sending problem
	// conditions is which of the form's conditions applied at the last render
	// (schemas.ConditionState): an answer that changes it shows or hides fields.
	conditions string
	// required are the copies of fields that a condition requires now, marked so.
	required map[*schemas.Node]*schemas.Node

	// File fields (files.go), by pointer: an upload under way, what became of the last
	// one (announced), and a problem that is not the form's (the network, the server).
	uploading   map[string]bool
	fileNote    map[string]string
	fileProblem map[string]string
	sending     bool
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

	// On the server: what it knows of the request (prerender.go), and the element
	// the page focuses when it loads (after one of the form's own posts).
	req         *Request
	focusOnLoad string

	// fetching is the service whose schema is being fetched (reached inside the client).
	fetching string

	// took is the prerendered form the client took over, until OnNav has used it.
	took                 *takeover
	prerenderedSignedOut bool // what the server said, until the client knows

	// ctx is the page's own context: a deferred focus must hang on an element that stays
	// mounted, and the button that was clicked may be gone after the render.
	ctx app.Context
}

// OnPreRender renders the form on the server: as it is first, or as one of its own
// posts left it (see formpost.go).
func (p *FormPage) OnPreRender(ctx app.Context) {
	p.req = requestOf(ctx)
	p.load(ctx)
	if p.req == nil || p.req.Form == nil || p.service == nil {
		return
	}
	st := p.req.Form
	p.doc, p.step, p.sendKey, p.alert = st.Doc, st.Step, st.Key, st.Alert
	p.summary, p.shown, p.focusOnLoad = st.Summary, st.Shown, st.Focus
	p.setTitle(ctx)
}

// OnInit takes over the prerendered form, before the client's first render replaces
// it: the same answers (what the page would post), page, key and errors, so that the
// resident sees no change. OnNav then puts focus back in the same task.
func (p *FormPage) OnInit() {
	if !app.IsClient {
		return
	}
	r := parseRoute(app.Window().URL())
	s := registry().Service(r.service)
	lo := app.Window().Get("lomake")
	if s == nil || !lo.Truthy() {
		return
	}
	var tk takeover
	if text := lo.Call("snapshot"); text.Type() != app.TypeString || json.Unmarshal([]byte(text.String()), &tk) != nil || tk.Service != s.ID {
		return
	}
	p.route, p.service = r, s
	p.reset()
	values := url.Values(tk.Values)
	p.doc = docFromPost(s, values)
	p.step, _ = strconv.Atoi(values.Get(fieldStep))
	p.step = min(max(p.step, 0), len(s.Pages)) // len: the answers
	if k := values.Get(fieldKey); sendKeyForm(k) {
		p.sendKey = k
	}
	if tk.Errors {
		// The server showed this page's problems (or, with the answers, the form's).
		for _, v := range problems(s, p.doc, nil) {
			if p.step == len(s.Pages) || s.PageOf(v.Pointer) == p.step {
				p.summary = append(p.summary, v)
				p.shown[v.Pointer] = v
			}
		}
	}
	p.took, p.prerenderedSignedOut = &tk, tk.SignedOut
}

// takeover is what the prerendered form held when the client took it over (see
// lomake.js snapshot).
type takeover struct {
	Service   string              `json:"service"`
	Posted    bool                `json:"posted"`    // rendered from one of its own posts
	SignedOut bool                `json:"signedOut"` // the server said to identify first
	Errors    bool                `json:"errors"`    // the server showed an error summary
	Values    map[string][]string `json:"values"`
	Focus     string              `json:"focus"`
	Start     *int                `json:"start"`
	End       *int                `json:"end"`
	Scroll    float64             `json:"scroll"`
}

func (p *FormPage) OnNav(ctx app.Context) {
	p.ctx = ctx
	fresh := p.load(ctx)
	if app.IsClient && p.service == nil && p.fetching != p.route.service {
		// Reached inside the client: the service's schema is fetched first.
		id := p.route.service
		p.fetching = id
		withService(ctx, id, func(s *schemas.Service) {
			if p.route.service != id {
				return
			}
			if s == nil { // no such service, or no network and no copy
				p.fetching = ""
				return
			}
			p.OnNav(ctx)
		})
		return
	}
	if !app.IsClient || p.service == nil {
		return
	}
	if tk := p.took; tk != nil {
		p.took = nil
		p.catchUp(tk)
		// Now, not after the next frame: the keys pressed while the client started
		// wait for this task to end and go to whatever has focus then.
		tk.restoreFocus()
		p.opened(ctx, tk)
		return
	}
	// What was typed before, on this device or another, comes back.
	if fresh {
		p.opened(ctx, nil)
		return
	}
	p.restructured("")
}

// catchUp brings in what the prerendered form received after OnInit read it: the
// client's first render lets the browser run between its parts, and the keys pressed
// meanwhile went to the prerendered form, which the client's page has just replaced
// (lomake.js latest, with the answers only if one changed since). Its answers go into
// the document and the page's controls, its focus, caret and scroll into tk.
func (p *FormPage) catchUp(tk *takeover) {
	lo := app.Window().Get("lomake")
	var now takeover
	if !lo.Truthy() || json.Unmarshal([]byte(lo.Call("latest").String()), &now) != nil || now.Service != tk.Service {
		return
	}
	if now.Values != nil && !reflect.DeepEqual(now.Values, tk.Values) {
		p.doc = docFromPost(p.service, url.Values(now.Values))
		p.setControls(false)
		tk.Values = now.Values
	}
	tk.Focus, tk.Start, tk.End, tk.Scroll = now.Focus, now.Start, now.End, now.Scroll
}

// restoreFocus puts focus, caret and scroll back where they were on the prerendered
// page.
func (tk *takeover) restoreFocus() {
	if tk.Focus != "" {
		el := app.Window().GetElementByID(tk.Focus)
		if el.Truthy() {
			el.Call("focus", map[string]any{"preventScroll": true})
			switch el.Get("type").String() {
			case "text", "search", "tel", "url", "password", "textarea":
				if tk.Start != nil && tk.End != nil {
					el.Call("setSelectionRange", *tk.Start, *tk.End)
				}
			}
		}
	}
	app.Window().Call("scrollTo", 0, tk.Scroll)
}

func (p *FormPage) OnMount(ctx app.Context) {
	app.Window().Get("performance").Call("mark", "lomake-form-mounted") // ends the steps of app/wasm in a profile
	// The schema compiles once the form shows and takes keys, not before.
	ctx.After(100*time.Millisecond, func(app.Context) {
		if p.service != nil {
			p.service.Prepare()
		}
	})
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

func (p *FormPage) syncControls() { p.setControls(false) }

// setControls sets the controls from the document. With typing, the control that has
// focus is left alone: the resident is typing into it, and its text reaches the
// document when they leave it, as always.
func (p *FormPage) setControls(typing bool) {
	form := app.Window().GetElementByID("form")
	if !form.Truthy() {
		return
	}
	active := app.Window().Get("document").Get("activeElement")
	els := form.Get("elements")
	for i, n := 0, els.Length(); i < n; i++ {
		el := els.Index(i)
		name := el.Get("name").String()
		if !strings.HasPrefix(name, "/") { // not an answer: the form's step, key, token
			continue
		}
		if typing && el.Equal(active) {
			continue
		}
		ptr, part := datePartOf(name)
		want := p.value(ptr)
		if part != "" {
			want = datePartText(want, part)
		}
		switch el.Get("type").String() {
		case "radio":
			el.Set("checked", el.Get("value").String() == want)
		case "checkbox":
			if list, ok := getAt(p.doc, schemas.Segments(ptr)).([]any); ok || isGroup(p.service.Form.Lookup(ptr)) {
				el.Set("checked", chosenSet(list)[el.Get("value").String()])
				break
			}
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
	p.route = r
	if fresh {
		p.service = registry().Service(r.service)
		p.reset()
	}
	p.setTitle(ctx)
	return fresh
}

// reset sets the form up anew for its service.
func (p *FormPage) reset() {
	p.step, p.summary, p.alert, p.sendKey = 0, nil, "", ""
	p.base, p.rev, p.dirty, p.conflicts, p.dropped = nil, 0, false, nil, nil
	p.shown = map[string]schemas.Violation{}
	p.uploading, p.fileNote, p.fileProblem = map[string]bool{}, map[string]string{}, map[string]string{}
	p.doc = map[string]any{}
	if p.service != nil {
		p.doc, _ = defaults(p.service.Form).(map[string]any)
	}
	// A form author's preview opens the form filled with the sample answers.
	if p.service != nil && app.Getenv(PreviewEnv) == "1" && p.route.url != nil && p.route.url.Query().Get("sample") == "1" {
		p.doc = p.service.Sample()
	}
}

func (p *FormPage) setTitle(ctx app.Context) {
	lang := p.route.lang
	if p.service == nil {
		setPage(ctx, lang, t(lang, "notfound.title"))
		return
	}
	title := p.service.Form.Title.In(lang)
	switch {
	case p.checking():
		title = t(lang, "form.check") + " – " + title
	case len(p.service.Pages) > 1:
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
	if s == nil && app.IsClient && p.fetching == p.route.service {
		return shell(lang, p.route.url, loadingLine(lang, "form-loading")) // its schema is on its way
	}
	if s == nil {
		return notFound(lang, p.route.url)
	}
	// The answers about the signed-in user come from their identification, whatever
	// a draft or a post said (the server refuses others anyway).
	if v := p.personal(); v != nil {
		s.Prefill(p.doc, v)
	}
	p.conditions = s.ConditionState(p.doc)
	var body app.UI
	if p.checking() {
		body = app.Div().Body(app.P().Class("check-intro").Text(t(lang, "form.checkIntro")), p.answers())
	} else {
		live := p.liveFields(s.Form, p.doc)
		var fields []app.UI
		for _, name := range s.Pages[p.step].Fields {
			if n := live(s.Form.Property(name)); n != nil {
				fields = append(fields, p.field(n, schemas.Pointer("", name)))
			}
		}
		body = app.Div().Class("fields").Body(fields...)
	}

	// Next (or Send) comes first: Enter in a field posts the form's first button. CSS
	// shows Previous on the left. The last page's Next leads to the answers, which
	// have Send.
	submit, action := "form.next", actionNext
	if p.checking() {
		submit, action = "form.send", actionSend
		if p.sending {
			submit = "form.sending"
		}
	}
	send := app.Button().Type("submit").Name(fieldAction).Value(action).Class("button").
		Aria("busy", boolString(p.sending)).Text(t(lang, submit))
	if p.sending {
		send = send.Disabled(true)
	}
	actions := []app.UI{send}
	if p.step > 0 {
		actions = append(actions, app.Button().Type("submit").Name(fieldAction).Value(actionPrevious).
			Class("button button-secondary button-previous").OnClick(p.previous).Text(t(lang, "form.previous")))
	}

	var stepTitle app.UI
	switch {
	case p.checking():
		stepTitle = autofocus(p, app.H2().ID("step-title").Class("step-title").TabIndex(-1), "step-title").Text(t(lang, "form.check"))
	case s.Pages[p.step].Title != nil:
		stepTitle = autofocus(p, app.H2().ID("step-title").Class("step-title").TabIndex(-1), "step-title").Text(s.Pages[p.step].Title.In(lang))
	}

	return shell(lang, p.route.url,
		backLink(ServicePath(lang, s.ID), s.Name.In(lang)),
		app.H1().Text(s.Form.Title.In(lang)),
		p.steps(),
		// Messages that come and go live in their own container, so that the form after
		// them keeps its place and go-app updates it instead of building it anew.
		app.Div().Class("form-messages").Body(
			app.If(p.signedOut(), func() app.UI {
				return app.Div().ID("identify-first").Class("panel panel-info").Body(
					app.P().Text(t(lang, "form.identifyFirst")),
					app.A().Class("button button-secondary").Href(LoginPath(lang, FormPath(lang, s.ID))).Text(t(lang, "login.identify")),
				)
			}),
			p.conflictPanel(),
			p.notices(),
			p.errorSummary(),
			app.If(p.alert != "", func() app.UI {
				return autofocus(p, app.Div().ID("form-alert").Class("alert").Role("alert").TabIndex(-1), "form-alert").Text(t(lang, p.alert))
			}),
		),
		app.If(!p.checking(), func() app.UI { return app.P().Class("required-note").Text(t(lang, "form.requiredNote")) }),
		// The answers stand before the form, whose first button is Send: their Change
		// buttons belong to it through their form attribute.
		app.If(p.checking(), func() app.UI { return app.Div().Class("check").Body(stepTitle, body) }),
		p.formElement().Body(
			p.formState(),
			app.If(!p.checking(), func() app.UI { return app.Div().Body(stepTitle, body) }),
			app.Div().Class("actions").Body(actions...),
		),
	)
}

// formElement is the form: real, so that it works before the client (formpost.go);
// novalidate because our messages replace the browser's. The server marks its own, for
// the client to take over (OnInit).
func (p *FormPage) formElement() app.HTMLForm {
	lang, s := p.route.lang, p.service
	f := app.Form().ID("form").Class("form").Method("post").Action(FormPath(lang, s.ID)).DataSet("service", s.ID).
		NoValidate(true).OnSubmit(p.submit)
	if !app.IsClient {
		f = f.DataSet("prerendered", "1")
		if p.req != nil && p.req.Form != nil {
			f = f.DataSet("posted", "1")
		}
	}
	return f
}

// signedOut tells whether the form should say to identify first: the client knows
// once it has asked the server; the server knows when it prerenders.
func (p *FormPage) signedOut() bool {
	switch {
	case p.req != nil:
		return !p.req.Session.Authenticated
	case !user.Loaded:
		return p.prerenderedSignedOut
	}
	return user.Loaded && !user.Authenticated
}

// formState is what the form posts besides its visible answers (see formpost.go): the
// page, the send's key, the session's CSRF token, and, from the server, the answers
// of the other pages. The client keeps those in memory; the hidden copies are read
// when it takes over from the prerendered page.
func (p *FormPage) formState() app.UI {
	csrf := user.CSRF
	if p.req != nil {
		csrf = apiv1.MaskCSRF(p.req.Session.CSRF) // pages go compressed: see apiv1/csrf.go
	}
	state := []app.UI{
		app.Input().Type("hidden").Name(fieldStep).Value(strconv.Itoa(p.step)),
		app.Input().Type("hidden").Name(fieldKey).Value(p.sendKey),
		app.Input().Type("hidden").Name(fieldCSRF).Value(csrf),
	}
	if !app.IsClient {
		for _, kv := range hiddenAnswers(p.service, p.doc, p.step) {
			state = append(state, app.Input().Type("hidden").Name(kv[0]).Value(kv[1]))
		}
	}
	return app.Div().Class("form-state").Body(state...)
}

// steps shows where the user is in a multi-page form.
func (p *FormPage) steps() app.UI {
	lang, pages := p.route.lang, p.service.Pages
	if len(pages) < 2 {
		return nil
	}
	items := make([]app.UI, len(pages)+1)
	for i := range items {
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
		label := t(lang, "form.check") // the step after the pages
		if i < len(pages) {
			label = ""
			if pages[i].Title != nil {
				label = pages[i].Title.In(lang)
			}
		}
		items[i] = li.Body(
			app.Span().Class("step-number").Aria("hidden", "true").Text(strconv.Itoa(i+1)),
			app.Span().Class("step-label").Text(label),
			app.If(state != "", func() app.UI { return app.Span().Class("visually-hidden").Text(" (" + state + ")") }),
		)
	}
	return app.Nav().Class("steps").Aria("label", t(lang, "form.steps")).Body(
		app.P().Class("step-count").Text(tf(lang, "form.step", map[string]any{"Current": p.step + 1, "Total": len(items)})),
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
		goTo := func(ctx app.Context, e app.Event) {
			e.PreventDefault()
			p.goToField(ctx, ptr)
		}
		if p.service.PageOf(ptr) == p.step {
			items[i] = app.Li().Body(app.A().Href("#"+fieldID(ptr)).OnClick(goTo, app.EventScope(ptr)).Text(msg))
			continue
		}
		// A field on another page: without the client, the server shows that page.
		items[i] = app.Li().Body(app.Button().Type("submit").Form("form").Name(fieldAction).Value(actionGoTo+ptr).
			Class("link-button").OnClick(goTo, app.EventScope(ptr)).Text(msg))
	}
	// A region named by its heading: screen readers list it among the landmarks.
	return autofocus(p, app.Section().ID("error-summary").Class("error-summary").TabIndex(-1), "error-summary").Aria("labelledby", "error-summary-title").Body(
		app.H2().ID("error-summary-title").Text(t(lang, "form.summary")),
		app.Ul().Body(items...),
	)
}

// goToField shows the page a field is on and moves focus to it.
func (p *FormPage) goToField(ctx app.Context, ptr string) {
	p.step = p.service.PageOf(ptr)
	p.setTitle(ctx)
	id := fieldID(ptr)
	p.ctx.Defer(func(app.Context) {
		p.syncControls()
		focusField(id)
	})
}

// focusField moves focus to a field's control and shows the whole field, its label
// and message above the control included (a plain focus would scroll the control to
// the top edge, its label off the screen).
func focusField(id string) {
	el := app.Window().GetElementByID(id)
	if !el.Truthy() {
		return
	}
	if el.Get("tabIndex").Int() < 0 && !el.Call("matches", "input, select, textarea, button, [tabindex]").Bool() {
		// A problem of a group as a whole (a group the form demands): its first control.
		if first := el.Call("querySelector", "input:not([type=hidden]), select, textarea"); first.Truthy() {
			el = first
		}
	}
	el.Call("focus", map[string]any{"preventScroll": true})
	field := el.Call("closest", ".field, .group")
	if !field.Truthy() {
		field = el
	}
	field.Call("scrollIntoView", map[string]any{"block": "start"})
}

func (p *FormPage) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.sending {
		return
	}
	all := problems(p.service, p.doc, p.personal())
	if !p.checking() {
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
		p.step++ // the next page, or after the last, the answers
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
	e.PreventDefault() // the client moves between pages itself
	if p.step > 0 {
		p.step--
		p.summary, p.alert = nil, ""
		p.setTitle(ctx)
		p.restructured("step-title")
	}
}

// showErrors puts problems in a focused summary at the top and under their fields.
//
// The fields' messages follow once the browser has drawn the summary: each message
// re-renders its field, and on a long form left mostly empty (50 problems) that was
// most of the time between the tap and the summary, which is what the resident and a
// screen reader go to first. The fields below are off the screen then; their
// messages appear a frame later.
func (p *FormPage) showErrors(ctx app.Context, vs []schemas.Violation) {
	p.summary = vs
	p.setTitle(ctx)
	p.focusAfterRender("error-summary")
	if len(vs) <= inlineAtOnce {
		p.showInline(vs)
		return
	}
	p.shownGen++
	gen := p.shownGen
	afterPaint(ctx, func(ctx app.Context) {
		if gen == p.shownGen { // no other Next or Send since
			// The summary as it is now: a field fixed meanwhile has left it (check
			// compacts it in place, so vs may no longer read as it did).
			p.showInline(p.summary)
		}
	})
}

// inlineAtOnce is how many fields' messages showErrors shows in the summary's own
// frame: a few cost nothing a resident would notice.
const inlineAtOnce = 10

func (p *FormPage) showInline(vs []schemas.Violation) {
	for _, v := range vs {
		p.shown[v.Pointer] = v
	}
}

// check validates the document again after a field changed and updates what is shown
// for that field (and anything inside it). It reports whether that changed anything
// outside the field: an entry of the error summary.
func (p *FormPage) check(ptr string) (wide bool) {
	inside := func(q string) bool { return q == ptr || strings.HasPrefix(q, ptr+"/") }
	for q := range p.shown {
		if inside(q) {
			delete(p.shown, q)
		}
	}
	// The field alone where the schema allows: a long form is not validated whole on
	// every field the user leaves.
	for _, v := range p.service.ValidateAt(p.doc, ptr) {
		p.shown[v.Pointer] = v
	}
	// A fixed problem leaves the summary too; new ones wait for the next Next or Send.
	kept := p.summary[:0]
	for _, v := range p.summary {
		if _, still := p.shown[v.Pointer]; still || !inside(v.Pointer) {
			kept = append(kept, v)
		}
	}
	wide = len(kept) != len(p.summary)
	if wide && app.IsClient {
		p.summary = kept
		p.setTitle(p.ctx) // without "Error:" once nothing is left
		p.keepInPlace()
	}
	p.summary = kept
	return wide
}

// keepInPlace keeps the focused control where it is on the screen when what is above
// it shrinks (a fixed entry leaving the error summary), instead of letting it jump.
func (p *FormPage) keepInPlace() {
	el := app.Window().Get("document").Get("activeElement")
	if !el.Truthy() || el.Get("id").String() == "" {
		return
	}
	id, top := el.Get("id").String(), el.Call("getBoundingClientRect").Get("top").Float()
	p.ctx.Defer(func(app.Context) {
		if el := app.Window().GetElementByID(id); el.Truthy() {
			if moved := el.Call("getBoundingClientRect").Get("top").Float() - top; moved != 0 {
				app.Window().Call("scrollBy", 0, moved)
			}
		}
	})
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
		p.sendKey = NewSendKey()
	}
	doc, s, lang, key := p.doc, p.service, p.route.lang, p.sendKey
	id := s.ID
	if !online || user.offline {
		p.queue(ctx)
		return
	}
	ctx.Async(func() {
		// Files that waited on this device go first; the case refers to them.
		res, uploaded := uploadKept(s, lang, doc)
		if !res.failed() {
			res = postSubmission(id, lang, key, sendable(s, doc))
		}
		ctx.Dispatch(func(ctx app.Context) {
			p.sending = false
			if uploaded {
				p.saved(ctx)
			}
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

// sendable is the document as it is sent: without the answers of hidden fields and the
// optional groups left empty (schemas.Clean). The draft keeps them.
func sendable(s *schemas.Service, doc map[string]any) map[string]any {
	m, _ := s.Clean(doc).(map[string]any)
	if m == nil {
		return map[string]any{}
	}
	return m
}

// queue keeps a send that cannot go now in the device's outbox, under its idempotency
// key, and shows the provisional receipt. The outbox sends it when it can.
func (p *FormPage) queue(ctx app.Context) {
	q := queued{ID: p.sendKey, Service: p.service.ID, Lang: p.route.lang, Owner: user.User, Doc: sendable(p.service, p.doc), Queued: time.Now()}
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
