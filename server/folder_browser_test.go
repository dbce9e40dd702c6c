package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/schemas/schematest"
	"github.com/lomake/lomake/server/kv/postgreskv/pgtest"
)

// putDraft saves a draft of a service on the server with the resident's HTTP session,
// as another of their devices would.
func putDraft(t testing.TB, base string, client *http.Client, service, doc string) {
	t.Helper()
	res, err := client.Get(base + "/api/v1/session")
	if err != nil {
		t.Fatal(err)
	}
	var s struct{ CSRF string }
	json.NewDecoder(res.Body).Decode(&s)
	res.Body.Close()
	body := `{"schemaVersion": 1, "data": ` + doc + `}`
	req, _ := http.NewRequest("PUT", base+"/api/v1/drafts/"+service, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("If-None-Match", "*") // the first save
	req.Header.Set("X-CSRF-Token", s.CSRF)
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusCreated {
		t.Fatalf("saving a draft of %s: %d", service, res.StatusCode)
	}
}

// uploadSpeed limits how fast the browser sends, in bytes a second (-1: no limit).
func uploadSpeed(bytesPerSecond float64) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		if err := network.Enable().Do(ctx); err != nil {
			return err
		}
		_, err := network.EmulateNetworkConditionsByRule(false, []*network.Conditions{{URLPattern: "",
			DownloadThroughput: -1, UploadThroughput: bytesPerSecond}}).Do(ctx)
		return err
	})
}

// testFiles writes the files a resident chooses in the attachment steps: a program, a
// program named .pdf, a PDF and a photo (PNG).
func testFiles(t testing.TB) (program, fakePDF, pdf, photo string, photoBytes []byte) {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 200)...)
	photoBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 40<<10)...)
	return write("ohjelma.exe", exe), write("todistus.pdf", exe),
		write("työsuhdeautotodistus.pdf", append([]byte("%PDF-1.4\n%"), bytes.Repeat([]byte("0123456789abcdef"), 48<<10)...)),
		write("kuva todistuksesta.png", photoBytes), photoBytes
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
// It runs on both storage engines: files in a directory beside LevelDB, and in
// PostgreSQL.
func TestBrowserFolderAndBackOffice(t *testing.T) {
	t.Run("LevelDB", func(t *testing.T) { folderAndBackOffice(t, t.TempDir()) })
	t.Run("PostgreSQL", func(t *testing.T) { folderAndBackOffice(t, pgtest.URL(t)) })
}

func folderAndBackOffice(t *testing.T, store string) {
	start := time.Now()
	srv := startTestServer(t, store, "127.0.0.1:0", nil)
	base := srv.base
	me := browser(t) // the resident's phone
	tessa := steps(t, me)

	// 1. Tessa has identified and registered (over HTTP, the cookie given to her
	// browser). Her parking permit application for a leased car waits as a draft she
	// began on another device; on her phone she attaches the leasing company's
	// certificate and sends it.
	cookie, client := resident(t, base, "010280-952L")
	putDraft(t, base, client, "resident-parking-permit", parkingDoc)
	program, fakePDF, pdf, photo, photoBytes := testFiles(t)
	const field = "#f-vehicle-useRightCertificate"
	tessa("phone width", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	tessa("the form", withSession(base, cookie), open(base+"/fi/services/resident-parking-permit/form"),
		chromedp.WaitReady(clientRunning, chromedp.ByQuery),
		poll(`document.querySelector("#f-applicant-firstName").value === "Tessa"`),
		chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery), // Next: the vehicle
		chromedp.WaitVisible(field, chromedp.ByQuery))
	waitText(t, me, "the file field", field+"-types", "PDF, JPG, PNG")

	// A program is refused before it goes anywhere; a program named .pdf, by the
	// server. Each error is under the field, and what she typed stays.
	tessa("a program", chromedp.SetUploadFiles(field, []string{program}, chromedp.ByQuery))
	waitText(t, me, "a program", field+"-error", "Tiedosto ohjelma.exe ei käy")
	tessa("a program named .pdf", chromedp.SetUploadFiles(field, []string{fakePDF}, chromedp.ByQuery))
	waitText(t, me, "a program named .pdf", field+"-error", "Tiedosto todistus.pdf ei käy")
	var plate string
	tessa("typed answers stay", chromedp.Value("#f-vehicle-registrationNumber", &plate, chromedp.ByQuery))
	if plate != "ABC-123" || countMatches(t, me, field+"-held") != 0 {
		t.Errorf("after refused files the plate reads %q and the field holds %d files", plate, countMatches(t, me, field+"-held"))
	}
	axeViolations(t, me, "a refused file")

	// A real PDF goes up at once; she then removes it, and, with the phone's signal
	// gone, chooses a photo of the certificate instead: it waits on the phone.
	// On a slow connection (768 kB at 256 kB/s) she watches it go.
	tessa("a PDF", uploadSpeed(256<<10), chromedp.SetUploadFiles(field, []string{pdf}, chromedp.ByQuery),
		poll(`(() => { const bar = document.querySelector("`+field+`-progress"); return !!bar && bar.value > 0 && bar.value < bar.max; })()`))
	waitText(t, me, "a PDF", field+"-status", "Tallennetaan tiedostoa työsuhdeautotodistus.pdf")
	waitText(t, me, "a PDF", field+"-held", "työsuhdeautotodistus.pdf")
	tessa("full speed", uploadSpeed(-1))
	if n := countMatches(t, me, field+"-progress"); n != 0 {
		t.Errorf("the progress bar stays after the upload")
	}
	waitText(t, me, "a PDF", field+"-status", "liitettiin")
	if n := countMatches(t, me, field+"-error:not(:empty)"); n != 0 {
		t.Errorf("an attached PDF leaves the error")
	}
	tessa("remove it", chromedp.Click(field+"-remove", chromedp.ByQuery),
		chromedp.WaitNotPresent(field+"-held", chromedp.ByQuery))
	waitText(t, me, "remove it", field+"-status", "poistettiin")
	tessa("offline", connection(false), chromedp.SetUploadFiles(field, []string{photo}, chromedp.ByQuery))
	waitText(t, me, "offline", field+"-held", "kuva todistuksesta.png")
	waitText(t, me, "offline", field+"-held", "odottaa tällä laitteella")
	axeViolations(t, me, "a file waiting on the device")

	// Still offline she sends: the form and the photo wait in the outbox. Back online,
	// the photo goes first, then the form, and the receipt becomes the case number.
	var number string
	tessa("send offline",
		chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery), // Next: the permit
		chromedp.WaitVisible("#f-permit-zone", chromedp.ByQuery),
		chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery), // Next: the answers
		chromedp.WaitVisible("#answers", chromedp.ByQuery),
		chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery), // Send
		chromedp.WaitVisible("#queued-status", chromedp.ByQuery))
	tessa("online", connection(true), chromedp.WaitVisible(".case-number", chromedp.ByQuery),
		chromedp.Text(".case-number", &number, chromedp.ByQuery))
	if !strings.HasPrefix(number, "HEL-PYS-") {
		t.Fatalf("the receipt's case number: %q", number)
	}
	row, link := "#case-"+number, "#case-link-"+number
	tessa("the folder", open(base+"/fi/folder"),
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
		chromedp.WaitReady(clientRunning, chromedp.ByQuery),
		chromedp.WaitVisible(".user-name", chromedp.ByQuery),
	)
	joni("register",
		chromedp.Click("#pconsent", chromedp.ByQuery),
		typeInto("#pemail", "joni.kivi@example.fi"),
		chromedp.Click("#pchannel", chromedp.ByQuery),
		chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#queue-resident-parking-permit", chromedp.ByQuery), // back to the back office
		chromedp.WaitVisible("#queue-link-"+number, chromedp.ByQuery),
		chromedp.WaitVisible("#menu-backoffice", chromedp.ByQuery),
	)
	waitText(t, official, "the queue", "#case-"+number+" .status", "Lähetetty")
	axeViolations(t, official, "back-office queue")

	// He opens it, starts processing with a note, and writes to the resident.
	const note = "Käsittely aloitettu."
	const question = "Onko leasingsopimus voimassa koko tunnuksen ajan?"
	joni("open the case",
		chromedp.Click("#queue-link-"+number, chromedp.ByQuery),
		chromedp.WaitVisible("#status-select", chromedp.ByQuery),
	)
	waitText(t, official, "the case", "#case-title", number)
	waitText(t, official, "the case", "#case-status", "Lähetetty")

	// The certificate came with the case: he opens it, and it is Tessa's photo.
	waitText(t, official, "the attachment", "#case-attachments", "kuva todistuksesta.png")
	var got struct {
		Status int    `json:"status"`
		Type   string `json:"type"`
		Body   string `json:"body"`
	}
	joni("open the attachment", evalAwait(`(async () => {
		const a = document.querySelector("#case-attachments a[download]");
		const r = await fetch(a.href);
		const b = new Uint8Array(await r.arrayBuffer());
		return {status: r.status, type: r.headers.get("Content-Type"), body: btoa(String.fromCharCode(...b.slice(0, 16))) + ":" + b.length};
	})()`, &got))
	wantBody := base64.StdEncoding.EncodeToString(photoBytes[:16]) + ":" + strconv.Itoa(len(photoBytes))
	if got.Status != http.StatusOK || got.Type != "image/png" || got.Body != wantBody {
		t.Errorf("the official opened the attachment: %d %q %q, want 200 image/png %q", got.Status, got.Type, got.Body, wantBody)
	}
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
	const answer = "On, 31.12.2028 asti."
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
	// She sees the name of what she sent, but, as in the city's portal, cannot open it.
	waitText(t, me, "the case", "#case-attachments", "kuva todistuksesta.png")
	if n := countMatches(t, me, "#case-attachments a"); n != 0 {
		t.Errorf("the resident's case links to %d attachments", n)
	}
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
	const decision = "Asukaspysäköintitunnus myönnetty alueelle A ajalle 1.1.2027–31.12.2027."
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

// TestBrowserFileWaitsUntilIdentified: a resident who has not identified yet chooses a
// file; the server could not take it, so it waits on the device, to go with the send.
func TestBrowserFileWaitsUntilIdentified(t *testing.T) {
	ctx := browser(t)
	files := shippedFiles(t)
	files["certificate-test.json"] = &fstest.MapFile{Data: []byte(schematest.Source("CRT", `"properties": {
    "certificate": {"type": "string", "title": "Todistus", "x-i18n": {"sv": {"title": "Intyg"}, "en": {"title": "Certificate"}},
      "x-ui": {"widget": "file", "accept": ["png"]}}}`))}
	services, err := schemas.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	srv := startTestServerWith(t, t.TempDir(), "127.0.0.1:0", nil, services)
	_, _, _, photo, _ := testFiles(t)
	const field = "#f-certificate"
	run := steps(t, ctx)
	run("the form, signed out", open(srv.base+"/fi/services/certificate-test/form"),
		chromedp.WaitVisible("#identify-first", chromedp.ByQuery),
		chromedp.SetUploadFiles(field, []string{photo}, chromedp.ByQuery))
	waitText(t, ctx, "a photo", field+"-held", "odottaa tällä laitteella")
}
