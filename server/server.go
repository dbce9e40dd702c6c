// Package server puts the portal together: storage, the JSON API and the pages.
package server

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
	_ "time/tzdata" // case dates are in Helsinki time whatever the host has

	"github.com/lomake/lomake/app/ui"
	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/server/api"
	"github.com/lomake/lomake/server/auth"
	"github.com/lomake/lomake/server/identity"
	"github.com/lomake/lomake/server/pwa"
	"github.com/lomake/lomake/server/session"
	"github.com/lomake/lomake/server/store"
	"github.com/lomake/lomake/web"
)

// Config is what a deployment sets.
type Config struct {
	DataDir string
	Log     *slog.Logger
	Now     func() time.Time // nil: the wall clock

	// Production marks a real deployment: the test identification service may not run.
	Production bool
	// TestIdentification turns on the built-in test identification service.
	TestIdentification bool
	// OIDC, when set, identifies residents through an OpenID provider.
	OIDC *identity.OIDCConfig
	// AdminToken turns on the admin API (announcements) for bearers of this token.
	AdminToken string
	// Release names this deploy. It is part of the app's version, so that installed apps
	// update to a new release even when none of their files changed.
	Release string
}

// ErrTestIdentificationInProduction stops a production server that would let anyone
// sign in as anyone.
var ErrTestIdentificationInProduction = errors.New("server: refusing to start: the test identification service is on (LOMAKE_TEST_IDENTIFICATION) in production (LOMAKE_PRODUCTION)")

// Server is a running portal.
type Server struct {
	Services *schemas.Registry
	store    *store.Store
	handler  http.Handler
	http     *http.Server
	log      *slog.Logger
}

// New opens the data directory and builds the handlers.
func New(cfg Config) (*Server, error) {
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	if cfg.Production && cfg.TestIdentification {
		return nil, ErrTestIdentificationInProduction
	}
	services, err := schemas.Builtin()
	if err != nil {
		return nil, err
	}
	st, err := store.Open(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	if cfg.Release != "" {
		env[pwa.ReleaseEnv] = cfg.Release
	}
	if cfg.TestIdentification {
		env[ui.TestIdentificationEnv] = "1"
	}
	var ids []string
	for _, s := range services.Services() {
		ids = append(ids, s.ID)
	}
	pages, err := pwa.New(web.FS, ids, env)
	if err != nil {
		st.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	provider, err := identificationProvider(cfg)
	if err != nil {
		st.Close()
		return nil, err
	}
	sessions := session.New(st, cfg.Now)
	if provider != nil {
		auth.New(provider, sessions, st, log, cfg.Now).Register(mux)
		if h, ok := provider.(http.Handler); ok {
			mux.Handle(identity.TestPath, h)
		}
	}
	mux.Handle("/api/", api.New(services, st, sessions, cfg.AdminToken, log, cfg.Now))
	mux.Handle("/", pages)
	s := &Server{Services: services, store: st, log: log, handler: secure(mux)}
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// The 3 MB client takes a minute on a slow mobile connection: do not cut it off.
		// Slow clients are bounded on the way in by the read timeouts.
		WriteTimeout: 10 * time.Minute,
		IdleTimeout:  120 * time.Second,
	}
	return s, nil
}

// identificationProvider picks OIDC when configured, else the test service when it is
// on, else none (nobody can sign in).
func identificationProvider(cfg Config) (identity.Provider, error) {
	switch {
	case cfg.OIDC != nil:
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		return identity.NewOIDC(ctx, *cfg.OIDC)
	case cfg.TestIdentification:
		return identity.NewTestProvider(auth.CallbackPath, cfg.Now), nil
	}
	return nil, nil
}

// Handler is the whole portal as one handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve answers on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	err := s.http.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops taking requests, lets running ones finish, and closes the store.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	if cerr := s.store.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("server: closing store: %w", cerr)
	}
	return err
}

// secure sets the headers every answer needs. The content security policy allows only
// our own files, WebAssembly, and the one inline script that applies the text size.
func secure(next http.Handler) http.Handler {
	sum := sha256.Sum256([]byte(strings.TrimSuffix(strings.TrimPrefix(ui.TextSizeScript, "<script>"), "</script>")))
	csp := strings.Join([]string{
		"default-src 'self'",
		"script-src 'self' 'wasm-unsafe-eval' 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'",
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:",
		"connect-src 'self'",
		"manifest-src 'self'",
		"worker-src 'self'",
		"object-src 'none'",
		"base-uri 'self'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	}, "; ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		next.ServeHTTP(w, r)
	})
}
