package ui

import (
	"errors"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// fetchTimeout bounds a request to our API, as net/http's client once did.
const fetchTimeout = 30 * time.Second

// maxAnswer bounds what the client takes of an answer: a larger one is dropped.
const maxAnswer = 1 << 20

// fetch sends a request with the browser's own fetch and returns the answer's status
// and body. The client does not use net/http's client: linking it (its transport,
// TLS, X.509) made app.wasm 5 MB larger. It blocks, so it runs off the UI goroutine;
// an error means the server could not be reached (or took longer than fetchTimeout).
func fetch(method, url, payload string, headers map[string]string) (int, []byte, error) {
	opts := app.Window().Get("Object").New()
	opts.Set("method", method)
	opts.Set("credentials", "same-origin")
	h := app.Window().Get("Object").New()
	for k, v := range headers {
		h.Set(k, v)
	}
	opts.Set("headers", h)
	if payload != "" {
		opts.Set("body", payload)
	}
	abort := app.Window().Get("AbortController").New()
	opts.Set("signal", abort.Get("signal"))
	timer := time.AfterFunc(fetchTimeout, func() { abort.Call("abort") })
	defer timer.Stop()

	res, err := await(app.Window().Call("fetch", url, opts))
	if err != nil {
		return 0, nil, err
	}
	return readAnswer(res)
}

// readAnswer reads a fetch Response: its status and body (none past maxAnswer).
func readAnswer(res app.Value) (int, []byte, error) {
	status := res.Get("status").Int()
	text, err := await(res.Call("text"))
	if err != nil {
		return 0, nil, err
	}
	body := text.String()
	if len(body) > maxAnswer {
		return status, nil, nil
	}
	return status, []byte(body), nil
}

// await waits for a JavaScript promise off the UI goroutine.
func await(p app.Value) (app.Value, error) {
	type settled struct {
		v   app.Value
		err error
	}
	ch := make(chan settled, 1)
	settle(p, func(v app.Value, err error) { ch <- settled{v, err} })
	r := <-ch
	return r.v, r.err
}

// settle calls then with what a promise resolves to, or with the reason it was
// rejected: a promise that only has a success handler would leave a rejected call (an
// IndexedDB transaction aborted, a request that failed) waiting forever.
func settle(p app.Value, then func(app.Value, error)) {
	var ok, fail app.Func
	release := func() {
		ok.Release()
		fail.Release()
	}
	ok = app.FuncOf(func(_ app.Value, args []app.Value) any {
		release()
		var v app.Value
		if len(args) > 0 {
			v = args[0]
		}
		then(v, nil)
		return nil
	})
	fail = app.FuncOf(func(_ app.Value, args []app.Value) any {
		release()
		reason := "rejected"
		if len(args) > 0 && args[0].Truthy() {
			reason = args[0].Call("toString").String()
		}
		then(nil, errors.New(reason))
		return nil
	})
	p.Call("then", ok, fail)
}
