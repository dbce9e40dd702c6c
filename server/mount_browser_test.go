package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestBrowserBatchMountMakesTheSamePage holds the client's batch mount (go-app's
// mount.go in third_party) to the node-by-node mount it replaces: each page is made
// in a batch, and is the same page either way, element for element, text for text,
// with the same state in its controls.
func TestBrowserBatchMountMakesTheSamePage(t *testing.T) {
	ctx := browser(t)
	srv := startTestServerWith(t, t.TempDir(), "127.0.0.1:0", nil, withHundredFields(t))
	for _, path := range []string{
		"/fi/",
		"/sv/?q=koira",
		"/en/services/dog-registration",
		"/fi/services/dog-registration/form",
		"/sv/services/hundred-fields/form",
		"/fi/login",
	} {
		t.Run(path, func(t *testing.T) {
			batched := describePage(t, ctx, srv.base+path, false)
			nodes := describePage(t, ctx, srv.base+path, true)
			if batched.Batches == 0 {
				t.Errorf("no batch made the page")
			}
			if nodes.Batches != 0 {
				t.Fatalf("%d batches with batches off", nodes.Batches)
			}
			for i := 0; i < max(len(batched.Nodes), len(nodes.Nodes)); i++ {
				var b, n string
				if i < len(batched.Nodes) {
					b = batched.Nodes[i]
				}
				if i < len(nodes.Nodes) {
					n = nodes.Nodes[i]
				}
				if b != n {
					t.Fatalf("node %d of %d/%d differs:\nbatch: %s\nnodes: %s", i, len(batched.Nodes), len(nodes.Nodes), b, n)
				}
			}
		})
	}
}

type pageDescription struct {
	Nodes   []string
	Batches int
}

// describePage opens url in a tab of its own, with the client's batches on or off,
// and describes the page once the client runs: a line per element (its attributes,
// and its control's state) and per text, in document order. A hidden field's value is
// left out: the form's idempotency key differs on every load.
func describePage(t *testing.T, ctx context.Context, url string, noBatch bool) pageDescription {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx)
	defer cancel()
	var d pageDescription
	steps(t, tab)("describe "+url,
		chromedp.ActionFunc(func(ctx context.Context) error {
			if !noBatch {
				return nil
			}
			_, err := page.AddScriptToEvaluateOnNewDocument(`window.goappNoBatch = true;`).Do(ctx)
			return err
		}),
		open(url),
		chromedp.Sleep(300*time.Millisecond),
		chromedp.Evaluate(`(() => {
			const out = [];
			const walk = (n, depth) => {
				for (const c of n.childNodes) {
					if (c.nodeType === Node.TEXT_NODE) {
						out.push(depth + " #" + JSON.stringify(c.data));
						continue;
					}
					if (c.nodeType !== Node.ELEMENT_NODE) {
						continue;
					}
					const attrs = [...c.attributes].map(a => a.name)
						.filter(a => !["value", "checked", "selected"].includes(a)).sort()
						.map(a => a + "=" + JSON.stringify(c.getAttribute(a)));
					let state = "";
					if (["INPUT", "SELECT", "TEXTAREA"].includes(c.tagName) && c.type !== "hidden") {
						state += " value=" + JSON.stringify(c.value);
					}
					if (c.tagName === "INPUT") {
						state += " checked=" + c.checked;
					}
					if (c.tagName === "OPTION") {
						state += " selected=" + c.selected;
					}
					out.push(depth + " <" + c.localName + " " + attrs.join(" ") + state);
					walk(c, depth + 1);
				}
			};
			walk(document.body, 0);
			return {nodes: out, batches: (window.goappMountHTML && goappMountHTML.batches) || 0};
		})()`, &d))
	if len(d.Nodes) < 50 || !strings.Contains(strings.Join(d.Nodes, "\n"), "<main") {
		t.Fatalf("%s: no page to describe (%d nodes)", url, len(d.Nodes))
	}
	return d
}
