// Package identity is strong identification: one interface, with an OpenID Connect
// relying party for production (the city's Keycloak in front of national
// e-identification) and a built-in test service that imitates the national test
// environment for development and tests.
package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Identity is who the provider says the user is. The user can never edit it.
type Identity struct {
	IdentityCode string // the whole personal identity code
	GivenName    string
	FamilyName   string
	Method       string // bank, mobile or card
}

// Provider is a strong-identification service.
type Provider interface {
	// AuthURL is where the browser goes to identify itself for attempt a.
	AuthURL(a Attempt) string
	// Exchange turns the code the provider sent back into an identity, checking that it
	// belongs to attempt a (nonce, PKCE verifier).
	Exchange(ctx context.Context, code string, a Attempt) (Identity, error)
}

// Attempt is one identification under way. The server keeps it (in a short-lived,
// HttpOnly cookie or its store) between sending the browser off and the callback.
type Attempt struct {
	State    string    `json:"state"`
	Nonce    string    `json:"nonce"`
	Verifier string    `json:"verifier"` // PKCE code verifier
	Method   string    `json:"method"`
	Return   string    `json:"return"` // where the user goes afterwards (a local path)
	Created  time.Time `json:"created"`
}

// MaxAttemptAge is how long a user may take at the identification service.
const MaxAttemptAge = 15 * time.Minute

// Methods are the identification methods residents know.
var Methods = []string{"bank", "mobile", "card"}

// NewAttempt starts an identification with fresh random state, nonce and verifier.
func NewAttempt(method, returnTo string, now time.Time) Attempt {
	return Attempt{
		State:    random(),
		Nonce:    random(),
		Verifier: random() + random(), // 86 characters: within PKCE's 43–128
		Method:   method,
		Return:   LocalPath(returnTo),
		Created:  now,
	}
}

// Errors of a callback. They are not shown to users as such: every one means "identify
// again".
var (
	ErrState   = errors.New("identity: the callback does not belong to this identification")
	ErrExpired = errors.New("identity: the identification took too long")
	ErrDenied  = errors.New("identity: the user or the provider cancelled the identification")
	ErrNonce   = errors.New("identity: the ID token was not issued for this identification")
	ErrClaims  = errors.New("identity: the provider did not give a valid identity code and name")
)

// Callback checks a provider's answer (the callback's query) against the attempt that
// started it, then exchanges the code.
func Callback(ctx context.Context, p Provider, a Attempt, query url.Values, now time.Time) (Identity, error) {
	if a.State == "" || subtle.ConstantTimeCompare([]byte(query.Get("state")), []byte(a.State)) != 1 {
		return Identity{}, ErrState
	}
	if now.Sub(a.Created) > MaxAttemptAge {
		return Identity{}, ErrExpired
	}
	if e := query.Get("error"); e != "" {
		return Identity{}, fmt.Errorf("%w: %s", ErrDenied, e)
	}
	code := query.Get("code")
	if code == "" {
		return Identity{}, ErrState
	}
	id, err := p.Exchange(ctx, code, a)
	if err != nil {
		return Identity{}, err
	}
	id.Method = a.Method
	return id, nil
}

// LocalPath keeps only a path on this site, so that a crafted return address cannot send
// a freshly identified user to another site.
func LocalPath(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || len(u.Path) == 0 || u.Path[0] != '/' ||
		(len(u.Path) > 1 && (u.Path[1] == '/' || u.Path[1] == '\\')) {
		return ""
	}
	out := u.Path
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out
}

func random() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("identity: no randomness: %v", err)) // the OS is broken; nothing is safe
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// challenge is the PKCE S256 challenge of a verifier.
func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
