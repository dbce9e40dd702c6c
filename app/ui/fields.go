package ui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/locales"
	"github.com/lomake/lomake/schemas"
)

// fieldID is the HTML id of a field's first control; error links point at it.
// The whole form's own problems (a rule over all of it) lead to the form, and so to its
// first control.
func fieldID(ptr string) string {
	if ptr == "" {
		return "form"
	}
	return "f" + idChars.Replace(ptr)
}

// idChars is built once: a render asks for several ids per field.
var idChars = strings.NewReplacer("/", "-", "~", "_", " ", "_")

func tf(lang, id string, data map[string]any) string { return locales.T(lang, id, data) }

// widget returns how a node is shown: the author's choice, else a default by type.
func widget(n *schemas.Node) string {
	switch {
	case n.Widget == "list":
		return "array"
	case n.Widget != "":
		return n.Widget
	case n.Type == "array" && n.Items != nil && len(n.Items.Options) > 0:
		return "checkboxes" // "choose one or more"
	}
	switch {
	case len(n.Options) > 0 && len(n.Options) <= 4:
		return "radio"
	case len(n.Options) > 0:
		return "select"
	}
	switch n.Type {
	case "boolean":
		return "checkbox"
	case "number", "integer":
		return "number"
	case "object", "array":
		return n.Type
	}
	switch n.Format {
	case "email":
		return "email"
	case "date":
		return "date"
	case "fi-phone":
		return "tel"
	}
	if n.MaxLength > 200 {
		return "textarea"
	}
	return "text"
}

// field renders a node at ptr: a group (an object, a list) or one answer.
func (p *FormPage) field(n *schemas.Node, ptr string) app.UI {
	switch widget(n) {
	case "hidden":
		return nil
	case "object":
		return p.object(n, ptr)
	case "array":
		return p.array(n, ptr)
	case "file":
		return p.fileField(n, ptr, "", false)
	}
	return p.answer(n, ptr, "", false)
}

// answer is the field of one answer, as a component of its own. label overrides the
// node's title (list items).
func (p *FormPage) answer(n *schemas.Node, ptr, label string, inList bool) app.UI {
	f := &fieldView{Node: n, Ptr: ptr, Label: label, InList: inList, Lang: p.route.lang, Value: p.value(ptr),
		Note: p.prefillNote(n, ptr), form: p}
	if v, ok := p.shown[ptr]; ok {
		f.Message = p.service.Message(p.route.lang, v)
	}
	return f
}

// fieldView is one answer's field. Leaving a field re-renders that field alone: go-app
// re-renders the component an event belongs to and every component above it, so the
// field's handlers cancel the form's update unless something outside the field changed
// (the error summary). When the form renders, go-app compares each field's exported
// fields with the new ones and renders again only the fields whose answer, message or
// language changed. Render reads the form itself; the exported fields are what it
// shows, for that comparison.
type fieldView struct {
	app.Compo

	Node    *schemas.Node
	Ptr     string
	Label   string
	InList  bool
	Lang    string
	Value   string
	Message string
	Note    string // what a field filled in from identification says (it changes at sign-in)

	form *FormPage
}

func (f *fieldView) Render() app.UI {
	p, n, ptr := f.form, f.Node, f.Ptr
	switch widget(n) {
	case "radio":
		return p.radios(n, ptr)
	case "checkbox":
		return p.checkbox(n, ptr)
	case "checkboxes":
		return p.checkboxes(n, ptr)
	case "date":
		return p.dateField(n, ptr)
	}
	return p.control(n, ptr, f.Label, f.InList)
}

// liveFields returns, for an object node and its value, what to render of each of its
// fields as the object's conditions stand: nil for a field no condition shows now, a
// copy marked required for one a condition requires, else the field itself.
func (p *FormPage) liveFields(n *schemas.Node, v any) func(*schemas.Node) *schemas.Node {
	shown, required := n.Applying(v)
	return func(c *schemas.Node) *schemas.Node {
		switch {
		case c == nil || c.Conditional && !shown[c.Name]:
			return nil
		case required[c.Name] && !c.Required:
			if p.required == nil {
				p.required = map[*schemas.Node]*schemas.Node{}
			}
			// One copy per field, so that the field component sees the same node on
			// every render and is not rendered again for nothing.
			r := p.required[c]
			if r == nil {
				copied := *c
				copied.Required = true
				r = &copied
				p.required[c] = r
			}
			return r
		}
		return c
	}
}

// children renders an object's fields as its conditions stand.
func (p *FormPage) children(n *schemas.Node, ptr string) []app.UI {
	live := p.liveFields(n, getAt(p.doc, schemas.Segments(ptr)))
	out := make([]app.UI, 0, len(n.Properties))
	for _, c := range n.Properties {
		if c = live(c); c != nil {
			out = append(out, p.field(c, schemas.Pointer(ptr, c.Name)))
		}
	}
	return out
}

func (p *FormPage) object(n *schemas.Node, ptr string) app.UI {
	children := p.children(n, ptr)
	return app.FieldSet().ID(fieldID(ptr)).Class("group").Body(
		app.If(n.Title != nil, func() app.UI { return app.Legend().Class("group-legend").Text(n.Title.In(p.route.lang)) }),
		p.hints(n, ptr),
		p.errorText(ptr),
		app.Div().Class("group-fields").Body(children...),
	)
}

// array renders a list whose items can be added and removed within minItems..maxItems.
func (p *FormPage) array(n *schemas.Node, ptr string) app.UI {
	lang := p.route.lang
	segs := schemas.Segments(ptr)
	items, _ := getAt(p.doc, segs).([]any)
	itemTitle := n.ItemTitle
	if itemTitle == nil {
		itemTitle = n.Items.Title
	}
	removeLabel := t(lang, "form.remove")
	if n.RemoveLabel != nil {
		removeLabel = n.RemoveLabel.In(lang)
	}
	addLabel := t(lang, "form.add")
	if n.AddLabel != nil {
		addLabel = n.AddLabel.In(lang)
	}

	rows := make([]app.UI, 0, len(items))
	for i := range items {
		i := i
		itemPtr := schemas.Pointer(ptr, i)
		title := itemTitle.In(lang) + " " + strconv.Itoa(i+1)
		var body app.UI
		if n.Items.Type == "object" {
			body = app.Div().Class("group-fields").Body(p.children(n.Items, itemPtr)...)
		} else if widget(n.Items) == "file" {
			body = p.fileField(n.Items, itemPtr, title, true)
		} else {
			body = p.answer(n.Items, itemPtr, title, true)
		}
		var remove app.UI
		if len(items) > n.MinItems {
			remove = app.Button().Type("submit").Name(fieldAction).Value(actionRemove+itemPtr).Class("button button-link").
				OnClick(func(ctx app.Context, e app.Event) {
					e.PreventDefault()
					p.removeItem(ctx, ptr, i)
				}, app.EventScope(itemPtr)).
				Body(app.Text(removeLabel), app.Span().Class("visually-hidden").Text(": "+title))
		}
		if n.Items.Type == "object" {
			rows = append(rows, app.FieldSet().ID(fieldID(itemPtr)+"-item").Class("group item").Body(
				app.Legend().Class("group-legend").Text(title),
				p.errorText(itemPtr),
				body,
				remove,
			))
		} else {
			rows = append(rows, app.Div().Class("item item-inline").Body(body, remove))
		}
	}
	var add app.UI
	if n.MaxItems == 0 || len(items) < n.MaxItems {
		add = app.Button().Type("submit").Name(fieldAction).Value(actionAdd+ptr).Class("button button-secondary").ID(fieldID(ptr)+"-add").
			OnClick(func(ctx app.Context, e app.Event) {
				e.PreventDefault()
				p.addItem(ctx, n, ptr)
			}, app.EventScope(ptr)).
			Text("+ " + addLabel)
	}
	return autofocus(p, app.FieldSet().ID(fieldID(ptr)).Class("group list").TabIndex(-1), fieldID(ptr)).Body(
		app.Legend().Class("group-legend").Body(p.labelText(n)...),
		p.hints(n, ptr),
		p.errorText(ptr),
		app.Div().Class("items").Body(rows...),
		add,
	)
}

func (p *FormPage) addItem(ctx app.Context, n *schemas.Node, ptr string) {
	segs := schemas.Segments(ptr)
	size := appendAt(p.doc, segs, defaults(n.Items))
	p.check(ptr)
	p.saved(ctx)
	newPtr := schemas.Pointer(ptr, size-1)
	if n.Items.Type == "object" && len(n.Items.Properties) > 0 {
		newPtr = schemas.Pointer(newPtr, n.Items.Properties[0].Name)
	}
	p.restructured(fieldID(newPtr))
}

func (p *FormPage) removeItem(ctx app.Context, ptr string, i int) {
	removeAt(p.doc, schemas.Segments(ptr), i)
	// Items after i moved up: what was shown for them no longer matches their place.
	for q := range p.shown {
		if strings.HasPrefix(q, ptr+"/") {
			delete(p.shown, q)
		}
	}
	p.check(ptr)
	p.saved(ctx)
	p.restructured(fieldID(ptr))
}

// control renders one labelled control. label overrides the node's title (list items).
func (p *FormPage) control(n *schemas.Node, ptr, label string, inList bool) app.UI {
	id := fieldID(ptr)
	var labelBody []app.UI
	if label != "" {
		labelBody = []app.UI{app.Text(label)}
		if inList {
			labelBody = append(labelBody, requiredMark())
		}
	} else {
		labelBody = p.labelText(n)
	}
	f := p.frame(n, ptr, labelBody)
	value := p.value(ptr)
	invalid := f.message != ""
	describedBy := f.describedBy()
	required := n.Required || inList

	var ctl app.UI
	switch w := widget(n); w {
	case "select":
		opts := []app.UI{option("", t(p.route.lang, "form.choose"), value == "")}
		for _, o := range n.Options {
			v := fmt.Sprint(o.Value)
			opts = append(opts, option(v, o.Label.In(p.route.lang), v == value))
		}
		sel := app.Select().ID(id).Name(ptr).Class("control").
			Aria("invalid", boolString(invalid)).Aria("describedby", describedBy).
			OnChange(p.changed(n, ptr), app.EventScope(ptr)).Body(opts...)
		// Boolean attributes only when true: go-app prerenders false as
		// disabled="false", which HTML reads as disabled.
		if required {
			sel = sel.Required(true)
		}
		if n.ReadOnly {
			sel = sel.Disabled(true)
		}
		ctl = autofocus(p, sel, id)
	case "textarea":
		ta := app.Textarea().ID(id).Name(ptr).Class("control").Rows(6).
			Aria("invalid", boolString(invalid)).Aria("describedby", describedBy).
			OnChange(p.changed(n, ptr), app.EventScope(ptr)).OnBlur(p.left(ptr, required), app.EventScope(ptr)).Text(value)
		if required {
			ta = ta.Required(true)
		}
		if p.locked(n, ptr) {
			ta = ta.ReadOnly(true)
		}
		ctl = autofocus(p, ta, id)
	default:
		typ, mode := "text", ""
		switch w {
		case "email", "tel", "date":
			typ = w
		case "number":
			// GOV.UK advice: type=number mangles input; a text field with a numeric
			// keyboard does not.
			mode = "decimal"
			if n.Type == "integer" {
				mode = "numeric"
			}
		}
		in := app.Input().Type(typ).ID(id).Name(ptr).Class("control control-"+w).Value(value).
			Aria("invalid", boolString(invalid)).Aria("describedby", describedBy).
			OnChange(p.changed(n, ptr), app.EventScope(ptr)).OnBlur(p.left(ptr, required), app.EventScope(ptr))
		if required {
			in = in.Required(true)
		}
		if p.locked(n, ptr) {
			in = in.ReadOnly(true)
		}
		if mode != "" {
			in = in.Attr("inputmode", mode)
		}
		if n.Autocomplete != "" {
			in = in.Attr("autocomplete", n.Autocomplete)
		} else if strings.HasSuffix(ptr, "IdentityCode") || n.Format == "fi-personal-identity-code" {
			in = in.Attr("autocomplete", "off")
		}
		ctl = autofocus(p, in, id)
	}
	return f.labelled(ctl)
}

// optionID is the id of a group's option i: the first takes the field's own id, which
// error links point at.
func optionID(ptr string, i int) string {
	if i == 0 {
		return fieldID(ptr)
	}
	return fieldID(ptr) + "-" + strconv.Itoa(i)
}

func (p *FormPage) radios(n *schemas.Node, ptr string) app.UI {
	value := p.value(ptr)
	invalid := p.hasError(ptr)
	opts := make([]app.UI, len(n.Options))
	for i, o := range n.Options {
		v, id := fmt.Sprint(o.Value), optionID(ptr, i)
		radio := app.Input().Type("radio").ID(id).Name(ptr).Value(v).
			Aria("invalid", boolString(invalid)).
			OnChange(p.changed(n, ptr), app.EventScope(ptr+"="+v))
		if v == value {
			radio = radio.Checked(true)
		}
		if n.Required {
			radio = radio.Required(true)
		}
		if n.ReadOnly {
			radio = radio.Disabled(true)
		}
		opts[i] = choice(autofocus(p, radio, id), id, o.Label.In(p.route.lang), false)
	}
	return p.frame(n, ptr, p.labelText(n)).choices(opts)
}

func (p *FormPage) checkbox(n *schemas.Node, ptr string) app.UI {
	id := fieldID(ptr)
	checked, _ := getAt(p.doc, schemas.Segments(ptr)).(bool)
	invalid := p.hasError(ptr)
	box := app.Input().Type("checkbox").ID(id).Name(ptr).Value("true").
		Aria("invalid", boolString(invalid)).Aria("describedby", p.describedBy(n, ptr)).
		OnChange(p.changed(n, ptr), app.EventScope(ptr))
	if checked {
		box = box.Checked(true)
	}
	if n.Required {
		box = box.Required(true)
	}
	if n.ReadOnly {
		box = box.Disabled(true)
	}
	return p.frame(n, ptr, p.labelText(n)).box(autofocus(p, box, id))
}

// checkboxes renders a list of options as a group of boxes: the answer is the list of
// the options ticked, in the options' order.
func (p *FormPage) checkboxes(n *schemas.Node, ptr string) app.UI {
	chosen := chosenSet(getAt(p.doc, schemas.Segments(ptr)))
	invalid := p.hasError(ptr)
	boxes := make([]app.UI, len(n.Items.Options))
	for i, o := range n.Items.Options {
		v, id := valueText(o.Value), optionID(ptr, i)
		box := app.Input().Type("checkbox").ID(id).Name(ptr).Value(v).
			Aria("invalid", boolString(invalid)).
			OnChange(p.toggled(n, ptr), app.EventScope(ptr+"="+v))
		if chosen[v] {
			box = box.Checked(true)
		}
		if n.ReadOnly {
			box = box.Disabled(true)
		}
		boxes[i] = choice(autofocus(p, box, id), id, o.Label.In(p.route.lang), true)
	}
	label := p.labelText(n)
	if !n.Required && n.MinItems > 0 {
		label = append(label, requiredMark())
	}
	return p.frame(n, ptr, label).choices(boxes)
}

// isGroup reports whether n is shown as a group of checkboxes.
func isGroup(n *schemas.Node) bool { return n != nil && widget(n) == "checkboxes" }

// chosenSet is the options a checkbox group's answer holds, as their controls' values.
func chosenSet(v any) map[string]bool {
	list, _ := v.([]any)
	out := make(map[string]bool, len(list))
	for _, item := range list {
		out[valueText(item)] = true
	}
	return out
}

// tickedAnswer is a checkbox group's answer from the values of the boxes ticked, in the
// options' order (values that are not options are dropped); nil when none is.
func tickedAnswer(n *schemas.Node, ticked map[string]bool) any {
	var out []any
	for _, o := range n.Items.Options {
		if ticked[valueText(o.Value)] {
			out = append(out, o.Value)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// toggled follows one box of a group.
func (p *FormPage) toggled(n *schemas.Node, ptr string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		el := ctx.JSSrc()
		segs := schemas.Segments(ptr)
		ticked := chosenSet(getAt(p.doc, segs))
		ticked[el.Get("value").String()] = el.Get("checked").Bool()
		setAt(p.doc, segs, tickedAnswer(n, ticked))
		p.answered(ctx, ptr, true)
	}
}

// autofocus marks the control the page focuses when it loads: the server sets it
// after one of the form's own posts (an added list item, a field the summary leads to).
func autofocus[T interface{ Attr(string, any) T }](p *FormPage, el T, id string) T {
	if p.focusOnLoad == id {
		return el.Attr("autofocus", true)
	}
	return el
}

func option(value, label string, selected bool) app.UI {
	o := app.Option().Value(value).Text(label)
	if selected {
		o = o.Selected(true)
	}
	return o
}

// labelText is a field's label with the required mark the note above the form explains.
func (p *FormPage) labelText(n *schemas.Node) []app.UI {
	out := []app.UI{app.Text(n.Title.In(p.route.lang))}
	if n.Required {
		out = append(out, requiredMark())
	}
	return out
}

// requiredMark is the visible asterisk; screen readers hear "required" from the control.
func requiredMark() app.UI {
	return app.Span().Class("required-mark").Aria("hidden", "true").Text(" *")
}

// frame is the field at ptr's frame in the kit (kit.go): its label, hint and problem.
func (p *FormPage) frame(n *schemas.Node, ptr string, label []app.UI) frame {
	return frame{lang: p.route.lang, id: fieldID(ptr), label: label, hint: p.hintText(n, ptr), message: p.message(ptr)}
}

func (p *FormPage) hints(n *schemas.Node, ptr string) app.UI { return p.frame(n, ptr, nil).hintLine() }

// errorText is the error line of the field, group or list at ptr.
func (p *FormPage) errorText(ptr string) app.UI {
	return frame{lang: p.route.lang, id: fieldID(ptr), message: p.message(ptr)}.errorLine()
}

func (p *FormPage) describedBy(n *schemas.Node, ptr string) string {
	return p.frame(n, ptr, nil).describedBy()
}

// message is the problem shown for the answer at ptr, "" while it is fine.
func (p *FormPage) message(ptr string) string {
	if v, ok := p.shown[ptr]; ok {
		return p.service.Message(p.route.lang, v)
	}
	return p.fileProblem[ptr]
}

// hintText is what a field says under its label: its description and help, its first
// example, and where a prefilled answer comes from.
func (p *FormPage) hintText(n *schemas.Node, ptr string) string {
	note, example := p.prefillNote(n, ptr), p.example(n)
	var parts []string
	for _, text := range []schemas.Text{n.Description, n.Help} {
		if text != nil {
			parts = append(parts, text.In(p.route.lang))
		}
	}
	if example != "" {
		parts = append(parts, tf(p.route.lang, "form.example", map[string]any{"Example": example}))
	}
	if note != "" {
		parts = append(parts, t(p.route.lang, note))
	}
	return strings.Join(parts, " ")
}

// example is a field's first example (the schema's examples) as the hint shows it:
// a text or a number, "" for others.
func (p *FormPage) example(n *schemas.Node) string {
	if len(n.Examples) == 0 || n.Type == "object" || n.Type == "array" {
		return ""
	}
	switch v := n.Examples[0].(type) {
	case string:
		return v
	case float64:
		return schemas.Number(p.route.lang, v)
	}
	return ""
}

// personal is what the form fills in about the signed-in user (x-prefill), nil while
// nobody is: the server knows it when it prerenders, the client once it has asked.
func (p *FormPage) personal() map[string]string {
	if p.req != nil {
		return p.req.Session.Prefill
	}
	if user.Authenticated {
		return user.Prefill
	}
	return nil
}

// prefillNote is the message id of what a field filled in from identification says
// of itself: filled in, or to be filled in once the user identifies; "" for others.
func (p *FormPage) prefillNote(n *schemas.Node, ptr string) string {
	switch {
	case n.Prefill == "":
		return ""
	case p.service.PrefillLocked(ptr, p.personal()):
		return "form.prefilled"
	case p.req == nil && !user.Loaded && !p.prerenderedSignedOut && p.value(ptr) != "":
		// The client took over a page the server filled in for the signed-in user,
		// and has not asked who it is yet: the field stays as the server drew it.
		return "form.prefilled"
	case p.signedOut():
		return "form.prefillLater"
	}
	return "" // the person has no such detail (no phone in the profile): theirs to give
}

// locked reports whether a field shows its answer without letting it be changed: a
// readOnly field, or one filled in from identification (or to be, once the user
// identifies).
func (p *FormPage) locked(n *schemas.Node, ptr string) bool {
	return n.ReadOnly || p.prefillNote(n, ptr) != ""
}

func (p *FormPage) hasError(ptr string) bool {
	_, ok := p.shown[ptr]
	return ok || p.fileProblem[ptr] != ""
}

// value is the field's current value as the control shows it.
func (p *FormPage) value(ptr string) string {
	return valueText(getAt(p.doc, schemas.Segments(ptr)))
}

// valueText is a value of the document as a control holds it.
func valueText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}

// changed stores a control's new value and checks the field: it runs when the user
// leaves a changed field, never on every keystroke.
func (p *FormPage) changed(n *schemas.Node, ptr string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		setAt(p.doc, schemas.Segments(ptr), controlValue(n, controlText(ctx.JSSrc())))
		p.answered(ctx, ptr, true)
	}
}

// left checks a required field that the user typed into and emptied again, as they
// leave it: no change event comes then (the text is what it was when the field got
// focus), yet the answer is missing. lomake.js marks the controls typed into. Any other
// leave costs no render.
func (p *FormPage) left(ptr string, required bool) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		el := ctx.JSSrc()
		if !required || p.hasError(ptr) || el.Get("value").String() != "" || !el.Get("dataset").Get("typed").Truthy() {
			ctx.PreventUpdate()
			return
		}
		p.answered(ctx, ptr, true)
	}
}

// answered follows a change of the answer at ptr: the field shows its problem (when
// check), the draft is kept, and only the field re-renders unless the change shows
// elsewhere on the form.
func (p *FormPage) answered(ctx app.Context, ptr string, check bool) {
	wide := check && p.check(ptr)
	if p.service.HasConditions() && p.service.ConditionState(p.doc) != p.conditions {
		// Fields come or go: the form renders, and problems of fields now hidden leave.
		wide = true
		p.forgetHidden()
	}
	p.saved(ctx)
	activity(ctx)
	if !wide && p.ctx.Src() != nil {
		p.ctx.PreventUpdate()
	}
}

// forgetHidden drops the problems shown for answers that are no longer asked: a field
// a condition hid, or an optional object left empty again.
func (p *FormPage) forgetHidden() {
	if len(p.shown) == 0 {
		return
	}
	now := map[string]bool{}
	for _, v := range problems(p.service, p.doc, p.personal()) {
		now[v.Pointer] = true
	}
	for q := range p.shown {
		if !now[q] {
			delete(p.shown, q)
		}
	}
	kept := p.summary[:0]
	for _, v := range p.summary {
		if now[v.Pointer] {
			kept = append(kept, v)
		}
	}
	p.summary = kept
}

// controlText is what a form control holds, as web/static/lomake.js notes it too: a
// checkbox's is "true" or "false".
func controlText(el app.Value) string {
	if el.Get("type").String() == "checkbox" {
		return strconv.FormatBool(el.Get("checked").Bool())
	}
	return el.Get("value").String()
}

// controlValue turns a control's text into the document's value.
func controlValue(n *schemas.Node, text string) any {
	if widget(n) == "checkbox" {
		return text == "true"
	}
	return parseValue(n, text)
}

// setIfChanged sets the value at ptr and reports whether that changed the document.
func setIfChanged(doc map[string]any, ptr string, v any) bool {
	segs := schemas.Segments(ptr)
	if fmt.Sprint(getAt(doc, segs)) == fmt.Sprint(v) {
		return false
	}
	setAt(doc, segs, v)
	return true
}

// parseValue turns a control's text into the document's value. Text that is not a valid
// number is kept as typed, so the user sees it with a message instead of losing it.
func parseValue(n *schemas.Node, s string) any {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	for _, o := range n.Options {
		if fmt.Sprint(o.Value) == s {
			return o.Value
		}
	}
	switch n.Type {
	case "number", "integer":
		// Finns write a decimal comma.
		text := strings.ReplaceAll(strings.ReplaceAll(s, ",", "."), " ", "")
		if f, err := strconv.ParseFloat(text, 64); err == nil && schemas.Precise(text) {
			return f
		}
	case "boolean":
		if b, err := strconv.ParseBool(s); err == nil {
			return b
		}
	}
	return s
}
