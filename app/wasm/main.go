// Command wasm is the portal's WebAssembly client. It registers the same routes as the
// server and runs them in the browser; it must never reference app.Handler or server
// code, which would double its size.
package main

import (
	"runtime/debug"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/app/pace"
	_ "github.com/lomake/lomake/app/pace/step1"
	_ "github.com/lomake/lomake/app/pace/step2"
	_ "github.com/lomake/lomake/app/pace/step3"
	_ "github.com/lomake/lomake/app/pace/step4"
	_ "github.com/lomake/lomake/app/pace/step5"
	_ "github.com/lomake/lomake/app/pace/step6"
	_ "github.com/lomake/lomake/app/pace/step7"
	_ "github.com/lomake/lomake/app/pace/step8"
	"github.com/lomake/lomake/app/ui"
	"github.com/lomake/lomake/locales"
	"github.com/lomake/lomake/schemas"
)

func main() {
	// WebAssembly memory never shrinks, so the start's peak is what the page keeps.
	// The start collects garbage when the heap has grown by half rather than doubled
	// (the 100-field form keeps 13 MB instead of 15); once the page runs, the default
	// again: a lower setting makes every later render pay for more collections.
	debug.SetGCPercent(50)
	ui.WhenRunning(func() { debug.SetGCPercent(100) })
	// The client starts in steps, each its own task, so that the prerendered form
	// answers keys and taps between them (no step blocks the page for long). The
	// performance marks name the steps in a browser's profile.
	mark("lomake-main")
	pace.Yield()
	// The page's language only; the others load if the user switches.
	lang := ui.PageLanguage(app.Window().URL())
	locales.Load(lang)
	mark("lomake-locales")
	pace.Yield()
	// A page validates one form: the client fetches the catalog and the page's own
	// schema (ui.Prepare), and compiles it when first needed.
	schemas.CompileOnUse = true
	schemas.Pace = pace.Maybe
	ui.Register() // go-app compiles the pages' paths
	mark("lomake-routes")
	pace.Yield()
	ui.Prepare(app.Window().URL())
	mark("lomake-services")
	pace.Yield()
	app.RunWhenOnBrowser()
}

func mark(name string) { app.Window().Get("performance").Call("mark", name) }
