package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/lomake/lomake/locales"
)

// The page frame on a phone: the header leaves the page room, nothing scrolls
// sideways at any text size, and the keyboard gets past the header and follows an
// in-app page change.

// phoneWidth and phoneHeight are the screen the layout is held to: a common Android
// phone.
const phoneWidth, phoneHeight = 360, 780

// maxHeader is a quarter of the phone's height: the test banner and the top bar
// together may take no more.
const maxHeader = phoneHeight / 4

// framePages are the pages whose frame is measured, after the language.
var framePages = []string{
	"/",
	"/home",
	"/services/early-childhood-education",
	"/services/dog-registration/form",
	"/services/early-childhood-education/form",
	"/services/resident-parking-permit/form",
	"/login",
	"/folder",
	"/backoffice",
}

// textSizeClasses are the text-size control's classes on <html>, smallest first.
var textSizeClasses = []string{"", "text-large", "text-larger"}

// settled waits until the client runs and the page has what it fetches: the signed-in
// user's name in the top bar, and no list or region still loading.
func settled(signedIn bool) chromedp.Action {
	tasks := chromedp.Tasks{chromedp.WaitReady(clientRunning, chromedp.ByQuery)}
	if signedIn {
		tasks = append(tasks, chromedp.WaitVisible(".user-name", chromedp.ByQuery))
	}
	return append(tasks, poll(`document.readyState === "complete" &&
		!document.querySelector('main [aria-busy="true"]:not(button), main .loading')`))
}

// frameSize is what a page measures at one text size: how wide the document is, and
// where the header (test banner included) ends.
type frameSize struct {
	Width  int     `json:"width"`
	Header float64 `json:"header"`
}

func measureFrame(class string, out *frameSize) chromedp.Action {
	return evalAwait(fmt.Sprintf(`(() => {
		const root = document.documentElement;
		root.classList.remove("text-large", "text-larger");
		if (%[1]q) root.classList.add(%[1]q);
		return new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done({
			width: root.scrollWidth,
			header: document.querySelector("header").getBoundingClientRect().bottom + scrollY,
		}))));
	})()`, class), out)
}

// TestBrowserPhoneFrame measures every page's frame at 360×780 in every language,
// signed out and signed in (as the test official, whose menu is the longest), at every
// text size: the header takes at most a quarter of the height and nothing scrolls
// sideways.
func TestBrowserPhoneFrame(t *testing.T) {
	srv := startTestServer(t, t.TempDir(), "127.0.0.1:0", nil)
	base := srv.base
	cookie, client := resident(t, base, TestOfficial)
	// Long compound words in the folder's lists: a draft of the daycare application.
	putDraft(t, base, client, "early-childhood-education", `{"child": {"firstName": "Aino"}}`)

	for _, signedIn := range []bool{false, true} {
		for _, lang := range locales.Languages {
			name := lang + " signed out"
			if signedIn {
				name = lang + " signed in"
			}
			t.Run(name, func(t *testing.T) {
				ctx := browser(t)
				run := steps(t, ctx)
				run("phone", chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateScale(2), chromedp.EmulateMobile))
				if signedIn {
					run("session", withSession(base, cookie))
				}
				for _, page := range framePages {
					path := "/" + lang + page
					// The login page does not ask who is signed in.
					run(path, open(base+path), settled(signedIn && page != "/login"))
					var sizes []string
					for _, class := range textSizeClasses {
						var m frameSize
						run(path+" measure", measureFrame(class, &m))
						sizes = append(sizes, fmt.Sprintf("%d/%.0f", m.Width, m.Header))
						size := class
						if size == "" {
							size = "normal"
						}
						if m.Width > phoneWidth {
							t.Errorf("%s at %s text scrolls sideways: %d px wide", path, size, m.Width)
						}
						if m.Header > maxHeader {
							t.Errorf("%s at %s text: the header ends at %.0f px, more than a quarter of %d", path, size, m.Header, phoneHeight)
						}
					}
					// width/header at normal, large and largest text
					t.Logf("%-48s %s", path, strings.Join(sizes, "  "))
				}
				// The menu open at the largest text is as clean as the page.
				var m frameSize
				run("menu open", measureFrame("text-larger", &m),
					poll(`document.querySelector(".site-menu:not([open]) > .menu-toggle") !== null`),
					chromedp.Click(".menu-toggle", chromedp.ByQuery),
					chromedp.WaitVisible(".lang-switch", chromedp.ByQuery),
					measureFrame("text-larger", &m))
				if m.Width > phoneWidth {
					t.Errorf("with the menu open at the largest text the page is %d px wide", m.Width)
				}
				axeViolations(t, ctx, lang+" menu open")
			})
		}
	}
}

// headerStops loads a page and presses Tab from its top until focus is in main: it
// returns the stops before main (the skip link's and the header's), each as its id,
// hreflang or text.
func headerStops(t *testing.T, ctx context.Context, url string, signedIn bool) []string {
	t.Helper()
	run := steps(t, ctx)
	run("open "+url, open(url), settled(signedIn))
	var stops []string
	defer func() { t.Logf("%s: %d header Tab stops %q", url, len(stops), stops) }()
	for len(stops) < 30 {
		var stop string
		run("tab", chromedp.KeyEvent(kb.Tab), chromedp.Evaluate(`(() => {
			const el = document.activeElement;
			return el.closest("main") ? "" : el.id || el.getAttribute("hreflang") || el.textContent.trim();
		})()`, &stop))
		if stop == "" {
			break
		}
		stops = append(stops, stop)
	}
	return stops
}

// menuButton is what assistive technology is told of the Menu button: its role, name
// and expanded state.
func menuButton(t *testing.T, ctx context.Context) (role, name, expanded string) {
	t.Helper()
	var nodes []*cdp.Node
	steps(t, ctx)("menu button", chromedp.Nodes(".menu-toggle", &nodes, chromedp.ByQuery),
		chromedp.ActionFunc(func(ctx context.Context) error {
			ax, err := accessibility.GetPartialAXTree().WithBackendNodeID(nodes[0].BackendNodeID).WithFetchRelatives(false).Do(ctx)
			for _, n := range ax {
				if n.BackendDOMNodeID != nodes[0].BackendNodeID {
					continue
				}
				role, name = strings.Trim(string(n.Role.Value), `"`), strings.Trim(string(n.Name.Value), `"`)
				for _, p := range n.Properties {
					if p.Name == accessibility.PropertyNameExpanded {
						expanded = string(p.Value.Value)
					}
				}
			}
			return err
		}))
	return role, name, expanded
}

// TestBrowserPageFrameKeyboard: the skip link moves focus to the main content before
// and after the client runs; an in-app page change moves focus to the new page's
// heading, a language switch of the same page leaves it where it was; on a phone the
// header is a few Tab stops behind a Menu button; the test banner spans a desktop; the
// offline strip comes after the whole header.
func TestBrowserPageFrameKeyboard(t *testing.T) {
	srv := startTestServer(t, t.TempDir(), "127.0.0.1:0", nil)
	base := srv.base
	cookie, _ := resident(t, base, TestOfficial)
	ctx := browser(t)
	run := steps(t, ctx)
	run("phone", chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateScale(2), chromedp.EmulateMobile))

	skip := func(what string) {
		t.Helper()
		var first, focused string
		run(what+": tab to the skip link", chromedp.Evaluate(`document.activeElement.blur()`, nil),
			chromedp.KeyEvent(kb.Tab), chromedp.Evaluate(`document.activeElement.className`, &first))
		if !strings.Contains(first, "skip-link") {
			t.Fatalf("%s: the first Tab stop is %q, want the skip link", what, first)
		}
		run(what+": follow it", chromedp.KeyEvent(kb.Enter))
		if err := chromedp.Run(ctx, waitFocus("main")); err != nil {
			chromedp.Run(ctx, chromedp.Evaluate(`document.activeElement.outerHTML.slice(0, 120)`, &focused))
			t.Errorf("%s: after the skip link focus is on %s, want main", what, focused)
			return
		}
		// The next Tab is the first control of the page, not the header's.
		var next bool
		run(what+": tab on", chromedp.KeyEvent(kb.Tab), chromedp.Evaluate(`!!document.activeElement.closest("main")`, &next))
		if !next {
			t.Errorf("%s: Tab after the skip link leaves the main content", what)
		}
	}
	run("prerendered", chromedp.Navigate(base+"/fi/services/dog-registration?wasm=false"), chromedp.WaitReady("main", chromedp.ByQuery))
	skip("prerendered")
	run("client", open(base+"/fi/services/dog-registration"), settled(false))
	skip("client")
	// The skip link, the mark, Menu and Log in.
	if stops := headerStops(t, ctx, base+"/fi/services/dog-registration", false); len(stops) > 4 {
		t.Errorf("signed out on a phone the header has %d Tab stops, want at most 4: %q", len(stops), stops)
	}

	// An in-app page change: focus goes to the new page's heading.
	var tag, text, title string
	run("catalog", open(base+"/fi/"), settled(false),
		chromedp.Focus(`main a[href="/fi/services/early-childhood-education"]`, chromedp.ByQuery),
		chromedp.KeyEvent(kb.Enter),
		poll(`location.pathname === "/fi/services/early-childhood-education" && document.querySelector("h1").textContent === "Varhaiskasvatushakemus"`))
	chromedp.Run(ctx, chromedp.Poll(`document.activeElement.tagName === "H1"`, nil, chromedp.WithPollingTimeout(5*time.Second)))
	run("focus after the change", chromedp.Evaluate(`document.activeElement.tagName`, &tag),
		chromedp.Evaluate(`document.activeElement.textContent.slice(0, 80)`, &text), chromedp.Title(&title))
	if tag != "H1" || text != "Varhaiskasvatushakemus" || !strings.HasPrefix(title, "Varhaiskasvatushakemus") {
		t.Errorf("after following a catalog link focus is on %s %q (title %q), want the h1 Varhaiskasvatushakemus", tag, text, title)
	}
	axeViolations(t, ctx, "service page after an in-app change")

	// Desktop, signed in: what a phone has behind Menu is on the bar, in the Tab order;
	// the offline strip comes after the whole header, not between the top bar and the
	// menu; the test banner spans the screen.
	run("desktop", withSession(base, cookie), chromedp.EmulateViewport(1440, 900))
	stops := strings.Join(headerStops(t, ctx, base+"/fi/home", true), " ")
	if !strings.Contains(stops, "sv") || !strings.Contains(stops, "menu-folder") || !strings.Contains(stops, "logout") || strings.Contains(stops, "menu-toggle") {
		t.Errorf("on a desktop the header's Tab stops are %s, want the language, the menu's links and Log out, without Menu", stops)
	}
	var split bool
	var banner, page float64
	run("offline", connection(false), chromedp.WaitVisible("#offline", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("#net-status").getBoundingClientRect().top <
			document.querySelector("header").getBoundingClientRect().bottom - 1`, &split),
		chromedp.Evaluate(`document.querySelector(".test-banner").getBoundingClientRect().width`, &banner),
		chromedp.Evaluate(`document.documentElement.clientWidth`, &page),
		connection(true))
	if split {
		t.Errorf("the offline strip splits the header")
	}
	if banner < page {
		t.Errorf("the test banner is %.0f px wide on a %.0f px screen", banner, page)
	}
	axeViolations(t, ctx, "desktop, signed in")

	// Back on the phone, signed in: the skip link, the mark, Menu, the user's name and
	// Log out.
	run("phone again", chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	if stops := headerStops(t, ctx, base+"/fi/home", true); len(stops) > 5 {
		t.Errorf("signed in on a phone the header has %d Tab stops, want at most 5: %q", len(stops), stops)
	}
	if role, name, expanded := menuButton(t, ctx); name != "Valikko" || expanded != "false" {
		t.Errorf("the menu button reads as %s %q, expanded %s; want Valikko, collapsed", role, name, expanded)
	}
	run("open the menu by keyboard", chromedp.Focus(".menu-toggle", chromedp.ByQuery), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible("#menu-folder", chromedp.ByQuery))
	if role, name, expanded := menuButton(t, ctx); expanded != "true" {
		t.Errorf("after Enter the menu button reads as %s %q, expanded %s", role, name, expanded)
	}
	var expanded string
	axeViolations(t, ctx, "signed in with the menu open")

	// A language switch of the same page leaves focus on the switch and the menu open.
	var hreflang string
	run("switch to Swedish", chromedp.Focus(`.lang-switch a[hreflang="sv"]`, chromedp.ByQuery), chromedp.KeyEvent(kb.Enter),
		poll(`document.documentElement.lang === "sv" && document.querySelector("h1").textContent.startsWith("Välkommen")`),
		chromedp.Evaluate(`document.activeElement.getAttribute("hreflang") || document.activeElement.tagName`, &hreflang),
		chromedp.Evaluate(`String(document.querySelector(".site-menu").open)`, &expanded))
	if hreflang != "sv" || expanded != "true" {
		t.Errorf("after switching the language focus is on %q and the menu open %s, want the Svenska link in the open menu", hreflang, expanded)
	}

	// A menu link's page takes focus too, and the menu folds.
	run("folder from the menu", chromedp.Focus("#menu-folder", chromedp.ByQuery), chromedp.KeyEvent(kb.Enter),
		poll(`location.pathname === "/sv/folder"`),
		poll(`document.activeElement.tagName === "H1"`),
		chromedp.Evaluate(`document.activeElement.textContent`, &text),
		chromedp.Evaluate(`String(document.querySelector(".site-menu").open)`, &expanded))
	if text != "E-tjänstmapp" || expanded != "false" {
		t.Errorf("after the folder's menu link focus is on the h1 %q and the menu open %s, want E-tjänstmapp, folded", text, expanded)
	}
}
