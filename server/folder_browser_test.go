package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// sendDog sends the dog registration with the resident's HTTP session and returns its
// case number.
func sendDog(t testing.TB, base string, client *http.Client) string {
	t.Helper()
	res, err := client.Get(base + "/api/v1/session")
	if err != nil {
		t.Fatal(err)
	}
	var s struct{ CSRF string }
	json.NewDecoder(res.Body).Decode(&s)
	res.Body.Close()
	req, _ := http.NewRequest("POST", base+"/api/v1/services/dog-registration/submissions", strings.NewReader(benchDog))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", s.CSRF)
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var sent struct{ CaseNumber, Status string }
	if err := json.NewDecoder(res.Body).Decode(&sent); err != nil || res.StatusCode != http.StatusCreated || sent.CaseNumber == "" {
		t.Fatalf("sending the dog registration: %d %+v %v", res.StatusCode, sent, err)
	}
	return sent.CaseNumber
}

// waitText waits until the element's text contains want, and says what it holds if it
// never does.
func waitText(t testing.TB, ctx context.Context, step, sel, want string) {
	t.Helper()
	script := fmt.Sprintf(`(() => { const el = document.querySelector(%q); return !!el && el.textContent.includes(%q); })()`, sel, want)
	if err := chromedp.Run(ctx, chromedp.Poll(script, nil, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		var now string
		chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf(`(() => { const el = document.querySelector(%q);
			return location.pathname + ": " + (el ? el.textContent : "no element"); })()`, sel), &now))
		t.Fatalf("%s: %s does not say %q (%v): %s", step, sel, want, err, now)
	}
}

// countMatches is how many elements match sel.
func countMatches(t testing.TB, ctx context.Context, sel string) int {
	t.Helper()
	var n int
	if err := chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf(`document.querySelectorAll(%q).length`, sel), &n)); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBrowserFolderAndBackOffice follows a case through its life in two browsers: a
// resident on a phone sends it and follows it in the folder; an official takes it up in
// the back office, writes to the resident, reads the reply and decides.
func TestBrowserFolderAndBackOffice(t *testing.T) {
	start := time.Now()
	srv := startTestServer(t, t.TempDir(), "127.0.0.1:0", nil)
	base := srv.base
	me := browser(t) // the resident's phone
	tessa := steps(t, me)

	// 1. Tessa has identified and registered (over HTTP, the cookie given to her
	// browser) and sends the dog registration; the folder shows it sent.
	cookie, client := resident(t, base, "010280-952L")
	number := sendDog(t, base, client)
	row, link := "#case-"+number, "#case-link-"+number
	tessa("phone width", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	tessa("the folder", withSession(base, cookie), open(base+"/fi/folder"),
		chromedp.WaitVisible("#folder-table", chromedp.ByQuery), chromedp.WaitVisible(row, chromedp.ByQuery))
	waitText(t, me, "the folder", row+" .status", "Lähetetty")
	var class string
	tessa("the row", chromedp.AttributeValue(row, "class", &class, nil, chromedp.ByQuery))
	if strings.Contains(class, "case-row-new") || countMatches(t, me, row+" .badge-new") != 0 {
		t.Errorf("the resident's own send is news to her: class %q", class)
	}

	// 2. Joni, an official of every service, identifies in his own browser, registers,
	// and finds the case in the queue.
	official := browser(t)
	joni := steps(t, official)
	joni("identify",
		open(base+"/fi/backoffice"),
		chromedp.WaitVisible(`a[href^="/fi/login?customer=person"]`, chromedp.ByQuery),
		chromedp.Click(`a[href^="/fi/login?customer=person"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[value="bank"]`, chromedp.ByQuery),
		chromedp.Click(`button[value="bank"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#id1", chromedp.ByQuery),
		chromedp.Click("#id1", chromedp.ByQuery), // Joni Kristian Kivi (010469-999W)
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#continue", chromedp.ByQuery),
		chromedp.Click("#continue", chromedp.ByQuery),
		chromedp.WaitVisible("#pconsent", chromedp.ByQuery), // first login: registration
		chromedp.WaitNotPresent("#app-wasm-loader", chromedp.ByQuery),
		chromedp.WaitVisible(".user-name", chromedp.ByQuery),
	)
	joni("register",
		chromedp.Click("#pconsent", chromedp.ByQuery),
		typeInto("#pemail", "joni.kivi@example.fi"),
		chromedp.Click("#pchannel", chromedp.ByQuery),
		chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#queue-dog-registration", chromedp.ByQuery), // back to the back office
		chromedp.WaitVisible("#queue-link-"+number, chromedp.ByQuery),
		chromedp.WaitVisible("#menu-backoffice", chromedp.ByQuery),
	)
	waitText(t, official, "the queue", "#case-"+number+" .status", "Lähetetty")
	axeViolations(t, official, "back-office queue")

	// He opens it, starts processing with a note, and writes to the resident.
	const note = "Rekisteröinti aloitettu."
	const question = "Onko koiralla rokotustodistus?"
	joni("open the case",
		chromedp.Click("#queue-link-"+number, chromedp.ByQuery),
		chromedp.WaitVisible("#status-select", chromedp.ByQuery),
	)
	waitText(t, official, "the case", "#case-title", number)
	waitText(t, official, "the case", "#case-status", "Lähetetty")
	joni("processing",
		chromedp.SetValue("#status-select", "PROCESSING", chromedp.ByQuery),
		typeInto("#status-note", note),
		chromedp.Click("#save-status", chromedp.ByQuery),
	)
	waitText(t, official, "processing", "#action-result", "Tila muutettu: Käsittelyssä.")
	waitText(t, official, "processing", "#case-status", "Käsittelyssä")
	waitText(t, official, "processing", "#case-history", note)
	joni("a message", typeInto("#message-text", question), chromedp.Click("#send-message", chromedp.ByQuery))
	waitText(t, official, "a message", "#action-result", "Viesti lähetetty.")
	waitText(t, official, "a message", "#messages", question)
	if n := countMatches(t, official, `#messages > li[id^="message-"]`); n != 1 {
		t.Errorf("the back office shows %d messages, want 1", n)
	}
	axeViolations(t, official, "back-office case")

	// 3. The resident's folder says there is news; the case is being processed, and she
	// answers the question.
	const answer = "On, rokotettu 5.5.2024."
	tessa("the folder again", open(base+"/fi/folder"), chromedp.WaitVisible(row+".case-row-new", chromedp.ByQuery))
	waitText(t, me, "news", row+" .badge-new", "Uusi")
	waitText(t, me, "news", row+" .status", "Käsittelyssä")
	waitText(t, me, "news in the menu", "#menu-folder .badge-count", "1")
	var badge string
	tessa("menu count", chromedp.Evaluate(`document.querySelector("#menu-folder .badge-count").textContent`, &badge))
	if badge != "1" {
		t.Errorf("the menu's folder count is %q, want 1", badge)
	}
	axeViolations(t, me, "folder")
	tessa("open the case", chromedp.Click(link, chromedp.ByQuery), chromedp.WaitVisible("#case-status", chromedp.ByQuery))
	waitText(t, me, "the case", "#case-status", "Käsittelyssä")
	waitText(t, me, "the case", "#messages", question)
	var from string
	tessa("who wrote", chromedp.Text("#messages", &from, chromedp.ByQuery))
	if strings.Contains(from, "Joni") || !strings.Contains(from, "Kaupungin virkailija") {
		t.Errorf("the resident reads the official's name, or not the city's: %q", from)
	}
	// Opening the case has seen its news: the menu's count goes.
	tessa("news seen", poll(`document.querySelector("#menu-folder .badge-count") === null`))
	tessa("reply", chromedp.WaitVisible("#reply-text", chromedp.ByQuery), typeInto("#reply-text", answer),
		chromedp.Click("#send-reply", chromedp.ByQuery))
	waitText(t, me, "reply", "#action-result", "Viesti lähetetty.")
	waitText(t, me, "reply", "#messages", answer)
	if n := countMatches(t, me, `#messages > li[id^="message-"]`); n != 2 {
		t.Errorf("the resident's case shows %d messages, want 2", n)
	}

	// 4. The official opens the case again: the reply is there; he decides.
	const decision = "Koira on rekisteröity. Rekisterinumero 1234."
	joni("reopen", open(base+"/fi/backoffice/"+number), chromedp.WaitVisible("#messages", chromedp.ByQuery))
	waitText(t, official, "reopen", "#messages", answer)
	joni("decide", chromedp.WaitVisible("#decision-text", chromedp.ByQuery), typeInto("#decision-text", decision),
		chromedp.Click("#save-decision", chromedp.ByQuery))
	waitText(t, official, "decide", "#action-result", "Päätös tallennettu.")
	waitText(t, official, "decide", "#case-status", "Ratkaistu")
	waitText(t, official, "decide", "#case-decision", decision)

	// 5. The resident finds the case decided, with the decision.
	tessa("decided", open(base+"/fi/folder"), chromedp.WaitVisible(row, chromedp.ByQuery))
	waitText(t, me, "decided", row+" .status", "Ratkaistu")
	tessa("open the decided case", chromedp.Click(link, chromedp.ByQuery), chromedp.WaitVisible("#case-status", chromedp.ByQuery))
	waitText(t, me, "decided", "#case-status", "Ratkaistu")
	waitText(t, me, "decided", "#case-decision", decision)
	waitText(t, me, "decided", "#case-history", "Päätös annettu")
	axeViolations(t, me, "case details")
	t.Logf("the case's life in two browsers took %v", time.Since(start).Round(time.Millisecond))
}
