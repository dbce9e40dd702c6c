package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/schemas"
)

// Check your answers: the step after a form's last page lists every answer, page by
// page, each with a Change button back to its field, and Send (the GOV.UK pattern the
// city's design system shares). It shows what would be sent: hidden answers and
// optional groups left empty are not there.

// checking reports whether the form shows its answers (the step after the last page).
func (p *FormPage) checking() bool { return p.service != nil && p.step == len(p.service.Pages) }

// answers lists the form's answers page by page.
func (p *FormPage) answers() app.UI {
	lang, s := p.route.lang, p.service
	doc := s.Clean(p.doc)
	var sections []app.UI
	for i, pg := range s.Pages {
		title := s.Form.Title.In(lang)
		if pg.Title != nil {
			title = pg.Title.In(lang)
		}
		var parts answerParts
		live := p.liveFields(s.Form, doc)
		for _, name := range pg.Fields {
			n := live(s.Form.Property(name))
			if n == nil {
				continue
			}
			p.answerBlocks(&parts, doc, n, schemas.Pointer("", name), "", title)
		}
		body := append([]app.UI{app.H3().Class("answers-title").Text(title)}, parts.done()...)
		sections = append(sections, app.Section().Class("answers").Aria("label", title).DataSet("page", strconv.Itoa(i)).Body(body...))
	}
	return app.Div().ID("answers").Body(sections...)
}

// answerParts collects a page's answers in the form's order: runs of answers as lists,
// between the blocks of groups.
type answerParts struct {
	out  []app.UI
	rows []app.UI
}

func (a *answerParts) row(r app.UI) { a.rows = append(a.rows, r) }

func (a *answerParts) block(b app.UI) {
	a.flush()
	a.out = append(a.out, b)
}

func (a *answerParts) flush() {
	if len(a.rows) > 0 {
		a.out = append(a.out, app.Dl().Class("answer-list").Body(a.rows...))
		a.rows = nil
	}
}

func (a *answerParts) done() []app.UI {
	a.flush()
	return a.out
}

// answerBlocks adds a field's answers: a row for an answer, a block headed by its title
// for a group (an object, each item of a list). A group titled as the page it is on
// needs no heading of its own.
func (p *FormPage) answerBlocks(parts *answerParts, doc any, n *schemas.Node, ptr, label, page string) {
	lang := p.route.lang
	v := getAt(doc, schemas.Segments(ptr))
	switch {
	case n.Type == "object":
		if v == nil {
			return // an optional group left empty
		}
		title := label
		if title == "" && n.Title != nil {
			title = n.Title.In(lang)
		}
		var inner answerParts
		live := p.liveFields(n, v)
		for _, c := range n.Properties {
			if c = live(c); c != nil {
				p.answerBlocks(&inner, doc, c, schemas.Pointer(ptr, c.Name), "", page)
			}
		}
		if title == page {
			for _, r := range inner.done() {
				parts.block(r)
			}
			return
		}
		parts.block(app.Div().Class("answers-block").Body(append([]app.UI{app.H4().Class("answers-group").Text(title)}, inner.done()...)...))
		return
	case n.Type == "array" && !isGroup(n) && widget(n) != "file":
		items, _ := v.([]any)
		if len(items) == 0 {
			parts.row(p.answerRow(n, ptr, n.Title.In(lang), t(lang, "form.notAnswered")))
			return
		}
		itemTitle := n.ItemTitle
		if itemTitle == nil {
			itemTitle = n.Items.Title
		}
		for i := range items {
			p.answerBlocks(parts, doc, n.Items, schemas.Pointer(ptr, i), itemTitle.In(lang)+" "+strconv.Itoa(i+1), page)
		}
		return
	}
	if label == "" {
		label = n.Title.In(lang)
	}
	parts.row(p.answerRow(n, ptr, label, p.answerText(n, v)))
}

// answerRow is one answer with its Change button, which goes to the field (without the
// client, the server shows the field's page).
func (p *FormPage) answerRow(n *schemas.Node, ptr, label, value string) app.UI {
	lang := p.route.lang
	if p.locked(n, ptr) { // read-only, or filled in from identification: nothing to change
		return app.Div().Class("answer-row").Body(
			app.Dt().Class("answer-label").Text(label),
			app.Dd().Class("answer-value").Text(value),
		)
	}
	change := app.Button().Type("submit").Form("form").Name(fieldAction).Value(actionGoTo+ptr).Class("link-button").
		OnClick(func(ctx app.Context, e app.Event) {
			e.PreventDefault()
			p.goToField(ctx, ptr)
		}, app.EventScope("change"+ptr)).
		Body(app.Text(t(lang, "form.change")), app.Span().Class("visually-hidden").Text(" "+label))
	return app.Div().Class("answer-row").Body(
		app.Dt().Class("answer-label").Text(label),
		app.Dd().Class("answer-value").Text(value),
		app.Dd().Class("answer-change").Body(change),
	)
}

// answerText is an answer as the resident reads it: an option's label, yes or no, a
// date and a number as the language writes them.
func (p *FormPage) answerText(n *schemas.Node, v any) string {
	lang := p.route.lang
	if v == nil && n.Type == "boolean" {
		return t(lang, "draft.no") // a box left unticked
	}
	if v == nil || v == "" {
		return t(lang, "form.notAnswered")
	}
	label := func(v any) string {
		for _, o := range n.Options {
			if valueText(o.Value) == valueText(v) {
				return o.Label.In(lang)
			}
		}
		return valueText(v)
	}
	switch {
	case isGroup(n):
		list, _ := v.([]any)
		names := make([]string, len(list))
		for i, item := range list {
			names[i] = p.answerText(n.Items, item)
		}
		return strings.Join(names, ", ")
	case len(n.Options) > 0:
		return label(v)
	case widget(n) == "file":
		if info, ok := knownFile(valueText(v)); ok && info.Name != "" {
			return info.Name
		}
		return t(lang, "form.fileAttached")
	}
	switch x := v.(type) {
	case bool:
		if x {
			return t(lang, "draft.yes")
		}
		return t(lang, "draft.no")
	case float64:
		return schemas.Number(lang, x)
	case string:
		if n.Format == "date" {
			if d, err := time.Parse("2006-01-02", x); err == nil {
				if lang == "en" {
					return d.Format("2 January 2006")
				}
				return d.Format("2.1.2006")
			}
		}
		return x
	}
	return valueText(v)
}
