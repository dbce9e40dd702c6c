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
	"github.com/lomake/lomake/server/pwa"
	"github.com/lomake/lomake/server/store"
	"github.com/lomake/lomake/web"
)

// Config is what a deployment sets.
type Config struct {
	DataDir string
	Log     *slog.Logger
	Now     func() time.Time // nil: the wall clock
}

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
	services, err := schemas.Builtin()
	if err != nil {
		return nil, err
	}
	st, err := store.Open(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	pages, err := pwa.New(web.FS, func(id string) bool { return services.Service(id) != nil })
	if err != nil {
		st.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", api.New(services, st, log, cfg.Now))
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
