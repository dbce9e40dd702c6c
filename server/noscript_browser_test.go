package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// daycareDoc is a complete early childhood education application.
const daycareDoc = `{
  "child": {"firstName": "Aino", "lastName": "Virtanen", "personalIdentityCode": "010516B903X",
    "birthDate": "2016-05-01", "streetAddress": "Mannerheimintie 1", "postalCode": "00100",
    "postOffice": "Helsinki", "nativeLanguage": "suomi"},
  "guardians": [
    {"firstName": "Tessa", "lastName": "Testilä", "personalIdentityCode": "010280-952L",
     "phone": "040 123 4567", "email": "tessa@example.fi", "employmentStatus": "working"},
    {"firstName": "Ville", "lastName": "Virtanen", "personalIdentityCode": "010181-900C",
     "phone": "040 765 4321", "email": "ville@example.fi", "employmentStatus": "studying"}],
  "care": {"startDate": "2027-08-01", "careNeed": "full-day", "serviceLanguage": "fi"},
  "preferredUnits": ["kalasatama", "vallila"],
  "confirmation": {"informationCorrect": true}
}`

// TestBrowserFormsWithoutJavaScript sends the dog registration and the daycare
// application from a browser that runs no script at all (JavaScript off, or a phone
// whose client never arrived): every page, list item and error goes through the
// forms' own posts, and the confirmation gives the case number.
func TestBrowserFormsWithoutJavaScript(t *testing.T) {
	srv := startTestServer(t, t.TempDir(), "127.0.0.1:0", nil)
	base := srv.base
	cookie, _ := resident(t, base, "010280-952L")
	ctx := browser(t)
	run := steps(t, ctx)
	run("no script", emulation.SetScriptExecutionDisabled(true), withSession(base, cookie),
		chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile))

	for _, c := range []struct{ service, doc, code string }{
		{"dog-registration", benchDog, "KOI"},
		{"early-childhood-education", daycareDoc, "VAK"},
	} {
		t.Run(c.service, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal([]byte(c.doc), &doc); err != nil {
				t.Fatal(err)
			}
			run := steps(t, ctx)
			run("the form", chromedp.Navigate(base+"/fi/services/"+c.service+"/form"),
				chromedp.WaitVisible("#form", chromedp.ByQuery))
			if n := countMatches(t, ctx, "#app-wasm-loader"); n != 1 {
				t.Fatalf("the page runs its client: script is not off")
			}

			// Next on the empty first page: the server's errors, the summary focused.
			run("next, empty", submitAndWait(`#form button[name="action"][value="next"]`),
				chromedp.WaitVisible("#error-summary", chromedp.ByQuery))
			var focused string
			run("focus", chromedp.Evaluate(`document.activeElement && document.activeElement.id`, &focused))
			if focused != "error-summary" {
				t.Errorf("after a refused page focus is on %q, want the error summary", focused)
			}
			if n := countMatches(t, ctx, `#form [aria-invalid="true"]`); n == 0 {
				t.Errorf("no field is marked invalid")
			}
			// axe is a script: it runs with scripts on for a moment (the page's own have
			// been skipped at load and stay so).
			run("axe on", emulation.SetScriptExecutionDisabled(false))
			axeViolations(t, ctx, c.service+" errors without script")
			run("axe off", emulation.SetScriptExecutionDisabled(true))

			for page := 0; ; page++ {
				if page > 20 {
					t.Fatal("the form never ends")
				}
				fillPage(t, ctx, doc)
				if countMatches(t, ctx, `#form button[name="action"][value="send"]`) == 1 {
					run("send", submitAndWait(`#form button[name="action"][value="send"]`))
					if n := countMatches(t, ctx, "#error-summary"); n != 0 {
						var summary string
						chromedp.Run(ctx, chromedp.Text("#error-summary", &summary, chromedp.ByQuery))
						t.Fatalf("the send was refused: %s", summary)
					}
					break
				}
				run("next", submitAndWait(`#form button[name="action"][value="next"]`))
				if n := countMatches(t, ctx, "#error-summary"); n != 0 {
					var summary string
					chromedp.Run(ctx, chromedp.Text("#error-summary", &summary, chromedp.ByQuery))
					t.Fatalf("page %d refused: %s", page+1, summary)
				}
			}
			var confirmation string
			run("confirmation", chromedp.WaitVisible("#confirmation", chromedp.ByQuery),
				chromedp.Text("#confirmation", &confirmation, chromedp.ByQuery))
			if !strings.Contains(confirmation, "HEL-"+c.code+"-") {
				t.Errorf("the confirmation gives no case number: %q", confirmation)
			}
		})
	}
}

// TestBrowserFormWithoutJavaScriptIdentifiesOnTheWay: a resident without script fills
// in the dog registration before identifying. Send takes her to identification; she
// comes back to the form with every answer kept, and sends it.
func TestBrowserFormWithoutJavaScriptIdentifiesOnTheWay(t *testing.T) {
	srv := startTestServer(t, t.TempDir(), "127.0.0.1:0", nil)
	base := srv.base
	resident(t, base, "010280-952L") // she has a profile from an earlier visit
	ctx := browser(t)
	run := steps(t, ctx)
	run("no script", emulation.SetScriptExecutionDisabled(true))
	var doc map[string]any
	if err := json.Unmarshal([]byte(benchDog), &doc); err != nil {
		t.Fatal(err)
	}
	run("the form", chromedp.Navigate(base+"/fi/services/dog-registration/form"),
		chromedp.WaitVisible("#identify-first", chromedp.ByQuery))
	for page := 0; countMatches(t, ctx, `#form button[name="action"][value="send"]`) == 0; page++ {
		if page > 5 {
			t.Fatal("the form never ends")
		}
		fillPage(t, ctx, doc)
		run("next", submitAndWait(`#form button[name="action"][value="next"]`))
	}
	fillPage(t, ctx, doc)
	run("send, not identified", submitAndWait(`#form button[name="action"][value="send"]`),
		chromedp.WaitVisible(`a[href^="/fi/login?customer=person"]`, chromedp.ByQuery))
	run("identify", submitAndWait(`a[href^="/fi/login?customer=person"]`),
		submitAndWait(`button[value="bank"]`),
		chromedp.WaitVisible("#id0", chromedp.ByQuery), // Tessa Testilä
		submitAndWait(`button[type="submit"]`),
		submitAndWait("#continue"),
		chromedp.WaitVisible("#form-alert", chromedp.ByQuery))
	var alert, answers string
	run("back", chromedp.Text("#form-alert", &alert, chromedp.ByQuery),
		chromedp.Text("#answers", &answers, chromedp.ByQuery))
	if !strings.Contains(alert, "Vastauksesi säilyivät") || !strings.Contains(answers, "Musti") {
		t.Fatalf("back from identification: alert %q, the answers to check %q", alert, answers)
	}
	run("send", submitAndWait(`#form button[name="action"][value="send"]`),
		chromedp.WaitVisible("#confirmation", chromedp.ByQuery))
	var confirmation string
	run("confirmation", chromedp.Text("#confirmation", &confirmation, chromedp.ByQuery))
	if !strings.Contains(confirmation, "HEL-KOI-") {
		t.Errorf("the confirmation gives no case number: %q", confirmation)
	}
}

// submitAndWait clicks a button that posts the form and waits for the next page.
func submitAndWait(sel string) chromedp.Action {
	return chromedp.Tasks{
		chromedp.WaitVisible(sel, chromedp.ByQuery),
		// Clicked from script: a click action would wait on a page that goes away.
		chromedp.Evaluate(fmt.Sprintf(`document.body.dataset.before = "1"; document.querySelector(%q).click()`, sel), nil),
		chromedp.ActionFunc(func(ctx context.Context) error {
			// The old page's scripting context goes away under a poll: ask again.
			deadline := time.Now().Add(20 * time.Second)
			for {
				var loaded bool
				err := chromedp.Evaluate(`document.readyState === "complete" && !!document.body && !document.body.dataset.before`, &loaded).Do(ctx)
				if err == nil && loaded {
					return nil
				}
				if time.Now().After(deadline) {
					return fmt.Errorf("no new page after %s (%v)", sel, err)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}),
	}
}

// fillPage answers the page's fields from doc, adding list items as doc has them.
func fillPage(t *testing.T, ctx context.Context, doc map[string]any) {
	t.Helper()
	run := steps(t, ctx)
	for added := 0; ; added++ {
		if added > 10 {
			t.Fatal("list items keep missing")
		}
		var names, lists []string
		run("names", chromedp.Evaluate(`[...new Set([...document.querySelectorAll("#form [name^='/']")]
			.filter(e => e.type !== "hidden").map(e => e.name))]`, &names),
			chromedp.Evaluate(`[...document.querySelectorAll('#form button[name="action"][value^="add:"]')]
			.map(e => e.value.slice(4))`, &lists))
		// A list that doc has more items of than the page shows: add one (a post).
		grow := ""
		for _, list := range lists {
			items, _ := docAt(doc, list).([]any)
			if shown := itemsShown(names, list); len(items) > shown {
				grow = list
			}
		}
		if grow == "" {
			break
		}
		run("add to "+grow, submitAndWait(`#form button[name="action"][value="add:`+grow+`"]`))
	}
	var names []string
	run("names", chromedp.Evaluate(`[...new Set([...document.querySelectorAll("#form [name^='/']")]
		.filter(e => e.type !== "hidden").map(e => e.name))]`, &names))
	for _, name := range names {
		v := docAt(doc, name)
		if ptr, part, ok := strings.Cut(name, "|"); ok { // a date's day, month or year
			v = nil
			if ymd := strings.SplitN(fmt.Sprint(docAt(doc, ptr)), "-", 3); len(ymd) == 3 {
				v = map[string]string{"year": ymd[0], "month": ymd[1], "day": ymd[2]}[part]
			}
		}
		var kind string
		run("kind", chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).type`, `[name="`+name+`"]`), &kind))
		switch kind {
		case "radio":
			if v != nil {
				run("choose "+name, chromedp.Click(fmt.Sprintf(`input[name=%q][value=%q]`, name, fmt.Sprint(v)), chromedp.ByQuery))
			}
		case "checkbox":
			if v == true {
				run("tick "+name, chromedp.Click(fmt.Sprintf(`input[name=%q]`, name), chromedp.ByQuery))
			}
		default:
			if v != nil {
				run("answer "+name, chromedp.SetValue(fmt.Sprintf(`[name=%q]`, name), fmt.Sprint(v), chromedp.ByQuery))
			}
		}
	}
}

// itemsShown counts the items of a list the page's controls show.
func itemsShown(names []string, list string) int {
	n := 0
	for _, name := range names {
		rest, ok := strings.CutPrefix(name, list+"/")
		if !ok {
			continue
		}
		i, err := strconv.Atoi(strings.SplitN(rest, "/", 2)[0])
		if err == nil && i+1 > n {
			n = i + 1
		}
	}
	return n
}

// docAt reads a decoded JSON document at a pointer.
func docAt(doc any, ptr string) any {
	cur := doc
	for _, seg := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}
