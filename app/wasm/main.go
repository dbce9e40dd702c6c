// Command wasm is the portal's WebAssembly client. It registers the same routes as the
// server and runs them in the browser; it must never reference app.Handler or server
// code, which would double its size.
package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/app/ui"
	"github.com/lomake/lomake/schemas"
)

func main() {
	// A page validates one form: only its schema is compiled, when first needed.
	schemas.CompileOnUse = true
	ui.Register()
	app.RunWhenOnBrowser()
}
