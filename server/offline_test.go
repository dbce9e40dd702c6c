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

// evalAwait evaluates a script that returns a promise and waits for its value.
func evalAwait(script string, out any) chromedp.Action {
	return chromedp.Evaluate(script, out, func(p *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams {
		return p.WithAwaitPromise(true)
	})
}

// waitWorker waits until the service worker controls the page, its caches filled.
func waitWorker() chromedp.Action {
	return chromedp.Poll(`navigator.serviceWorker.controller !== null`, nil, chromedp.WithPollingTimeout(30*time.Second))
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
	run := func(step string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}

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
		chromedp.WaitNotPresent("#app-wasm-loader", chromedp.ByQuery),
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
		chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery),
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
