package ui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/apiv1"
)

// The back office, in the same app: officials handle the cases of their services. The
// server decides who is an official and which cases they see; the client only asks
// (GET /backoffice/me) to know what to offer.

// official is what the server said of the signed-in user: an official (me), or not.
var official struct {
	user string
	me   *apiv1.Me
	at   time.Time
}

// isOfficial reports whether the signed-in user is known to be an official.
func isOfficial() bool {
	return user.Authenticated && official.user == user.User && official.me != nil
}

// newCasesCount is the signed-in user's number of cases with news, as last known.
func newCasesCount() int {
	if !user.Authenticated || folderNews.user != user.User {
		return 0
	}
	return folderNews.count
}

// menu is the mounted main menu, told when what it shows has changed.
var menu *mainMenu

func refreshMenu() {
	if menu != nil {
		menu.ctx.Dispatch(func(app.Context) {})
	}
}

// menuFacts asks, at most once a minute, how many cases have news and whether the user
// is an official. It runs when the menu appears.
func menuFacts(ctx app.Context) {
	if !app.IsClient || !user.Authenticated || user.offline {
		return
	}
	me, lang := user.User, "" // the numbers need no language
	if user.Registered && (folderNews.user != me || time.Since(folderNews.at) > time.Minute) {
		if folderNews.user != me {
			folderNews.count = 0
		}
		folderNews.user, folderNews.at = me, time.Now()
		ctx.Async(func() {
			if f, _ := fetchFolder(lang, "", ""); f != nil {
				ctx.Dispatch(func(app.Context) { setFolderNews(f.NewCases) })
			}
		})
	}
	if official.user != me || time.Since(official.at) > 5*time.Minute {
		if official.user != me {
			official.me = nil
		}
		official.user, official.at = me, time.Now()
		ctx.Async(func() {
			m, status := fetchMe(lang)
			if status == 0 {
				return // offline: ask again later
			}
			ctx.Dispatch(func(app.Context) {
				official.me = m
				refreshMenu()
			})
		})
	}
}

// fetchMe asks whether the signed-in user is an official, off the UI goroutine: nil and
// the status (401 or 403 for someone who is not, 0 offline) when not.
func fetchMe(lang string) (*apiv1.Me, int) {
	res, err := call(http.MethodGet, apiv1.Prefix+"/backoffice/me", lang, nil)
	if err != nil {
		return nil, 0
	}
	var m apiv1.Me
	if res.status != http.StatusOK || json.Unmarshal(res.body, &m) != nil {
		return nil, res.status
	}
	return &m, http.StatusOK
}

// whenOfficial runs then with the official's rights once the user is known to be
// signed in; for someone who is not an official, me is nil (status 0: offline).
func whenOfficial(ctx app.Context, r route, back string, then func(ctx app.Context, me *apiv1.Me, status int)) {
	if r.url != nil && r.url.RawQuery != "" {
		back += "?" + r.url.RawQuery
	}
	loadUser(ctx, false, func(ctx app.Context) {
		if !user.Authenticated {
			ctx.Navigate(LoginPath(r.lang, back))
			return
		}
		me, lang := user.User, r.lang
		ctx.Async(func() {
			m, status := fetchMe(lang)
			ctx.Dispatch(func(ctx app.Context) {
				if status != 0 {
					official.user, official.me, official.at = me, m, time.Now()
					refreshMenu()
				}
				then(ctx, m, status)
			})
		})
	})
}

// notOfficialState is what a back-office page shows someone whom the server did not
// call an official: that it failed, if the server could not say (offline, or its own
// error), else that they may not.
func notOfficialState(status int) string {
	if status == 0 || status >= 500 {
		return stateFailed
	}
	return stateDenied
}

// anyValue is the value of a select's "all" or "choose" option: go-app writes no
// value="" (and an option without one has its text for a value).
const anyValue = "-"

// chosen is a select's value, "" for anyValue.
func chosen(v string) string {
	if v = strings.TrimSpace(v); v == anyValue {
		return ""
	}
	return v
}

// queueStatuses are the statuses an official filters by, in the order cases go.
var queueStatuses = []string{apiv1.StatusSent, apiv1.StatusReceived, apiv1.StatusProcessing,
	apiv1.StatusWaitingForInfo, apiv1.StatusDecided, apiv1.StatusCancelled}

// BackofficePage is the queue: the cases of the official's services, a table per
// service, new cases first, filtered by service and status, searched by case number.
type BackofficePage struct {
	app.Compo
	route   route
	service string
	status  string
	query   string
	state   string
	me      *apiv1.Me
	cases   []apiv1.CaseSummary
	next    string // the cursor of the next page of cases
	more    bool   // the next page is being fetched
	moreAt  int    // the first case of the page fetched last, to focus on
	// filtered: the list answers the official's filter; focus goes to the count.
	filtered bool
}

func (p *BackofficePage) OnPreRender(ctx app.Context) { p.load(ctx) }

func (p *BackofficePage) OnNav(ctx app.Context) {
	before := p.filter()
	p.load(ctx)
	p.filtered = p.state != stateSignedOut && before != p.filter()
	if !app.IsClient { // the server prerenders for everyone alike
		return
	}
	p.state, p.cases, p.next, p.moreAt = stateLoading, nil, "", 0
	whenOfficial(ctx, p.route, BackofficePath(p.route.lang), func(ctx app.Context, me *apiv1.Me, status int) {
		p.me = me
		if me == nil {
			p.state = notOfficialState(status)
			return
		}
		p.fetch(ctx, "")
	})
}

func (p *BackofficePage) filter() string { return p.service + "|" + p.status + "|" + p.query }

func (p *BackofficePage) load(ctx app.Context) {
	p.route = parseRoute(ctx.Page().URL())
	q := p.route.url.Query()
	p.service, p.status = chosen(q.Get("service")), chosen(q.Get("status"))
	p.query = strings.ToUpper(strings.TrimSpace(q.Get("q")))
	setPage(ctx, p.route.lang, t(p.route.lang, "backoffice.title"))
}

// queuePath is the API's queue with the page's filters and a cursor.
func (p *BackofficePage) queuePath(cursor string) string {
	v := url.Values{}
	for k, s := range map[string]string{"service": p.service, "status": p.status, "q": p.query, "cursor": cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	path := apiv1.Prefix + "/backoffice/cases"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	return path
}

func (p *BackofficePage) fetch(ctx app.Context, cursor string) {
	lang, path, filter := p.route.lang, p.queuePath(cursor), p.filter()
	ctx.Async(func() {
		loadCatalog() // the services' names
		var q apiv1.Queue
		res, err := call(http.MethodGet, path, lang, nil)
		ok := err == nil && res.status == http.StatusOK && json.Unmarshal(res.body, &q) == nil
		ctx.Dispatch(func(ctx app.Context) {
			if p.filter() != filter {
				return
			}
			p.more = false
			switch {
			case ok:
				p.moreAt = len(p.cases)
				p.cases, p.next, p.state = append(p.cases, q.Cases...), q.Next, stateReady
			case err == nil && (res.status == http.StatusForbidden || res.status == http.StatusUnauthorized):
				p.state = stateDenied
				return
			default:
				p.state = stateFailed
				return
			}
			switch {
			case cursor != "" && p.moreAt < len(p.cases):
				n := p.cases[p.moreAt].Number
				ctx.Defer(func(app.Context) { focus("queue-link-" + n) })
			case p.filtered:
				ctx.Defer(func(app.Context) { focus("queue-result") })
			}
		})
	})
}

func (p *BackofficePage) loadMore(ctx app.Context, e app.Event) {
	if p.more || p.next == "" {
		return
	}
	p.more = true
	p.fetch(ctx, p.next)
}

// applyFilter shows the queue with the chosen filters; the address keeps them.
func (p *BackofficePage) applyFilter(ctx app.Context, e app.Event) {
	e.PreventDefault()
	v := url.Values{}
	for name, id := range map[string]string{"service": "queue-service", "status": "queue-status", "q": "queue-search"} {
		if s := chosen(app.Window().GetElementByID(id).Get("value").String()); s != "" {
			v.Set(name, s)
		}
	}
	to := BackofficePath(p.route.lang)
	if len(v) > 0 {
		to += "?" + v.Encode()
	}
	ctx.Navigate(to)
}

// services are the services the official handles, by name in lang.
func (p *BackofficePage) services() [][2]string {
	var out [][2]string
	if p.me == nil {
		return nil
	}
	all := false
	for _, id := range p.me.Services {
		all = all || id == "*"
	}
	if all {
		for _, s := range registry().Sorted(p.route.lang) {
			out = append(out, [2]string{s.ID, s.Name.In(p.route.lang)})
		}
		return out
	}
	for _, id := range p.me.Services {
		name := id
		if s := registry().Entry(id); s != nil {
			name = s.Name.In(p.route.lang)
		}
		out = append(out, [2]string{id, name})
	}
	sort.SliceStable(out, func(i, j int) bool { return collate(out[i][1]) < collate(out[j][1]) })
	return out
}

func collate(s string) string { return strings.ToLower(s) }

func (p *BackofficePage) Render() app.UI {
	lang := p.route.lang
	var body []app.UI
	switch p.state {
	case stateSignedOut:
		body = []app.UI{signInPanel(lang, "backoffice-signin", t(lang, "backoffice.signIn"), BackofficePath(lang))}
	case stateLoading:
		body = []app.UI{loadingLine(lang, "queue-loading")}
	case stateDenied:
		body = []app.UI{app.Div().ID("backoffice-denied").Class("panel panel-info").Body(
			app.P().Text(t(lang, "backoffice.denied")),
			app.P().Body(app.A().Href(HomePath(lang)).Text(t(lang, "home.title"))),
		)}
	case stateFailed:
		body = []app.UI{app.P().ID("queue-error").Class("alert").Role("alert").Text(t(lang, "backoffice.error"))}
	default:
		body = append([]app.UI{p.filterForm(), p.resultLine()}, p.queues()...)
		if p.next != "" {
			more := app.Button().ID("queue-more").Type("button").Class("button button-secondary").Aria("busy", boolString(p.more)).
				OnClick(p.loadMore).Text(t(lang, "backoffice.more"))
			if p.more {
				more = more.Disabled(true)
			}
			body = append(body, app.Div().Class("actions").Body(more))
		}
	}
	var who app.UI
	if p.me != nil && p.me.Name != "" {
		who = app.P().ID("backoffice-who").Class("lead").Text(tf(lang, "backoffice.who", map[string]any{"Name": p.me.Name}))
	}
	return shell(lang, p.route.url, append([]app.UI{
		app.H1().ID("backoffice-title").TabIndex(-1).Text(t(lang, "backoffice.title")),
		who,
	}, body...)...)
}

// filterForm filters the queue by service and status and searches by case number.
func (p *BackofficePage) filterForm() app.UI {
	lang := p.route.lang
	services := []app.UI{option(anyValue, t(lang, "backoffice.allServices"), p.service == "")}
	for _, s := range p.services() {
		services = append(services, option(s[0], s[1], s[0] == p.service))
	}
	statuses := []app.UI{option(anyValue, t(lang, "backoffice.allStatuses"), p.status == "")}
	for _, s := range queueStatuses {
		statuses = append(statuses, option(s, statusLabel(lang, s), s == p.status))
	}
	return app.Form().ID("queue-filter-form").Class("queue-filter").Role("search").Aria("label", t(lang, "backoffice.filters")).
		Method("get").Action(BackofficePath(lang)).OnSubmit(p.applyFilter).Body(
		app.Div().Class("field").Body(
			app.Label().For("queue-service").Class("label").Text(t(lang, "confirm.service")),
			app.Select().ID("queue-service").Name("service").Class("control").Body(services...),
		),
		app.Div().Class("field").Body(
			app.Label().For("queue-status").Class("label").Text(t(lang, "confirm.status")),
			app.Select().ID("queue-status").Name("status").Class("control").Body(statuses...),
		),
		app.Div().Class("field").Body(
			app.Label().For("queue-search").Class("label").Text(t(lang, "folder.search")),
			app.P().ID("queue-search-hint").Class("hint").Text(t(lang, "folder.searchHint")),
			app.Input().Type("search").ID("queue-search").Name("q").Class("control").Value(p.query).
				Attr("autocomplete", "off").Attr("spellcheck", "false").Aria("describedby", "queue-search-hint"),
		),
		app.Div().Class("actions").Body(
			app.Button().ID("queue-filter").Type("submit").Class("button").Text(t(lang, "backoffice.filter")),
		),
	)
}

func (p *BackofficePage) resultLine() app.UI {
	lang := p.route.lang
	text := tf(lang, "backoffice.count", map[string]any{"Count": len(p.cases)})
	if len(p.cases) == 0 {
		text = t(lang, "backoffice.none")
	}
	return app.Div().Class("folder-result").Body(
		app.P().ID("queue-result").TabIndex(-1).Role("status").Text(text),
		app.If(p.filter() != "||", func() app.UI {
			return app.P().Body(app.A().ID("queue-clear").Href(BackofficePath(lang)).Text(t(lang, "backoffice.clear")))
		}),
	)
}

// queueOrder puts new cases first (the official has not seen them, or nobody has
// received them yet), keeping the server's order (newest first) otherwise.
func queueOrder(cases []apiv1.CaseSummary) []apiv1.CaseSummary {
	out := append([]apiv1.CaseSummary(nil), cases...)
	rank := func(c apiv1.CaseSummary) int {
		if c.New || c.Status == apiv1.StatusSent {
			return 0
		}
		return 1
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return out
}

// queues is a table per service, services by name.
func (p *BackofficePage) queues() []app.UI {
	lang := p.route.lang
	byService := map[string][]apiv1.CaseSummary{}
	names := map[string]string{}
	var ids []string
	for _, c := range p.cases {
		if _, ok := byService[c.ServiceID]; !ok {
			ids = append(ids, c.ServiceID)
		}
		byService[c.ServiceID] = append(byService[c.ServiceID], c)
		names[c.ServiceID] = c.ServiceName
	}
	sort.SliceStable(ids, func(i, j int) bool { return collate(names[ids[i]]) < collate(names[ids[j]]) })
	var out []app.UI
	heads := []string{"confirm.caseNumber", "confirm.service", "confirm.status", "backoffice.arrived", "folder.lastEvent"}
	for _, id := range ids {
		cases := queueOrder(byService[id])
		rows := make([]app.UI, len(cases))
		for i, c := range cases {
			rows[i] = &queueRow{Lang: lang, Case: c}
		}
		cells := make([]app.UI, len(heads))
		for i, h := range heads {
			cells[i] = app.Th().Scope("col").Role("columnheader").Text(t(lang, h))
		}
		titleID := "queue-title-" + id
		out = append(out, app.Section().Class("queue").Aria("labelledby", titleID).Body(
			app.H2().ID(titleID).Text(names[id]+" ("+tf(lang, "backoffice.count", map[string]any{"Count": len(cases)})+")"),
			app.Table().ID("queue-"+id).Class("cases").Role("table").Body(
				app.Caption().Class("visually-hidden").Text(tf(lang, "backoffice.caption", map[string]any{"Service": names[id]})),
				app.THead().Role("rowgroup").Body(app.Tr().Role("row").Body(cells...)),
				app.TBody().Role("rowgroup").Body(rows...),
			),
		))
	}
	return out
}

// queueRow is one case of the queue.
type queueRow struct {
	app.Compo
	Lang string
	Case apiv1.CaseSummary
}

func (r *queueRow) Render() app.UI {
	return caseRowUI(r.Lang, r.Case, BackofficeCasePath(r.Lang, r.Case.Number), "queue-link-", "backoffice.arrived")
}

// BackofficeCasePage is one case for an official: the data, attachments, history and
// messages, and what can be done: change the status with a note, ask for more
// information, write the decision, write to the applicant.
type BackofficeCasePage struct {
	app.Compo
	caseView
}

func (p *BackofficeCasePage) OnPreRender(ctx app.Context) { p.load(ctx, true) }

func (p *BackofficeCasePage) OnNav(ctx app.Context) {
	p.open(ctx, true)
	if !app.IsClient { // the server prerenders for everyone alike
		return
	}
	p.state = stateLoading
	whenOfficial(ctx, p.route, BackofficeCasePath(p.route.lang, p.route.caseNumber), func(ctx app.Context, me *apiv1.Me, status int) {
		if me == nil {
			p.state = notOfficialState(status)
			return
		}
		p.fetch(ctx, true)
	})
}

func (p *BackofficeCasePage) decide(ctx app.Context, text string, done func(string)) {
	p.post(ctx, "decision", apiv1.TextInput{Text: text}, t(p.route.lang, "backoffice.decided"), done)
}

func (p *BackofficeCasePage) setStatus(ctx app.Context, status, note string, done func(string)) {
	lang := p.route.lang
	p.post(ctx, "status", apiv1.StatusInput{Status: status, Note: note},
		tf(lang, "backoffice.statusSaved", map[string]any{"Status": statusLabel(lang, status)}), done)
}

// askInfo writes the request to the applicant (which starts the thread they can answer
// in) and sets the case waiting for the information.
func (p *BackofficeCasePage) askInfo(ctx app.Context, text string, done func(string)) {
	lang, messages, status := p.route.lang, p.action("messages"), p.action("status")
	ctx.Async(func() {
		if problem := postAction(lang, messages, apiv1.TextInput{Text: text}); problem != "" {
			done(problem)
			return
		}
		done("") // the message went, whatever becomes of the status
		problem := postAction(lang, status, apiv1.StatusInput{Status: apiv1.StatusWaitingForInfo, Note: text})
		p.done(problem, t(lang, "backoffice.infoAsked"))
	})
}

func (p *BackofficeCasePage) Render() app.UI {
	if !p.shows() {
		return p.pending()
	}
	lang, d := p.route.lang, p.details
	message := &textAction{Lang: lang, ID: "message-text", ButtonID: "send-message", Label: t(lang, "backoffice.message"),
		Button: t(lang, "message.send"), Empty: t(lang, "message.empty"), Send: p.sendMessage}
	if len(d.Messages) == 0 {
		message.Label, message.Hint = t(lang, "backoffice.startThread"), t(lang, "backoffice.startThreadHint")
	}
	sent := answers(lang, registry().Service(d.ServiceID), d.Data, d.Attachments)
	if len(d.Data) == 0 {
		sent = app.P().ID("case-answers").Text(t(lang, "backoffice.noData"))
	}
	heading := []app.UI{
		app.H1().ID("case-title").TabIndex(-1).Text(d.Number),
		app.P().Class("lead").Text(d.ServiceName),
	}
	if d.Own {
		// An official never handles their own case (the server refuses it too): the
		// page says so instead of offering what would be refused.
		own := app.Div().ID("own-case").Class("panel panel-info").Body(app.P().Text(t(lang, "backoffice.ownCase")))
		return p.page(heading, own, nil, sent)
	}
	return p.page(heading, p.actions(), message, sent)
}

// actions are what an official can do to a case that is not closed.
func (p *BackofficeCasePage) actions() app.UI {
	lang, d := p.route.lang, p.details
	closed := d.Status == apiv1.StatusDecided || d.Status == apiv1.StatusCancelled
	parts := []app.UI{
		app.H2().ID("actions-title").Text(t(lang, "backoffice.actions")),
		&statusForm{Lang: lang, Current: d.Status, Send: p.setStatus},
	}
	if !closed {
		parts = append(parts,
			app.H3().Text(t(lang, "backoffice.askInfo")),
			&textAction{Lang: lang, ID: "info-text", ButtonID: "ask-info", Label: t(lang, "backoffice.infoLabel"),
				Hint: t(lang, "backoffice.infoHint"), Button: t(lang, "backoffice.askInfoButton"), Empty: t(lang, "message.empty"), Send: p.askInfo},
			app.H3().Text(t(lang, "case.decision")),
			&textAction{Lang: lang, ID: "decision-text", ButtonID: "save-decision", Label: t(lang, "backoffice.decisionLabel"),
				Hint: t(lang, "backoffice.decisionHint"), Button: t(lang, "backoffice.decide"), Empty: t(lang, "backoffice.decisionEmpty"), Rows: 8, Send: p.decide},
		)
	}
	return app.Section().ID("case-actions").Class("case-section case-actions").Aria("labelledby", "actions-title").Body(parts...)
}

// statusStatuses are the statuses an official sets by hand; a decision sets DECIDED.
var statusStatuses = []string{apiv1.StatusReceived, apiv1.StatusProcessing, apiv1.StatusWaitingForInfo, apiv1.StatusCancelled}

// statusForm changes a case's status, with a note.
type statusForm struct {
	app.Compo
	Lang    string
	Current string
	Send    func(ctx app.Context, status, note string, done func(problem string))

	problem string
	busy    bool
}

func (c *statusForm) Render() app.UI {
	lang := c.Lang
	opts := []app.UI{option(anyValue, t(lang, "form.choose"), true)}
	for _, s := range statusStatuses {
		if s != c.Current {
			opts = append(opts, option(s, statusLabel(lang, s), false))
		}
	}
	bad := c.problem != ""
	sel := app.Select().ID("status-select").Name("status").Class("control").Required(true).Aria("invalid", boolString(bad)).Body(opts...)
	if bad {
		sel = sel.Aria("describedby", "status-select-error")
	}
	errorLine := app.P().ID("status-select-error").Class("error-message")
	if bad {
		errorLine = errorLine.Body(app.Span().Class("visually-hidden").Text(t(lang, "form.errorPrefix")+" "), app.Text(c.problem))
	}
	button := app.Button().ID("save-status").Type("submit").Class("button").Aria("busy", boolString(c.busy)).Text(t(lang, "backoffice.saveStatus"))
	if c.busy {
		button = button.Disabled(true)
	}
	return app.Form().ID("status-form").Class("case-action").NoValidate(true).OnSubmit(c.submit).Body(
		app.H3().Text(t(lang, "backoffice.changeStatus")),
		app.Div().Class(map[bool]string{true: "field field-invalid", false: "field"}[bad]).Body(
			app.Label().For("status-select").Class("label").Text(t(lang, "backoffice.newStatus")),
			errorLine,
			sel,
		),
		app.Div().Class("field").Body(
			app.Label().For("status-note").Class("label").Text(t(lang, "backoffice.note")),
			app.P().ID("status-note-hint").Class("hint").Text(t(lang, "backoffice.noteHint")),
			app.Textarea().ID("status-note").Name("note").Class("control").Rows(3).Aria("describedby", "status-note-hint"),
		),
		app.Div().Class("actions").Body(button),
	)
}

func (c *statusForm) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if c.busy || c.Send == nil {
		return
	}
	status := chosen(app.Window().GetElementByID("status-select").Get("value").String())
	note := strings.TrimSpace(app.Window().GetElementByID("status-note").Get("value").String())
	if status == "" {
		c.problem = t(c.Lang, "backoffice.chooseStatus")
		ctx.Defer(func(app.Context) { focus("status-select") })
		return
	}
	c.busy, c.problem = true, ""
	c.Send(ctx, status, note, func(problem string) {
		ctx.Dispatch(func(ctx app.Context) {
			c.busy, c.problem = false, problem
			if problem != "" {
				ctx.Defer(func(app.Context) { focus("status-select") })
				return
			}
			for id, v := range map[string]string{"status-select": anyValue, "status-note": ""} {
				if el := app.Window().GetElementByID(id); el.Truthy() {
					el.Set("value", v)
				}
			}
		})
	})
}
