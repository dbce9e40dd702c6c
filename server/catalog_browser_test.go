package server

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lomake/lomake/schemas"
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
	// What the catalog must show comes from the services there are: adding a service
	// changes the lists, not the test.
	services, err := schemas.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	names := func(query string) string {
		var out []string
		for _, s := range services.Search("fi", query) {
			out = append(out, s.Name.In("fi"))
		}
		return strings.Join(out, ", ")
	}
	run("the catalog at 360 px", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile), open(base+"/fi/"))
	if got, want := titles(), names(""); got != want {
		t.Fatalf("the catalog lists %q, want %q", got, want)
	}
	want := names("paivakodi")
	if !strings.Contains(want, "Varhaiskasvatushakemus") {
		t.Fatalf("the daycare is not found by paivakodi: %q", want)
	}
	run("type", chromedp.Click("#catalog-q", chromedp.ByQuery), chromedp.SendKeys("#catalog-q", "paivakodi", chromedp.ByQuery),
		poll(fmt.Sprintf(`document.querySelectorAll(".card-title").length === %d`, strings.Count(want, ", ")+1)))
	var address, count string
	run("the address", chromedp.Evaluate(`location.search`, &address), chromedp.Text("#catalog-count", &count, chromedp.ByQuery))
	if got := titles(); got != want || address != "?q=paivakodi" || !strings.Contains(count, fmt.Sprint(strings.Count(want, ", ")+1)) {
		t.Errorf("typing paivakodi: %q (want %q), address %q, count %q", got, want, address, count)
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
	dogs := names("koira")
	if n := strings.Count(string(page), `class="card-title"`); n != strings.Count(dogs, ", ")+1 || !strings.Contains(string(page), "Koirarekisteri-ilmoitus") {
		t.Errorf("the server's page for ?q=koira has %d cards, want %s", n, dogs)
	}
}
