package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"text/tabwriter"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/lomake/lomake/schemas"
)

// The phone benchmark: what a resident on a phone waits for, in headless Chromium on a
// phone-sized screen at 1× and 4× CPU (Emulation.setCPUThrottlingRate), each run in a
// fresh profile. Times are taken inside the page on its own clock (performance.now and
// events' timeStamp), so CDP's round trips are not in them.

// phoneForm is a form measured, by the ids of its fields: required is a required text
// field, typing a text field, postal a postal code field.
type phoneForm struct{ name, path, required, typing, postal string }

// phoneForms are the 100-field fixture (testdata/hundred-fields.json: ten sections of
// ten fields, half of them required) and the dog registration.
var phoneForms = []phoneForm{
	{"100 fields", "/fi/services/hundred-fields/form", "f-s1-text1", "f-s1-text2", "f-s1-postalCode"},
	{"dog", dogForm, "f-owner-firstName", "f-owner-lastName", "f-owner-postalCode"},
}

var phoneRates = []float64{1, 4}

// phoneBudget caps the runs: as many as b.N asks for, while a round of them still ends
// within it.
const phoneBudget = 3 * time.Minute

// phoneProbe runs in every document before its own scripts. It records long tasks,
// keeps the WebAssembly instance (for its memory) as go-app's app.js creates it, and
// notes when the client runs: the client marks the html element (data-client) once it
// has mounted the page, so the form's Go handlers are attached then; "interactive" is
// the end of the frame after that. (go-app's loader element is no sign: app.js removes
// it when the client first yields, before the page is mounted.)
const phoneProbe = `(() => {
	if (window.top !== window) return;
	const p = window.__phone = {tasks: [], interactive: 0, wasm: null, key: -1, blur: -1};
	try {
		new PerformanceObserver(list => {
			for (const e of list.getEntries()) p.tasks.push([e.startTime, e.duration]);
		}).observe({type: "longtask", buffered: true});
	} catch (e) {}
	for (const name of ["instantiateStreaming", "instantiate"]) {
		const f = WebAssembly[name];
		if (!f) continue;
		WebAssembly[name] = function (...args) {
			return f.apply(this, args).then(r => {
				p.wasm = r instanceof WebAssembly.Instance ? r : r.instance;
				return r;
			});
		};
	}
	// frame resolves when the next frame is done: a message posted from a
	// requestAnimationFrame callback runs after that frame's style, layout and paint.
	p.frame = () => new Promise(resolve => requestAnimationFrame(() => {
		const c = new MessageChannel();
		c.port1.onmessage = () => resolve(performance.now());
		c.port2.postMessage(null);
	}));
	const running = new MutationObserver(() => {
		const html = document.documentElement;
		if (!html || !html.dataset.client) return;
		running.disconnect();
		p.frame().then(t => { p.interactive = t; });
	});
	running.observe(document, {childList: true, subtree: true, attributes: true, attributeFilter: ["data-client"]});
	// frames are the times of the frames drawn until the client runs: what the
	// resident types into the prerendered form shows at the next one.
	p.frames = [];
	const drawn = () => {
		p.frames.push(performance.now());
		if (!p.interactive) requestAnimationFrame(drawn);
	};
	requestAnimationFrame(drawn);
	// armKey times the next keystroke: from its keydown to the frame after its input event.
	p.armKey = () => {
		p.key = -1;
		let start = 0;
		addEventListener("keydown", e => { start = e.timeStamp; }, {capture: true, once: true});
		addEventListener("input", () => { p.frame().then(t => { p.key = t - start; }); }, {once: true});
	};
	// armSummary times the next key (Enter on Next or Send) to the frame after the error
	// summary got focus.
	p.armSummary = () => {
		p.summary = -1;
		let start = 0;
		addEventListener("keydown", e => { start = e.timeStamp; }, {capture: true, once: true});
		const focused = () => {
			const a = document.activeElement;
			if (!start || !a || a.id !== "error-summary") return;
			removeEventListener("focusin", focused, true);
			p.frame().then(t => { p.summary = t - start; });
		};
		addEventListener("focusin", focused, true);
	};
	// armBlur times the next key (Tab) to the frame that shows the field's error text.
	let shown = null;
	p.armBlur = id => {
		p.blur = -1;
		if (shown) shown.disconnect();
		let start = 0;
		addEventListener("keydown", e => { start = e.timeStamp; }, {capture: true, once: true});
		shown = new MutationObserver((_, observer) => {
			const el = document.getElementById(id + "-error");
			if (!start || !el || el.textContent.trim() === "") return;
			observer.disconnect();
			p.frame().then(t => { p.blur = t - start; });
		});
		shown.observe(document, {childList: true, subtree: true, characterData: true});
	};
})()`

// phoneLoad reads what phoneProbe saw of the page's load.
const phoneLoad = `(() => {
	const p = window.__phone;
	const fcp = performance.getEntriesByName("first-contentful-paint")[0];
	let longest = 0;
	for (const [start, d] of p.tasks) if (start < p.interactive && d > longest) longest = d;
	const gaps = [];
	for (let i = 1; i < p.frames.length; i++) {
		if (fcp && p.frames[i - 1] >= fcp.startTime && p.frames[i] <= p.interactive) gaps.push(p.frames[i] - p.frames[i - 1]);
	}
	gaps.sort((a, b) => a - b);
	const frameGap = gaps.length ? gaps[Math.floor(gaps.length / 2)] : -1;
	return {fcp: fcp ? fcp.startTime : -1, interactive: p.interactive, longest, frameGap};
})()`

// phoneMemory is the page's memory: the wasm memory's size, which Runtime.getHeapUsage
// (the JS heap) does not count, and measureUserAgentSpecificMemory where the browser
// offers it (only to cross-origin isolated pages); -1 for what is not there.
const phoneMemory = `(async () => {
	const w = window.__phone.wasm;
	const mem = w && w.exports.mem;
	let uasm = -1;
	if (self.crossOriginIsolated && performance.measureUserAgentSpecificMemory) {
		uasm = (await performance.measureUserAgentSpecificMemory()).bytes;
	}
	return {uasm, wasm: mem ? mem.buffer.byteLength : -1};
})()`

// phoneSample is what one run measured; a metric not measured is absent.
type phoneSample map[string][]float64

// phoneMetrics are the table's lines, in order, with how their values print.
var phoneMetrics = []struct{ key, label, unit string }{
	{"fcp", "first visit: first contentful paint", "ms"},
	{"interactive", "first visit: interactive", "ms"},
	{"longest", "first visit: longest task before interactive", "task"},
	{"frame gap", "first visit: median time between frames, first paint → interactive", "ms"},
	{"repeat fcp", "repeat visit: first contentful paint", "ms"},
	{"repeat interactive", "repeat visit: interactive", "ms"},
	{"repeat longest", "repeat visit: longest task before interactive", "task"},
	{"blur", "blur → error frame: required, emptied", "ms"},
	{"blur invalid", "blur → error frame: postal code \"1\"", "ms"},
	{"key", "keystroke → frame", "ms"},
	{"summary", "failed Next or Send → focused error summary", "ms"},
	{"summary entries", "failed Next or Send: entries in the summary", "count"},
	{"heap", "memory after load: JS heap (after GC)", "MB"},
	{"wasm", "memory after load: wasm memory", "MB"},
	{"memory", "memory after load: JS heap + wasm", "MB"},
	{"uasm", "memory after load: measureUserAgentSpecificMemory", "MB"},
	{"bytes", "first visit: bytes, page's requests", "MB"},
	{"wire", "first visit: bytes sent by the server (service worker's too)", "MB"},
	{"repeat bytes", "repeat visit: bytes, page's requests", "MB"},
	{"repeat wire", "repeat visit: bytes sent by the server", "MB"},
}

// errNotDrawn is a form the portal does not draw.
var errNotDrawn = errors.New("the form is not drawn")

// BenchmarkPhone prints, for the 100-field form and the dog registration at 1× and 4×
// CPU, the medians of first contentful paint, interactive, longest task, the time
// between frames while the client starts, blur → error frame, keystroke → frame,
// memory and bytes, for a first and a repeat visit.
func BenchmarkPhone(b *testing.B) {
	base, wire := startPhoneServer(b)
	samples := map[string]phoneSample{} // by form and rate
	skipped := map[string]string{}      // form: why it was not measured
	for _, f := range phoneForms {
		if why := phoneDrawn(base, f.path, f.required); why != "" {
			skipped[f.name] = why
		}
	}
	runs := 0
	start := time.Now()
	var round time.Duration
	for b.Loop() {
		// A round that would end past the budget is not started; b.Loop still counts it.
		if runs > 0 && time.Since(start)+round > phoneBudget {
			continue
		}
		t0 := time.Now()
		for _, f := range phoneForms {
			if skipped[f.name] != "" {
				continue
			}
			for _, rate := range phoneRates {
				s, err := phoneRun(b, base, wire, f, rate)
				if errors.Is(err, errNotDrawn) {
					skipped[f.name] = "the client draws no #" + f.required
					break
				}
				if err != nil {
					b.Fatalf("%s at %g× CPU: %v", f.name, rate, err)
				}
				key := fmt.Sprintf("%s %g", f.name, rate)
				if samples[key] == nil {
					samples[key] = phoneSample{}
				}
				for m, v := range s {
					samples[key][m] = append(samples[key][m], v...)
				}
			}
		}
		runs++
		round = time.Since(t0)
	}
	phoneTable(os.Stdout, samples, skipped, runs)
}

// phoneDrawn says why the server's page for a form lacks its field, or "" if it has it.
func phoneDrawn(base, path, field string) string {
	res, err := http.Get(base + path)
	if err != nil {
		return err.Error()
	}
	defer res.Body.Close()
	page, _ := io.ReadAll(res.Body)
	if !strings.Contains(string(page), `id="`+field+`"`) {
		heading := ""
		if m := regexp.MustCompile(`<h1[^>]*>([^<]*)<`).FindSubmatch(page); m != nil {
			heading = strings.TrimSpace(string(m[1]))
		}
		return fmt.Sprintf("%s (status %d, heading %q) has no #%s", path, res.StatusCode, heading, field)
	}
	return ""
}

// phoneRun measures one first visit and one repeat visit of a form in a fresh profile.
func phoneRun(b *testing.B, base string, wire *atomic.Int64, f phoneForm, rate float64) (phoneSample, error) {
	ctx := browser(b)
	defer chromedp.Cancel(ctx)
	traffic := &phoneNetwork{notSent: map[network.RequestID]bool{}, inflight: map[network.RequestID]bool{}}
	chromedp.ListenTarget(ctx, traffic.event)
	s := phoneSample{}
	add := func(metric string, v float64) { s[metric] = append(s[metric], v) }

	// First visit: no service worker, nothing cached.
	sent := wire.Load()
	if err := chromedp.Run(ctx,
		network.Enable(),
		chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.ActionFunc(func(ctx context.Context) error {
			_, err := page.AddScriptToEvaluateOnNewDocument(phoneProbe).Do(ctx)
			return err
		}),
		emulation.SetCPUThrottlingRate(rate),
	); err != nil {
		return nil, err
	}
	load, err := phoneVisit(ctx, traffic, base+f.path)
	if err != nil {
		return nil, err
	}
	var drawn bool
	if err := chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf(`!!document.getElementById(%q)`, f.required), &drawn)); err != nil {
		return nil, err
	}
	if !drawn {
		return nil, errNotDrawn
	}
	add("fcp", load.FCP)
	add("interactive", load.Interactive)
	add("longest", load.Longest)
	if load.FrameGap >= 0 {
		add("frame gap", load.FrameGap)
	}
	add("bytes", traffic.bytes())

	// Memory, after a collection so that garbage of the start does not count.
	var mem struct{ UASM, Wasm float64 }
	var heap float64
	if err := chromedp.Run(ctx,
		heapprofiler.CollectGarbage(),
		chromedp.ActionFunc(func(ctx context.Context) error {
			heap, _, _, _, err = cdpruntime.GetHeapUsage().Do(ctx)
			return err
		}),
		evalAwait(phoneMemory, &mem),
	); err != nil {
		return nil, err
	}
	add("heap", heap)
	if mem.UASM >= 0 {
		add("uasm", mem.UASM)
	}
	if mem.Wasm >= 0 {
		add("wasm", mem.Wasm)
		add("memory", heap+mem.Wasm)
	}

	// Keystrokes into a text field, each timed to the frame after its input event.
	if err := chromedp.Run(ctx, chromedp.Focus("#"+f.typing, chromedp.ByQuery)); err != nil {
		return nil, err
	}
	for _, c := range "Tessa" {
		var ms float64
		if err := chromedp.Run(ctx,
			chromedp.Evaluate(`__phone.armKey()`, nil),
			chromedp.KeyEvent(string(c)),
			poll(`__phone.key >= 0`),
			chromedp.Evaluate(`__phone.key`, &ms),
		); err != nil {
			return nil, err
		}
		add("key", ms)
	}

	// A required field typed into and emptied, and a postal code field given one digit,
	// each left with Tab. A field whose error does not show leaves its line empty
	// rather than failing on timing.
	for _, blur := range []struct{ metric, id, keys string }{
		{"blur", f.required, "x" + kb.Backspace},
		{"blur invalid", f.postal, "1"},
	} {
		ms, err := phoneBlur(ctx, blur.id, blur.keys)
		if err != nil {
			return nil, err
		}
		add(blur.metric, ms)
	}

	// Next (or Send) on the page left mostly empty: the focused summary of its errors.
	var summary struct {
		MS      float64 `json:"ms"`
		Entries float64 `json:"entries"`
	}
	err = chromedp.Run(ctx,
		chromedp.Focus(`#form .actions button[type="submit"]`, chromedp.ByQuery),
		chromedp.Evaluate(`__phone.armSummary()`, nil),
		chromedp.KeyEvent(kb.Enter),
		chromedp.Poll(`__phone.summary >= 0`, nil, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.Evaluate(`({ms: __phone.summary, entries: document.querySelectorAll("#error-summary li").length})`, &summary))
	switch {
	case errors.Is(err, chromedp.ErrPollingTimeout):
		add("summary", math.NaN())
	case err != nil:
		return nil, err
	default:
		add("summary", summary.MS)
		add("summary entries", summary.Entries)
	}

	// Repeat visit: the service worker in control, its caches filled, then the form
	// again from another page.
	if err := chromedp.Run(ctx, waitWorker()); err != nil {
		return nil, err
	}
	traffic.settle(ctx)
	add("wire", float64(wire.Load()-sent))
	if err := chromedp.Run(ctx, chromedp.Navigate("about:blank"), emulation.SetCPUThrottlingRate(rate)); err != nil {
		return nil, err
	}
	traffic.reset()
	sent = wire.Load()
	if load, err = phoneVisit(ctx, traffic, base+f.path); err != nil {
		return nil, err
	}
	add("repeat fcp", load.FCP)
	add("repeat interactive", load.Interactive)
	add("repeat longest", load.Longest)
	add("repeat bytes", traffic.bytes())
	add("repeat wire", float64(wire.Load()-sent))
	return s, nil
}

// phoneBlur types keys into the field id, leaves it with Tab and times the Tab to the
// frame that shows the field's error; NaN if none shows within two seconds.
func phoneBlur(ctx context.Context, id, keys string) (float64, error) {
	if err := chromedp.Run(ctx,
		chromedp.Focus("#"+id, chromedp.ByQuery),
		chromedp.KeyEvent(keys),
		chromedp.Evaluate(fmt.Sprintf(`__phone.armBlur(%q)`, id), nil),
		chromedp.KeyEvent(kb.Tab),
	); err != nil {
		return 0, err
	}
	var ms float64
	err := chromedp.Run(ctx, chromedp.Poll(`__phone.blur >= 0`, nil, chromedp.WithPollingTimeout(2*time.Second)),
		chromedp.Evaluate(`__phone.blur`, &ms))
	if errors.Is(err, chromedp.ErrPollingTimeout) {
		return math.NaN(), nil
	}
	return ms, err
}

type phonePageLoad struct{ FCP, Interactive, Longest, FrameGap float64 }

// phoneVisit opens url, waits until the client runs and the network is quiet, and
// returns what the probe saw.
func phoneVisit(ctx context.Context, traffic *phoneNetwork, url string) (phonePageLoad, error) {
	var load phonePageLoad
	err := chromedp.Run(ctx,
		chromedp.Navigate(url),
		chromedp.Poll(`window.__phone && __phone.interactive > 0`, nil, chromedp.WithPollingTimeout(60*time.Second)),
		chromedp.ActionFunc(func(ctx context.Context) error { traffic.settle(ctx); return nil }),
		chromedp.Evaluate(phoneLoad, &load),
	)
	return load, err
}

// phoneNetwork adds up the bytes the page's requests received (encodedDataLength),
// leaving out answers from the service worker or a cache, which cross no network. The
// service worker's own requests are not the page's: the server counts them.
type phoneNetwork struct {
	mu       sync.Mutex
	received float64
	notSent  map[network.RequestID]bool
	inflight map[network.RequestID]bool
	last     time.Time // of the last request starting or ending
}

func (n *phoneNetwork) event(ev any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		n.inflight[e.RequestID] = true
	case *network.EventRequestServedFromCache:
		n.notSent[e.RequestID] = true
	case *network.EventResponseReceived:
		if e.Response.FromServiceWorker || e.Response.FromDiskCache || e.Response.FromPrefetchCache {
			n.notSent[e.RequestID] = true
		}
	case *network.EventLoadingFinished:
		if !n.notSent[e.RequestID] {
			n.received += e.EncodedDataLength
		}
		delete(n.inflight, e.RequestID)
	case *network.EventLoadingFailed:
		delete(n.inflight, e.RequestID)
	default:
		return
	}
	n.last = time.Now()
}

func (n *phoneNetwork) bytes() float64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.received
}

func (n *phoneNetwork) reset() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.received = 0
	clear(n.notSent)
}

// settle waits until no request of the page has been in flight for half a second, for
// at most ten seconds.
func (n *phoneNetwork) settle(ctx context.Context) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		n.mu.Lock()
		quiet := len(n.inflight) == 0 && time.Since(n.last) > 500*time.Millisecond
		n.mu.Unlock()
		if quiet {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startPhoneServer runs the portal with the shipped services and the 100-field fixture
// on loopback, counting the bytes it writes to connections.
func startPhoneServer(b *testing.B) (string, *atomic.Int64) {
	b.Helper()
	services := withHundredFields(b)
	srv, err := New(Config{DataDir: b.TempDir(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		TestIdentification: true, Services: services})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	wire := new(atomic.Int64)
	go srv.Serve(countingListener{ln, wire})
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			b.Errorf("shutdown: %v", err)
		}
	})
	return "http://" + ln.Addr().String(), wire
}

// shippedFiles is the shipped services' files, for tests that add their own.
func shippedFiles(tb testing.TB) fstest.MapFS {
	tb.Helper()
	builtin, err := schemas.Builtin()
	if err != nil {
		tb.Fatal(err)
	}
	files := fstest.MapFS{}
	for _, s := range builtin.Services() {
		files[s.ID+".json"] = &fstest.MapFile{Data: s.Schema}
	}
	return files
}

// withHundredFields is the shipped services and the 100-field fixture, which the client
// is built without.
func withHundredFields(tb testing.TB) *schemas.Registry { return withFixture(tb, "hundred-fields") }

// withFixture is the shipped services and the test service testdata/name.json, which
// the client is built without (it fetches the schema when it first needs it).
func withFixture(tb testing.TB, name string) *schemas.Registry {
	tb.Helper()
	files := shippedFiles(tb)
	fixture, err := os.ReadFile("testdata/" + name + ".json")
	if err != nil {
		tb.Fatal(err)
	}
	files[name+".json"] = &fstest.MapFile{Data: fixture}
	services, err := schemas.Load(files)
	if err != nil {
		tb.Fatalf("the fixture services: %v", err)
	}
	return services
}

// countingListener counts the bytes written to its connections: what the server sent,
// headers included.
type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, l.n}, nil
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// phoneTable prints one line per metric, form and CPU rate: the median of the runs.
func phoneTable(w io.Writer, samples map[string]phoneSample, skipped map[string]string, runs int) {
	fmt.Fprintf(w, "\nBenchmarkPhone: medians of %d runs, headless Chromium, 360×740 at 2× scale, a fresh profile each run\n", runs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "metric\tform\tCPU\tmedian\tvalues\t")
	for _, m := range phoneMetrics {
		for _, f := range phoneForms {
			if skipped[f.name] != "" {
				continue
			}
			for _, rate := range phoneRates {
				all := samples[fmt.Sprintf("%s %g", f.name, rate)][m.key]
				var v []float64 // NaN: nothing to measure (an error that did not show)
				for _, x := range all {
					if !math.IsNaN(x) {
						v = append(v, x)
					}
				}
				value, n := "none shown", fmt.Sprint(len(v))
				if len(v) > 0 {
					value = phoneFormat(median(v), m.unit)
				}
				if len(v) < len(all) {
					n += fmt.Sprintf(" (%d none)", len(all)-len(v))
				}
				if len(all) > 0 {
					fmt.Fprintf(tw, "%s\t%s\t%g×\t%s\t%s\t\n", m.label, f.name, rate, value, n)
				}
			}
		}
	}
	tw.Flush()
	for _, f := range phoneForms {
		if why := skipped[f.name]; why != "" {
			fmt.Fprintf(w, "%s: not measured: %s\n", f.name, why)
		}
	}
}

func phoneFormat(v float64, unit string) string {
	switch unit {
	case "task":
		if v == 0 {
			return "none ≥ 50 ms" // the long tasks API reports only those
		}
		return fmt.Sprintf("%.0f ms", v)
	case "ms":
		if v < 100 {
			return fmt.Sprintf("%.1f ms", v)
		}
		return fmt.Sprintf("%.0f ms", v)
	case "count":
		return fmt.Sprintf("%.0f", v)
	case "MB":
		if v < 1<<20 {
			return fmt.Sprintf("%.1f KB", v/(1<<10))
		}
		return fmt.Sprintf("%.2f MB", v/(1<<20))
	}
	return fmt.Sprint(v)
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s) == 0 {
		return math.NaN()
	}
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}
