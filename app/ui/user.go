package ui

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// signedIn is what the client knows of the session. The server prerenders pages
// signed out (it renders for everyone alike); the client learns the truth from
// /api/v1/session after it has loaded.
type signedIn struct {
	Loaded        bool
	Authenticated bool   `json:"authenticated"`
	Registered    bool   `json:"registered"`
	Name          string `json:"name"`
	CSRF          string `json:"csrf"`
	Remaining     int    `json:"remainingSeconds"`
	expires       time.Time
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
		var s signedIn
		res, err := call(http.MethodGet, "/api/v1/session", "", nil)
		if err == nil {
			_ = json.Unmarshal(res.body, &s)
		}
		ctx.Dispatch(func(ctx app.Context) {
			s.Loaded = true
			s.expires = time.Now().Add(time.Duration(s.Remaining) * time.Second)
			user = s
			then(ctx)
		})
	})
}

// apiResult is an answer of our API.
type apiResult struct {
	status int
	body   []byte
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

// call sends a request to our API from the browser, with the session's CSRF token.
// It runs off the UI goroutine.
func call(method, path, lang string, body any, headers ...string) (apiResult, error) {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return apiResult{}, err
		}
		rd = bytes.NewReader(data)
	}
	u := app.Window().URL()
	target := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: path}
	if lang != "" {
		target.RawQuery = "lang=" + lang
	}
	req, err := http.NewRequest(method, target.String(), rd)
	if err != nil {
		return apiResult{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if user.CSRF != "" {
		req.Header.Set("X-CSRF-Token", user.CSRF)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := httpClient.Do(req)
	if err != nil {
		return apiResult{}, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return apiResult{}, err
	}
	if res.StatusCode == http.StatusUnauthorized {
		user = signedIn{Loaded: true}
	}
	return apiResult{res.StatusCode, data}, nil
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

// pending keeps a form's data in the tab's sessionStorage while the user identifies,
// or after the session ended, so that nothing typed is lost on the way.
func savePending(serviceID string, doc map[string]any) {
	if data, err := json.Marshal(doc); err == nil {
		app.Window().Get("sessionStorage").Call("setItem", "lomake.pending."+serviceID, string(data))
	}
}

func takePending(serviceID string) map[string]any {
	store := app.Window().Get("sessionStorage")
	v := store.Call("getItem", "lomake.pending."+serviceID)
	if v.IsNull() || v.IsUndefined() {
		return nil
	}
	var doc map[string]any
	if json.Unmarshal([]byte(v.String()), &doc) != nil {
		return nil
	}
	return doc
}

func dropPending(serviceID string) {
	app.Window().Get("sessionStorage").Call("removeItem", "lomake.pending."+serviceID)
}
