//go:build !wasm

package ui

import (
	"log"

	"github.com/lomake/lomake/schemas"
)

// builtinServices are the services a test renders pages with when it has not chosen
// any. The browser client (builtin_wasm.go) has none: it never links the schema files.
func builtinServices() *schemas.Registry {
	r, err := schemas.Builtin()
	if err != nil {
		log.Print(err)
		return schemas.Catalog(nil)
	}
	return r
}
