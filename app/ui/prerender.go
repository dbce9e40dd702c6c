package ui

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/apiv1"
)

// Prerendering. The server renders each page for one request, but go-app gives the
// page's components only its address. What the server knows beyond it — who asks,
// and a form they posted — reaches them through a one-time key in the address
// (requestParam), which the page takes out again before anything shows the address.

// Request is what the server knows of the request a page is prerendered for.
type Request struct {
	Session apiv1.Session
	// OwnCase is the service of a case if it is the signed-in user's, else "": the
	// confirmation page gives a case number only to its sender.
	OwnCase func(number string) (serviceID string)
	Form    *FormState // a form posted to the page, or nil
}

// requestParam names the key in the address of a page being prerendered.
const requestParam = "lomake-prerender"

var prerendering sync.Map // key → *Request

// Prerender registers what the server knows of a request for the page at u, and
// returns the address to render the page from; done forgets it once rendered.
func Prerender(u *url.URL, r *Request) (page *url.URL, done func()) {
	b := make([]byte, 16)
	rand.Read(b)
	key := hex.EncodeToString(b)
	prerendering.Store(key, r)
	out := *u
	q := out.Query()
	q.Set(requestParam, key)
	out.RawQuery = q.Encode()
	return &out, func() { prerendering.Delete(key) }
}

// requestOf is what the server registered for the page being prerendered, else nil
// (in the browser, or a page rendered without it). It gives the page its own address
// back.
func requestOf(ctx app.Context) *Request {
	if app.IsClient {
		return nil
	}
	u := *ctx.Page().URL()
	q := u.Query()
	key := q.Get(requestParam)
	if key == "" {
		return nil
	}
	q.Del(requestParam)
	u.RawQuery = q.Encode()
	ctx.Page().ReplaceURL(&u)
	if r, ok := prerendering.Load(key); ok {
		return r.(*Request)
	}
	return nil
}
