package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The offline-first promise, tested on a real server and Chromium: the network is cut
// with Chromium's own emulation and by stopping the server, so that neither the page
// nor the service worker can reach it.

const dogForm = "/fi/services/dog-registration/form"

// resident signs in through the test identification service and registers over HTTP,
// and returns the session cookie's value, for a browser to use, and the HTTP client.
func resident(t testing.TB, base, code string) (string, *http.Client) {
	t.Helper()
	client, csrf := signInHTTP(t, base, code)
	req, _ := http.NewRequest("PUT", base+"/api/v1/profile", strings.NewReader(`{"consent": true, "email": "tessa@example.fi", "language": "fi", "channel": "email"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", csrf)
	res, err := client.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("registering: %v %v", res, err)
	}
	res.Body.Close()
	u, _ := url.Parse(base)
	for _, c := range client.Jar.Cookies(u) {
		if c.Name == "lomake_session" {
			return c.Value, client
		}
	}
	t.Fatal("no session cookie")
	return "", nil
}

// withSession gives the browser the resident's session, as if they had identified in it.
func withSession(base, value string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		return network.SetCookie("lomake_session", value).WithURL(base).WithHTTPOnly(true).Do(ctx)
	})
}

// connection cuts or restores the page's network and tells the page, as the browser
// does when a phone loses its signal.
func connection(up bool) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		if err := network.Enable().Do(ctx); err != nil {
			return err
		}
		all := []*network.Conditions{{URLPattern: "", DownloadThroughput: -1, UploadThroughput: -1}}
		if _, err := network.EmulateNetworkConditionsByRule(!up, all).Do(ctx); err != nil {
			return err
		}
		return network.OverrideNetworkState(!up, 0, -1, -1).Do(ctx)
	})
}

// steps runs a named step of a browser test in ctx and stops the test if it fails.
func steps(t testing.TB, ctx context.Context) func(string, ...chromedp.Action) {
	return func(step string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
}

// evalAwait evaluates a script that returns a promise and waits for its value.
func evalAwait(script string, out any) chromedp.Action {
	return chromedp.Evaluate(script, out, func(p *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams {
		return p.WithAwaitPromise(true)
	})
}

// waitWorker waits until the service worker controls the page, its caches filled: the
// shell at install, the catalog and the schemas once the client ran.
func waitWorker() chromedp.Action {
	return chromedp.Poll(`navigator.serviceWorker.controller !== null && window.lomakeContentKept === true`, nil,
		chromedp.WithPollingTimeout(30*time.Second))
}

// poll waits for a script to become true.
func poll(script string) chromedp.Action {
	return chromedp.Poll(script, nil, chromedp.WithPollingTimeout(20*time.Second))
}

// deviceOutbox is what the device's outbox holds.
func deviceOutbox(t testing.TB, ctx context.Context) []map[string]any {
	t.Helper()
	var text string
	if err := chromedp.Run(ctx, evalAwait(`lomake.outboxAll()`, &text)); err != nil {
		t.Fatal(err)
	}
	var recs []struct{ Data string }
	json.Unmarshal([]byte(text), &recs)
	var out []map[string]any
	for _, r := range recs {
		var q map[string]any
		json.Unmarshal([]byte(r.Data), &q)
		out = append(out, q)
	}
	return out
}

// TestBrowserOffline: a resident fills the dog form, loses the network, reloads the
// form's address, finds everything typed, sends offline, gets a provisional receipt,
// and when the network is back the form arrives once, with the same case number on the
// device and in the API. The same send replayed three times stays one case.
func TestBrowserOffline(t *testing.T) {
	ctx := browser(t)
	dir := t.TempDir()
	srv := startTestServer(t, dir, "127.0.0.1:0", nil)
	base := srv.base
	cookie, client := resident(t, base, "010280-952L")
	run := steps(t, ctx)

	run("open the form",
		withSession(base, cookie),
		open(base+dogForm),
		waitWorker(),
		chromedp.WaitVisible(".user-name", chromedp.ByQuery),
		typeInto("#f-owner-firstName", "Tessa"),
		typeInto("#f-owner-lastName", "Testilä"),
		typeInto("#f-owner-personalIdentityCode", "010280-952L"),
		typeInto("#f-owner-streetAddress", "Pohjoisesplanadi 11"),
		typeInto("#f-owner-postalCode", "00170"),
		// The last one is not left: typed, but no change event yet.
		chromedp.Click("#f-owner-postOffice", chromedp.ByQuery),
		chromedp.SendKeys("#f-owner-postOffice", "Helsinki", chromedp.ByQuery),
		poll(`lomake.draftGet("dog-registration").then(s => s.includes("Helsinki"))`),
	)

	// The network goes: the server stops and the browser is offline.
	srv.stop()
	run("offline", connection(false), chromedp.WaitVisible("#offline", chromedp.ByQuery))

	// Reloading the form's address offline: the service worker has the page and the
	// client, and the device has the draft, the half-typed field included.
	run("reload offline",
		chromedp.Reload(),
		chromedp.WaitVisible("#f-owner-firstName", chromedp.ByQuery),
		chromedp.WaitReady(clientRunning, chromedp.ByQuery),
		poll(`document.querySelector("#f-owner-postOffice").value === "Helsinki"`),
		chromedp.WaitVisible("#offline", chromedp.ByQuery),
	)
	var first, last string
	run("typed values", chromedp.Value("#f-owner-firstName", &first, chromedp.ByQuery), chromedp.Value("#f-owner-lastName", &last, chromedp.ByQuery))
	if first != "Tessa" || last != "Testilä" {
		t.Fatalf("after an offline reload the form shows %q %q", first, last)
	}

	// Send offline: the outbox takes it, and a provisional receipt says so.
	run("fill and send offline",
		chromedp.Click("#f-owner-email", chromedp.ByQuery), // leaves the post office
		chromedp.SendKeys("#f-owner-email", "tessa@example.fi"+kb.Tab, chromedp.ByQuery),
		chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#f-dog-name", chromedp.ByQuery),
		typeInto("#f-dog-name", "Musti"),
		typeInto("#f-dog-breed", "Suomenpystykorva"),
		chromedp.Click("#f-dog-sex-1", chromedp.ByQuery),
		setDate("#f-dog-birthDate", "2024-03-01"),
		typeInto("#f-dog-microchipNumber", "246098100123456"),
		chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery), // Next: the answers, offline too
		chromedp.WaitVisible("#answers", chromedp.ByQuery),
		chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery), // Send
		chromedp.WaitVisible("#queued-status", chromedp.ByQuery),
	)
	var receipt, strip string
	run("receipt", chromedp.Text("#confirmation", &receipt, chromedp.ByQuery), chromedp.Text("#net-status", &strip, chromedp.ByQuery))
	if !strings.Contains(receipt, "lähetetään, kun olet verkossa") || !strings.Contains(strip, "Lähetystä odottavia lomakkeita: 1") {
		t.Fatalf("provisional receipt %q, status %q", receipt, strip)
	}
	axeViolations(t, ctx, "provisional receipt")

	// Back online: the outbox sends, and the receipt becomes the case number.
	srv = startTestServer(t, dir, strings.TrimPrefix(base, "http://"), nil)
	run("online", connection(true), chromedp.WaitVisible(".case-number", chromedp.ByQuery))
	var number string
	run("case number", chromedp.Text(".case-number", &number, chromedp.ByQuery))
	if number != "HEL-KOI-2026-000001" {
		t.Errorf("case number on the device: %q", number)
	}
	res, err := client.Get(base + "/api/v1/cases/" + number)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("the case in the API: %v %v", res, err)
	}
	res.Body.Close()
	cases, _ := srv.store.CasesByService("dog-registration")
	if len(cases) != 1 {
		t.Fatalf("%d cases, want 1", len(cases))
	}
	if d := deviceOutbox(t, ctx); len(d) != 1 || d[0]["case"] != number {
		t.Errorf("the device's outbox after sending: %v", d)
	}

	// The same send replayed three times (as after answers lost on the way): the
	// device puts it back in its outbox unsent, and each time the app starts it is
	// sent again. The server answers with the same case.
	q := deviceOutbox(t, ctx)[0]
	delete(q, "case")
	data, _ := json.Marshal(q)
	for i := 0; i < 3; i++ {
		run(fmt.Sprintf("replay %d", i+1),
			evalAwait(fmt.Sprintf(`lomake.outboxPut(%q, %q)`, q["id"], data), nil),
			chromedp.Reload(),
			chromedp.WaitVisible(".case-number", chromedp.ByQuery),
			poll(`lomake.outboxAll().then(s => JSON.parse(s).every(r => JSON.parse(r.data).case))`),
		)
		if d := deviceOutbox(t, ctx); len(d) != 1 || d[0]["case"] != number {
			t.Errorf("replay %d: outbox %v", i+1, d)
		}
	}
	if cases, _ := srv.store.CasesByService("dog-registration"); len(cases) != 1 {
		t.Errorf("after three replays: %d cases, want 1", len(cases))
	}

	// The draft is gone from the device and the server once sent.
	var draft string
	run("draft gone", evalAwait(`lomake.draftGet("dog-registration")`, &draft))
	if draft != "" {
		t.Errorf("the device still has a draft: %s", draft)
	}
	res, _ = client.Get(base + "/api/v1/drafts/dog-registration")
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("the server's draft after sending: %d", res.StatusCode)
	}
	res.Body.Close()
}

// replace sets a field's text as a person would by selecting it and typing over it, and
// leaves the field.
func replace(sel, value string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.focus();
		el.value = %q; el.dispatchEvent(new Event("input", {bubbles: true}));
		el.dispatchEvent(new Event("change", {bubbles: true})); el.blur(); })()`, sel, value), nil)
}

// serverDraft is the server's copy of the resident's dog-registration draft.
func serverDraft(t testing.TB, client *http.Client, base string) map[string]any {
	t.Helper()
	res, err := client.Get(base + "/api/v1/drafts/dog-registration")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var d struct {
		Data struct {
			Owner map[string]any `json:"owner"`
		} `json:"data"`
	}
	json.NewDecoder(res.Body).Decode(&d)
	return d.Data.Owner
}

// waitServerDraft waits until the server's draft has the owner's field at want.
func waitServerDraft(t testing.TB, client *http.Client, base, field, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := serverDraft(t, client, base)
		if got[field] == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server's draft has %s = %v, want %q (%v)", field, got[field], want, got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBrowserDraftOnTwoDevices: one resident edits the same draft in two browsers. A
// draft started on one continues on the other; when both change it, edits to different
// fields are combined, and where both changed the same field the resident chooses.
// Nothing is overwritten silently.
func TestBrowserDraftOnTwoDevices(t *testing.T) {
	a := browser(t)
	base, _ := startServer(t, t.TempDir())
	cookieA, client := resident(t, base, "010280-952L")
	cookieB, _ := resident(t, base, "010280-952L")
	b := browser(t) // another Chromium, with its own profile: another device
	run := func(ctx context.Context, step string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}

	run(a, "device A starts", withSession(base, cookieA), open(base+dogForm),
		chromedp.WaitVisible(".user-name", chromedp.ByQuery),
		typeInto("#f-owner-firstName", "Tessa"),
		typeInto("#f-owner-lastName", "Testilä"),
	)
	waitServerDraft(t, client, base, "lastName", "Testilä")

	run(b, "device B continues", withSession(base, cookieB), open(base+dogForm),
		poll(`document.querySelector("#f-owner-lastName").value === "Testilä"`),
	)

	// Both change the last name; only B adds a phone number.
	run(a, "A changes the last name", replace("#f-owner-lastName", "Alpha"))
	waitServerDraft(t, client, base, "lastName", "Alpha")
	run(b, "B changes it too, and adds a phone number",
		replace("#f-owner-lastName", "Beta"),
		replace("#f-owner-phone", "0401234567"),
		chromedp.WaitVisible("#conflicts", chromedp.ByQuery),
	)
	var panel, lastB, phoneB string
	run(b, "B is asked",
		chromedp.Text("#conflicts", &panel, chromedp.ByQuery),
		chromedp.Value("#f-owner-lastName", &lastB, chromedp.ByQuery),
		chromedp.Value("#f-owner-phone", &phoneB, chromedp.ByQuery),
	)
	if !strings.Contains(panel, "Tämä laite: Beta") || !strings.Contains(panel, "Toinen laite: Alpha") || strings.Contains(panel, "0401234567") {
		t.Errorf("the conflict panel: %q", panel)
	}
	if lastB != "Beta" || phoneB != "0401234567" {
		t.Errorf("until the choice, B keeps its own answers: %q %q", lastB, phoneB)
	}
	if got := serverDraft(t, client, base); got["lastName"] != "Alpha" {
		t.Errorf("the server's draft changed before the choice: %v", got)
	}
	axeViolations(t, b, "draft conflict")

	run(b, "B keeps the other device's last name",
		chromedp.Click(`label[for="conflict-0-1"]`, chromedp.ByQuery),
		chromedp.Click("#conflicts-apply", chromedp.ByQuery),
		chromedp.WaitNotPresent("#conflicts", chromedp.ByQuery),
		poll(`document.querySelector("#f-owner-lastName").value === "Alpha"`),
	)
	waitServerDraft(t, client, base, "phone", "0401234567")
	if got := serverDraft(t, client, base); got["lastName"] != "Alpha" || got["firstName"] != "Tessa" {
		t.Errorf("the combined draft: %v", got)
	}

	// A, opened again, has B's phone number.
	run(a, "A sees the combined draft", chromedp.Reload(),
		poll(`document.querySelector("#f-owner-phone").value === "0401234567"`),
	)
}

// queueSends puts n valid dog registrations in the device's outbox, as n forms sent
// offline would, and returns their idempotency keys.
func queueSends(t testing.TB, ctx context.Context, n int, prefix string) []string {
	t.Helper()
	var userID string // as the device remembers it, offline too
	if err := chromedp.Run(ctx, chromedp.Evaluate(`JSON.parse(localStorage.getItem("lomake.user")).user`, &userID)); err != nil || userID == "" {
		t.Fatalf("who is signed in: %q %v", userID, err)
	}
	var doc map[string]any
	json.Unmarshal([]byte(benchDog), &doc)
	var keys []string
	for i := 0; i < n; i++ {
		key := fmt.Sprintf("%s-%02d", prefix, i)
		doc["dog"].(map[string]any)["name"] = fmt.Sprintf("Musti %d", i)
		data, _ := json.Marshal(map[string]any{"id": key, "service": "dog-registration", "lang": "fi", "owner": userID, "doc": doc, "queued": time.Now()})
		var ok bool
		if err := chromedp.Run(ctx, evalAwait(fmt.Sprintf(`lomake.outboxPut(%q, %q)`, key, data), &ok)); err != nil || !ok {
			t.Fatalf("queueing: %v", err)
		}
		keys = append(keys, key)
	}
	return keys
}

// outboxEmpty is true in the page once every queued send has its case number.
const outboxEmpty = `lomake.outboxAll().then(s => JSON.parse(s).every(r => JSON.parse(r.data).case))`

// TestBrowserOutboxSurvivesServerCrash: ten forms wait in the outbox; the network comes
// back and the server is killed while they are being sent. After its restart every
// form arrives exactly once.
func TestBrowserOutboxSurvivesServerCrash(t *testing.T) {
	ctx := browser(t)
	dir := t.TempDir()
	srv := startTestServer(t, dir, "127.0.0.1:0", nil)
	base := srv.base
	cookie, _ := resident(t, base, "010280-952L")
	for i, step := range []chromedp.Action{withSession(base, cookie), open(base + "/fi/"), waitWorker(),
		chromedp.WaitVisible(".user-name", chromedp.ByQuery), connection(false)} {
		if err := chromedp.Run(ctx, step); err != nil {
			t.Fatal(i, err)
		}
	}
	keys := queueSends(t, ctx, 10, "crash")

	// Back online over a slow line (200 ms a request), so that the server can be
	// killed in the middle of the ten.
	slow := chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := network.EmulateNetworkConditionsByRule(false, []*network.Conditions{{URLPattern: "", Latency: 200, DownloadThroughput: -1, UploadThroughput: -1}}).Do(ctx)
		if err != nil {
			return err
		}
		return network.OverrideNetworkState(false, 200, -1, -1).Do(ctx)
	})
	if err := chromedp.Run(ctx, slow); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	sent := 0
	for {
		cases, _ := srv.store.CasesByService("dog-registration")
		if sent = len(cases); sent >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d sent after reconnecting", len(cases))
		}
		time.Sleep(time.Millisecond)
	}
	srv.kill()
	t.Logf("killed the server with %d of %d sent", sent, len(keys))
	cases := 0
	time.Sleep(time.Second)
	srv = startTestServer(t, dir, strings.TrimPrefix(base, "http://"), nil)
	if err := chromedp.Run(ctx, chromedp.Poll(outboxEmpty, nil, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		t.Fatalf("the outbox did not empty after the restart: %v", err)
	}
	stored, _ := srv.store.CasesByService("dog-registration")
	cases = len(stored)
	numbers := map[string]bool{}
	for _, q := range deviceOutbox(t, ctx) {
		numbers[q["case"].(string)] = true
	}
	if cases != len(keys) || len(numbers) != len(keys) {
		t.Errorf("%d sends made %d cases and %d distinct numbers on the device, want %d", len(keys), cases, len(numbers), len(keys))
	}
	for _, c := range stored {
		if !numbers[c.Number] {
			t.Errorf("case %s is not on the device", c.Number)
		}
	}
}

// BenchmarkBrowserOutbox measures the time from reconnecting to an empty outbox with
// ten sends queued, in Chromium against a real server on loopback.
func BenchmarkBrowserOutbox(b *testing.B) {
	ctx := browser(b)
	base, _ := startServer(b, b.TempDir())
	cookie, _ := resident(b, base, "010280-952L")
	if err := chromedp.Run(ctx, withSession(base, cookie), open(base+"/fi/"), waitWorker(),
		chromedp.WaitVisible(".user-name", chromedp.ByQuery)); err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for i := 0; i < b.N; i++ {
		if err := chromedp.Run(ctx, connection(false)); err != nil {
			b.Fatal(err)
		}
		queueSends(b, ctx, 10, fmt.Sprintf("bench%d", i))
		start := time.Now()
		if err := chromedp.Run(ctx, connection(true), chromedp.Poll(outboxEmpty, nil,
			chromedp.WithPollingInterval(5*time.Millisecond), chromedp.WithPollingTimeout(60*time.Second))); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/10-sends")
}

// BenchmarkBrowserKeystroke measures the time from a keystroke in a form field (its
// input event) to the draft holding it in IndexedDB, read back from IndexedDB itself.
func BenchmarkBrowserKeystroke(b *testing.B) {
	ctx := browser(b)
	base, _ := startServer(b, b.TempDir())
	if err := chromedp.Run(ctx, open(base+dogForm), chromedp.WaitVisible("#f-owner-firstName", chromedp.ByQuery)); err != nil {
		b.Fatal(err)
	}
	const measure = `new Promise(resolve => {
		const el = document.querySelector("#f-owner-firstName");
		const want = el.value + "x";
		const start = performance.now();
		el.value = want;
		el.dispatchEvent(new InputEvent("input", {bubbles: true, data: "x"}));
		const check = () => {
			const open = indexedDB.open("lomake");
			open.onsuccess = () => {
				const get = open.result.transaction("drafts").objectStore("drafts").get("dog-registration");
				get.onsuccess = () => {
					open.result.close();
					const r = get.result;
					if (r && r.typed && r.typed["/owner/firstName"] === want) resolve(performance.now() - start);
					else setTimeout(check, 2);
				};
			};
		};
		check();
	})`
	var total float64
	for i := 0; i < b.N; i++ {
		var ms float64
		if err := chromedp.Run(ctx, evalAwait(measure, &ms)); err != nil {
			b.Fatal(err)
		}
		total += ms
	}
	b.ReportMetric(total/float64(b.N), "ms/keystroke")
}

// TestBrowserUpdate: a new release reaches an installed app. When the network comes
// back, the app looks for a new version, says one is available and reloads into it.
func TestBrowserUpdate(t *testing.T) {
	ctx := browser(t)
	dir := t.TempDir()
	release = "1"
	defer func() { release = "" }()
	srv := startTestServer(t, dir, "127.0.0.1:0", nil)
	run := steps(t, ctx)
	var before []string
	// Installed on the first visit; opened again later, from the installed version.
	run("installed", open(srv.base+"/sv/"), waitWorker(), open(srv.base+"/sv/"), evalAwait(`caches.keys()`, &before))
	if len(before) != 1 {
		t.Fatalf("caches %v", before)
	}
	var prompt string
	run("no prompt yet", chromedp.Text("#net-status", &prompt, chromedp.ByQuery))
	if prompt != "" {
		t.Errorf("status before any update: %q", prompt)
	}

	// A new release is deployed while the phone is offline.
	run("offline", connection(false))
	srv.stop()
	release = "2"
	srv = startTestServer(t, dir, strings.TrimPrefix(srv.base, "http://"), nil)
	run("back online", connection(true), chromedp.WaitVisible("#net-status button", chromedp.ByQuery),
		chromedp.Text("#net-status", &prompt, chromedp.ByQuery))
	if !strings.Contains(prompt, "En ny version finns.") || !strings.Contains(prompt, "Ladda om") {
		t.Errorf("update prompt: %q", prompt)
	}
	axeViolations(t, ctx, "update prompt")

	var after []string
	run("reload", chromedp.Click("#net-status button", chromedp.ByQuery),
		chromedp.WaitNotPresent("#net-status button", chromedp.ByQuery),
		chromedp.WaitReady(clientRunning, chromedp.ByQuery),
		evalAwait(`caches.keys()`, &after))
	if len(after) != 1 || after[0] == before[0] {
		t.Errorf("caches before %v, after the update %v", before, after)
	}
}

// TestBrowserRefusedSend: a form queued offline that the server refuses (here, the
// dog's name is missing, as after a schema change) comes back as a draft, and opening
// the form shows what to fix.
func TestBrowserRefusedSend(t *testing.T) {
	ctx := browser(t)
	base, _ := startServer(t, t.TempDir())
	cookie, _ := resident(t, base, "010280-952L")
	run := steps(t, ctx)
	run("signed in", withSession(base, cookie), open(base+"/fi/"), chromedp.WaitVisible(".user-name", chromedp.ByQuery), connection(false))
	var userID string
	run("user", chromedp.Evaluate(`JSON.parse(localStorage.getItem("lomake.user")).user`, &userID))
	var doc map[string]any
	json.Unmarshal([]byte(benchDog), &doc)
	delete(doc["dog"].(map[string]any), "name")
	data, _ := json.Marshal(map[string]any{"id": "refused-1", "service": "dog-registration", "lang": "fi", "owner": userID, "doc": doc, "queued": time.Now()})
	run("queued", evalAwait(fmt.Sprintf(`lomake.outboxPut("refused-1", %q)`, data), nil))
	run("online", connection(true), poll(`lomake.outboxAll().then(s => JSON.parse(s).length === 0)`))
	run("open the form", open(base+dogForm), chromedp.WaitVisible("#error-summary", chromedp.ByQuery))
	var summary, owner string
	run("errors", chromedp.Text("#error-summary", &summary, chromedp.ByQuery), chromedp.Value("#f-owner-firstName", &owner, chromedp.ByQuery))
	if !strings.Contains(summary, "koiran nimi") || owner != "Tessa" {
		t.Errorf("the refused form: summary %q, owner %q", summary, owner)
	}
}

// TestBrowserOutboxAfterSessionEnded: the session ends while a form waits in the
// outbox. Back online, the app asks the resident to identify again, and then sends.
func TestBrowserOutboxAfterSessionEnded(t *testing.T) {
	ctx := browser(t)
	srv := startTestServer(t, t.TempDir(), "127.0.0.1:0", nil)
	base := srv.base
	cookie, client := resident(t, base, "010280-952L")
	run := steps(t, ctx)
	run("signed in", withSession(base, cookie), open(base+"/fi/"), chromedp.WaitVisible(".user-name", chromedp.ByQuery), connection(false))
	queueSends(t, ctx, 1, "expired")

	// The session ends on the server (here: logged out from elsewhere).
	res, _ := client.Get(base + "/api/v1/session")
	var s struct{ CSRF string }
	json.NewDecoder(res.Body).Decode(&s)
	res.Body.Close()
	if res, err := client.PostForm(base+"/auth/logout", url.Values{"csrf": {s.CSRF}}); err != nil {
		t.Fatal(err)
	} else {
		res.Body.Close()
	}

	var strip string
	run("back online", connection(true), chromedp.WaitVisible(`#net-status a[href^="/fi/login"]`, chromedp.ByQuery),
		chromedp.Text("#net-status", &strip, chromedp.ByQuery))
	if !strings.Contains(strip, "Lähetystä odottavia lomakkeita: 1") || !strings.Contains(strip, "Tunnistaudu uudelleen") {
		t.Errorf("status with an ended session: %q", strip)
	}
	// One step at a time, so that a failure says where it stopped.
	run("identify again: the strip's link",
		chromedp.Click(`#net-status a[href^="/fi/login"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`a[href^="/fi/login?customer=person"]`, chromedp.ByQuery))
	run("identify again: as a person",
		chromedp.Click(`a[href^="/fi/login?customer=person"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[value="bank"]`, chromedp.ByQuery))
	run("identify again: bank",
		chromedp.Click(`button[value="bank"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#id0`, chromedp.ByQuery))
	run("identify again: the test service",
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#continue`, chromedp.ByQuery))
	run("identify again: back", chromedp.Click(`#continue`, chromedp.ByQuery),
		chromedp.WaitVisible(".user-name", chromedp.ByQuery))
	run("identify again: the outbox sends", poll(outboxEmpty))
	if cases, _ := srv.store.CasesByService("dog-registration"); len(cases) != 1 {
		t.Errorf("after identifying again: %d cases, want 1", len(cases))
	}
}
