package ui

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/apiv1"

	"github.com/lomake/lomake/app/draft"
	"github.com/lomake/lomake/schemas"
)

// A form's draft lives in three places: the page (p.doc), this device (IndexedDB,
// written on every change), and the server (so that it can be continued on another
// device). This file keeps them together.

// syncDelay is how long the form waits after a change before it saves the draft on the
// server, so that a burst of edits makes one request.
const syncDelay = 2 * time.Second

// syncEvery is the longest the server's copy is left behind while the user edits,
// even within one long answer that has not been left yet.
const syncEvery = 5 * time.Minute

// opened reads this device's copy of the draft into the fresh form, then brings in the
// server's. A form taken over from the prerendered page (tk) keeps what the page had
// when it was one of the form's own posts (newer than any draft), and in every case
// what was typed on the page.
func (p *FormPage) opened(ctx app.Context, tk *takeover) {
	s := p.service
	readDraft(s, func(d *localDraft) {
		ctx.Dispatch(func(ctx app.Context) {
			if p.service != s {
				return
			}
			// The field being typed into keeps the value it was drawn with, so that
			// drawing the draft does not overwrite keys pressed since: they reach the
			// document when the resident leaves the field.
			typing, drawn := "", any(nil)
			if tk != nil {
				if typing = focusedAnswer(); typing != "" {
					drawn = getAt(p.doc, schemas.Segments(typing))
				}
			}
			if d != nil {
				p.base, p.rev, p.dirty = d.Base, d.Rev, d.Dirty
				if tk == nil || !tk.Posted {
					p.doc = d.Doc
					p.migrate(d.Schema)
				}
				if len(d.Errors) > 0 { // a send the server refused
					p.showErrors(ctx, d.Errors)
				}
			}
			if tk != nil && p.keepTyped() {
				p.dirty = true
				p.keep()
			}
			if typing != "" {
				setAt(p.doc, schemas.Segments(typing), drawn)
			}
			if tk != nil {
				// The resident may be typing while this comes in: their field stays theirs.
				p.ctx.Defer(func(app.Context) { p.setControls(true) })
			} else {
				p.restructured("")
			}
			loadUser(ctx, false, func(ctx app.Context) { p.sync(ctx) })
		})
	})
	device("estimate", func(text string) {
		var e struct{ Usage, Quota float64 }
		if json.Unmarshal([]byte(text), &e) == nil && quotaLow(e.Usage, e.Quota) {
			ctx.Dispatch(func(app.Context) { p.quotaLow = true })
		}
	})
}

// focusedAnswer is the pointer of the field whose control has focus, else "".
func focusedAnswer() string {
	el := app.Window().Get("document").Get("activeElement")
	if !el.Truthy() || !el.Get("form").Truthy() || el.Get("form").Get("id").String() != "form" {
		return ""
	}
	name := el.Get("name").String()
	if !strings.HasPrefix(name, "/") {
		return ""
	}
	ptr, _ := datePartOf(name)
	return ptr
}

// keepTyped puts back in the document what was typed on this page (lomake.js notes
// it as it happens), over an older draft; it reports whether that changed anything.
func (p *FormPage) keepTyped() bool {
	lo := app.Window().Get("lomake")
	if !lo.Truthy() {
		return false
	}
	var typed map[string]string
	if json.Unmarshal([]byte(lo.Call("typedHere", p.service.ID).String()), &typed) != nil || len(typed) == 0 {
		return false
	}
	before := valueText(p.doc)
	for _, name := range slices.Sorted(maps.Keys(typed)) {
		p.doc = setAnswer(p.service, p.doc, name, typed[name])
	}
	return valueText(p.doc) != before
}

// quotaLow tells when the browser may soon refuse to keep more: under a tenth of its
// allowance, or 5 MB, left.
func quotaLow(usage, quota float64) bool {
	return quota > 0 && (quota-usage < quota/10 || quota-usage < 5<<20)
}

// migrate carries a draft saved under another version of the form over to this one and
// keeps what no longer fits to be shown to the user.
func (p *FormPage) migrate(version int) {
	if version == p.service.Version || version == 0 {
		return
	}
	old := p.doc
	doc, dropped := draft.Migrate(p.service, old)
	p.doc, p.dirty = doc, true
	for _, ptr := range dropped {
		p.dropped = append(p.dropped, ptr[strings.LastIndex(ptr, "/")+1:]+": "+display(p.route.lang, getAt(old, schemas.Segments(ptr))))
	}
}

// saved is called after every change: the device has the draft at once, and the server
// gets it shortly.
func (p *FormPage) saved(ctx app.Context) {
	p.dirty = true
	p.keep()
	at := time.Now().Add(syncDelay)
	p.syncAt = at
	ctx.After(syncDelay, func(ctx app.Context) {
		if p.syncAt == at {
			p.sync(ctx)
		}
	})
}

// keep writes the draft to this device.
func (p *FormPage) keep() {
	writeDraft(p.service.ID, &localDraft{Doc: p.doc, Base: p.base, Rev: p.rev, Schema: p.service.Version, Dirty: p.dirty})
}

// tick saves at least every syncEvery while the form is open, with what the controls
// hold even if the user has not left the field yet.
func (p *FormPage) tick(ctx app.Context) {
	ctx.After(syncEvery, func(ctx app.Context) {
		if p.readControls() {
			p.dirty = true
			p.keep()
		}
		p.sync(ctx)
		p.tick(ctx)
	})
}

// readControls takes the controls' values into the document; it reports a change.
func (p *FormPage) readControls() bool {
	form := app.Window().GetElementByID("form")
	if !form.Truthy() {
		return false
	}
	changed := false
	els := form.Get("elements")
	for i, n := 0, els.Length(); i < n; i++ {
		el := els.Index(i)
		name, typ := el.Get("name").String(), el.Get("type").String()
		ptr, part := datePartOf(name)
		node := p.service.Form.Lookup(ptr)
		if !strings.HasPrefix(name, "/") || node == nil || typ == "submit" || typ == "button" || (typ == "radio" && !el.Get("checked").Bool()) {
			continue
		}
		text := controlText(el)
		if part != "" {
			cur, _ := getAt(p.doc, schemas.Segments(ptr)).(string)
			text = withDatePart(cur, part, text)
		}
		if setIfChanged(p.doc, ptr, controlValue(node, text)) {
			changed = true
		}
	}
	return changed
}

// sync brings this device's draft and the server's together: it saves a changed draft
// on the revision it was based on, and takes in another device's changes. It waits
// while the user is choosing between conflicting answers.
func (p *FormPage) sync(ctx app.Context) {
	if p.syncing || len(p.conflicts) > 0 || !user.Authenticated || !user.Registered || user.offline || !serverKeepsDrafts(p.service) {
		return
	}
	p.syncing = true
	id, lang, dirty, rev := p.service.ID, p.route.lang, p.dirty, p.rev
	doc := cloneDoc(p.doc)
	version := p.service.Version
	ctx.Async(func() {
		data, _ := json.Marshal(doc)
		in := apiv1.DraftInput{SchemaVersion: version, Data: data}
		var res apiResult
		var err error
		switch {
		case !dirty:
			res, err = call(http.MethodGet, "/api/v1/drafts/"+id, lang, nil)
		case rev == 0:
			res, err = call(http.MethodPut, "/api/v1/drafts/"+id, lang, in, "If-None-Match", "*")
		default:
			res, err = call(http.MethodPut, "/api/v1/drafts/"+id, lang, in, "If-Match", `"`+strconv.Itoa(rev)+`"`)
		}
		ctx.Dispatch(func(ctx app.Context) {
			p.syncing = false
			if err != nil || p.service == nil || p.service.ID != id {
				return // offline: the device has it, and reconnecting syncs again
			}
			p.synced(ctx, dirty, doc, res)
		})
	})
}

// serverKeepsDrafts reports whether a service's drafts go to the server. A service not
// kept in the folder (health care) keeps its drafts on the device only: what it asks is
// never on the server before it is sent, nor in any list of drafts.
func serverKeepsDrafts(s *schemas.Service) bool { return s != nil && s.KeepInFolder }

func (p *FormPage) synced(ctx app.Context, put bool, sent map[string]any, res apiResult) {
	var answer apiv1.Draft
	var conflict apiv1.DraftConflict // a 412's current draft
	_ = json.Unmarshal(res.body, &answer)
	_ = json.Unmarshal(res.body, &conflict)
	switch {
	case res.status == http.StatusOK && put:
		// Saved. If the user changed something meanwhile, that save is on its way.
		p.base, p.rev, p.dirty = sent, answer.Rev, !sameDoc(sent, p.doc)
		p.keep()
	case res.status == http.StatusOK && answer.Rev != p.rev:
		p.takeRemote(ctx, answer)
	case res.status == http.StatusPreconditionFailed:
		p.takeRemote(ctx, conflict.Draft)
	case res.status == http.StatusNotFound && (p.rev != 0 || p.dirty):
		// Not on the server (never saved there, or sent from another device): this
		// device's copy stays, and a changed one is saved anew.
		p.rev = 0
		p.keep()
		if p.dirty {
			p.sync(ctx)
		}
	}
}

// takeRemote brings another device's version in. Untouched here, it replaces ours;
// otherwise the two are merged field by field, and where both changed the same field
// the user chooses, with this device's answer in the form until then.
func (p *FormPage) takeRemote(ctx app.Context, r apiv1.Draft) {
	var remote map[string]any
	if json.Unmarshal(r.Data, &remote) != nil || remote == nil {
		return
	}
	if r.SchemaVersion != p.service.Version {
		remote, _ = draft.Migrate(p.service, remote)
	}
	if !p.dirty {
		p.doc, p.base, p.rev = remote, cloneDoc(remote), r.Rev
		p.keep()
		p.restructured("")
		return
	}
	merged, conflicts := draft.Merge(p.base, p.doc, remote)
	p.doc, p.base, p.rev, p.conflicts = merged, cloneDoc(remote), r.Rev, conflicts
	p.choice = map[string]bool{}
	p.keep()
	p.restructured("")
	if len(conflicts) > 0 {
		p.focusAfterRender("conflicts")
		return
	}
	p.sync(ctx)
}

// resolve applies the user's choices between conflicting answers and saves the result.
func (p *FormPage) resolve(ctx app.Context, e app.Event) {
	for _, c := range p.conflicts {
		if p.choice[c.Pointer] {
			setAt(p.doc, schemas.Segments(c.Pointer), c.Remote)
		}
	}
	p.conflicts, p.choice = nil, nil
	p.saved(ctx)
	p.restructured("form")
	p.sync(ctx)
}

// conflictPanel asks, field by field, which device's answer to keep.
func (p *FormPage) conflictPanel() app.UI {
	if len(p.conflicts) == 0 {
		return nil
	}
	lang := p.route.lang
	groups := []app.UI{
		app.H2().Text(t(lang, "draft.conflictTitle")),
		app.P().Text(t(lang, "draft.conflictText")),
	}
	for i, c := range p.conflicts {
		ptr := c.Pointer
		label := ptr
		if n := p.service.Form.Lookup(ptr); n != nil && n.Title != nil {
			label = n.Title.In(lang)
		}
		opts := []app.UI{app.Legend().Class("label").Text(label)}
		for j, remote := range []bool{false, true} {
			id := "conflict-" + strconv.Itoa(i) + "-" + strconv.Itoa(j)
			v, text := c.Local, "draft.thisDevice"
			if remote {
				v, text = c.Remote, "draft.otherDevice"
			}
			radio := app.Input().Type("radio").ID(id).Name("conflict-"+strconv.Itoa(i)).
				OnChange(func(ctx app.Context, e app.Event) { p.choice[ptr] = remote }, app.EventScope(id))
			if p.choice[ptr] == remote {
				radio = radio.Checked(true)
			}
			opts = append(opts, app.Div().Class("choice").Body(radio,
				app.Label().For(id).Text(t(lang, text)+": "+display(lang, v))))
		}
		groups = append(groups, app.FieldSet().Class("group choices").Body(opts...))
	}
	groups = append(groups, app.Button().ID("conflicts-apply").Type("button").Class("button").OnClick(p.resolve).Text(t(lang, "draft.conflictApply")))
	return app.Div().ID("conflicts").Class("panel panel-warning").TabIndex(-1).Body(groups...)
}

// notices tells what became of a draft: answers a changed form no longer has room for,
// and a device running out of storage.
func (p *FormPage) notices() app.UI {
	lang := p.route.lang
	var items []app.UI
	if len(p.dropped) > 0 {
		list := make([]app.UI, len(p.dropped))
		for i, d := range p.dropped {
			list[i] = app.Li().Text(d)
		}
		items = append(items, app.Div().ID("migrated").Class("panel panel-info").Role("status").Body(
			app.P().Text(t(lang, "draft.migrated")), app.Ul().Body(list...)))
	}
	if p.quotaLow {
		items = append(items, app.Div().ID("quota").Class("panel panel-warning").Role("status").Body(
			app.P().Text(t(lang, "draft.quotaLow")),
			app.Button().Type("button").Class("button button-secondary").OnClick(p.download).Text(t(lang, "draft.download")),
		))
	}
	if len(items) == 0 {
		return nil
	}
	return app.Div().Body(items...)
}

// download gives the user the draft as a file.
func (p *FormPage) download(ctx app.Context, e app.Event) {
	data, _ := json.MarshalIndent(p.doc, "", "  ")
	device("download", func(string) {}, p.service.ID+"-"+time.Now().Format("2006-01-02")+".json", string(data))
}

// display shows an answer in a sentence.
func display(lang string, v any) string {
	switch v := v.(type) {
	case nil:
		return t(lang, "draft.empty")
	case string:
		return v
	case bool:
		return t(lang, map[bool]string{true: "draft.yes", false: "draft.no"}[v])
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func cloneDoc(doc map[string]any) map[string]any {
	var out map[string]any
	b, _ := json.Marshal(doc)
	_ = json.Unmarshal(b, &out)
	return out
}

func sameDoc(a, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
