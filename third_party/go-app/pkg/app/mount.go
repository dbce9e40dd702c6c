package app

import (
	"html"
	"strings"
	"time"
)

// Lomake: the second pass of Mount, which makes a built tree's DOM nodes.
//
// Upstream makes them one by one: for every element a createElement, a call per
// attribute and an appendChild, for every text a createTextNode. Each is a call
// from Go into JavaScript, and on a form of a hundred fields those calls took most
// of the client's first render (of 300-450 ms in one task, on a desktop CPU).
//
// A larger tree is written as HTML here instead, parsed by the browser in one call
// (goappMountHTML, in app.js), and its nodes are handed back in document order, to
// be bound to the tree's elements and texts: about one call per node instead of
// about ten. The browser's parse is checked against the tree (the same elements in
// the same order, a text where the tree has one); what the parser would change,
// and what it cannot write (foreign elements, raw HTML, scripts and styles), is
// made one by one as upstream does.

// The page's first render yields to the browser between components every paceSlice,
// so that it is not one long task that holds up the resident's input: while it builds
// the tree, and while it makes the tree's DOM (nothing half made shows: the DOM is
// only touched once the tree is built, and the caller puts the tree's root in the
// page once all its nodes are made). Only the first: that page is the prerendered
// one, which has no handlers of the engine's yet. Later renders do not yield, since
// an event handler's PreventDefault must run before the browser's event returns,
// which a waiting engine would miss. A slice of 10 ms is 40 on a phone four times
// slower, under the 50 ms of a long task; the yields cost the start nothing
// measurable (BenchmarkPhone, 40 ms against 10).
const paceSlice = 10 * time.Millisecond

var (
	// pacing is set until the engine starts its loop, after the first render.
	pacing = true
	// paceFrom is when the tree being built started, or last let the browser run.
	paceFrom time.Time
)

// pace lets the browser run if the tree being built has held it for paceSlice.
func pace() {
	if !IsClient || !pacing || time.Since(paceFrom) < paceSlice {
		return
	}
	yieldToBrowser()
	paceFrom = time.Now()
}

// yieldToBrowser returns once the browser has run what waits, in a task posted
// through a MessageChannel: input goes first, and frames are drawn between.
// (scheduler.yield would put the rest of the render ahead of the frames.)
func yieldToBrowser() {
	done := make(chan struct{})
	f := FuncOf(func(Value, []Value) any {
		close(done)
		return nil
	})
	defer f.Release()
	ch := Window().Get("MessageChannel").New()
	ch.Get("port1").Set("onmessage", f)
	ch.Get("port2").Call("postMessage", nil)
	<-done
	ch.Get("port1").Call("close")
}

// batchMin is the number of nodes from which a tree is made in one batch. Below it
// there is little to save, and the small changes of a keystroke or a blur (a
// message, a hint) are made as upstream makes them.
const batchMin = 24

// makeDOM makes the DOM nodes of v, a tree that build has built.
func (m nodeManager) makeDOM(ctx Context, v UI) {
	if IsClient {
		if n, ok := m.batchable(v); ok && n >= batchMin && m.makeDOMBatch(ctx, v, n) {
			return
		}
	}
	m.makeDOMNodes(ctx, v)
}

// makeDOMNodes makes the DOM nodes of v one by one, as upstream's Mount does.
func (m nodeManager) makeDOMNodes(ctx Context, v UI) {
	switch v := v.(type) {
	case *text:
		v.jsvalue = Window().createTextNode(v.value)

	case HTML:
		ctx = m.context(ctx, v)
		jsElement, _ := Window().createElement(v.Tag(), v.XMLNamespace())
		v.setJSElement(jsElement)
		m.mountHTMLAttributes(ctx, v)
		m.mountHTMLEventHandlers(ctx, v)
		for _, child := range v.body() {
			m.makeDOMNodes(ctx, child)
			v.JSValue().appendChild(child)
		}

	case Composer:
		m.makeDOMNodes(m.context(ctx, v), v.root())

	case *raw:
		wrapper, _ := Window().createElement("div", "")
		wrapper.setInnerHTML(v.value)
		v.jsElement = wrapper.firstChild()
		wrapper.removeChild(v.jsElement)
	}
}

// batchable reports whether v can be written as HTML, and its number of nodes.
func (m nodeManager) batchable(v UI) (int, bool) {
	switch v := v.(type) {
	case *text:
		return 1, true

	case HTML:
		if v.XMLNamespace() != "" {
			return 0, false
		}
		switch v.Tag() {
		case "script", "style", "noscript", "template", "iframe", "xmp", "plaintext", "noembed", "noframes":
			return 0, false
		}
		n := 1
		for _, child := range v.body() {
			c, ok := m.batchable(child)
			if !ok {
				return 0, false
			}
			n += c
		}
		return n, true

	case Composer:
		if v.root() == nil {
			return 0, false
		}
		return m.batchable(v.root())

	default:
		return 0, false
	}
}

// makeDOMBatch makes the DOM nodes of v, n of them, from one HTML string. It reports
// false, having made nothing, when app.js cannot parse it or the parse differs from
// the tree.
func (m nodeManager) makeDOMBatch(ctx Context, v UI, n int) bool {
	parse := Window().Get("goappMountHTML")
	if parse.Type() != TypeFunction {
		return false
	}
	var b, sig strings.Builder
	b.Grow(n * 48)
	sig.Grow(n * 4)
	m.writeHTML(ctx, &b, &sig, v)
	pace()
	nodes := parse.Invoke(b.String(), sig.String())
	if nodes.Type() != TypeObject || nodes.Length() != n {
		return false
	}
	pace()
	i := 0
	m.bindDOM(ctx, v, nodes, &i)
	return true
}

// writeHTML writes v as HTML to b, and the names of its nodes in document order to
// sig, as goappMountHTML reads the parse back. A text follows a comment when it
// follows another text, so that the two stay two nodes; an empty text is the
// comment "e", since HTML has no empty text.
func (m nodeManager) writeHTML(ctx Context, b, sig *strings.Builder, v UI) {
	switch v := v.(type) {
	case *text:
		if v.value == "" {
			b.WriteString("<!--e-->")
		} else {
			b.WriteString(html.EscapeString(v.value))
		}
		sig.WriteString("#,")

	case HTML:
		tag := v.Tag()
		b.WriteByte('<')
		b.WriteString(tag)
		for name, value := range v.attrs() {
			writeHTMLAttribute(ctx, b, name, value)
		}
		b.WriteByte('>')
		sig.WriteString(tag)
		sig.WriteByte(',')
		if v.SelfClosing() {
			return
		}
		children := v.body()
		for i, child := range children {
			t, isText := child.(*text)
			if isText && i > 0 {
				if _, afterText := children[i-1].(*text); afterText {
					b.WriteString("<!---->")
				}
			}
			// The parser drops a newline that starts these elements' content.
			if isText && i == 0 && strings.HasPrefix(t.value, "\n") {
				switch tag {
				case "pre", "textarea", "listing":
					b.WriteByte('\n')
				}
			}
			m.writeHTML(ctx, b, sig, child)
		}
		b.WriteString("</")
		b.WriteString(tag)
		b.WriteByte('>')

	case Composer:
		pace()
		m.writeHTML(ctx, b, sig, v.root())
	}
}

// writeHTMLAttribute writes an attribute as setJSAttribute would set it: a boolean
// one present when true and absent when false, any other with its value, escaped.
func writeHTMLAttribute(ctx Context, b *strings.Builder, name, value string) {
	if isBooleanAttribute(name) {
		if value != "true" {
			return
		}
		b.WriteByte(' ')
		b.WriteString(name)
		return
	}
	b.WriteByte(' ')
	b.WriteString(name)
	b.WriteString(`="`)
	b.WriteString(html.EscapeString(resolveAttributeURLValue(name, value, ctx.ResolveStaticResource)))
	b.WriteByte('"')
}

// bindDOM binds v's elements and texts to nodes, from index *i on, in document
// order, and adds the elements' event handlers.
func (m nodeManager) bindDOM(ctx Context, v UI, nodes Value, i *int) {
	switch v := v.(type) {
	case *text:
		v.jsvalue = nodes.Index(*i)
		*i++

	case HTML:
		ctx = m.context(ctx, v)
		v.setJSElement(nodes.Index(*i))
		*i++
		m.mountHTMLEventHandlers(ctx, v)
		for _, child := range v.body() {
			m.bindDOM(ctx, child, nodes, i)
		}
		// A select's and a textarea's value is no attribute: set it once the
		// options and the text are there.
		if value, ok := v.attrs()["value"]; ok {
			switch v.Tag() {
			case "select", "textarea", "output":
				setJSAttribute(v.JSValue(), "value", value)
			}
		}

	case Composer:
		pace()
		m.bindDOM(m.context(ctx, v), v.root(), nodes, i)
	}
}

// mountJS is appended to app.js: goappMountHTML parses the HTML of a tree that
// makeDOMBatch writes, and returns the tree's nodes in document order, or null when
// they are not the ones sig names (an element's name, or # for a text). Comments mark
// a text boundary (removed) or an empty text ("e", made a text). For tests, which
// compare the two ways: goappNoBatch turns batches off, and goappMountHTML.batches
// counts them.
const mountJS = `
// -----------------------------------------------------------------------------
// Batch mount (Lomake)
// -----------------------------------------------------------------------------
function goappMountHTML(html, sig) {
  if (window.goappNoBatch) {
    return null;
  }
  const t = document.createElement("template");
  t.innerHTML = html;
  const f = t.content;
  const w = document.createTreeWalker(f, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT | NodeFilter.SHOW_COMMENT);
  const nodes = [];
  const marks = [];
  let s = "";
  for (let n = w.nextNode(); n; n = w.nextNode()) {
    if (n.nodeType === Node.COMMENT_NODE) {
      marks.push(n);
      if (n.data !== "e") {
        continue;
      }
      n = n.parentNode.insertBefore(f.ownerDocument.createTextNode(""), n);
    }
    nodes.push(n);
    s += n.nodeType === Node.TEXT_NODE ? "#," : n.localName + ",";
  }
  if (s !== sig || f.childNodes.length !== 1 + marks.filter((m) => m.parentNode === f).length) {
    return null;
  }
  for (const m of marks) {
    m.remove();
  }
  goappMountHTML.batches = (goappMountHTML.batches || 0) + 1;
  return nodes;
}
`
