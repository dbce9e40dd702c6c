package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/server/api"
)

// The browser tests drive Debian's Chromium against a real server on a free port.
// `make test` installs Chromium and axe-core first; without them these tests fail rather
// than skip, unless LOMAKE_SKIP_BROWSER=1 says so on purpose.

// startServer runs the portal on a free loopback port and returns its URL and a stop
// function (which closes the store, like a server restart would).
func startServer(t testing.TB, dataDir string) (string, func()) {
	return startServerWithClock(t, dataDir, nil)
}

// testClock is the server's clock, moved forward by tests.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

func startServerWithClock(t testing.TB, dataDir string, now func() time.Time) (string, func()) {
	t.Helper()
	ts := startTestServer(t, dataDir, "127.0.0.1:0", now)
	return ts.base, ts.stop
}

// release is the deploy the next test server says it is (Config.Release).
var release string

// limits are the next test server's rate limits (Config.Limits); nil: the defaults.
var limits *api.Limits

// schemaDir is the next test server's schema folder (Config.SchemaDir); "": none.
var schemaDir string

// testServer is a running portal; a test can stop it gracefully, or kill it, and start
// it again on the same address and data, as after a crash.
type testServer struct {
	*Server
	base    string
	stop    func()
	stopped bool
}

// startTestServer starts a server on dataDir, or on PostgreSQL when dataDir is a
// postgres:// URL (pgtest.URL).
func startTestServer(t testing.TB, dataDir, addr string, now func() time.Time) *testServer {
	t.Helper()
	return startTestServerWith(t, dataDir, addr, now, nil)
}

// startTestServerWith is startTestServer with other services than the shipped ones.
func startTestServerWith(t testing.TB, dataDir, addr string, now func() time.Time, services *schemas.Registry) *testServer {
	t.Helper()
	cfg := Config{DataDir: dataDir, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), TestIdentification: true, Now: now, AdminToken: "test-admin", Release: release, Limits: limits, Services: services, SchemaDir: schemaDir}
	if strings.HasPrefix(dataDir, "postgres://") {
		cfg.DataDir, cfg.DatabaseURL = t.TempDir(), dataDir
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var ln net.Listener
	for i := 0; ; i++ { // a restarted server may wait a moment for its old port
		if ln, err = net.Listen("tcp", addr); err == nil || i == 50 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	ts := &testServer{Server: srv, base: "http://" + ln.Addr().String()}
	ts.stop = func() {
		if ts.stopped {
			return
		}
		ts.stopped = true
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	}
	t.Cleanup(ts.stop)
	return ts
}

// kill stops the server at once, cutting the requests it is answering.
func (ts *testServer) kill() {
	if ts.stopped {
		return
	}
	ts.stopped = true
	ts.http.Close()
	ts.store.Close()
}

func browser(t testing.TB) context.Context {
	t.Helper()
	if os.Getenv("LOMAKE_SKIP_BROWSER") == "1" {
		t.Skip("LOMAKE_SKIP_BROWSER=1")
	}
	if _, err := os.Stat(webBuilt); err != nil {
		t.Fatalf("the WebAssembly client is not built: run make test (%v)", err)
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("no Chromium at %s: run make test, which installs it", chromium)
	}
	profile, err := os.MkdirTemp("", "lomake-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(profile),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		os.RemoveAll(profile) // after Chromium has exited; it writes there until then
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	if os.Getenv("LOMAKE_BROWSER_LOG") != "" {
		chromedp.ListenTarget(ctx, func(ev any) {
			switch e := ev.(type) {
			case *cdpruntime.EventConsoleAPICalled:
				for _, a := range e.Args {
					t.Logf("console %s: %s", e.Type, a.Value)
				}
			case *cdpruntime.EventExceptionThrown:
				t.Logf("exception: %s", e.ExceptionDetails.Error())
			}
		})
	}
	return ctx
}

// webBuilt is the compressed client the server embeds.
var webBuilt = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "web", "dist", "app.wasm.br")
}()

// clientRunning is there once the client has mounted the page and watches the network
// and the outbox (app/ui's watchDevice): go-app's loader goes earlier, as soon as the
// client first yields.
const clientRunning = "html[data-client]"

// open loads a page and waits until the WebAssembly app has taken over.
func open(url string) chromedp.Action {
	return chromedp.Tasks{
		chromedp.Navigate(url),
		chromedp.WaitReady("body", chromedp.ByQuery),
		chromedp.WaitReady(clientRunning, chromedp.ByQuery),
	}
}

// typeInto types into a field like a person and leaves it with Tab.
func typeInto(sel, text string) chromedp.Action {
	return chromedp.Tasks{
		chromedp.Click(sel, chromedp.ByQuery),
		chromedp.SendKeys(sel, text+kb.Tab, chromedp.ByQuery),
	}
}

// setDate fills a date's day, month and year (sel is the day's control) as a person
// would, each part left with its change.
func setDate(sel, value string) chromedp.Action {
	parts := strings.SplitN(value, "-", 3)
	return chromedp.Evaluate(fmt.Sprintf(`(() => {
		for (const [sel, v] of [[%q, %q], [%q, %q], [%q, %q]]) {
			const el = document.querySelector(sel);
			el.value = v;
			el.dispatchEvent(new Event("input", {bubbles: true}));
			el.dispatchEvent(new Event("change", {bubbles: true}));
		} })()`, sel, parts[2], sel+"-month", parts[1], sel+"-year", parts[0]), nil)
}

// waitFocus waits until the element with id has focus: go-app moves focus on its next
// frame, after the event that asked for it.
func waitFocus(id string) chromedp.Action {
	return chromedp.Poll(fmt.Sprintf(`document.activeElement && document.activeElement.id === %q`, id), nil,
		chromedp.WithPollingTimeout(5*time.Second))
}

func activeID(id *string) chromedp.Action {
	return chromedp.Evaluate(`document.activeElement ? document.activeElement.id : ""`, id)
}

// axeViolations runs axe-core's WCAG 2.1 A and AA rules on the current page.
func axeViolations(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	path := os.Getenv("AXE_JS")
	if path == "" {
		_, file, _, _ := runtime.Caller(0)
		path = filepath.Join(filepath.Dir(file), "..", ".cache", "axe", "node_modules", "axe-core", "axe.min.js")
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("axe-core not installed (make test installs it): %v", err)
	}
	var out string
	err = chromedp.Run(ctx,
		chromedp.Evaluate(string(src), nil),
		chromedp.Evaluate(`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
			.then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
				nodes: v.nodes.map(n => n.html.slice(0, 160))}))))`, &out,
			func(p *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams { return p.WithAwaitPromise(true) }),
	)
	if err != nil {
		t.Fatalf("%s: running axe: %v", page, err)
	}
	var violations []map[string]any
	if err := json.Unmarshal([]byte(out), &violations); err != nil {
		t.Fatalf("%s: axe answer: %v", page, err)
	}
	for _, v := range violations {
		t.Errorf("%s: axe %v (%v): %v\n  %v", page, v["id"], v["impact"], v["help"], v["nodes"])
	}
}

// TestBrowserDogRegistration is the foundation's promise end to end: a resident on a
// phone finds the service, is told what is missing, sends the form, gets a case
// number, and the case survives a server restart.
func TestBrowserDogRegistration(t *testing.T) {
	ctx := browser(t)
	dataDir := t.TempDir()
	base, stop := startServer(t, dataDir)

	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	run("phone width", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile))

	// The catalog lists the service; its link leads to the description, then the form.
	var catalog string
	run("catalog", open(base+"/fi/"), chromedp.Text("main", &catalog, chromedp.ByQuery))
	if !strings.Contains(catalog, "Siirry palveluun") || !strings.Contains(catalog, "Koira") {
		t.Fatalf("catalog does not offer the dog service:\n%s", catalog)
	}
	axeViolations(t, ctx, "catalog")
	run("go to service",
		chromedp.Click(`a[href="/fi/services/dog-registration"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`a[href="/fi/services/dog-registration/form"]`, chromedp.ByQuery),
		chromedp.Click(`a[href="/fi/services/dog-registration/form"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#f-owner-firstName", chromedp.ByQuery),
	)

	// Signed out, the form says that sending needs identification; what is typed before
	// identifying is there after it.
	run("type, then identify",
		// The notice appears once the client knows nobody is signed in, moving the form
		// down: wait for it as a person would see it before typing.
		chromedp.WaitVisible(".panel-info", chromedp.ByQuery),
		typeInto("#f-owner-firstName", "Tessa"),
		chromedp.Click(`.panel-info a[href^="/fi/login"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`a[href^="/fi/login?customer=person"]`, chromedp.ByQuery),
	)
	axeViolations(t, ctx, "login")
	run("identify with the test service",
		chromedp.Click(`a[href^="/fi/login?customer=person"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[value="bank"]`, chromedp.ByQuery),
		chromedp.Click(`button[value="bank"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#id0`, chromedp.ByQuery), // the test service's picker, Tessa first
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#continue`, chromedp.ByQuery),
		chromedp.Click(`#continue`, chromedp.ByQuery),
		chromedp.WaitVisible(`#pconsent`, chromedp.ByQuery), // first login: registration
		chromedp.WaitReady(clientRunning, chromedp.ByQuery),
		chromedp.WaitVisible(".user-name", chromedp.ByQuery), // the top bar has grown its menu
	)
	axeViolations(t, ctx, "registration")
	run("register",
		chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery), // nothing filled in
		chromedp.WaitVisible("#error-summary", chromedp.ByQuery),
	)
	var regErrors string
	run("registration errors", chromedp.Text("#error-summary", &regErrors, chromedp.ByQuery))
	if !strings.Contains(regErrors, "suostumus") || !strings.Contains(regErrors, "sähköpostiosoite tai matkapuhelinnumero") {
		t.Errorf("registration errors: %q", regErrors)
	}
	run("register properly",
		chromedp.Click("#pconsent", chromedp.ByQuery),
		typeInto("#pemail", "tessa@example.fi"),
		chromedp.Click("#pchannel", chromedp.ByQuery),
		chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#f-owner-firstName", chromedp.ByQuery),
	)
	var kept, who string
	// The draft comes back from the device's IndexedDB a moment after the form shows.
	run("back on the form",
		chromedp.Poll(`document.querySelector("#f-owner-firstName").value !== ""`, nil, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.Value("#f-owner-firstName", &kept, chromedp.ByQuery),
		chromedp.Text(".user-name", &who, chromedp.ByQuery))
	if kept != "Tessa" || who != "Tessa Testilä" {
		t.Errorf("after identification: first name %q, signed in as %q", kept, who)
	}

	// Page 1 with the e-mail missing: Next refuses and says why.
	run("owner page",
		typeInto("#f-owner-lastName", "Testilä"),
		typeInto("#f-owner-personalIdentityCode", "010280-952L"),
		typeInto("#f-owner-streetAddress", "Pohjoisesplanadi 11"),
		typeInto("#f-owner-postalCode", "00170"),
		typeInto("#f-owner-postOffice", "Helsinki"),
		chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#error-summary", chromedp.ByQuery),
	)
	var summary, focused string
	run("summary on Next", chromedp.Text("#error-summary", &summary, chromedp.ByQuery))
	if err := chromedp.Run(ctx, waitFocus("error-summary")); err == nil {
		focused = "error-summary"
	}
	if !strings.Contains(summary, "sähköpostiosoite") || focused != "error-summary" {
		t.Fatalf("Next with the e-mail missing: summary %q, focus on %q", summary, focused)
	}
	run("fix e-mail and go on",
		typeInto("#f-owner-email", "tessa@example.fi"),
		// The message goes on go-app's next frame and the page moves up; wait for it as
		// a person would, or the click lands where the button was.
		chromedp.WaitNotPresent("#f-owner-email-error:not(:empty)", chromedp.ByQuery),
		chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#f-dog-name", chromedp.ByQuery),
	)

	// The next page's fields start empty: go-app reuses the page-1 inputs in place.
	var leftover string
	run("dog page is empty", chromedp.Value("#f-dog-name", &leftover, chromedp.ByQuery))
	if leftover != "" {
		t.Errorf("the dog's name field shows %q from the previous page", leftover)
	}

	// Last page with the dog's name empty: Send refuses with a summary and an inline error.
	run("dog page",
		typeInto("#f-dog-breed", "Suomenpystykorva"),
		chromedp.Click("#f-dog-sex-1", chromedp.ByQuery),
		setDate("#f-dog-birthDate", "2024-03-01"),
		typeInto("#f-dog-microchipNumber", "246098100123456"),
		chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#error-summary", chromedp.ByQuery),
	)
	var title, inline, invalid, describedBy string
	run("errors shown",
		chromedp.Text("#error-summary", &summary, chromedp.ByQuery),
		chromedp.Text("#f-dog-name-error", &inline, chromedp.ByQuery),
		chromedp.AttributeValue("#f-dog-name", "aria-invalid", &invalid, nil, chromedp.ByQuery),
		chromedp.AttributeValue("#f-dog-name", "aria-describedby", &describedBy, nil, chromedp.ByQuery),
		chromedp.Title(&title),
	)
	focused = ""
	if err := chromedp.Run(ctx, waitFocus("error-summary")); err != nil {
		chromedp.Run(ctx, activeID(&focused))
	} else {
		focused = "error-summary"
	}
	if !strings.Contains(summary, "Tarkista seuraavat tiedot") || !strings.Contains(summary, "Anna koiran nimi") {
		t.Errorf("error summary = %q", summary)
	}
	if strings.Count(summary, "Anna") != 1 {
		t.Errorf("summary lists more than the one missing field: %q", summary)
	}
	if !strings.Contains(inline, "Anna koiran nimi") || invalid != "true" || !strings.Contains(describedBy, "f-dog-name-error") {
		t.Errorf("inline error %q, aria-invalid %q, aria-describedby %q", inline, invalid, describedBy)
	}
	if !strings.HasPrefix(title, "Virhe:") {
		t.Errorf("title %q does not start with Virhe:", title)
	}
	if focused != "error-summary" {
		t.Errorf("focus on %q, want the error summary", focused)
	}
	axeViolations(t, ctx, "form with errors")

	// The summary's link takes the user to the field; fixing it clears the error.
	if err := chromedp.Run(ctx, chromedp.Click(`#error-summary a`, chromedp.ByQuery), waitFocus("f-dog-name")); err != nil {
		chromedp.Run(ctx, activeID(&focused))
		t.Errorf("the summary link moved focus to %q, want f-dog-name (%v)", focused, err)
	}
	run("fix name", chromedp.SendKeys("#f-dog-name", "Musti"+kb.Tab, chromedp.ByQuery),
		chromedp.WaitNotPresent("#f-dog-name-error:not(:empty)", chromedp.ByQuery))

	// Next: every answer to check, page by page, each with a Change button back to its
	// field; then Send, and the confirmation names the case number.
	var answers string
	run("check the answers",
		chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#answers", chromedp.ByQuery), waitFocus("step-title"),
		chromedp.Text("#answers", &answers, chromedp.ByQuery),
	)
	for _, want := range []string{"Tessa", "Musti", "Suomenpystykorva", "1.3.2024", "Muuta"} {
		if !strings.Contains(answers, want) {
			t.Errorf("the answers lack %q:\n%s", want, answers)
		}
	}
	axeViolations(t, ctx, "check your answers")
	run("change the dog's name", chromedp.Click(`#answers button[value="goto:/dog/name"]`, chromedp.ByQuery), waitFocus("f-dog-name"),
		chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery), chromedp.WaitVisible("#answers", chromedp.ByQuery))
	var confirmation string
	run("send",
		chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#confirmation", chromedp.ByQuery),
		chromedp.Text("#confirmation", &confirmation, chromedp.ByQuery),
	)
	const want = "Lomakkeen lähetys onnistui. Voit seurata asian tilaa asiointikansiossa asianumerolla HEL-KOI-"
	if !strings.Contains(confirmation, want) {
		t.Fatalf("confirmation = %q, want %q…", confirmation, want)
	}
	number := confirmation[strings.Index(confirmation, "HEL-KOI-"):][:len("HEL-KOI-2026-000001")]
	axeViolations(t, ctx, "confirmation")

	// Restart the server on the same data: the case is still there, and so is the session.
	stop()
	base, _ = startServer(t, dataDir)
	var raw string
	run("read the case after restart",
		open(base+"/fi/home"),
		chromedp.Evaluate(`fetch("/api/v1/cases/`+number+`").then(r => r.text())`, &raw,
			func(p *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams { return p.WithAwaitPromise(true) }),
	)
	var c struct {
		Number string `json:"caseNumber"`
		Data   struct {
			Owner struct{ Email, FirstName string }
			Dog   struct{ Name, MicrochipNumber string }
		}
	}
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		t.Fatalf("after restart: %v: %s", err, raw)
	}
	if c.Number != number || c.Data.Dog.Name != "Musti" || c.Data.Owner.FirstName != "Tessa" || c.Data.Dog.MicrochipNumber != "246098100123456" {
		t.Errorf("after restart the case reads %+v", c)
	}
	// An official announces a break; the home page shows it.
	req, _ := http.NewRequest("POST", base+"/api/v1/admin/announcements", strings.NewReader(
		`{"text": {"fi": "Palvelukatko lauantaina klo 8–10", "sv": "Avbrott på lördag kl. 8–10", "en": "Break on Saturday 8–10"}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer test-admin")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("announcing: %v %v", res, err)
	}
	var welcome, notes string
	run("announcement", open(base+"/fi/home"), chromedp.WaitVisible(".announcements", chromedp.ByQuery),
		chromedp.Text(".announcements", &notes, chromedp.ByQuery))
	if !strings.Contains(notes, "Palvelukatko lauantaina") {
		t.Errorf("home page announcements: %q", notes)
	}
	run("home", chromedp.Poll(`document.querySelector("h1").textContent.startsWith("Tervetuloa")`, nil, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.Text("h1", &welcome, chromedp.ByQuery))
	if welcome != "Tervetuloa, Tessa Testilä" {
		t.Errorf("home page says %q", welcome)
	}
	axeViolations(t, ctx, "home")
	var masked string
	run("profile", open(base+"/fi/profile"), chromedp.WaitVisible("#pemail", chromedp.ByQuery),
		chromedp.Poll(`document.querySelector(".facts dd:nth-of-type(2)") !== null`, nil, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.Text(".facts dd:nth-of-type(2)", &masked, chromedp.ByQuery))
	if masked != "010280-****" {
		t.Errorf("profile shows the identity code as %q, want only the birth date part", masked)
	}
	axeViolations(t, ctx, "profile")

	// Another resident cannot read the case.
	if status := otherResidentReads(t, base, number); status != http.StatusNotFound {
		t.Errorf("another resident reading the case: %d, want 404", status)
	}

	// Logging out returns to the front page with a confirmation, signed out, and takes
	// this user's drafts off the device (a shared computer).
	var bye, authed, left string
	run("a draft on the device", chromedp.Evaluate(`lomake.draftPut("resident-parking-permit", '{"doc": {"plate": "ABC-123"}}')`, nil,
		func(p *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams { return p.WithAwaitPromise(true) }))
	run("log out",
		chromedp.Click("#logout", chromedp.ByQuery),
		chromedp.WaitVisible("#logged-out", chromedp.ByQuery),
		chromedp.WaitReady(clientRunning, chromedp.ByQuery),
		chromedp.Text("#logged-out", &bye, chromedp.ByQuery),
		chromedp.Evaluate(`fetch("/api/v1/session").then(r => r.json()).then(s => String(s.authenticated))`, &authed,
			func(p *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams { return p.WithAwaitPromise(true) }),
	)
	if !strings.HasPrefix(bye, "Olet kirjautunut ulos.") || !strings.Contains(bye, "poistettiin tältä laitteelta") || authed != "false" {
		t.Errorf("after logout: %q, authenticated %s", bye, authed)
	}
	run("drafts gone", chromedp.Evaluate(`lomake.draftGet("resident-parking-permit")`, &left,
		func(p *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if left != "" {
		t.Errorf("after logout the device still has a draft: %s", left)
	}
}

// TestBrowserIdleTimeout moves the server's clock to show the warning 5 minutes before
// the 2-hour idle timeout, continues, and then lets the session run out.
func TestBrowserIdleTimeout(t *testing.T) {
	ctx := browser(t)
	clock := &testClock{}
	base, _ := startServerWithClock(t, t.TempDir(), clock.now)
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	run("sign in and register",
		open(base+"/en/login?customer=person"),
		chromedp.Click(`button[value="mobile"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#id0", chromedp.ByQuery),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#continue", chromedp.ByQuery),
		chromedp.Click("#continue", chromedp.ByQuery),
		chromedp.WaitVisible("#pconsent", chromedp.ByQuery),
		chromedp.WaitReady(clientRunning, chromedp.ByQuery),
		// The top bar grows a menu once the client knows who is signed in: wait for it,
		// as a person would, before clicking what it moves.
		chromedp.WaitVisible(".user-name", chromedp.ByQuery),
		chromedp.Click("#pconsent", chromedp.ByQuery),
		typeInto("#pphone", "040 123 4567"),
		chromedp.Click("#pchannel-sms", chromedp.ByQuery),
		chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery),
		chromedp.Poll(`document.querySelector("h1").textContent.startsWith("Welcome, ")`, nil, chromedp.WithPollingTimeout(5*time.Second)),
	)
	// Every signed-in request counts as activity: let the home page's own finish before
	// the clock moves, or it extends the session past the warning.
	var state string
	if err := chromedp.Run(ctx, chromedp.Poll(`document.querySelector('#drafts[aria-busy="false"]') !== null`, nil, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		chromedp.Run(ctx, chromedp.Evaluate(`location.href + " " + document.querySelector("main").innerHTML.slice(0, 600)`, &state))
		t.Fatalf("home page: %v %s", err, state)
	}

	clock.advance(2*time.Hour - 4*time.Minute)
	run("home", open(base+"/en/home"))
	run("the warning", chromedp.WaitVisible("#idle-dialog", chromedp.ByQuery), waitFocus("idle-continue"))
	var role string
	run("dialog role", chromedp.AttributeValue("#idle-dialog", "role", &role, nil, chromedp.ByQuery))
	if role != "alertdialog" {
		t.Errorf("the warning's role is %q", role)
	}
	axeViolations(t, ctx, "idle warning")
	var focused string
	run("Tab stays in the dialog", chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab), activeID(&focused))
	if focused != "idle-continue" && focused != "idle-logout" {
		t.Errorf("Tab left the dialog for %q", focused)
	}
	run("continue", chromedp.Click("#idle-continue", chromedp.ByQuery), chromedp.WaitNotPresent("#idle-dialog", chromedp.ByQuery))
	var left float64
	run("extended", chromedp.Evaluate(`fetch("/api/v1/session").then(r => r.json()).then(s => s.remainingSeconds)`, &left,
		func(p *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if left < 7000 {
		t.Errorf("after Continue the session has %v s left, want about 2 h", left)
	}

	// Idle to the end: the user is signed out and told why.
	clock.advance(2*time.Hour - 3*time.Second)
	var why string
	run("expiry", open(base+"/en/home"),
		chromedp.WaitVisible(`.panel-info[role="status"]`, chromedp.ByQuery),
		chromedp.Text(`.panel-info[role="status"]`, &why, chromedp.ByQuery))
	if !strings.Contains(why, "Your session ended") {
		t.Errorf("after the timeout the user reads %q", why)
	}
}

// signInHTTP identifies through the test service with a plain HTTP client (the person
// at the given identity code) and returns the client and its CSRF token.
func signInHTTP(t testing.TB, base, code string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.Get(base + "/auth/login?method=bank")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	form := res.Request.URL.Query()
	form.Set("identity", code)
	res, err = c.PostForm(base+"/test-identification", form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`id="continue" href="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no Continue link: %s", body)
	}
	res, err = c.Get(base + strings.ReplaceAll(string(m[1]), "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	res, err = c.Get(base + "/api/v1/session")
	if err != nil {
		t.Fatal(err)
	}
	var s struct{ CSRF string }
	json.NewDecoder(res.Body).Decode(&s)
	res.Body.Close()
	return c, s.CSRF
}

// otherResidentReads asks for a case as Joni Kristian Kivi.
func otherResidentReads(t *testing.T, base, number string) int {
	t.Helper()
	c, _ := signInHTTP(t, base, "010469-999W")
	res, err := c.Get(base + "/api/v1/cases/" + number)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestBrowserLayoutAndLanguages checks that pages fit phone, tablet and desktop widths
// without sideways scrolling, that the prerendered page reads before the WebAssembly
// loads, and that switching language keeps what was typed.
func TestBrowserLayoutAndLanguages(t *testing.T) {
	ctx := browser(t)
	base, _ := startServer(t, t.TempDir())

	// Prerendered: with the client disabled (?wasm=false) the form is still a real form.
	var labels, names int
	var lang string
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/sv/services/early-childhood-education/form?wasm=false"),
		chromedp.WaitReady("form", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("form label[for]").length`, &labels),
		chromedp.Evaluate(`document.querySelectorAll("form [name]").length`, &names),
		chromedp.Evaluate(`document.documentElement.lang`, &lang),
	)
	if err != nil {
		t.Fatal(err)
	}
	if labels < 5 || names < 5 || lang != "sv" {
		t.Errorf("prerendered form: %d labels, %d named controls, lang %q", labels, names, lang)
	}

	for _, width := range []int64{360, 768, 1280} {
		for _, path := range []string{"/en/", "/en/services/early-childhood-education/form"} {
			var overflow bool
			err := chromedp.Run(ctx,
				emulation.SetDeviceMetricsOverride(width, 900, 1, width < 768),
				open(base+path),
				chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth`, &overflow),
			)
			if err != nil {
				t.Fatal(err)
			}
			if overflow {
				t.Errorf("%s at %d px scrolls sideways", path, width)
			}
		}
	}

	// Typed text survives a language switch, and the page speaks the new language.
	var value, heading string
	err = chromedp.Run(ctx,
		open(base+"/fi/services/early-childhood-education/form"),
		chromedp.WaitVisible(".panel-info", chromedp.ByQuery),
		typeInto("#f-child-firstName", "Aino"),
		chromedp.Click(`.lang-switch a[hreflang="sv"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.lang-switch a[hreflang="sv"][aria-current="true"]`, chromedp.ByQuery),
		chromedp.Value("#f-child-firstName", &value, chromedp.ByQuery),
		chromedp.Text("h1", &heading, chromedp.ByQuery),
		chromedp.Evaluate(`document.documentElement.lang`, &lang),
	)
	if err != nil {
		t.Fatal(err)
	}
	if value != "Aino" || lang != "sv" || !strings.Contains(heading, "småbarnspedagogik") {
		t.Errorf("after switching to Swedish: value %q, lang %q, heading %q", value, lang, heading)
	}

	// The guardian list adds and removes items within its limits.
	var guardians, addButtons int
	err = chromedp.Run(ctx,
		typeInto("#f-child-lastName", "Virtanen"),
		typeInto("#f-child-personalIdentityCode", "010516B903X"),
		setDate("#f-child-birthDate", "2016-05-01"),
		typeInto("#f-child-streetAddress", "Mannerheimintie 1"),
		typeInto("#f-child-postalCode", "00100"),
		typeInto("#f-child-postOffice", "Helsingfors"),
		typeInto("#f-child-nativeLanguage", "finska"),
		chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#f-guardians-add", chromedp.ByQuery),
		chromedp.Click("#f-guardians-add", chromedp.ByQuery),
		chromedp.WaitVisible("#f-guardians-1-firstName", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll(".item").length`, &guardians),
		chromedp.Evaluate(`document.querySelectorAll("#f-guardians-add").length`, &addButtons),
	)
	if err != nil {
		t.Fatal(err)
	}
	if guardians != 2 || addButtons != 0 {
		t.Errorf("after adding: %d guardians, %d add buttons (max is 2)", guardians, addButtons)
	}
}
