package server

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"github.com/lomake/lomake/locales"
	"github.com/lomake/lomake/schemas"
)

// TestBrowserCatalogSearch: on a phone, the catalog's list follows the search box as
// the resident types, without diacritics and with a letter missing, the address holds
// the query, and a search that finds nothing says so; the server draws the same for
// an address with a query, so a search works before the client and can be shared.
func TestBrowserCatalogSearch(t *testing.T) {
	ctx := browser(t)
	base, _ := startServer(t, t.TempDir())
	run := steps(t, ctx)
	titles := func() string {
		var s []string
		run("the cards", chromedp.Evaluate(`[...document.querySelectorAll(".card:not([hidden]) .card-title")].map(e => e.textContent)`, &s))
		return strings.Join(s, ", ")
	}
	// What the catalog must show comes from the services there are: adding a service
	// changes the lists, not the test.
	services, err := schemas.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	names := func(query string) string {
		var out []string
		for _, s := range services.Search("fi", query) {
			out = append(out, s.Name.In("fi"))
		}
		return strings.Join(out, ", ")
	}
	run("the catalog at 360 px", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile), open(base+"/fi/"))
	if got, want := titles(), names(""); got != want {
		t.Fatalf("the catalog lists %q, want %q", got, want)
	}
	want := names("paivakodi")
	if !strings.Contains(want, "Varhaiskasvatushakemus") {
		t.Fatalf("the daycare is not found by paivakodi: %q", want)
	}
	run("type", chromedp.Click("#catalog-q", chromedp.ByQuery), chromedp.SendKeys("#catalog-q", "paivakodi", chromedp.ByQuery),
		poll(fmt.Sprintf(`document.querySelectorAll(".card:not([hidden]) .card-title").length === %d`, strings.Count(want, ", ")+1)))
	var address, count string
	run("the address", chromedp.Evaluate(`location.search`, &address), chromedp.Text("#catalog-count", &count, chromedp.ByQuery))
	if got := titles(); got != want || address != "?q=paivakodi" || !strings.Contains(count, fmt.Sprint(strings.Count(want, ", ")+1)) {
		t.Errorf("typing paivakodi: %q (want %q), address %q, count %q", got, want, address, count)
	}
	var width int
	run("no sideways scroll", chromedp.Evaluate(`document.documentElement.scrollWidth`, &width))
	if width > 360 {
		t.Errorf("the catalog is %d px wide at 360", width)
	}
	axeViolations(t, ctx, "catalog search")
	run("nothing found", chromedp.SendKeys("#catalog-q", "xyz", chromedp.ByQuery), chromedp.WaitVisible("#catalog-none", chromedp.ByQuery))

	// The server's page for a shared search.
	res, err := http.Get(base + "/fi/?q=koira")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	dogs := names("koira")
	if n := strings.Count(string(page), `<li class="card">`); n != strings.Count(dogs, ", ")+1 || !strings.Contains(string(page), "Koirarekisteri-ilmoitus") {
		t.Errorf("the server's page for ?q=koira has %d cards, want %s", n, dogs)
	}
}

// TestBrowserCatalogToForm: on a phone, a resident searches, narrows by a topic and a
// target group (the counts and the address follow), opens a service's page with its
// facts and then its form; offline afterwards, another service's form, never opened,
// still opens from what the app keeps. What to expect comes from the services there
// are: an added service changes the numbers, not the test.
func TestBrowserCatalogToForm(t *testing.T) {
	ctx := browser(t)
	ts := startTestServer(t, t.TempDir(), "127.0.0.1:0", nil)
	base := ts.base
	reg, err := schemas.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	const query = "lupa"
	all := reg.Filter("fi", query, nil, nil)
	if len(all.Services) < 2 {
		t.Skipf("%q finds %d services: nothing to narrow", query, len(all.Services))
	}
	// The topic, then the group, that narrows the list the least while still narrowing
	// it (else any that finds something): each tick must change what shows.
	narrowest := func(vocab []string, counts map[string]int, total int) string {
		best := ""
		for _, id := range vocab {
			n := counts[id]
			if n == 0 {
				continue
			}
			if best == "" || counts[best] >= total && n < counts[best] || n < total && n > counts[best] {
				best = id
			}
		}
		return best
	}
	topic := narrowest(schemas.Topics, all.Topics, len(all.Services))
	byTopic := reg.Filter("fi", query, []string{topic}, nil)
	group := narrowest(schemas.TargetGroups, byTopic.Groups, len(byTopic.Services))
	both := reg.Filter("fi", query, []string{topic}, []string{group})
	t.Logf("%q: %d services; topic %s: %d; and group %s: %d", query, len(all.Services), topic, len(byTopic.Services), group, len(both.Services))

	run := steps(t, ctx)
	count := func(n int) chromedp.Action {
		return poll(fmt.Sprintf(`document.querySelectorAll(".card:not([hidden]) .card-title").length === %d`, n))
	}
	run("the catalog at 360 px", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		open(base+"/fi/"), waitWorker(), chromedp.WaitReady(clientRunning, chromedp.ByQuery))
	run("search", chromedp.Click("#catalog-q", chromedp.ByQuery), chromedp.SendKeys("#catalog-q", query, chromedp.ByQuery), count(len(all.Services)))
	var label string
	run("the filters", chromedp.Click("#catalog-filters-summary", chromedp.ByQuery),
		chromedp.WaitVisible("#filter-topic-"+topic, chromedp.ByQuery),
		chromedp.Text(`label[for="filter-topic-`+topic+`"]`, &label, chromedp.ByQuery))
	if want := fmt.Sprintf("%s (%d)", locales.T("fi", "topic."+topic, nil), all.Topics[topic]); label != want {
		t.Errorf("the topic's box says %q, want %q", label, want)
	}
	run("a topic", chromedp.Click("#filter-topic-"+topic, chromedp.ByQuery), count(len(byTopic.Services)))
	run("a group too", chromedp.Click("#filter-group-"+group, chromedp.ByQuery), count(len(both.Services)))
	var address string
	var width int
	run("the address", chromedp.Evaluate(`location.search`, &address), chromedp.Evaluate(`document.documentElement.scrollWidth`, &width))
	if want := "?" + (url.Values{"q": {query}, "topic": {topic}, "group": {group}}).Encode(); address != want {
		t.Errorf("the address holds %q, want %q", address, want)
	}
	if width > 360 {
		t.Errorf("the catalog is %d px wide at 360", width)
	}
	axeViolations(t, ctx, "catalog filters")

	// The server draws the same for the shared address.
	res, err := http.Get(base + "/fi/" + address)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if n := strings.Count(string(page), `<li class="card">`); n != len(both.Services) {
		t.Errorf("the server's page for %s has %d cards, want %d", address, n, len(both.Services))
	}

	first := both.Services[0]
	var facts string
	run("the service's page", chromedp.Click(`a[href="/fi/services/`+first.ID+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#service-facts", chromedp.ByQuery), chromedp.Text("#service-facts", &facts, chromedp.ByQuery))
	for _, want := range []string{first.ProcessingTime.In("fi"), locales.T("fi", "topic."+topic, nil), locales.T("fi", "group."+group, nil)} {
		if !strings.Contains(facts, want) {
			t.Errorf("the service's facts do not say %q: %q", want, facts)
		}
	}
	axeViolations(t, ctx, "service page")
	run("its form", chromedp.Click(`a[href="/fi/services/`+first.ID+`/form"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#form button[value="next"], #form button[value="send"]`, chromedp.ByQuery))

	// Offline: a service whose pages were never opened.
	var other *schemas.Entry
	for _, e := range reg.Sorted("fi") {
		if e.ID != first.ID {
			other = e
			break
		}
	}
	ts.stop()
	run("offline", connection(false), chromedp.WaitVisible("#offline", chromedp.ByQuery))
	run("the other service's form, offline",
		chromedp.Navigate(base+"/fi/services/"+other.ID),
		chromedp.WaitVisible(`a[href="/fi/services/`+other.ID+`/form"]`, chromedp.ByQuery),
		chromedp.Click(`a[href="/fi/services/`+other.ID+`/form"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#form button[value="next"], #form button[value="send"]`, chromedp.ByQuery))
	var heading string
	run("its heading", chromedp.Text("h1", &heading, chromedp.ByQuery))
	if heading == locales.T("fi", "notfound.title", nil) || heading == "" {
		t.Errorf("offline, the form's heading is %q", heading)
	}
}

// catalogProbe times a keystroke in the catalog's search box: from its keydown to the
// frame after the list shows what the query finds (its count of cards, the address
// holding the query).
const catalogProbe = `(() => {
	const p = window.__cat = {ms: -1};
	const frame = () => new Promise(resolve => requestAnimationFrame(() => {
		const c = new MessageChannel();
		c.port1.onmessage = () => resolve(performance.now());
		c.port2.postMessage(null);
	}));
	p.arm = (n, search) => {
		p.ms = -1;
		let start = 0;
		addEventListener("keydown", e => { start = e.timeStamp; }, {capture: true, once: true});
		const done = () => start && location.search === search && document.querySelectorAll(".card:not([hidden]) .card-title").length === n;
		// Checked between tasks (not once a frame, which would add frames of its own).
		const wait = () => { if (done()) { frame().then(t => { p.ms = t - start; }); } else { setTimeout(wait, 0); } };
		addEventListener("input", () => setTimeout(wait, 0), {once: true});
	};
})()`

// BenchmarkBrowserCatalogSearch measures, at a phone's size at 1× and 4× CPU, the
// time from each key typed into the catalog's search box to the frame that shows what
// the query finds, over every shipped service.
func BenchmarkBrowserCatalogSearch(b *testing.B) {
	base, _ := startServer(b, b.TempDir())
	reg, err := schemas.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	const typed = "paivahoito lupa"
	for _, rate := range phoneRates {
		ctx := browser(b)
		run := steps(b, ctx)
		run("the catalog", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile),
			open(base+"/fi/"), chromedp.WaitReady(clientRunning, chromedp.ByQuery),
			chromedp.Evaluate(catalogProbe, nil), chromedp.Focus("#catalog-q", chromedp.ByQuery),
			emulation.SetCPUThrottlingRate(rate))
		var times []float64
		for i, c := range typed {
			q := typed[:i+len(string(c))]
			search := ""
			if strings.TrimSpace(q) != "" {
				search = "?" + (url.Values{"q": {q}}).Encode()
			}
			n := len(reg.Search("fi", q))
			var ms float64
			run("a key", chromedp.Evaluate(fmt.Sprintf(`__cat.arm(%d, %q)`, n, search), nil),
				chromedp.KeyEvent(string(c)),
				chromedp.Poll(`__cat.ms >= 0`, nil, chromedp.WithPollingTimeout(10*time.Second)),
				chromedp.Evaluate(`__cat.ms`, &ms))
			times = append(times, ms)
		}
		fmt.Printf("catalog of %d services, %g× CPU: key → the list found %.1f ms (median of %d), %.1f ms at most\n",
			len(reg.Entries()), rate, median(times), len(times), slices.Max(times))
		chromedp.Cancel(ctx)
	}
	for b.Loop() {
	}
}

// TestBrowserEveryServiceOnAPhone opens every service's page and its form's first page
// as a phone shows them before the client runs (its download held): nothing scrolls
// sideways at 360 px and axe-core finds nothing. A service added to schemas/ is checked
// too.
func TestBrowserEveryServiceOnAPhone(t *testing.T) {
	reg, err := schemas.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	base, _ := startServer(t, t.TempDir())
	// A browser for every ten services: each has its own 90 s, enough for twenty pages
	// on a loaded machine.
	for batch := range slices.Chunk(reg.Entries(), 10) {
		ctx := browser(t)
		run := steps(t, ctx)
		run("a phone whose client never arrives", fetch.Enable().WithPatterns([]*fetch.RequestPattern{{URLPattern: "*app.wasm*"}}),
			chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile))
		for _, e := range batch {
			for _, path := range []string{"/fi/services/" + e.ID, "/sv/services/" + e.ID + "/form"} {
				var width int
				run(path, chromedp.Navigate(base+path), chromedp.WaitVisible("main h1", chromedp.ByQuery),
					chromedp.Evaluate(`document.documentElement.scrollWidth`, &width))
				if width > 360 {
					t.Errorf("%s is %d px wide at 360", path, width)
				}
				axeViolations(t, ctx, path)
			}
		}
		chromedp.Cancel(ctx)
	}
}

// TestBrowserCatalogAfterAForm: a client that started on a form has no catalog yet; the
// catalog it goes on to lists every service, and a service page reached from there
// shows its facts.
func TestBrowserCatalogAfterAForm(t *testing.T) {
	reg, err := schemas.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	base, _ := startServer(t, t.TempDir())
	run := steps(t, ctx)
	run("a form first", open(base+dogForm), chromedp.WaitReady(clientRunning, chromedp.ByQuery))
	run("the catalog", chromedp.Click(`header a[href="/fi/"]`, chromedp.ByQuery),
		poll(fmt.Sprintf(`document.querySelectorAll(".card:not([hidden]) .card-title").length === %d`, len(reg.Entries()))))
	last := reg.Sorted("fi")[len(reg.Entries())-1]
	run("a service", chromedp.Click(`a[href="/fi/services/`+last.ID+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#service-facts", chromedp.ByQuery))
}
