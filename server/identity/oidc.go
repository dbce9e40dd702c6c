package identity

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/lomake/lomake/schemas"
)

// OIDCConfig connects the portal to an OpenID provider, e.g. the city's Keycloak.
type OIDCConfig struct {
	Issuer       string // discovery happens at Issuer + /.well-known/openid-configuration
	ClientID     string
	ClientSecret string
	RedirectURL  string   // this portal's callback, e.g. https://asiointi.hel.fi/auth/callback
	Scopes       []string // besides openid; default profile
	// IdentityClaim names the claim that carries the personal identity code; Keycloak
	// setups for national e-identification commonly map it to e.g. "national_id".
	IdentityClaim string
	// Now is the clock for token expiry (tests move it); nil is the wall clock.
	Now func() time.Time
}

// OIDCConfigFromEnv reads OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET,
// OIDC_REDIRECT_URL, OIDC_SCOPES (space separated) and OIDC_IDENTITY_CLAIM. It returns
// false when OIDC_ISSUER is not set.
func OIDCConfigFromEnv() (OIDCConfig, bool) {
	c := OIDCConfig{
		Issuer:        os.Getenv("OIDC_ISSUER"),
		ClientID:      os.Getenv("OIDC_CLIENT_ID"),
		ClientSecret:  os.Getenv("OIDC_CLIENT_SECRET"),
		RedirectURL:   os.Getenv("OIDC_REDIRECT_URL"),
		Scopes:        strings.Fields(os.Getenv("OIDC_SCOPES")),
		IdentityClaim: os.Getenv("OIDC_IDENTITY_CLAIM"),
	}
	return c, c.Issuer != ""
}

// OIDC is the production provider: an OpenID Connect relying party using the
// authorization code flow with PKCE, state and nonce.
type OIDC struct {
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	oauth    oauth2.Config
	claim    string
}

// NewOIDC discovers the provider and prepares the client.
func NewOIDC(ctx context.Context, c OIDCConfig) (*OIDC, error) {
	if c.ClientID == "" || c.RedirectURL == "" {
		return nil, errors.New("identity: OIDC needs a client id and a redirect URL")
	}
	p, err := oidc.NewProvider(ctx, c.Issuer)
	if err != nil {
		return nil, fmt.Errorf("identity: discovering %s: %w", c.Issuer, err)
	}
	scopes := c.Scopes
	if len(scopes) == 0 {
		scopes = []string{"profile"}
	}
	claim := c.IdentityClaim
	if claim == "" {
		claim = "national_id"
	}
	return &OIDC{
		provider: p,
		verifier: p.Verifier(&oidc.Config{ClientID: c.ClientID, Now: c.Now}),
		oauth: oauth2.Config{
			ClientID:     c.ClientID,
			ClientSecret: c.ClientSecret,
			RedirectURL:  c.RedirectURL,
			Endpoint:     p.Endpoint(),
			Scopes:       append([]string{oidc.ScopeOpenID}, scopes...),
		},
		claim: claim,
	}, nil
}

// AuthURL sends the browser to the provider's login.
func (o *OIDC) AuthURL(a Attempt) string {
	return o.oauth.AuthCodeURL(a.State,
		oidc.Nonce(a.Nonce),
		oauth2.SetAuthURLParam("code_challenge", challenge(a.Verifier)),
		oauth2.SetAuthURLParam("code_challenge_method", "S256"),
	)
}

// Exchange redeems the code, verifies the ID token (signature, issuer, audience, expiry,
// nonce) and reads the identity from its claims, completed from the userinfo endpoint.
func (o *OIDC) Exchange(ctx context.Context, code string, a Attempt) (Identity, error) {
	tok, err := o.oauth.Exchange(ctx, code, oauth2.VerifierOption(a.Verifier))
	if err != nil {
		return Identity{}, fmt.Errorf("identity: exchanging the code: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, errors.New("identity: the provider sent no ID token")
	}
	idt, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		return Identity{}, fmt.Errorf("identity: verifying the ID token: %w", err)
	}
	if idt.Nonce != a.Nonce {
		return Identity{}, ErrNonce
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return Identity{}, fmt.Errorf("identity: reading ID token claims: %w", err)
	}
	// Providers differ in what they put in the ID token; the rest is at userinfo.
	if claims[o.claim] == nil || claims["given_name"] == nil || claims["family_name"] == nil {
		info, err := o.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return Identity{}, fmt.Errorf("identity: reading userinfo: %w", err)
		}
		if info.Subject != idt.Subject {
			return Identity{}, fmt.Errorf("%w: userinfo is about another subject", ErrClaims)
		}
		extra := map[string]any{}
		if err := info.Claims(&extra); err != nil {
			return Identity{}, fmt.Errorf("identity: reading userinfo claims: %w", err)
		}
		for k, v := range extra {
			if claims[k] == nil {
				claims[k] = v
			}
		}
	}
	id := Identity{
		IdentityCode: strings.ToUpper(strings.TrimSpace(str(claims[o.claim]))),
		GivenName:    str(claims["given_name"]),
		FamilyName:   str(claims["family_name"]),
	}
	if !schemas.ValidPersonalIdentityCode(id.IdentityCode) || id.GivenName == "" || id.FamilyName == "" {
		return Identity{}, ErrClaims
	}
	return id, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
