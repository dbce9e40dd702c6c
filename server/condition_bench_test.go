package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// conditionProbe times a tap on an option to the frame after a field appeared or went:
// armCondition(id, present) waits for the element with id to be (or not be) in the
// page.
const conditionProbe = `(() => {
	if (window.__cond) return;
	const c = window.__cond = {ms: -1};
	c.arm = (id, present) => {
		c.ms = -1;
		let start = 0;
		addEventListener("pointerdown", e => { start = e.timeStamp; }, {capture: true, once: true});
		const seen = new MutationObserver(() => {
			if (!start || !!document.getElementById(id) !== present) return;
			seen.disconnect();
			requestAnimationFrame(() => {
				const ch = new MessageChannel();
				ch.port1.onmessage = () => { c.ms = performance.now() - start; };
				ch.port2.postMessage(null);
			});
		});
		seen.observe(document, {childList: true, subtree: true});
	};
})()`

// BenchmarkCondition measures, on the daycare form's care page at 1× and 4× CPU, the
// time from tapping "shift care" to the frame that shows the field it brings in (the
// reason for shift care), and from tapping "full day" to the frame without it.
func BenchmarkCondition(b *testing.B) {
	base, _ := startServer(b, b.TempDir())
	session, client := resident(b, base, "010280-952L")
	putDraft(b, base, client, "early-childhood-education", daycareDoc)
	const reason = "f-care-shiftCareReason"
	for _, rate := range phoneRates {
		ctx := browser(b)
		run := steps(b, ctx)
		run("the form with the draft", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile),
			withSession(base, session), open(base+"/fi/services/early-childhood-education/form"),
			poll(`document.querySelector("#f-child-firstName").value === "Aino"`))
		run("the guardians", chromedp.Click(`#form button[value="next"]`, chromedp.ByQuery), chromedp.WaitVisible("#f-guardians-0-firstName", chromedp.ByQuery))
		run("the care page", chromedp.Click(`#form button[value="next"]`, chromedp.ByQuery), chromedp.WaitReady("#f-care-careNeed", chromedp.ByQuery),
			chromedp.Evaluate(conditionProbe, nil),
			emulation.SetCPUThrottlingRate(rate))
		var shown, hidden []float64
		for i := 0; i < 10; i++ {
			for _, step := range []struct {
				option  string
				present bool
				into    *[]float64
			}{{"#f-care-careNeed-2", true, &shown}, {"#f-care-careNeed", false, &hidden}} {
				var ms float64
				run("tap", chromedp.Evaluate(fmt.Sprintf(`__cond.arm(%q, %v)`, reason, step.present), nil),
					chromedp.Click(step.option, chromedp.ByQuery),
					chromedp.Poll(`__cond.ms >= 0`, nil, chromedp.WithPollingTimeout(10*time.Second)),
					chromedp.Evaluate(`__cond.ms`, &ms))
				*step.into = append(*step.into, ms)
			}
		}
		fmt.Printf("daycare, %g× CPU: shift care → its field on screen %.1f ms, full day → the field gone %.1f ms (medians of %d)\n",
			rate, median(shown), median(hidden), len(shown))
		chromedp.Cancel(ctx)
	}
	for b.Loop() {
	}
}
