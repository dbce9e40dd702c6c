package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// holdClient holds the browser's requests for the WebAssembly client until release is
// called, so that a test can use the prerendered page first, as a resident on a slow
// phone does.
func holdClient(t *testing.T, ctx context.Context) (release func()) {
	t.Helper()
	paused := make(chan fetch.RequestID, 8)
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*fetch.EventRequestPaused); ok {
			paused <- e.RequestID
		}
	})
	steps(t, ctx)("hold the client", network.Enable(), network.SetCacheDisabled(true),
		fetch.Enable().WithPatterns([]*fetch.RequestPattern{{URLPattern: "*app.wasm*"}}))
	// Requests of pages that have gone stay in paused; releasing them fails, and the
	// current page's request is released with them.
	return func() {
		t.Helper()
		exec := cdp.WithExecutor(ctx, chromedp.FromContext(ctx).Target)
		deadline := time.After(20 * time.Second)
		for {
			select {
			case id := <-paused:
				if fetch.ContinueRequest(id).Do(exec) == nil && len(paused) == 0 {
					return
				}
			case <-deadline:
				t.Fatal("the page never asked for its client")
			}
		}
	}
}

// benchDogDoc is the dog registration of benchDog, decoded.
func benchDogDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(benchDog), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// typeThroughTakeover types into the focused field while the client is released and
// starts, and a little after, and returns everything it typed.
func typeThroughTakeover(t *testing.T, ctx context.Context, release func()) string {
	t.Helper()
	run := steps(t, ctx)
	var typed strings.Builder
	key := func(r rune) {
		run("type "+string(r), chromedp.KeyEvent(string(r)))
		typed.WriteRune(r)
	}
	release()
	letters := []rune("abcdefghijklmnopqrstuvwxyzåäö")
	during := 0
	for i := 0; i < 600; i++ {
		var loading bool
		run("loading", chromedp.Evaluate(`!document.documentElement.dataset.client`, &loading))
		if !loading {
			break
		}
		key(letters[i%len(letters)])
		during++
		time.Sleep(20 * time.Millisecond)
	}
	if during == 0 {
		t.Fatal("the client started before a key could be typed")
	}
	for _, r := range " loppu" {
		key(r)
	}
	return typed.String()
}

// kept checks that the field with id holds want and has focus.
func kept(t *testing.T, ctx context.Context, id, want string) {
	t.Helper()
	var value, focused string
	steps(t, ctx)("read", chromedp.Value("#"+id, &value, chromedp.ByQuery),
		chromedp.Evaluate(`document.activeElement && document.activeElement.id`, &focused))
	if value != want {
		t.Errorf("the field holds %q, want every character typed: %q", value, want)
	}
	if focused != id {
		t.Errorf("after the client took over focus is on %q, want %s", focused, id)
	}
}

// longFormOnSlowPhone opens the 100-field form at 4× CPU with the client held, and
// puts focus in its first field.
func longFormOnSlowPhone(t *testing.T) (context.Context, func(), func(string, ...chromedp.Action)) {
	t.Helper()
	srv := startTestServerWith(t, t.TempDir(), "127.0.0.1:0", nil, withHundredFields(t))
	ctx := browser(t)
	release := holdClient(t, ctx)
	run := steps(t, ctx)
	run("the form", emulation.SetCPUThrottlingRate(4), chromedp.Navigate(srv.base+"/fi/services/hundred-fields/form"),
		chromedp.WaitVisible("#f-s1-text1", chromedp.ByQuery),
		chromedp.Click("#f-s1-text1", chromedp.ByQuery))
	return ctx, release, run
}

// TestBrowserTakeoverKeepsEveryKeystroke types from the prerendered form, continuously
// through the client's start, and finds every character in the field, which keeps
// focus: on the first page, and on a page the server showed after one of the form's
// own posts, whose earlier answers the client then has too.
func TestBrowserTakeoverKeepsEveryKeystroke(t *testing.T) {
	srv := startTestServer(t, t.TempDir(), "127.0.0.1:0", nil)
	base := srv.base

	t.Run("first page", func(t *testing.T) {
		ctx := browser(t)
		release := holdClient(t, ctx)
		run := steps(t, ctx)
		run("the form", chromedp.Navigate(base+"/fi/services/dog-registration/form"),
			chromedp.WaitVisible("#f-owner-firstName", chromedp.ByQuery),
			chromedp.Click("#f-owner-firstName", chromedp.ByQuery))
		before := "Tessa "
		for _, r := range before {
			run("type before", chromedp.KeyEvent(string(r)))
		}
		kept(t, ctx, "f-owner-firstName", before+typeThroughTakeover(t, ctx, release))
	})

	// On a long form on a slow phone, the client's first render lets the browser run
	// between its parts: the keys pressed meanwhile go to the prerendered form, after
	// the client has read it.
	t.Run("a long form on a slow phone", func(t *testing.T) {
		ctx, release, _ := longFormOnSlowPhone(t)
		kept(t, ctx, "f-s1-text1", typeThroughTakeover(t, ctx, release))
	})

	// Keys that reach the prerendered form after the client has read it, while its
	// first render lets the browser run, are in the client's page too.
	t.Run("keys while the client renders", func(t *testing.T) {
		ctx, release, run := longFormOnSlowPhone(t)
		run("type", chromedp.KeyEvent("abc"),
			// Right after the client reads the form, at the next frame the browser
			// draws, "xyz" is typed into the prerendered field.
			chromedp.Evaluate(`(() => {
				const snapshot = lomake.snapshot;
				lomake.snapshot = function () {
					const read = snapshot.apply(this, arguments);
					requestAnimationFrame(() => {
						const el = document.getElementById("f-s1-text1");
						if (!el.form.dataset.prerendered) return;
						el.value += "xyz";
						el.setSelectionRange(el.value.length, el.value.length);
						el.dispatchEvent(new Event("input", {bubbles: true}));
						window.typedWhileRendering = true;
					});
					return read;
				};
			})()`, nil))
		release()
		var typed bool
		run("the client", chromedp.WaitReady(clientRunning, chromedp.ByQuery),
			chromedp.Evaluate(`!!window.typedWhileRendering`, &typed))
		if !typed {
			t.Fatal("the client's first render never let the browser run")
		}
		run("type on", chromedp.KeyEvent(" loppu"))
		kept(t, ctx, "f-s1-text1", "abcxyz loppu")
	})

	t.Run("a page after a post", func(t *testing.T) {
		ctx := browser(t)
		release := holdClient(t, ctx)
		run := steps(t, ctx)
		run("the form", chromedp.Navigate(base+"/fi/services/dog-registration/form"),
			chromedp.WaitVisible("#f-owner-firstName", chromedp.ByQuery))
		fillPage(t, ctx, benchDogDoc(t))
		run("next, before the client", submitAndWait(`#form button[name="action"][value="next"]`),
			chromedp.WaitVisible("#f-dog-name", chromedp.ByQuery),
			chromedp.Click("#f-dog-name", chromedp.ByQuery))
		kept(t, ctx, "f-dog-name", typeThroughTakeover(t, ctx, release))
		// The client has the first page's answers, which came in hidden fields.
		run("previous", chromedp.Click(`#form button[value="previous"]`, chromedp.ByQuery),
			chromedp.WaitVisible("#f-owner-firstName", chromedp.ByQuery))
		var first string
		run("first page", chromedp.Value("#f-owner-lastName", &first, chromedp.ByQuery))
		if first != "Testilä" {
			t.Errorf("the first page's last name is %q after the takeover, want Testilä", first)
		}
	})
}

// TestBrowserServiceAddedAfterTheClient: the client carries no service, so a service
// that only this server has (here the 100-field fixture) is prerendered by the server
// and works in the client as a shipped one does: the client reads its schema from the
// API as it starts, and then shows an error when the resident leaves a wrong answer
// (the server alone shows errors only on a post).
func TestBrowserServiceAddedAfterTheClient(t *testing.T) {
	ctx := browser(t)
	srv := startTestServerWith(t, t.TempDir(), "127.0.0.1:0", nil, withHundredFields(t))
	if problem := phoneDrawn(srv.base, "/fi/services/hundred-fields/form", "f-s1-postalCode"); problem != "" {
		t.Fatalf("the server does not prerender the form: %s", problem)
	}
	run := steps(t, ctx)
	run("open the form", open(srv.base+"/fi/services/hundred-fields/form"),
		chromedp.WaitReady(clientRunning, chromedp.ByQuery))
	run("a wrong postal code", typeInto("#f-s1-postalCode", "1"),
		chromedp.WaitVisible("#f-s1-postalCode-error span", chromedp.ByQuery))
	var msg string
	run("its error", chromedp.Text("#f-s1-postalCode-error", &msg, chromedp.ByQuery))
	if !strings.Contains(msg, "Postinumero 1.5") && !strings.Contains(msg, "postinumero") {
		t.Errorf("the error under the postal code: %q", msg)
	}
}

// TestBrowserEmptiedRequiredField: a required field typed into and emptied again says
// so when the resident leaves it (the browser sends no change event then), while a
// field only passed through with Tab stays quiet.
func TestBrowserEmptiedRequiredField(t *testing.T) {
	ctx := browser(t)
	base, _ := startServer(t, t.TempDir())
	run := steps(t, ctx)
	run("open the form", open(base+dogForm), chromedp.WaitReady(clientRunning, chromedp.ByQuery))
	run("pass through the last name", chromedp.Focus("#f-owner-lastName", chromedp.ByQuery), chromedp.KeyEvent(kb.Tab))
	run("type and empty the first name", chromedp.Focus("#f-owner-firstName", chromedp.ByQuery),
		chromedp.KeyEvent("T"), chromedp.KeyEvent(kb.Backspace), chromedp.KeyEvent(kb.Tab),
		chromedp.WaitVisible("#f-owner-firstName-error span", chromedp.ByQuery))
	var first, last string
	run("messages", chromedp.Text("#f-owner-firstName-error", &first, chromedp.ByQuery),
		chromedp.TextContent("#f-owner-lastName-error", &last, chromedp.ByQuery))
	if !strings.Contains(first, "etunimi") || strings.TrimSpace(last) != "" {
		t.Errorf("first name's message %q (want the missing first name), last name's %q (want none)", first, last)
	}
}

// TestBrowserLongFormFailedSend: on a long form left empty, Next focuses the summary of
// every problem, and each field in it then shows its own message too (they follow the
// summary by a frame, see the client's showErrors).
func TestBrowserLongFormFailedSend(t *testing.T) {
	ctx := browser(t)
	srv := startTestServerWith(t, t.TempDir(), "127.0.0.1:0", nil, withHundredFields(t))
	run := steps(t, ctx)
	run("open the form", open(srv.base+"/fi/services/hundred-fields/form"),
		chromedp.WaitReady(clientRunning, chromedp.ByQuery))
	run("Next with nothing answered", chromedp.Click(`#form .actions button[type="submit"]`, chromedp.ByQuery),
		waitFocus("error-summary"))
	var entries int
	run("the summary", chromedp.Evaluate(`document.querySelectorAll("#error-summary li a").length`, &entries))
	if entries <= 10 {
		t.Fatalf("the summary links %d problems on this page; the test wants many", entries)
	}
	// Every entry's field says what is wrong, under it.
	const silent = `[...document.querySelectorAll("#error-summary a")]
		.map(a => a.getAttribute("href").slice(1))
		.filter(id => !(document.getElementById(id + "-error") || {}).textContent)`
	var left []string
	err := chromedp.Run(ctx, chromedp.Poll(silent+`.length === 0`, nil, chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil {
		_ = chromedp.Run(ctx, chromedp.Evaluate(silent, &left))
		t.Fatalf("%d of %d fields in the summary show no message: %v", len(left), entries, left)
	}
}
