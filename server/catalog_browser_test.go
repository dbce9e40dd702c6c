package server

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
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
		run("the cards", chromedp.Evaluate(`[...document.querySelectorAll(".card-title")].map(e => e.textContent)`, &s))
		return strings.Join(s, ", ")
	}
	run("the catalog at 360 px", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile), open(base+"/fi/"))
	if got := titles(); strings.Count(got, ",") != 2 {
		t.Fatalf("the catalog lists %q, want the three services", got)
	}
	run("type", chromedp.Click("#catalog-q", chromedp.ByQuery), chromedp.SendKeys("#catalog-q", "paivakodi", chromedp.ByQuery),
		poll(`document.querySelectorAll(".card-title").length === 1`))
	var address, count string
	run("the address", chromedp.Evaluate(`location.search`, &address), chromedp.Text("#catalog-count", &count, chromedp.ByQuery))
	if got := titles(); got != "Varhaiskasvatushakemus" || address != "?q=paivakodi" || !strings.Contains(count, "1") {
		t.Errorf("typing paivakodi: %q, address %q, count %q", got, address, count)
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
	if n := strings.Count(string(page), `class="card-title"`); n != 1 || !strings.Contains(string(page), "Koirarekisteri-ilmoitus") {
		t.Errorf("the server's page for ?q=koira has %d cards", n)
	}
}
