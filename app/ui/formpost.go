package ui

// A form works before the client does. The prerendered form is a real HTML form: its
// controls are named by JSON pointer, its buttons post an action (next, previous,
// send, add a list item, remove one, go to a field), and hidden fields carry the page,
// the send's key, the session's CSRF token and the answers of the other pages. The
// server reads such a post with ReadPost, takes the same step the client would, and
// renders the page again from the FormState, or sends the form. Client and server
// share the rules here, so a resident whose phone has not yet run the client (or
// never will) gets the same form.

import (
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/lomake/lomake/schemas"
)

// The form's own fields, besides the answers (named by pointer).
const (
	fieldStep   = "step"
	fieldKey    = "key"
	fieldAction = "action"
	fieldCSRF   = "csrf"
)

// Actions a form's buttons post.
const (
	actionNext     = "next"
	actionPrevious = "previous"
	actionSend     = "send"
	actionAdd      = "add:"    // + the list's pointer
	actionRemove   = "remove:" // + the item's pointer
	actionGoTo     = "goto:"   // + the field's pointer (a link of the error summary)
)

// maxPostedItems bounds the index of a posted list item in a list without maxItems.
const maxPostedItems = 1000

// FormState is a form as the server has it from one of the form's own posts: the
// answers, the page, what to show, and whether to send.
type FormState struct {
	Doc     map[string]any
	Step    int
	Key     string // the send's idempotency key
	Summary []schemas.Violation
	Shown   map[string]schemas.Violation
	Focus   string // the id of the element to focus when the page loads
	Alert   string // message id of a problem that is not a field's
	// Send is set when the resident asked to send and every answer is valid: the
	// server sends Doc, then shows the confirmation (or puts its errors in the state).
	Send bool
}

// ReadPost reads a post of a service's form and takes its step: a list item added
// or removed, the next page if this one is valid (after the last page, the answers to
// check), the previous page, or, from the answers, the send if the whole form is
// valid. What is posted outside the form's fields
// is ignored.
//
// prefill is what the form fills in about the signed-in sender (apiv1.Session.Prefill),
// over what was posted; nil for a sender not identified yet, whose form is not stopped
// by the fields identification will fill in.
func ReadPost(s *schemas.Service, values url.Values, prefill map[string]string) *FormState {
	st := &FormState{Doc: docFromPost(s, values), Shown: map[string]schemas.Violation{}}
	s.Prefill(st.Doc, prefill)
	check := func() []schemas.Violation { return problems(s, st.Doc, prefill) }
	st.Key = values.Get(fieldKey)
	if !sendKeyForm(st.Key) {
		st.Key = NewSendKey()
	}
	answers := len(s.Pages) // the step after the last page: Check your answers
	st.Step, _ = strconv.Atoi(values.Get(fieldStep))
	st.Step = min(max(st.Step, 0), answers)

	action := values.Get(fieldAction)
	switch {
	case action == actionPrevious:
		st.Step = max(st.Step-1, 0)
		st.Focus = "step-title"
	case strings.HasPrefix(action, actionAdd):
		ptr := strings.TrimPrefix(action, actionAdd)
		if n := s.Form.Lookup(ptr); n != nil && n.Type == "array" && s.PageOf(ptr) == st.Step {
			st.Focus = addItemTo(st.Doc, n, ptr)
		}
	case strings.HasPrefix(action, actionRemove):
		ptr := strings.TrimPrefix(action, actionRemove)
		segs := schemas.Segments(ptr)
		if len(segs) > 0 && s.PageOf(ptr) == st.Step {
			list := schemas.Pointer("", anySegs(segs[:len(segs)-1])...)
			i, err := strconv.Atoi(segs[len(segs)-1])
			if n := s.Form.Lookup(list); err == nil && n != nil && n.Type == "array" {
				if items, _ := getAt(st.Doc, segs[:len(segs)-1]).([]any); len(items) > n.MinItems {
					removeAt(st.Doc, segs[:len(segs)-1], i)
				}
				st.Focus = fieldID(list)
			}
		}
	case strings.HasPrefix(action, actionGoTo):
		// A link of the summary of a failed send: the field's page, with every problem.
		ptr := strings.TrimPrefix(action, actionGoTo)
		all := check()
		st.show(all, all)
		st.Step, st.Focus = s.PageOf(ptr), fieldID(ptr)
	default: // next or send; Enter in a field posts the first button, Next or Send
		all := check()
		if st.Step < answers {
			var here []schemas.Violation
			for _, v := range all {
				if s.PageOf(v.Pointer) == st.Step {
					here = append(here, v)
				}
			}
			if len(here) > 0 {
				st.show(here, here)
				return st
			}
			st.Step++
			st.Focus = "step-title"
			return st
		}
		if len(all) > 0 {
			st.show(all, all)
			return st
		}
		st.Send = true
	}
	return st
}

// problems are the problems of a form as it would be sent: without hidden answers,
// and, while its sender has not identified (prefill nil), without those of the fields
// identification fills in.
func problems(s *schemas.Service, doc map[string]any, prefill map[string]string) []schemas.Violation {
	all := s.Validate(s.Clean(doc))
	if prefill != nil {
		return all
	}
	kept := all[:0]
	for _, v := range all {
		if !s.IsPrefilled(v.Pointer) {
			kept = append(kept, v)
		}
	}
	return kept
}

// show puts problems under their fields and in the focused summary.
func (st *FormState) show(summary, shown []schemas.Violation) {
	st.Summary = summary
	for _, v := range shown {
		st.Shown[v.Pointer] = v
	}
	st.Focus = "error-summary"
}

// Refused puts the server's reasons for not taking a send in the state.
func (st *FormState) Refused(s *schemas.Service, vs []schemas.Violation) {
	st.Send = false
	st.show(vs, vs)
	if len(vs) > 0 {
		st.Step = s.PageOf(vs[0].Pointer)
	}
}

// addItemTo adds an item to the list at ptr, within maxItems, and returns the id of
// the new item's first field.
func addItemTo(doc map[string]any, n *schemas.Node, ptr string) string {
	items, _ := getAt(doc, schemas.Segments(ptr)).([]any)
	if n.MaxItems > 0 && len(items) >= n.MaxItems {
		return fieldID(ptr)
	}
	size := appendAt(doc, schemas.Segments(ptr), defaults(n.Items))
	item := schemas.Pointer(ptr, size-1)
	if n.Items.Type == "object" && len(n.Items.Properties) > 0 {
		item = schemas.Pointer(item, n.Items.Properties[0].Name)
	}
	return fieldID(item)
}

func anySegs(segs []string) []any {
	out := make([]any, len(segs))
	for i, s := range segs {
		out[i] = s
	}
	return out
}

// sendKeyForm reports whether a posted key has the form NewSendKey gives.
func sendKeyForm(k string) bool { return uploadID(k) }

// docFromPost builds the document from the posted controls, in pointer order so that
// list items come in theirs. A control the form does not have is ignored.
func docFromPost(s *schemas.Service, values url.Values) map[string]any {
	doc, _ := defaults(s.Form).(map[string]any)
	if doc == nil {
		doc = map[string]any{}
	}
	names := make([]string, 0, len(values))
	for name := range values {
		if strings.HasPrefix(name, "/") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		// A radio group or a select posts one value; the last is what a browser
		// would have kept. A date's parts come in the order day, month, year.
		vals := values[name]
		if n := s.Form.Lookup(name); isGroup(n) {
			// A group posts one value per box ticked.
			ticked := make(map[string]bool, len(vals))
			for _, v := range vals {
				ticked[v] = true
			}
			setAt(doc, schemas.Segments(name), tickedAnswer(n, ticked))
			continue
		}
		doc = setAnswer(s, doc, name, vals[len(vals)-1])
	}
	return doc
}

// place puts a control's text at segs below the node n (whose value is cur) and
// returns the new value of cur: lists grow to hold a posted item. It reports nothing
// for a pointer the form does not have.
func place(n *schemas.Node, cur any, segs []string, text string) any {
	if len(segs) == 0 {
		switch {
		case n.Type == "object" || n.Type == "array":
			return cur // a group is not a control
		case widget(n) == "checkbox":
			// A ticked box posts its value, whatever the browser makes of it; an unticked
			// one posts nothing, and the hidden copy of another page's answer "false".
			return text != "false"
		}
		return controlValue(n, text)
	}
	switch n.Type {
	case "object":
		child := n.Property(segs[0])
		m, _ := cur.(map[string]any)
		if child == nil {
			return cur
		}
		if m == nil {
			m = map[string]any{}
		}
		if v := place(child, m[segs[0]], segs[1:], text); v != nil {
			m[segs[0]] = v
		} else {
			delete(m, segs[0])
		}
		return m
	case "array":
		i, err := strconv.Atoi(segs[0])
		limit := maxPostedItems
		if n.MaxItems > 0 {
			limit = n.MaxItems
		}
		if err != nil || i < 0 || i >= limit || strconv.Itoa(i) != segs[0] || n.Items == nil {
			return cur
		}
		items, _ := cur.([]any)
		for len(items) <= i {
			items = append(items, defaults(n.Items))
		}
		items[i] = place(n.Items, items[i], segs[1:], text)
		return items
	}
	return cur
}

// hiddenAnswers are the answers of the pages other than step, as hidden controls: a
// form without the client carries them from page to page.
func hiddenAnswers(s *schemas.Service, doc map[string]any, step int) [][2]string {
	var out [][2]string
	for i, pg := range s.Pages {
		if i == step {
			continue
		}
		for _, name := range pg.Fields {
			if n := s.Form.Property(name); n != nil {
				out = appendLeaves(out, n, schemas.Pointer("", name), doc[name])
			}
		}
	}
	return out
}

func appendLeaves(out [][2]string, n *schemas.Node, ptr string, v any) [][2]string {
	switch t := v.(type) {
	case nil:
		return out
	case map[string]any:
		if n.Type != "object" {
			return out
		}
		for _, c := range n.Properties {
			out = appendLeaves(out, c, schemas.Pointer(ptr, c.Name), t[c.Name])
		}
		return out
	case []any:
		if n.Type != "array" || n.Items == nil {
			return out
		}
		for i, item := range t {
			if item == nil { // an empty answer in a list of answers keeps its place
				out = append(out, [2]string{schemas.Pointer(ptr, i), ""})
				continue
			}
			before := len(out)
			out = appendLeaves(out, n.Items, schemas.Pointer(ptr, i), item)
			if len(out) == before && n.Items.Type == "object" && len(n.Items.Properties) > 0 {
				// An item not yet filled in keeps its place through its first field.
				out = append(out, [2]string{schemas.Pointer(ptr, i, n.Items.Properties[0].Name), ""})
			}
		}
		return out
	case bool:
		return append(out, [2]string{ptr, strconv.FormatBool(t)})
	default:
		return append(out, [2]string{ptr, valueText(v)})
	}
}
