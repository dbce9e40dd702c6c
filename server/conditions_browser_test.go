package server

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserConditions: on a phone, a field that a condition brings in appears with
// its required mark as the resident answers, and goes when the answer changes, keeping
// what was typed for when it comes back; a failed condition's summary entry leads to
// the field; a "choose one or more" list is a group of boxes; the applicant is filled
// in from identification, read-only; what is sent leaves out
// hidden answers and the optional co-applicant nobody filled in
// (testdata/rent-support.json).
func TestBrowserConditions(t *testing.T) {
	ctx := browser(t)
	srv := startTestServerWith(t, t.TempDir(), "127.0.0.1:0", nil, withFixture(t, "rent-support"))
	session, client := resident(t, srv.base, "010280-952L")
	const form = "/fi/services/rent-support/form"
	run := steps(t, ctx)
	run("a signed-in phone", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		withSession(srv.base, session), open(srv.base+form))

	present := func(sel string) bool {
		var ok bool
		run("look for "+sel, chromedp.Evaluate(`!!document.querySelector(`+jsString(sel)+`)`, &ok))
		return ok
	}
	if present("#f-landlord") || present("#f-supportNeed") {
		t.Fatal("fields of conditions nobody has met are shown")
	}
	if !present("#f-coApplicant-name") {
		t.Fatal("the optional co-applicant's fields are not shown")
	}

	// The applicant is filled in from identification and cannot be changed.
	var code string
	var readOnly bool
	// Read-only once the client knows who is signed in (the server's page said so already).
	run("the applicant", poll(`document.querySelector("#f-applicant-personalIdentityCode").readOnly`),
		chromedp.Value("#f-applicant-personalIdentityCode", &code, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("#f-applicant-personalIdentityCode").readOnly`, &readOnly))
	if code != "010280-952L" || !readOnly {
		t.Errorf("the identity code field holds %q (read-only %v), want the resident's own, read-only", code, readOnly)
	}

	run("rent", chromedp.Click("#f-housing-1", chromedp.ByQuery), chromedp.WaitVisible("#f-landlord", chromedp.ByQuery))
	var label string
	run("the landlord's label", chromedp.Text(`label[for="f-landlord"]`, &label, chromedp.ByQuery))
	if !strings.HasSuffix(strings.TrimSpace(label), "*") {
		t.Errorf("the landlord's label %q has no required mark", label)
	}
	axeViolations(t, ctx, "form with a condition met")
	run("name the landlord, then own", typeInto("#f-landlord", "Vuokra Oy"),
		chromedp.Click("#f-housing", chromedp.ByQuery), chromedp.WaitNotPresent("#f-landlord", chromedp.ByQuery))
	var kept string
	run("rent again", chromedp.Click("#f-housing-1", chromedp.ByQuery), chromedp.WaitVisible("#f-landlord", chromedp.ByQuery),
		chromedp.Value("#f-landlord", &kept, chromedp.ByQuery))
	if kept != "Vuokra Oy" {
		t.Errorf("the landlord came back as %q, want what was typed", kept)
	}

	run("tick the support", chromedp.Click("#f-support", chromedp.ByQuery), chromedp.WaitVisible("#f-supportNeed", chromedp.ByQuery))
	run("no landlord, send", replace("#f-landlord", ""),
		chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery), waitFocus("error-summary"))
	var links []string
	run("the summary's links", chromedp.Evaluate(`[...document.querySelectorAll("#error-summary a")].map(a => a.getAttribute("href"))`, &links))
	if strings.Join(links, " ") != "#f-landlord #f-supportNeed" {
		t.Errorf("the summary links to %v, want the landlord and the support need, nothing else", links)
	}
	run("follow the first", chromedp.Click(`#error-summary a[href="#f-landlord"]`, chromedp.ByQuery), waitFocus("f-landlord"))

	// Untick the support: its description goes, and so does its entry in the summary.
	run("untick", chromedp.Click("#f-support", chromedp.ByQuery), chromedp.WaitNotPresent("#f-supportNeed", chromedp.ByQuery),
		chromedp.WaitNotPresent(`#error-summary a[href="#f-supportNeed"]`, chromedp.ByQuery))
	// "Choose one or more": boxes, kept in the options' order whatever the order ticked.
	run("tick pension, then salary", chromedp.Click("#f-incomeSources-1", chromedp.ByQuery), chromedp.Click("#f-incomeSources", chromedp.ByQuery))
	var answers string
	run("own after all, and check", chromedp.Click("#f-housing", chromedp.ByQuery), chromedp.WaitNotPresent("#f-landlord", chromedp.ByQuery),
		chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery), chromedp.WaitVisible("#answers", chromedp.ByQuery),
		chromedp.Text("#answers", &answers, chromedp.ByQuery))
	// What is checked is what is sent: no landlord, no co-applicant.
	if !strings.Contains(answers, "Palkasta, Eläkkeestä") || !strings.Contains(answers, "Omistusasunnossa") ||
		strings.Contains(answers, "Vuokra Oy") || strings.Contains(answers, "Kanssahakija") {
		t.Errorf("the answers to check:\n%s", answers)
	}
	axeViolations(t, ctx, "check your answers")
	run("send", chromedp.Click(`#form button[type="submit"]`, chromedp.ByQuery), chromedp.WaitVisible("#confirmation", chromedp.ByQuery))
	var confirmation string
	run("the receipt", chromedp.Text("#confirmation", &confirmation, chromedp.ByQuery))
	i := strings.Index(confirmation, "HEL-VUO-")
	if i < 0 {
		t.Fatalf("the receipt: %q", confirmation)
	}
	number := confirmation[i:][:len("HEL-VUO-2026-000001")]
	res, err := client.Get(srv.base + "/api/v1/cases/" + number)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var c struct{ Data map[string]any }
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatalf("the case: %v: %s", err, body)
	}
	for _, hidden := range []string{"landlord", "supportNeed", "coApplicant"} {
		if _, ok := c.Data[hidden]; ok {
			t.Errorf("the case holds %s, which the form did not ask in the end: %v", hidden, c.Data)
		}
	}
	applicant, _ := c.Data["applicant"].(map[string]any)
	if c.Data["housing"] != "own" || fmt.Sprint(c.Data["incomeSources"]) != "[salary pension]" || applicant["personalIdentityCode"] != "010280-952L" {
		t.Errorf("the case: %v", c.Data)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
