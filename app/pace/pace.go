//go:build js && wasm

// Package pace lets the browser run while the client starts, so that the prerendered
// page answers keys and taps between the client's steps: no step holds the browser's
// main thread for long.
package pace

import (
	"syscall/js"
	"time"
)

// Slice is the longest the client holds the browser before it lets it run.
const Slice = 10 * time.Millisecond

// last is when the client last let the browser run; zero until it first did.
var last time.Time

// Yield ends the current task and goes on in a new one, posted through a
// MessageChannel: the browser handles what waited, input first, and draws its frames
// between. (scheduler.yield would put the client's next step ahead of the frames: in
// Chromium, a start made of 10 ms steps then got one frame every 100 ms, and a
// prerendered page could stay blank until the client had started.)
func Yield() {
	done := make(chan struct{})
	f := js.FuncOf(func(js.Value, []js.Value) any {
		close(done)
		return nil
	})
	ch := js.Global().Get("MessageChannel").New()
	ch.Get("port1").Set("onmessage", f)
	ch.Get("port2").Call("postMessage", nil)
	<-done
	ch.Get("port1").Call("close")
	f.Release()
	last = time.Now()
}

// Maybe yields when the client has held the browser for Slice since it last let it run.
func Maybe() {
	if time.Since(last) >= Slice {
		Yield()
	}
}

// The client's first task runs Go's runtime start and every package's initialisation
// up to main: over 100 ms at 1× CPU, all before the page may answer a key. Go starts
// the packages in an order fixed when the client is linked, and a package's init may
// block, which lets the browser run; so this package yields as soon as its own
// imports are ready, and the packages step1 to step8, imported by the client, yield
// after the larger groups of packages have started.
func init() { Yield() }
