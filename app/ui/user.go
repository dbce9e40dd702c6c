package ui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/apiv1"
)

// signedIn is what the client knows of the session. The server prerenders pages
// signed out (it renders for everyone alike); the client learns the truth from
// /api/v1/session after it has loaded.
type signedIn struct {
	apiv1.Session
	Loaded  bool
	expires time.Time
	// offline: the server could not be asked, and the device remembered who it was.
	offline bool
}

// user is the signed-in user, in memory only; a page reload or logout forgets it.
var user signedIn

// loadUser asks the server who is signed in, then runs then on the UI goroutine. It
// asks only once per page load unless force is set.
func loadUser(ctx app.Context, force bool, then func(app.Context)) {
	if !app.IsClient {
		return
	}
	if user.Loaded && !force {
		then(ctx)
		return
	}
	ctx.Async(func() {
		s := fetchUser()
		ctx.Dispatch(func(ctx app.Context) {
			user = s
			then(ctx)
		})
	})
}

// showUser learns who is signed in so that the page's top bar shows them.
func showUser(ctx app.Context) { loadUser(ctx, false, func(app.Context) {}) }

// fetchUser asks the server who is signed in. Offline, the device's memory answers
// instead (without a CSRF token: nothing can be changed until the server is back).
// It runs off the UI goroutine.
func fetchUser() signedIn {
	var s signedIn
	res, err := call(http.MethodGet, apiv1.SessionPath, "", nil)
	switch {
	case err != nil:
		s, _ = rememberedUser()
		s.offline = true
	case json.Unmarshal(res.body, &s) == nil:
		rememberUser(s)
	}
	s.Loaded = true
	s.expires = time.Now().Add(time.Duration(s.RemainingSeconds) * time.Second)
	return s
}

// apiResult is an answer of our API.
type apiResult struct {
	status int
	body   []byte
}

// call sends a request to our API from the browser, with the session's CSRF token.
// It runs off the UI goroutine.
func call(method, path, lang string, body any, headers ...string) (apiResult, error) {
	var text string
	h := map[string]string{}
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return apiResult{}, err
		}
		text = string(data)
		h["Content-Type"] = "application/json"
	}
	u := app.Window().URL()
	// A path may carry its own query (/api/v1/cases?q=…), already escaped.
	path, query, _ := strings.Cut(path, "?")
	target := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: path, RawQuery: query}
	if lang != "" {
		if target.RawQuery != "" {
			target.RawQuery += "&"
		}
		target.RawQuery += "lang=" + lang
	}
	if user.CSRF != "" {
		h["X-CSRF-Token"] = user.CSRF
	}
	for i := 0; i+1 < len(headers); i += 2 {
		h[headers[i]] = headers[i+1]
	}
	status, data, err := fetch(method, target.String(), text, h)
	if err != nil {
		setOnline(false)
		return apiResult{}, err
	}
	setOnline(true)
	if status == http.StatusUnauthorized {
		user = signedIn{Loaded: true}
	}
	return apiResult{status, data}, nil
}

// Paths of the signed-in pages.
func LoginPath(lang, returnTo string) string {
	return "/" + lang + "/login?return=" + url.QueryEscape(returnTo)
}
func RegisterPath(lang, returnTo string) string {
	return "/" + lang + "/register?return=" + url.QueryEscape(returnTo)
}
func HomePath(lang string) string    { return "/" + lang + "/home" }
func ProfilePath(lang string) string { return "/" + lang + "/profile" }
