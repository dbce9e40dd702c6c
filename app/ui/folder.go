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
	"github.com/lomake/lomake/schemas"
)

// The resident's e-service folder: their cases with what happened last, a search by
// case number, two orders, and the unsent drafts at the bottom; and a case's details.
// The server prerenders both for everyone alike, so the prerendered pages show no case,
// only how to sign in; the client fetches the rest.

// Page states while the client finds out what to show.
const (
	stateSignedOut = "" // prerendered, or not signed in
	stateLoading   = "loading"
	stateReady     = "ready"
	stateFailed    = "failed"  // offline or a server error
	stateNotFound  = "missing" // no such case of this reader's
	stateDenied    = "denied"  // the back office, for someone who is no official
)

// Folder orders.
const (
	sortDate = "date"
	sortName = "name"
)

// folderNews is how many of the user's cases have news, for the main menu.
var folderNews struct {
	user  string
	count int
	at    time.Time
}

// setFolderNews keeps the count of cases with news and shows it in the menu.
func setFolderNews(n int) {
	folderNews.user, folderNews.count, folderNews.at = user.User, n, time.Now()
	refreshMenu()
}

// fetchFolder reads the user's cases, off the UI goroutine: nil and the status (0
// offline) when it could not.
func fetchFolder(lang, q, order string) (*apiv1.Folder, int) {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if order != "" {
		v.Set("sort", order)
	}
	path := apiv1.Prefix + "/cases"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	res, err := call(http.MethodGet, path, lang, nil)
	if err != nil {
		return nil, 0
	}
	var f apiv1.Folder
	if res.status != http.StatusOK || json.Unmarshal(res.body, &f) != nil {
		return nil, res.status
	}
	return &f, http.StatusOK
}

// fetchDrafts reads the drafts the server keeps, without those of services whose forms
// are never kept anywhere but on the device.
func fetchDrafts(lang string) ([]draftItem, bool) {
	var answer apiv1.Drafts
	res, err := call(http.MethodGet, apiv1.Prefix+"/drafts", lang, nil)
	if err != nil || res.status != http.StatusOK || json.Unmarshal(res.body, &answer) != nil {
		return nil, false
	}
	loadCatalog() // which services keep drafts in the folder
	return listedDrafts(answer.Drafts, registry().Entry), true
}

// listedDrafts leaves out the drafts of services not kept in the folder: they are never
// listed, even if an older client put one on the server.
func listedDrafts(drafts []draftItem, service func(id string) *schemas.Entry) []draftItem {
	out := drafts[:0:0]
	for _, d := range drafts {
		if s := service(d.ServiceID); s == nil || s.KeepInFolder {
			out = append(out, d)
		}
	}
	return out
}

// FolderPage is the resident's cases.
type FolderPage struct {
	app.Compo
	route  route
	query  string // a case number searched for
	order  string // sortDate or sortName
	state  string
	folder apiv1.Folder
	drafts []draftItem
	// searched: the list is the answer to the user's search or sort; focus goes to
	// the number of results.
	searched bool
}

func (p *FolderPage) OnPreRender(ctx app.Context) { p.load(ctx) }

func (p *FolderPage) OnNav(ctx app.Context) {
	before := p.query + "|" + p.order
	p.load(ctx)
	p.searched = p.state != stateSignedOut && before != p.query+"|"+p.order
	if !app.IsClient { // the server prerenders for everyone alike
		return
	}
	p.state = stateLoading
	signedInOnly(ctx, p.route, FolderPath(p.route.lang), func(ctx app.Context) { p.fetch(ctx) })
}

func (p *FolderPage) load(ctx app.Context) {
	p.route = parseRoute(ctx.Page().URL())
	q := p.route.url.Query()
	p.query = strings.ToUpper(strings.TrimSpace(q.Get("q")))
	p.order = sortDate
	if q.Get("sort") == sortName {
		p.order = sortName
	}
	setPage(ctx, p.route.lang, t(p.route.lang, "folder.title"))
}

// signedInOnly runs then once the user is known to be signed in and registered, and
// otherwise goes to identification or registration, which come back here.
func signedInOnly(ctx app.Context, r route, back string, then func(app.Context)) {
	if r.url != nil && r.url.RawQuery != "" {
		back += "?" + r.url.RawQuery
	}
	loadUser(ctx, false, func(ctx app.Context) {
		switch {
		case !user.Authenticated:
			ctx.Navigate(LoginPath(r.lang, back))
		case !user.Registered:
			ctx.Navigate(RegisterPath(r.lang, back))
		default:
			then(ctx)
		}
	})
}

func (p *FolderPage) fetch(ctx app.Context) {
	lang, q, order := p.route.lang, p.query, p.order
	ctx.Async(func() {
		f, status := fetchFolder(lang, q, order)
		drafts, _ := fetchDrafts(lang)
		ctx.Dispatch(func(ctx app.Context) {
			if p.query != q || p.order != order {
				return // a newer search is on its way
			}
			p.drafts = drafts
			if f == nil {
				p.state = stateFailed
				if status == http.StatusUnauthorized {
					ctx.Navigate(LoginPath(lang, FolderPath(lang)))
				}
				return
			}
			p.folder, p.state = *f, stateReady
			p.folder.Cases = arrange(f.Cases, q, order)
			if q == "" {
				setFolderNews(f.NewCases)
			}
			if p.searched {
				ctx.Defer(func(app.Context) { focus("folder-result") })
			}
		})
	})
}

// arrange keeps the cases whose number has q in it, in the order asked: the server
// does both, and the list says the same whatever an older server did.
func arrange(cases []apiv1.CaseSummary, q, order string) []apiv1.CaseSummary {
	out := make([]apiv1.CaseSummary, 0, len(cases))
	for _, c := range cases {
		if strings.Contains(strings.ToUpper(c.Number), strings.ToUpper(q)) {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if a, b := collate(out[i].ServiceName), collate(out[j].ServiceName); order == sortName && a != b {
			return a < b
		}
		return out[i].SentAt.After(out[j].SentAt)
	})
	return out
}

// search shows the cases with the typed case number, in the chosen order; the address
// says what was searched, so that Back and a bookmark work.
func (p *FolderPage) search(ctx app.Context, e app.Event) {
	e.PreventDefault()
	q := strings.TrimSpace(app.Window().GetElementByID("folder-search").Get("value").String())
	order := app.Window().GetElementByID("folder-sort").Get("value").String()
	ctx.Navigate(folderQuery(p.route.lang, q, order))
}

// folderQuery is the folder's address with a search and an order.
func folderQuery(lang, q, order string) string {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if order == sortName {
		v.Set("sort", sortName)
	}
	if len(v) == 0 {
		return FolderPath(lang)
	}
	return FolderPath(lang) + "?" + v.Encode()
}

func (p *FolderPage) Render() app.UI {
	lang := p.route.lang
	var body []app.UI
	switch p.state {
	case stateSignedOut:
		body = []app.UI{signInPanel(lang, "folder-signin", t(lang, "folder.signIn"), FolderPath(lang))}
	case stateLoading:
		body = []app.UI{p.searchForm(), loadingLine(lang, "folder-loading")}
	case stateFailed:
		body = []app.UI{p.searchForm(), app.P().ID("folder-error").Class("alert").Role("alert").Text(t(lang, "folder.error"))}
	default:
		body = []app.UI{p.searchForm(), p.results(), p.table()}
	}
	if p.state != stateSignedOut {
		body = append(body,
			app.H2().ID("folder-drafts-title").Text(t(lang, "home.drafts")),
			draftList(lang, "folder-drafts", p.drafts, p.state == stateLoading),
		)
	}
	return shell(lang, p.route.url, append([]app.UI{
		app.H1().ID("folder-title").TabIndex(-1).Text(t(lang, "folder.title")),
		app.P().Class("lead").Text(t(lang, "folder.intro")),
	}, body...)...)
}

// searchForm searches by case number and orders the list. It is a plain GET form, so
// it works before the client has loaded too.
func (p *FolderPage) searchForm() app.UI {
	lang := p.route.lang
	return app.Form().ID("folder-search-form").Class("folder-search").Role("search").Aria("label", t(lang, "folder.searchLabel")).
		Method("get").Action(FolderPath(lang)).OnSubmit(p.search).Body(
		app.Div().Class("field").Body(
			app.Label().For("folder-search").Class("label").Text(t(lang, "folder.search")),
			app.P().ID("folder-search-hint").Class("hint").Text(t(lang, "folder.searchHint")),
			app.Input().Type("search").ID("folder-search").Name("q").Class("control").Value(p.query).
				Attr("autocomplete", "off").Attr("spellcheck", "false").Aria("describedby", "folder-search-hint"),
		),
		app.Div().Class("field").Body(
			app.Label().For("folder-sort").Class("label").Text(t(lang, "folder.sort")),
			app.Select().ID("folder-sort").Name("sort").Class("control").Body(
				option(sortDate, t(lang, "folder.sort.date"), p.order == sortDate),
				option(sortName, t(lang, "folder.sort.name"), p.order == sortName),
			),
		),
		app.Div().Class("actions").Body(
			app.Button().ID("folder-search-submit").Type("submit").Class("button").Text(t(lang, "folder.searchButton")),
		),
	)
}

// results says how many cases the list has, or that a search found none.
func (p *FolderPage) results() app.UI {
	lang := p.route.lang
	var text string
	switch n := len(p.folder.Cases); {
	case n == 0 && p.query != "":
		text = tf(lang, "folder.noMatch", map[string]any{"Query": p.query})
	case n == 0:
		text = t(lang, "folder.empty")
	case p.query != "":
		text = tf(lang, "folder.matches", map[string]any{"Count": n, "Query": p.query})
	default:
		text = tf(lang, "folder.count", map[string]any{"Count": n})
	}
	return app.Div().Class("folder-result").Body(
		app.P().ID("folder-result").TabIndex(-1).Role("status").Text(text),
		app.If(p.query != "", func() app.UI {
			return app.P().Body(app.A().ID("folder-clear").Href(folderQuery(lang, "", p.order)).Text(t(lang, "folder.showAll")))
		}),
	)
}

// table is the cases, one row each.
func (p *FolderPage) table() app.UI {
	if len(p.folder.Cases) == 0 {
		return nil
	}
	lang := p.route.lang
	rows := make([]app.UI, len(p.folder.Cases))
	for i, c := range p.folder.Cases {
		rows[i] = &caseRow{Lang: lang, Case: c}
	}
	sortCol := map[string]int{sortDate: 3, sortName: 1}[p.order]
	heads := []string{"confirm.caseNumber", "confirm.service", "confirm.status", "case.sentAt", "folder.lastEvent"}
	cells := make([]app.UI, len(heads))
	for i, h := range heads {
		th := app.Th().Scope("col").Role("columnheader").Text(t(lang, h))
		if i == sortCol {
			th = th.Aria("sort", map[bool]string{true: "ascending", false: "descending"}[p.order == sortName])
		}
		cells[i] = th
	}
	return app.Table().ID("folder-table").Class("cases").Role("table").Body(
		app.Caption().Class("visually-hidden").Text(t(lang, "folder.caption")),
		app.THead().Role("rowgroup").Body(app.Tr().Role("row").Body(cells...)),
		app.TBody().Role("rowgroup").Body(rows...),
	)
}

// caseRow is one case of the folder.
type caseRow struct {
	app.Compo
	Lang string
	Case apiv1.CaseSummary
}

func (r *caseRow) Render() app.UI {
	lang, c := r.Lang, r.Case
	return caseRowUI(lang, c, CasePath(lang, c.Number), "case-link-", "case.sentAt")
}

// caseRowUI is a case's row in the folder or the back-office queue. On a narrow screen
// the cells stack, each with its column's name in front (hidden from screen readers,
// which have the column headers).
func caseRowUI(lang string, c apiv1.CaseSummary, href, linkPrefix, dateHead string) app.UI {
	cellLabel := func(id string) app.UI {
		return app.Span().Class("cell-label").Aria("hidden", "true").Text(t(lang, id) + ": ")
	}
	number := []app.UI{app.A().ID(linkPrefix + c.Number).Href(href).Text(c.Number)}
	if c.New {
		number = append(number, app.Text(" "), app.Span().Class("badge badge-new").Text(t(lang, "folder.new")))
	}
	last := []app.UI{cellLabel("folder.lastEvent")}
	if e := c.LastEvent; e != nil {
		last = append(last, app.Span().Text(eventText(lang, *e)+" "), timeEl(lang, e.At, false))
	}
	if c.UnreadMessages > 0 {
		last = append(last, app.Span().Class("unread").Text(tf(lang, "folder.unread", map[string]any{"Count": c.UnreadMessages})))
	}
	class := "case-row"
	if c.New {
		class += " case-row-new"
	}
	// The roles keep the table a table for screen readers when a narrow screen stacks it.
	return app.Tr().ID("case-"+c.Number).Class(class).Role("row").Body(
		app.Td().Class("cell-number").Role("cell").Body(append([]app.UI{cellLabel("confirm.caseNumber")}, number...)...),
		app.Td().Role("cell").Body(cellLabel("confirm.service"), app.Text(c.ServiceName)),
		app.Td().Role("cell").Body(cellLabel("confirm.status"), app.Span().Class("status status-"+strings.ToLower(c.Status)).Text(statusLabel(lang, c.Status))),
		app.Td().Role("cell").Body(cellLabel(dateHead), timeEl(lang, c.SentAt, false)),
		app.Td().Class("cell-last").Role("cell").Body(last...),
	)
}

// draftList is the forms started here or on another device and not sent yet.
func draftList(lang, id string, drafts []draftItem, busy bool) app.UI {
	if len(drafts) == 0 {
		return app.Ul().ID(id).Class("links").Aria("busy", boolString(busy)).Body(app.Li().Text(t(lang, "home.noDrafts")))
	}
	items := make([]app.UI, len(drafts))
	for i, d := range drafts {
		items[i] = app.Li().Body(
			app.A().Href(FormPath(lang, d.ServiceID)).Text(d.Name),
			app.Text(" – "+tf(lang, "home.draftSaved", map[string]any{"Time": formatTime(lang, d.UpdatedAt)})),
		)
	}
	return app.Ul().ID(id).Class("links").Aria("busy", boolString(busy)).Body(items...)
}

// latestEvents are the newest events of the user's cases, newest first, for the home
// page.
func latestEvents(cases []apiv1.CaseSummary, n int) []apiv1.CaseSummary {
	var out []apiv1.CaseSummary
	for _, c := range cases {
		if c.LastEvent != nil {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].LastEvent.At.After(out[j].LastEvent.At) })
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// latestList shows them, each with a link to its case.
func latestList(lang string, cases []apiv1.CaseSummary, busy bool) app.UI {
	if len(cases) == 0 {
		return app.Ul().ID("latest-events").Class("links").Aria("busy", boolString(busy)).Body(app.Li().Text(t(lang, "home.noEvents")))
	}
	items := make([]app.UI, len(cases))
	for i, c := range cases {
		items[i] = app.Li().Body(
			app.A().ID("latest-"+c.Number).Href(CasePath(lang, c.Number)).Text(c.ServiceName+" "+c.Number),
			app.If(c.New, func() app.UI {
				return app.Span().Body(app.Text(" "), app.Span().Class("badge badge-new").Text(t(lang, "folder.new")))
			}),
			app.Text(" – "+eventText(lang, *c.LastEvent)+" "),
			timeEl(lang, c.LastEvent.At, true),
		)
	}
	return app.Ul().ID("latest-events").Class("links").Aria("busy", boolString(busy)).Body(items...)
}

// CasePage is one of the resident's cases: what was sent, what has happened, the
// messages. Opening it marks its events seen.
type CasePage struct {
	app.Compo
	caseView
	confirming bool // asking whether to cancel the case
	busy       bool // cancelling it
}

func (p *CasePage) OnPreRender(ctx app.Context) { p.load(ctx, false) }

func (p *CasePage) OnNav(ctx app.Context) {
	if p.open(ctx, false) {
		p.confirming = false
	}
	if !app.IsClient { // the server prerenders for everyone alike
		return
	}
	p.state = stateLoading
	signedInOnly(ctx, p.route, CasePath(p.route.lang, p.route.caseNumber), func(ctx app.Context) { p.fetch(ctx, true) })
}

// markSeen tells the server that the resident has seen the case's events, and the menu
// how many cases still have news. It runs off the UI goroutine.
func markSeen(ctx app.Context, lang, number string) {
	res, err := call(http.MethodPost, caseAPI(false, number)+"/seen", lang, struct{}{})
	if err != nil || res.status >= 300 {
		return
	}
	if f, _ := fetchFolder(lang, "", ""); f != nil {
		ctx.Dispatch(func(app.Context) { setFolderNews(f.NewCases) })
	}
}

// askCancel and keep swap the button for the question and back; focus follows on the
// page's own context (the clicked button is gone after the render).
func (p *CasePage) askCancel(ctx app.Context, e app.Event) {
	p.confirming = true
	p.ctx.Defer(func(app.Context) { focus("cancel-confirm-title") })
}

func (p *CasePage) keep(ctx app.Context, e app.Event) {
	p.confirming = false
	p.ctx.Defer(func(app.Context) { focus("cancel-case") })
}

func (p *CasePage) cancel(ctx app.Context, e app.Event) {
	if p.busy {
		return
	}
	p.busy = true
	lang, path := p.route.lang, p.action("cancel")
	ctx.Async(func() {
		problem := postAction(lang, path, struct{}{})
		p.ctx.Dispatch(func(app.Context) { p.confirming, p.busy = problem != "", false })
		p.done(problem, t(lang, "case.cancelled"))
	})
}

func (p *CasePage) Render() app.UI {
	if !p.shows() {
		return p.pending()
	}
	lang, d := p.route.lang, p.details
	var sent app.UI
	if d.KeptInFolder && len(d.Data) > 0 {
		sent = answers(lang, registry().Service(d.ServiceID), d.Data, d.Attachments)
	} else {
		sent = app.P().ID("case-answers").Class("panel panel-info").Text(t(lang, "case.notKept"))
	}
	var reply app.UI
	if d.CanReply {
		reply = &textAction{Lang: lang, ID: "reply-text", ButtonID: "send-reply", Label: t(lang, "message.reply"),
			Button: t(lang, "message.send"), Empty: t(lang, "message.empty"), Send: p.sendMessage}
	} else {
		reply = app.P().ID("reply-none").Class("hint").Text(t(lang, "message.noThread"))
	}
	heading := []app.UI{app.H1().ID("case-title").TabIndex(-1).Text(d.ServiceName)}
	return p.page(heading, p.cancelUI(), reply, sent)
}

// cancelUI offers to cancel the case, and asks once more before doing it.
func (p *CasePage) cancelUI() app.UI {
	lang := p.route.lang
	if p.details == nil || !p.details.CanCancel {
		return nil
	}
	if !p.confirming {
		return app.Div().Class("actions case-cancel").Body(
			app.Button().ID("cancel-case").Type("button").Class("button button-secondary").OnClick(p.askCancel).Text(t(lang, "case.cancel")),
		)
	}
	confirm := app.Button().ID("cancel-confirm").Type("button").Class("button").Aria("busy", boolString(p.busy)).OnClick(p.cancel).Text(t(lang, "case.cancelYes"))
	if p.busy {
		confirm = confirm.Disabled(true)
	}
	return app.Div().ID("cancel-confirm-panel").Class("panel panel-warning").Role("group").Aria("labelledby", "cancel-confirm-title").Body(
		app.H2().ID("cancel-confirm-title").TabIndex(-1).Text(t(lang, "case.cancelTitle")),
		app.P().Text(t(lang, "case.cancelText")),
		app.Div().Class("actions").Body(
			confirm,
			app.Button().ID("cancel-keep").Type("button").Class("button button-secondary").OnClick(p.keep).Text(t(lang, "case.cancelNo")),
		),
	)
}
