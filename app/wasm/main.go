// Command wasm is the portal's WebAssembly client. It registers the same routes as the
// server and runs them in the browser; it must never reference app.Handler or server
// code, which would double its size.
package main

import (
	"runtime/debug"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

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
	yield()
	// The page's language only; the others load if the user switches.
	lang := ui.PageLanguage(app.Window().URL())
	locales.Load(lang)
	mark("lomake-locales")
	yield()
	// A page validates one form: the client fetches the catalog and the page's own
	// schema (ui.Prepare), and compiles it when first needed.
	schemas.CompileOnUse = true
	schemas.Pace = pace
	ui.Register() // go-app compiles the pages' paths
	mark("lomake-routes")
	yield()
	ui.Prepare(app.Window().URL())
	mark("lomake-services")
	yield()
	app.RunWhenOnBrowser()
}

// yield ends the current task and goes on in the next one, after the browser has
// handled what waited (scheduler.yield where the browser has it, else a timeout).
func yield() {
	var p app.Value
	if s := app.Window().Get("scheduler"); s.Truthy() && s.Get("yield").Truthy() {
		p = s.Call("yield")
	} else {
		p = app.Window().Get("Promise").New(app.FuncOf(func(_ app.Value, args []app.Value) any {
			app.Window().Call("setTimeout", args[0], 0)
			return nil
		}))
	}
	done := make(chan struct{})
	f := app.FuncOf(func(app.Value, []app.Value) any {
		close(done)
		return nil
	})
	p.Call("then", f)
	<-done
	f.Release()
	lastYield = time.Now()
}

// lastYield is when the client last let the browser run.
var lastYield time.Time

// pace yields when the client has held the browser for 10 ms since it last did (it
// runs between the nodes of a form being parsed).
func pace() {
	if time.Since(lastYield) >= 10*time.Millisecond {
		yield()
	}
}

func mark(name string) { app.Window().Get("performance").Call("mark", name) }
