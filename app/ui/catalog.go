package ui

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/schemas"
)

// CatalogPage lists the services alphabetically, found by a search and narrowed by
// topic and target group. The page is drawn once; a keystroke or a tick re-renders
// only its live parts (catalogPart), as go-app would otherwise render the whole page
// and sixty cards again for every key.
type CatalogPage struct {
	app.Compo
	route  route
	query  string   // what the search box holds (the address's q)
	topics []string // the topics ticked (topic), in the vocabulary's order
	groups []string // the target groups ticked (group)
	found  schemas.Filtered
	finds  int  // searches made: a new one changes what the live parts show
	open   bool // the filters are unfolded

	ctx  app.Context    // the page's own
	live [3]app.Context // its live parts' (summary, facets, list), as they mount
}

func (p *CatalogPage) OnPreRender(ctx app.Context) { p.load(ctx) }

func (p *CatalogPage) OnNav(ctx app.Context) {
	p.ctx = ctx
	p.load(ctx)
	showUser(ctx)
	if !catalogRead.Load() { // reached from a service's page: the client reads it now
		withCatalog(ctx, p.find)
	}
	// The first search folds every service's words (40 ms for 60 at 1×): done now, in a
	// task of its own once the page shows, not on the first key.
	lang := p.route.lang
	ctx.After(300*time.Millisecond, func(app.Context) { registry().Search(lang, "warm") })
}

func (p *CatalogPage) load(ctx app.Context) {
	p.route = parseRoute(ctx.Page().URL())
	q := p.route.url.Query()
	p.query = q.Get("q")
	p.topics = known(q["topic"], schemas.Topics)
	p.groups = known(q["group"], schemas.TargetGroups)
	p.open = len(p.topics)+len(p.groups) > 0
	p.find()
	setPage(ctx, p.route.lang, t(p.route.lang, "catalog.title"))
}

func (p *CatalogPage) find() {
	p.found = registry().Filter(p.route.lang, p.query, p.topics, p.groups)
	p.finds++
}

// state is what the live parts show, for go-app's comparison when the page renders:
// which search they show.
func (p *CatalogPage) state() string { return strconv.Itoa(p.finds) }

// known keeps the ids of vocab that ids has, in vocab's order: an address's unknown or
// repeated ids change nothing.
func known(ids, vocab []string) []string {
	var out []string
	for _, v := range vocab {
		if slices.Contains(ids, v) {
			out = append(out, v)
		}
	}
	return out
}

// searched follows the search box as the user types: the list shows what matches.
func (p *CatalogPage) searched(ctx app.Context, e app.Event) {
	p.query = ctx.JSSrc().Get("value").String()
	p.changed(ctx)
}

// ticked follows a filter's box.
func (p *CatalogPage) ticked(kind, id string, vocab []string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		list := &p.topics
		if kind == "group" {
			list = &p.groups
		}
		on := ctx.JSSrc().Get("checked").Bool()
		cur := slices.DeleteFunc(slices.Clone(*list), func(s string) bool { return s == id })
		if on {
			cur = append(cur, id)
		}
		*list = known(cur, vocab)
		p.changed(ctx)
	}
}

// toggled follows the filters' unfolding, so that a render keeps it as the user left
// it.
func (p *CatalogPage) toggled(ctx app.Context, e app.Event) {
	p.open = ctx.JSSrc().Get("open").Bool()
	ctx.PreventUpdate()
}

// changed searches again, puts the search and filters in the address (a search can be
// shared, and goes back with the page), and re-renders the live parts, not the page.
func (p *CatalogPage) changed(ctx app.Context) {
	p.find()
	app.Window().Get("history").Call("replaceState", nil, "", catalogAddress(p.route.lang, p.query, p.topics, p.groups))
	ctx.PreventUpdate()
	for _, c := range p.live {
		if c.Src() != nil {
			c.Dispatch(func(app.Context) { p.ctx.PreventUpdate() })
		}
	}
}

// catalogAddress is the catalog's address for a search and its filters.
func catalogAddress(lang, query string, topics, groups []string) string {
	v := url.Values{}
	if strings.TrimSpace(query) != "" {
		v.Set("q", query)
	}
	for _, id := range topics {
		v.Add("topic", id)
	}
	for _, id := range groups {
		v.Add("group", id)
	}
	u := CatalogPath(lang)
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	return u
}

func (p *CatalogPage) Render() app.UI {
	lang := p.route.lang
	var notice app.UI
	if p.route.url != nil && p.route.url.Query().Get("logged-out") == "1" {
		notice = app.P().ID("logged-out").Class("panel panel-success").Role("status").Text(t(lang, "site.loggedOut"))
	}
	state := p.state()
	return shell(lang, p.route.url,
		notice,
		app.H1().Text(t(lang, "catalog.title")),
		app.P().Class("lead").Text(t(lang, "catalog.intro")),
		p.search(state),
		&catalogPart{Part: partList, Lang: lang, State: state, page: p},
	)
}

// search is the catalog's search box and filters: a real form (GET, the query and
// filters in the address), whose list follows the box and the filters as the user
// types and ticks once the client runs.
func (p *CatalogPage) search(state string) app.UI {
	lang := p.route.lang
	f := frame{lang: lang, id: "catalog-q", label: []app.UI{app.Text(t(lang, "catalog.search"))}}
	in := app.Input().Type("search").ID(f.id).Name("q").Class("control control-search").Value(p.query).
		Attr("autocomplete", "off").OnInput(p.searched)
	return app.Form().ID("catalog-form").Class("catalog-search").Method("get").Action(CatalogPath(lang)).Attr("role", "search").
		OnSubmit(func(ctx app.Context, e app.Event) { e.PreventDefault() }).Body(
		f.labelled(in),
		app.Button().Type("submit").Class("button button-secondary").Text(t(lang, "catalog.searchButton")),
		app.Details().ID("catalog-filters").Class("catalog-filters").Open(p.open).On("toggle", p.toggled).Body(
			&catalogPart{Part: partSummary, Lang: lang, State: state, page: p},
			&catalogPart{Part: partFacets, Lang: lang, State: state, page: p},
		),
	)
}

// catalogPart is one of the catalog's live parts: what a keystroke or a tick
// re-renders.
type catalogPart struct {
	app.Compo
	Part        int // partSummary, partFacets or partList
	Lang, State string
	page        *CatalogPage
}

const (
	partSummary = iota // the filters' fold: how many are in use
	partFacets         // the filters, with their counts
	partList           // what the search finds
)

func (c *catalogPart) OnMount(ctx app.Context) { c.page.live[c.Part] = ctx }

func (c *catalogPart) Render() app.UI {
	switch c.Part {
	case partSummary:
		return c.summary()
	case partFacets:
		return c.facets()
	}
	return c.list()
}

func (c *catalogPart) summary() app.UI {
	p, lang := c.page, c.Lang
	summary := t(lang, "catalog.filters")
	if n := len(p.topics) + len(p.groups); n > 0 {
		summary = tf(lang, "catalog.filtersActive", map[string]any{"Count": n})
	}
	return app.Summary().ID("catalog-filters-summary").Text(summary)
}

// facets are the filters: a box for each topic and target group some service has,
// with how many services ticking it would show.
func (c *catalogPart) facets() app.UI {
	p, lang := c.page, c.Lang
	// Only what some service has is offered: a filter that can find nothing is noise.
	has := map[string]bool{}
	for _, e := range registry().Entries() {
		for _, id := range e.Topics {
			has["topic."+id] = true
		}
		for _, id := range e.TargetGroups {
			has["group."+id] = true
		}
	}
	return app.Div().Class("catalog-facets-all").Body(
		app.Div().Class("catalog-facets").Body(
			c.facet("topic", t(lang, "catalog.topics"), schemas.Topics, p.topics, p.found.Topics, has),
			c.facet("group", t(lang, "catalog.groups"), schemas.TargetGroups, p.groups, p.found.Groups, has),
		),
		app.If(len(p.topics)+len(p.groups) > 0, func() app.UI {
			return app.A().ID("catalog-clear").Class("catalog-clear").Href(catalogAddress(lang, p.query, nil, nil)).
				Text(t(lang, "catalog.clearFilters"))
		}),
	)
}

func (c *catalogPart) facet(kind, legend string, vocab, ticked []string, counts map[string]int, has map[string]bool) app.UI {
	lang := c.Lang
	var boxes []app.UI
	for _, id := range vocab {
		if !has[kind+"."+id] {
			continue
		}
		boxID := "filter-" + kind + "-" + id
		box := app.Input().Type("checkbox").ID(boxID).Name(kind).Value(id).
			OnChange(c.page.ticked(kind, id, vocab), app.EventScope(kind+"="+id))
		if slices.Contains(ticked, id) {
			box = box.Checked(true)
		}
		boxes = append(boxes, choice(box, boxID, t(lang, kind+"."+id)+" ("+strconv.Itoa(counts[id])+")", true))
	}
	return frame{lang: lang, id: "filter-" + kind, label: []app.UI{app.Text(legend)}}.choices(boxes)
}

// list is what the search finds: how many, and the services' cards.
func (c *catalogPart) list() app.UI {
	p, lang := c.page, c.Lang
	n := len(p.found.Services)
	// Every service has its card, in the same place, and what the search does not find
	// is hidden: a keystroke changes a few attributes, not the list's text.
	shown := make(map[*schemas.Entry]bool, n)
	for _, e := range p.found.Services {
		shown[e] = true
	}
	all := registry().Sorted(lang)
	cards := make([]app.UI, len(all))
	for i, s := range all {
		cards[i] = &serviceCard{Lang: lang, ID: s.ID, Hidden: !shown[s]}
	}
	return app.Div().ID("catalog-list").Body(
		app.P().ID("catalog-count").Class("catalog-count").Role("status").
			Text(tf(lang, "catalog.count", map[string]any{"Count": n})),
		app.If(n == 0, func() app.UI { return app.P().ID("catalog-none").Text(t(lang, "catalog.none")) }),
		app.Ul().Class("cards").Body(cards...),
	)
}

// serviceCard is one service in the catalog. It is a component of its own: a search
// re-renders the cards it shows or hides, not all sixty.
type serviceCard struct {
	app.Compo
	Lang, ID string
	Hidden   bool
}

func (c *serviceCard) Render() app.UI {
	lang, s := c.Lang, registry().Entry(c.ID)
	card := app.Li().Class("card")
	if c.Hidden {
		card = card.Hidden(true) // never Hidden(false): go-app writes hidden="false", which hides
	}
	if s == nil {
		return card
	}
	return card.Body(
		app.H2().ID("service-"+s.ID).Class("card-title").Text(s.Name.In(lang)),
		app.P().Class("card-summary").Text(s.Summary.In(lang)),
		app.A().Class("button button-secondary").Href(ServicePath(lang, s.ID)).Body(
			app.Text(t(lang, "catalog.go")),
			app.Span().Class("visually-hidden").Text(": "+s.Name.In(lang)),
		),
	)
}
