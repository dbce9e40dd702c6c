package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/schemas"
)

// What the folder and the back office share: the case page's reading, acting and
// frame (caseView), a case's facts, history, attachments, messages and sent answers,
// read-only, and the small forms that act on a case. Nothing here renders text from a
// user or a schema as HTML: go-app writes it as text.

// caseAPI is a case's address in the API for its reader: the resident's own, or the
// back office's.
func caseAPI(backoffice bool, number string) string {
	if backoffice {
		return apiv1.Prefix + "/backoffice/cases/" + number
	}
	return apiv1.Prefix + "/cases/" + number
}

// casePage is a case's page for its reader.
func casePage(backoffice bool, lang, number string) string {
	if backoffice {
		return BackofficeCasePath(lang, number)
	}
	return CasePath(lang, number)
}

// caseView is what the resident's case page and the official's have in common: the
// case in the address and what is known of it, how it is read and acted on, and the
// page around what only one of them offers.
type caseView struct {
	backoffice bool // the official's page
	route      route
	state      string
	details    *apiv1.CaseDetails
	result     actionResult
	ctx        app.Context // the page's: an action's outcome comes after its event is over
}

// pick returns resident on the resident's page, official on the official's.
func (v *caseView) pick(resident, official string) string {
	if v.backoffice {
		return official
	}
	return resident
}

// load reads the address and names the page.
func (v *caseView) load(ctx app.Context, backoffice bool) {
	v.backoffice = backoffice
	v.route = parseRoute(ctx.Page().URL())
	v.setTitle(ctx)
}

// open is load on navigation. It forgets what was known of another case, and reports
// whether the address has another case.
func (v *caseView) open(ctx app.Context, backoffice bool) (another bool) {
	v.ctx = ctx
	number := v.route.caseNumber
	v.load(ctx, backoffice)
	if number == v.route.caseNumber {
		return false
	}
	v.details, v.result = nil, actionResult{}
	return true
}

// setTitle names the page after its case once the case shows.
func (v *caseView) setTitle(ctx app.Context) {
	lang, d := v.route.lang, v.details
	if d == nil || v.state != stateReady {
		setPage(ctx, lang, v.heading())
		return
	}
	setPage(ctx, lang, d.Number+" – "+v.pick(d.ServiceName, t(lang, "backoffice.title")))
}

// fetch reads the case and shows it. opened: the page is new, so focus goes to its
// heading, and on the resident's page the case's events are marked seen.
func (v *caseView) fetch(ctx app.Context, opened bool) {
	lang, number, backoffice := v.route.lang, v.route.caseNumber, v.backoffice
	ctx.Async(func() {
		d, status := fetchCase(lang, backoffice, number)
		if d != nil {
			loadService(d.ServiceID) // its form labels the answers
		}
		if d != nil && opened && !backoffice {
			markSeen(ctx, lang, number)
		}
		ctx.Dispatch(func(ctx app.Context) {
			if v.route.caseNumber != number {
				return
			}
			switch {
			case d != nil:
				v.details, v.state = d, stateReady
				if opened { // a new page: screen readers start from its heading
					ctx.Defer(func(app.Context) { focus("case-title") })
				}
			case status == http.StatusForbidden && backoffice:
				v.state = stateDenied
			case status == http.StatusNotFound || status == http.StatusForbidden:
				v.state = stateNotFound
			case status == http.StatusUnauthorized:
				ctx.Navigate(LoginPath(lang, casePage(backoffice, lang, number)))
				return
			default:
				v.state = stateFailed
			}
			v.setTitle(ctx)
		})
	})
}

// action is the API's address of an action on the case.
func (v *caseView) action(name string) string {
	return caseAPI(v.backoffice, v.route.caseNumber) + "/" + name
}

// post sends one action, tells its form how it went, and the page when it went.
func (v *caseView) post(ctx app.Context, action string, body any, success string, done func(string)) {
	lang, path := v.route.lang, v.action(action)
	ctx.Async(func() {
		problem := postAction(lang, path, body)
		done(problem)
		if problem == "" { // else the form says what went wrong
			v.done("", success)
		}
	})
}

// sendMessage writes to the other side: the resident's reply, the official's message.
func (v *caseView) sendMessage(ctx app.Context, text string, done func(string)) {
	v.post(ctx, "messages", apiv1.TextInput{Text: text}, t(v.route.lang, "message.sent"), done)
}

// done shows what an action came to (its problem, else success), moves focus to it and
// reads the case again (a failed action may have been half done, or done by someone
// else meanwhile).
func (v *caseView) done(problem, success string) {
	v.ctx.Dispatch(func(ctx app.Context) {
		v.result = actionResult{text: success, ok: true}
		if problem != "" {
			v.result = actionResult{text: problem}
		}
		ctx.Defer(func(app.Context) { focus("action-result") })
		v.fetch(ctx, false)
	})
}

// heading is the page's heading until the case shows.
func (v *caseView) heading() string {
	return t(v.route.lang, v.pick("case.title", "backoffice.case"))
}

// shows reports whether the case shows; else the page is pending.
func (v *caseView) shows() bool { return v.state == stateReady && v.details != nil }

// back links to the list the case is in.
func (v *caseView) back() app.UI {
	lang := v.route.lang
	return backLink(v.pick(FolderPath(lang), BackofficePath(lang)), t(lang, v.pick("folder.title", "backoffice.queue")))
}

// pending is the page while the case does not show: to someone not known to be signed
// in (as the server prerenders it for everyone), loading, refused, missing or failed.
func (v *caseView) pending() app.UI {
	lang := v.route.lang
	var body app.UI
	switch v.state {
	case stateSignedOut:
		body = signInPanel(lang, v.pick("case-signin", "backoffice-signin"), t(lang, v.pick("case.signIn", "backoffice.signIn")),
			casePage(v.backoffice, lang, v.route.caseNumber))
	case stateLoading:
		body = loadingLine(lang, "case-loading")
	case stateDenied:
		body = app.P().ID("backoffice-denied").Class("panel panel-info").Text(t(lang, "backoffice.denied"))
	case stateNotFound:
		body = app.P().ID("case-missing").Class("panel panel-info").Text(t(lang, v.pick("case.notFound", "backoffice.notFound")))
	default:
		body = app.P().ID("case-error").Class("alert").Role("alert").Text(t(lang, "case.error"))
	}
	return shell(lang, v.route.url, v.back(), app.H1().ID("case-title").TabIndex(-1).Text(v.heading()), body)
}

// page is the case's page around what its reader alone has: the heading, what the
// actions can do to the case, the form that writes a message, and the answers sent.
func (v *caseView) page(heading []app.UI, actions, write, sent app.UI) app.UI {
	lang, d := v.route.lang, v.details
	body := append([]app.UI{v.back()}, heading...)
	body = append(body,
		resultPanel(v.result),
		caseFacts(lang, d, v.backoffice),
		actions,
		caseDecision(lang, d),
		caseMessages(lang, d.Messages, v.backoffice, write),
		caseHistory(lang, d.Events, v.backoffice),
		caseAttachments(lang, d.Number, d.Attachments, v.backoffice),
		app.Section().Class("case-section").Aria("labelledby", "answers-title").Body(
			app.H2().ID("answers-title").Text(t(lang, "case.answers")),
			sent,
		),
	)
	return shell(lang, v.route.url, body...)
}

// problemText is the API's message of a refusal (in the asked language): a problem's,
// or a 422's first field error (a text too long), else the message id's text.
func problemText(lang string, body []byte, fallback string) string {
	var p apiv1.Problem
	if json.Unmarshal(body, &p) == nil && p.Error.Message != "" {
		return p.Error.Message
	}
	var inv apiv1.Invalid
	if json.Unmarshal(body, &inv) == nil {
		if len(inv.Errors) > 0 && inv.Errors[0].Message != "" {
			return inv.Errors[0].Message
		}
		if inv.Message != "" {
			return inv.Message
		}
	}
	return t(lang, fallback)
}

// statusLabel is a case status in words.
func statusLabel(lang, status string) string {
	if status == "" {
		return ""
	}
	if s := t(lang, "status."+status); s != "status."+status {
		return s
	}
	return status
}

// formatTime and formatDate write a moment as people in Helsinki read it.
func formatTime(lang string, at time.Time) string {
	if at.IsZero() {
		return ""
	}
	if lang == "en" {
		return inHelsinki(at).Format("2/1/2006 15:04")
	}
	return inHelsinki(at).Format("2.1.2006 15.04")
}

func formatDate(lang string, at time.Time) string {
	if at.IsZero() {
		return ""
	}
	if lang == "en" {
		return inHelsinki(at).Format("2/1/2006")
	}
	return inHelsinki(at).Format("2.1.2006")
}

// timeEl is a moment in a <time> element, machine-readable too.
func timeEl(lang string, at time.Time, withClock bool) app.UI {
	text := formatDate(lang, at)
	if withClock {
		text = formatTime(lang, at)
	}
	return app.Time().DateTime(at.UTC().Format(time.RFC3339)).Text(text)
}

// eventText says what an event did.
func eventText(lang string, e apiv1.Event) string {
	switch e.Kind {
	case apiv1.EventSent:
		return t(lang, "event.sent")
	case apiv1.EventStatus:
		return tf(lang, "event.status", map[string]any{"Status": statusLabel(lang, e.Status)})
	case apiv1.EventDecision:
		return t(lang, "event.decision")
	case apiv1.EventMessage:
		return t(lang, "event.message")
	case apiv1.EventCancelled:
		return t(lang, "event.cancelled")
	}
	if e.Status != "" {
		return statusLabel(lang, e.Status)
	}
	return e.Kind
}

// actorText names who did something, for the history and the messages.
func actorText(lang string, a apiv1.Actor, backoffice bool) string {
	switch a.Kind {
	case apiv1.ActorResident:
		if backoffice {
			return t(lang, "case.actor.resident")
		}
		return t(lang, "case.actor.you")
	case apiv1.ActorOfficial, apiv1.ActorAdmin:
		if a.Name != "" {
			return a.Name
		}
		return t(lang, "case.actor.official")
	}
	return t(lang, "case.actor.system")
}

// sizeText is a file's size in kilobytes or megabytes.
func sizeText(lang string, n int64) string {
	if n >= 1<<20 {
		mb := strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64)
		if lang != "en" {
			mb = strings.ReplaceAll(mb, ".", ",")
		}
		return tf(lang, "case.sizeMB", map[string]any{"Size": mb})
	}
	return tf(lang, "case.sizeKB", map[string]any{"Size": max(1, (n+512)/1024)})
}

// caseFacts is the case's number, service, status and dates.
func caseFacts(lang string, d *apiv1.CaseDetails, backoffice bool) app.UI {
	items := []app.UI{
		app.Dt().Text(t(lang, "confirm.caseNumber")), app.Dd().ID("case-number").Text(d.Number),
		app.Dt().Text(t(lang, "confirm.service")), app.Dd().ID("case-service").Text(d.ServiceName),
	}
	if backoffice && d.Applicant != "" {
		items = append(items, app.Dt().Text(t(lang, "case.applicant")), app.Dd().ID("case-applicant").Text(d.Applicant))
	}
	items = append(items,
		app.Dt().Text(t(lang, "confirm.status")), app.Dd().ID("case-status").Text(statusLabel(lang, d.Status)),
		app.Dt().Text(t(lang, "case.sentAt")), app.Dd().Body(timeEl(lang, d.SentAt, true)),
	)
	if !d.UpdatedAt.IsZero() {
		items = append(items, app.Dt().Text(t(lang, "case.updatedAt")), app.Dd().Body(timeEl(lang, d.UpdatedAt, true)))
	}
	return app.Dl().Class("facts case-facts").Body(items...)
}

// caseDecision is the decision's text, when there is one.
func caseDecision(lang string, d *apiv1.CaseDetails) app.UI {
	if d.Decision == "" {
		return nil
	}
	return app.Section().Class("case-section").Aria("labelledby", "decision-title").Body(
		app.H2().ID("decision-title").Text(t(lang, "case.decision")),
		app.Div().ID("case-decision").Class("decision").Body(paragraphs(d.Decision)...),
	)
}

// caseHistory is the case's events with their dates, oldest first.
func caseHistory(lang string, events []apiv1.Event, backoffice bool) app.UI {
	items := make([]app.UI, 0, len(events))
	for _, e := range events {
		who := actorText(lang, e.Actor, backoffice)
		items = append(items, app.Li().Class("history-item").Body(
			timeEl(lang, e.At, true),
			app.Span().Class("history-what").Text(eventText(lang, e)),
			app.If(e.Actor.Kind != apiv1.ActorSystem && e.Actor.Kind != "", func() app.UI {
				return app.Span().Class("history-who").Text(" – " + who)
			}),
			app.If(e.Note != "", func() app.UI { return app.P().Class("history-note").Text(e.Note) }),
		))
	}
	var list app.UI = app.Ol().ID("case-history").Class("history").Body(items...)
	if len(items) == 0 {
		list = app.P().ID("case-history").Text(t(lang, "case.noHistory"))
	}
	return app.Section().Class("case-section").Aria("labelledby", "history-title").Body(
		app.H2().ID("history-title").Text(t(lang, "case.history")),
		list,
	)
}

// caseAttachments lists the files sent with the case. Officials open them; the resident
// sees their names only.
func caseAttachments(lang, number string, atts []apiv1.Attachment, backoffice bool) app.UI {
	var body []app.UI
	if len(atts) == 0 {
		body = append(body, app.P().ID("case-attachments").Text(t(lang, "case.noAttachments")))
	} else {
		items := make([]app.UI, len(atts))
		for i, a := range atts {
			size := " (" + sizeText(lang, a.Size) + ")"
			if a.Name == "" { // the server did not say
				a.Name = a.ID
			}
			if backoffice {
				// download: go-app would otherwise route the link inside the app.
				items[i] = app.Li().Body(
					app.A().ID("attachment-"+a.ID).Href(caseAPI(true, number)+"/attachments/"+a.ID).Attr("download", a.Name).Text(a.Name),
					app.Text(size),
				)
			} else {
				items[i] = app.Li().Text(a.Name + size)
			}
		}
		body = append(body, app.Ul().ID("case-attachments").Class("attachments").Body(items...))
		if !backoffice {
			body = append(body, app.P().Class("hint").Text(t(lang, "case.attachmentsHint")))
		}
	}
	return app.Section().Class("case-section").Aria("labelledby", "attachments-title").Body(
		append([]app.UI{app.H2().ID("attachments-title").Text(t(lang, "case.attachments"))}, body...)...,
	)
}

// messageItem is one message of a case's thread.
type messageItem struct {
	app.Compo
	Lang       string
	Msg        apiv1.Message
	Backoffice bool // the reader is an official
}

func (m *messageItem) Render() app.UI {
	lang, msg := m.Lang, m.Msg
	own := (msg.From.Kind == apiv1.ActorResident) != m.Backoffice
	class := "message"
	if own {
		class += " message-own"
	}
	var read app.UI
	if own {
		read = app.P().Class("message-read").Text(t(lang, map[bool]string{true: "message.read", false: "message.unread"}[msg.Read]))
	}
	return app.Li().ID("message-"+msg.ID).Class(class).Body(
		app.P().Class("message-meta").Body(
			app.Span().Class("message-from").Text(actorText(lang, msg.From, m.Backoffice)),
			app.Text(" "),
			timeEl(lang, msg.At, true),
		),
		app.Div().Class("message-text").Body(paragraphs(msg.Text)...),
		read,
	)
}

// caseMessages is the case's message thread.
func caseMessages(lang string, msgs []apiv1.Message, backoffice bool, after ...app.UI) app.UI {
	var list app.UI
	if len(msgs) == 0 {
		list = app.P().ID("messages").Text(t(lang, map[bool]string{true: "message.noneOfficial", false: "message.none"}[backoffice]))
	} else {
		items := make([]app.UI, len(msgs))
		for i, m := range msgs {
			items[i] = &messageItem{Lang: lang, Msg: m, Backoffice: backoffice}
		}
		list = app.Ol().ID("messages").Class("messages").Body(items...)
	}
	return app.Section().Class("case-section").Aria("labelledby", "messages-title").Body(
		append([]app.UI{app.H2().ID("messages-title").Text(t(lang, "message.title")), list}, after...)...,
	)
}

// actionResult is what the last action on a case came to. Its container is always in
// the page, so that screen readers announce the text that appears in it, and focus
// moves to it.
type actionResult struct {
	text string
	ok   bool
}

func resultPanel(r actionResult) app.UI {
	class := "action-result"
	if r.text != "" {
		class += map[bool]string{true: " panel panel-success", false: " alert"}[r.ok]
	}
	return app.Div().ID("action-result").Class(class).Role("status").TabIndex(-1).Text(r.text)
}

// textAction is a form of one text box and a button that sends the text somewhere:
// a message, a reply, a decision. Its page does the sending; the form says what went
// wrong next to the box.
type textAction struct {
	app.Compo
	Lang     string
	ID       string // the box's id; the button is Button
	ButtonID string
	Label    string
	Hint     string
	Button   string
	Empty    string // the message for an empty box
	Rows     int
	// Send sends the text and calls done, from any goroutine, with "" when it went,
	// else with the reason in words.
	Send func(ctx app.Context, text string, done func(problem string))

	problem string
	busy    bool
}

func (c *textAction) Render() app.UI {
	f := frame{lang: c.Lang, id: c.ID, label: []app.UI{app.Text(c.Label)}, hint: c.Hint, message: c.problem}
	box := app.Textarea().ID(c.ID).Name(c.ID).Class("control").Rows(max(c.Rows, 4)).
		Aria("invalid", boolString(c.problem != "")).Aria("describedby", f.describedBy()).
		OnChange(func(ctx app.Context, e app.Event) { activity(ctx) }) // writing keeps the session
	button := app.Button().ID(c.ButtonID).Type("submit").Class("button").Aria("busy", boolString(c.busy)).Text(c.Button)
	if c.busy {
		button = button.Disabled(true)
	}
	return app.Form().ID(c.ID+"-form").Class("case-action").NoValidate(true).OnSubmit(c.submit).Body(
		f.labelled(box),
		app.Div().Class("actions").Body(button),
	)
}

func (c *textAction) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if c.busy || c.Send == nil {
		return
	}
	el := app.Window().GetElementByID(c.ID)
	text := strings.TrimSpace(el.Get("value").String())
	if text == "" {
		c.problem = c.Empty
		ctx.Defer(func(app.Context) { focus(c.ID) })
		return
	}
	c.busy, c.problem = true, ""
	id := c.ID
	// done may be called from any goroutine.
	c.Send(ctx, text, func(problem string) {
		ctx.Dispatch(func(ctx app.Context) {
			c.busy, c.problem = false, problem
			if problem != "" {
				ctx.Defer(func(app.Context) { focus(id) })
				return
			}
			// The box is emptied for the next message: go-app leaves typed text alone.
			if el := app.Window().GetElementByID(id); el.Truthy() {
				el.Set("value", "")
			}
		})
	})
}

// postAction posts a body (apiv1.TextInput, apiv1.StatusInput, {}) to a case's action,
// off the UI goroutine, and reports "" or the reason it failed in lang.
func postAction(lang, path string, body any) string {
	res, err := call(http.MethodPost, path, lang, body)
	switch {
	case err != nil:
		return t(lang, "case.networkError")
	case res.status == http.StatusOK || res.status == http.StatusCreated || res.status == http.StatusNoContent:
		return ""
	}
	return problemText(lang, res.body, "case.serverError")
}

// fetchCase reads a case, off the UI goroutine: the details, or the HTTP status that
// refused them (0 offline).
func fetchCase(lang string, backoffice bool, number string) (*apiv1.CaseDetails, int) {
	res, err := call(http.MethodGet, caseAPI(backoffice, number), lang, nil)
	if err != nil {
		return nil, 0
	}
	if res.status != http.StatusOK {
		return nil, res.status
	}
	var d apiv1.CaseDetails
	if json.Unmarshal(res.body, &d) != nil {
		return nil, http.StatusInternalServerError
	}
	return &d, http.StatusOK
}

// answers shows a sent form read-only on a grey background: the form's pages, labels,
// order and options' labels in lang, as the form renderer names them. Anything sent that
// no page of the form has (an older version) follows at the end, so that everything
// that was sent shows.
func answers(lang string, s *schemas.Service, data json.RawMessage, atts []apiv1.Attachment) app.UI {
	var doc map[string]any
	_ = json.Unmarshal(data, &doc)
	var parts []app.UI
	placed := map[string]bool{}
	if s != nil {
		for i, pg := range s.Pages {
			var rows []app.UI
			for _, name := range pg.Fields {
				n := s.Form.Property(name)
				if n == nil {
					continue
				}
				placed[name] = true
				rows = append(rows, answerRows(lang, n, schemas.Pointer("", name), doc[name], atts)...)
			}
			title := s.Form.Title.In(lang)
			if pg.Title != nil {
				title = pg.Title.In(lang)
			}
			id := "answers-page-" + strconv.Itoa(i+1)
			parts = append(parts, app.Section().Class("answers-page").Aria("labelledby", id).Body(
				app.H3().ID(id).Text(title),
				app.Dl().Class("answers-list").Body(rows...),
			))
		}
	}
	var rest []string
	for k := range doc {
		if !placed[k] {
			rest = append(rest, k)
		}
	}
	if len(rest) > 0 {
		sort.Strings(rest)
		rows := make([]app.UI, len(rest))
		for i, k := range rest {
			rows[i] = app.Div().Class("answer-row").Body(app.Dt().Text(k), app.Dd().Text(display(lang, doc[k])))
		}
		parts = append(parts, app.Section().Class("answers-page").Aria("labelledby", "answers-other").Body(
			app.H3().ID("answers-other").Text(t(lang, "case.otherAnswers")),
			app.Dl().Class("answers-list").Body(rows...),
		))
	}
	return app.Div().ID("case-answers").Class("answers").Body(parts...)
}

// answerRows is a field's label and answer; a group's or a list's are nested.
func answerRows(lang string, n *schemas.Node, ptr string, v any, atts []apiv1.Attachment) []app.UI {
	if widget(n) == "hidden" {
		return nil
	}
	label := ""
	if n.Title != nil {
		label = n.Title.In(lang)
	}
	switch {
	case n.Type == "object":
		m, _ := v.(map[string]any)
		var rows []app.UI
		for _, c := range n.Properties {
			rows = append(rows, answerRows(lang, c, schemas.Pointer(ptr, c.Name), m[c.Name], atts)...)
		}
		return []app.UI{group(label, rows)}
	case n.Type == "array" && n.Items != nil && n.Items.Type == "object":
		items, _ := v.([]any)
		itemTitle := n.ItemTitle
		if itemTitle == nil {
			itemTitle = n.Items.Title
		}
		if len(items) == 0 {
			return []app.UI{row(label, app.Text(display(lang, nil)))}
		}
		var out []app.UI
		for i, item := range items {
			title := label + " " + strconv.Itoa(i+1)
			if itemTitle != nil {
				title = itemTitle.In(lang) + " " + strconv.Itoa(i+1)
			}
			m, _ := item.(map[string]any)
			var rows []app.UI
			for _, c := range n.Items.Properties {
				rows = append(rows, answerRows(lang, c, schemas.Pointer(ptr, i, c.Name), m[c.Name], atts)...)
			}
			out = append(out, group(title, rows))
		}
		return out
	}
	if names := attachmentsAt(atts, ptr); len(names) > 0 {
		items := make([]app.UI, len(names))
		for i, name := range names {
			items[i] = app.Li().Text(name)
		}
		return []app.UI{row(label, app.Ul().Class("answer-values").Body(items...))}
	}
	if n.Type == "array" {
		items, _ := v.([]any)
		if len(items) == 0 {
			return []app.UI{row(label, app.Text(display(lang, nil)))}
		}
		values := make([]app.UI, len(items))
		for i, item := range items {
			values[i] = app.Li().Text(answerText(lang, n.Items, item))
		}
		return []app.UI{row(label, app.Ul().Class("answer-values").Body(values...))}
	}
	return []app.UI{row(label, app.Text(answerText(lang, n, v)))}
}

func row(label string, value app.UI) app.UI {
	return app.Div().Class("answer-row").Body(app.Dt().Text(label), app.Dd().Body(value))
}

func group(label string, rows []app.UI) app.UI {
	return app.Div().Class("answer-row answer-group").Body(
		app.Dt().Class("answer-group-title").Text(label),
		app.Dd().Body(app.Dl().Class("answers-list").Body(rows...)),
	)
}

// answerText is one answer in words: an option's label, yes or no, a date as people
// write it.
func answerText(lang string, n *schemas.Node, v any) string {
	if v == nil || v == "" {
		return display(lang, nil)
	}
	if n == nil {
		return display(lang, v)
	}
	for _, o := range n.Options {
		if fmt.Sprint(o.Value) == fmt.Sprint(v) {
			return o.Label.In(lang)
		}
	}
	if s, ok := v.(string); ok && n.Format == "date" {
		if d, err := time.Parse("2006-01-02", s); err == nil {
			if lang == "en" {
				return d.Format("2/1/2006")
			}
			return d.Format("2.1.2006")
		}
	}
	if f, ok := v.(float64); ok && lang != "en" {
		return strings.ReplaceAll(display(lang, f), ".", ",")
	}
	return display(lang, v)
}

// attachmentsAt names the files sent in a field (or its list's items).
func attachmentsAt(atts []apiv1.Attachment, ptr string) []string {
	var names []string
	for _, a := range atts {
		if a.Pointer == ptr || strings.HasPrefix(a.Pointer, ptr+"/") {
			names = append(names, a.Name)
		}
	}
	return names
}

// signInPanel is what a signed-in page shows before it knows who is signed in (and in
// the server's prerendering, which is the same for everyone): how to get in.
func signInPanel(lang, id, text, returnTo string) app.UI {
	return app.Div().ID(id).Class("panel panel-info").Body(
		app.P().Text(text),
		app.A().Class("button button-secondary").Href(LoginPath(lang, returnTo)).Text(t(lang, "site.login")),
	)
}

// loadingLine says that the page is fetching; aria-busy marks the region.
func loadingLine(lang, id string) app.UI {
	return app.P().ID(id).Class("loading").Aria("busy", "true").Text(t(lang, "case.loading"))
}
