//go:build !(js && wasm)

package pace

// Outside a browser there is no page to let run: the client's packages build for
// vet and tests, and these do nothing.

// Yield does nothing outside a browser.
func Yield() {}

// Maybe does nothing outside a browser.
func Maybe() {}
