package ui

// Dates are asked as day, month and year, each a box of digits in the page's
// language, not as the browser's date control: that one follows the browser's locale
// (mm/dd/yyyy on a Finnish page), takes four Tab stops and is awkward with a screen
// reader. The three controls are named by the field's pointer and a part
// ("/child/birthDate|day"); the document holds the date as draft-07 writes it,
// "2016-05-01", or what was typed so far ("2016-5-"), which validation then names.

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/schemas"
)

// dateParts are the parts of a date, in the order of the controls and of a Finnish,
// Swedish or British date.
var dateParts = []string{"day", "month", "year"}

// datePartOf splits a control's name into the field's pointer and the date part it
// holds; part is "" for any other control.
func datePartOf(name string) (ptr, part string) {
	ptr, part, ok := strings.Cut(name, "|")
	if !ok {
		return name, ""
	}
	for _, p := range dateParts {
		if p == part {
			return ptr, part
		}
	}
	return name, ""
}

// splitDate reads a date's year, month and day; a value not of that form has none.
func splitDate(v string) (year, month, day string) {
	parts := strings.SplitN(v, "-", 3)
	if len(parts) != 3 {
		return "", "", ""
	}
	return parts[0], parts[1], parts[2]
}

// withDatePart is the date v with one part as typed: digits only, a one-digit day or
// month with its zero. All parts empty is no date at all.
func withDatePart(v, part, text string) string {
	year, month, day := splitDate(v)
	text = strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, text)
	switch part {
	case "day":
		day = text
	case "month":
		month = text
	case "year":
		year = text
	}
	if year == "" && month == "" && day == "" {
		return ""
	}
	pad := func(s string) string {
		if len(s) == 1 {
			return "0" + s
		}
		return s
	}
	return year + "-" + pad(month) + "-" + pad(day)
}

// datePartText is what a part's control shows of the date v: as typed, without the
// zero a day or month was given.
func datePartText(v, part string) string {
	year, month, day := splitDate(v)
	switch part {
	case "day":
		return strings.TrimPrefix(day, "0")
	case "month":
		return strings.TrimPrefix(month, "0")
	}
	return year
}

// setAnswer puts a control's text in the document under the control's name: the
// field's pointer, or its pointer and a date part. It returns the document.
func setAnswer(s *schemas.Service, doc map[string]any, name, text string) map[string]any {
	ptr, part := datePartOf(name)
	if part != "" {
		cur, _ := getAt(doc, schemas.Segments(ptr)).(string)
		text = withDatePart(cur, part, text)
	}
	if out, ok := place(s.Form, doc, schemas.Segments(ptr), text).(map[string]any); ok {
		return out
	}
	return doc
}

// dateField renders a date as day, month and year in a group named by the field's
// label.
func (p *FormPage) dateField(n *schemas.Node, ptr string) app.UI {
	lang := p.route.lang
	id := fieldID(ptr)
	value := p.value(ptr)
	invalid := p.hasError(ptr)
	autocomplete := ""
	if n.Autocomplete == "bday" {
		autocomplete = "bday-"
	}
	parts := make([]app.UI, len(dateParts))
	for i, part := range dateParts {
		ctlID := id
		if i > 0 {
			ctlID = id + "-" + part
		}
		in := app.Input().Type("text").ID(ctlID).Name(ptr+"|"+part).Class("control control-date-"+part).
			Value(datePartText(value, part)).Attr("inputmode", "numeric").
			Aria("invalid", boolString(invalid)).
			OnChange(p.datePartChanged(ptr, part), app.EventScope(ptr+"|"+part))
		if i == 0 {
			in = in.Aria("describedby", p.describedBy(n, ptr))
		}
		if autocomplete != "" {
			in = in.Attr("autocomplete", autocomplete+part)
		}
		if n.ReadOnly {
			in = in.ReadOnly(true)
		}
		parts[i] = app.Div().Class("date-part").Body(
			app.Label().For(ctlID).Class("date-part-label").Text(t(lang, "form.date."+part)),
			autofocus(p, in, ctlID),
		)
	}
	class := "group date-input"
	if invalid {
		class += " field-invalid"
	}
	return app.FieldSet().Class(class).Body(
		app.Legend().Class("label").Body(p.labelText(n)...),
		p.hints(n, ptr),
		p.errorText(ptr),
		app.Div().Class("date-parts").Body(parts...),
	)
}

// datePartChanged takes a part of a date into the document when the user leaves it.
func (p *FormPage) datePartChanged(ptr, part string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		p.doc = setAnswer(p.service, p.doc, ptr+"|"+part, controlText(ctx.JSSrc()))
		// A date half typed is not yet wrong: its error waits for the last part, or for
		// Next, unless one is shown already.
		v, _ := getAt(p.doc, schemas.Segments(ptr)).(string)
		y, m, d := splitDate(v)
		p.answered(ctx, ptr, (y != "" && m != "" && d != "") || v == "" || p.hasError(ptr))
	}
}
