package identity

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/lomake/lomake/locales"
	"github.com/lomake/lomake/schemas"
)

// TestPath is where the built-in test identification service answers.
const TestPath = "/test-identification"

// TestIdentities are the national test service's fictional people (REFERENCE.md). Only
// the first two names are given there; the others are made up for the listing.
var TestIdentities = []Identity{
	{IdentityCode: "010280-952L", GivenName: "Tessa", FamilyName: "Testilä"},
	{IdentityCode: "010469-999W", GivenName: "Joni Kristian", FamilyName: "Kivi"},
	{IdentityCode: "261298-998X", GivenName: "Tiina", FamilyName: "Testinen"},
	{IdentityCode: "010675-9981", GivenName: "Taina", FamilyName: "Testaaja"},
	{IdentityCode: "040265-9985", GivenName: "Ulla", FamilyName: "Ulkomailla"}, // foreign address
	{IdentityCode: "260991-999R", GivenName: "Turva", FamilyName: "Kielto"},    // non-disclosure for safety reasons
	{IdentityCode: "020365-999P", GivenName: "Veikko", FamilyName: "Vainaja"},  // deceased
}

// TestProvider imitates the national e-identification test service so that the portal
// can be developed and tested without it. It speaks the same interface as the OIDC
// provider; its one-time codes are bound to the attempt's nonce and PKCE challenge just
// as a real provider's are. It must never be on in production (the server refuses).
type TestProvider struct {
	callback string // this portal's callback path
	now      func() time.Time

	mu    sync.Mutex
	codes map[string]testGrant
}

type testGrant struct {
	id        Identity
	nonce     string
	challenge string
	expires   time.Time
}

// NewTestProvider returns the test service; callback is the portal's callback path.
func NewTestProvider(callback string, now func() time.Time) *TestProvider {
	if now == nil {
		now = time.Now
	}
	return &TestProvider{callback: callback, now: now, codes: map[string]testGrant{}}
}

// AuthURL leads to the test service's identity picker.
func (p *TestProvider) AuthURL(a Attempt) string {
	q := url.Values{"state": {a.State}, "nonce": {a.Nonce}, "code_challenge": {challenge(a.Verifier)}, "method": {a.Method}}
	return TestPath + "?" + q.Encode()
}

// Exchange redeems a code once, for the attempt it was issued to.
func (p *TestProvider) Exchange(ctx context.Context, code string, a Attempt) (Identity, error) {
	p.mu.Lock()
	g, ok := p.codes[code]
	delete(p.codes, code)
	p.mu.Unlock()
	if !ok || p.now().After(g.expires) {
		return Identity{}, errors.New("identity: unknown or used code")
	}
	if subtle.ConstantTimeCompare([]byte(g.challenge), []byte(challenge(a.Verifier))) != 1 {
		return Identity{}, errors.New("identity: PKCE verifier does not match")
	}
	if g.nonce != a.Nonce {
		return Identity{}, ErrNonce
	}
	return g.id, nil
}

// ServeHTTP shows the picker (GET) and, for a chosen identity (POST), the success page
// with its "Continue to the service" link back to the portal.
func (p *TestProvider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	lang := locales.Orient(r.URL.Query().Get("lang"))
	if lang == locales.Default && r.URL.Query().Get("lang") == "" {
		if c, err := r.Cookie("lang"); err == nil {
			lang = locales.Orient(c.Value)
		}
	}
	page := testPage{Lang: lang, T: func(id string) string { return locales.T(lang, id, nil) }, Identities: TestIdentities}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	page.State, page.Nonce, page.Challenge, page.Method = r.Form.Get("state"), r.Form.Get("nonce"), r.Form.Get("code_challenge"), r.Form.Get("method")
	if page.State == "" || page.Nonce == "" || page.Challenge == "" {
		http.Error(w, "missing state, nonce or code_challenge", http.StatusBadRequest)
		return
	}
	if r.Method == http.MethodPost {
		id, ok := p.chosen(r.Form)
		if !ok {
			page.Error = true
			page.Typed = Identity{IdentityCode: r.Form.Get("code"), GivenName: r.Form.Get("given"), FamilyName: r.Form.Get("family")}
			w.WriteHeader(http.StatusUnprocessableEntity)
			render(w, page)
			return
		}
		code := random()
		p.mu.Lock()
		p.codes[code] = testGrant{id: id, nonce: page.Nonce, challenge: page.Challenge, expires: p.now().Add(2 * time.Minute)}
		p.mu.Unlock()
		page.Done = &id
		page.Continue = p.callback + "?" + url.Values{"code": {code}, "state": {page.State}}.Encode()
	}
	render(w, page)
}

// chosen is a listed identity, or a typed valid identity code with a name.
func (p *TestProvider) chosen(f url.Values) (Identity, bool) {
	if pick := f.Get("identity"); pick != "" && pick != "other" {
		for _, id := range TestIdentities {
			if id.IdentityCode == pick {
				return id, true
			}
		}
		return Identity{}, false
	}
	id := Identity{
		IdentityCode: strings.ToUpper(strings.TrimSpace(f.Get("code"))),
		GivenName:    strings.TrimSpace(f.Get("given")),
		FamilyName:   strings.TrimSpace(f.Get("family")),
	}
	return id, schemas.ValidPersonalIdentityCode(id.IdentityCode) && id.GivenName != "" && id.FamilyName != ""
}

type testPage struct {
	Lang                            string
	T                               func(string) string
	Identities                      []Identity
	State, Nonce, Challenge, Method string
	Error                           bool
	Typed                           Identity
	Done                            *Identity
	Continue                        string
}

func render(w http.ResponseWriter, page testPage) {
	var b bytes.Buffer
	if err := testTemplate.Execute(&b, page); err != nil {
		http.Error(w, "test identification page failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b.Bytes())
}

// The test service looks like a separate service on purpose: the real identification
// pages belong to the national service, not the city.
var testTemplate = template.Must(template.New("test").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .Done}}{{call .T "testid.done"}}{{else}}{{call .T "testid.title"}}{{end}}</title>
<link rel="stylesheet" href="/web/testid.css"></head>
<body><main class="testid">
<p class="testid-banner" role="note">{{call .T "testid.banner"}}</p>
{{if .Done}}
  <h1 tabindex="-1">{{call .T "testid.done"}}</h1>
  <p>{{.Done.GivenName}} {{.Done.FamilyName}}</p>
  <p><a class="testid-button" id="continue" href="{{.Continue}}">{{call .T "testid.continue"}}</a></p>
{{else}}
  <h1>{{call .T "testid.title"}}</h1>
  {{if .Error}}<div class="testid-error" role="alert" id="error">{{call .T "testid.invalid"}}</div>{{end}}
  <form method="post">
    <input type="hidden" name="state" value="{{.State}}"><input type="hidden" name="nonce" value="{{.Nonce}}">
    <input type="hidden" name="code_challenge" value="{{.Challenge}}"><input type="hidden" name="method" value="{{.Method}}">
    <fieldset><legend>{{call .T "testid.pick"}}</legend>
    {{range $i, $id := .Identities}}<div class="testid-choice"><input type="radio" name="identity" id="id{{$i}}" value="{{$id.IdentityCode}}"{{if eq $i 0}} checked{{end}}>
      <label for="id{{$i}}">{{$id.GivenName}} {{$id.FamilyName}} ({{$id.IdentityCode}})</label></div>{{end}}
    <div class="testid-choice"><input type="radio" name="identity" id="other" value="other"{{if .Error}} checked{{end}}>
      <label for="other">{{call .T "testid.other"}}</label></div>
    </fieldset>
    <p id="official-note">{{call .T "testid.official"}}</p>
    <p><label for="code">{{call .T "testid.code"}}</label><input id="code" name="code" value="{{.Typed.IdentityCode}}" autocomplete="off"></p>
    <p><label for="given">{{call .T "testid.given"}}</label><input id="given" name="given" value="{{.Typed.GivenName}}"></p>
    <p><label for="family">{{call .T "testid.family"}}</label><input id="family" name="family" value="{{.Typed.FamilyName}}"></p>
    <p><button class="testid-button" type="submit">{{call .T "testid.identify"}}</button></p>
  </form>
{{end}}
</main></body></html>`))
