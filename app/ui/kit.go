package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The field kit: the frame that every field of every form is drawn in, the service
// forms' and the registration and profile forms' alike, so that a label, its hint and
// its error line look, read and are announced the same everywhere.

// frame is what surrounds one field's control.
type frame struct {
	lang    string
	id      string   // the control's id (a group's first option's); the hint and error hang on it
	label   []app.UI // the label's or legend's content, the required mark included
	hint    string   // under the label; "" for none
	message string   // the field's problem; "" while it is fine
}

// class is a field's class, marked while the field has a problem.
func (f frame) class(base string) string {
	if f.message != "" {
		return base + " field-invalid"
	}
	return base
}

// describedBy names what a screen reader reads with the control: the hint, the error.
func (f frame) describedBy() string {
	var ids []string
	if f.hint != "" {
		ids = append(ids, f.id+"-hint")
	}
	if f.message != "" {
		ids = append(ids, f.id+"-error")
	}
	return strings.Join(ids, " ")
}

func (f frame) hintLine() app.UI {
	if f.hint == "" {
		return nil
	}
	return app.P().ID(f.id + "-hint").Class("hint").Text(f.hint)
}

// errorLine is always there, empty while the field is fine: an element that appears
// would shift the control after it and make go-app rebuild it.
func (f frame) errorLine() app.UI {
	line := app.P().ID(f.id + "-error").Class("error-message")
	if f.message == "" {
		return line
	}
	return line.Body(
		app.Span().Class("visually-hidden").Text(t(f.lang, "form.errorPrefix")+" "),
		app.Text(f.message),
	)
}

// labelled is a control under its label, hint and error line.
func (f frame) labelled(control app.UI) app.UI {
	return app.Div().Class(f.class("field")).Body(
		app.Label().For(f.id).Class("label").Body(f.label...),
		f.hintLine(),
		f.errorLine(),
		control,
	)
}

// choices is a group of radios or boxes under its legend, hint and error line.
func (f frame) choices(options []app.UI) app.UI {
	return app.FieldSet().Class(f.class("group choices")).Aria("describedby", f.describedBy()).Body(
		app.Legend().Class("label").Body(f.label...),
		f.hintLine(),
		f.errorLine(),
		app.Div().Class("choice-list").Body(options...),
	)
}

// box is one checkbox with its statement as its label.
func (f frame) box(control app.UI) app.UI {
	return app.Div().Class(f.class("field choice checkbox")).Body(
		f.errorLine(),
		control,
		app.Label().For(f.id).Body(f.label...),
		f.hintLine(),
	)
}

// choice is one option of a group: its radio or box, and its label.
func choice(control app.UI, id, label string, box bool) app.UI {
	class := "choice"
	if box {
		class += " checkbox"
	}
	return app.Div().Class(class).Body(control, app.Label().For(id).Text(label))
}
