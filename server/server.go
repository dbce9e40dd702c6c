// Package server puts the portal together: storage, the JSON API and the pages.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/app/ui"
	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/server/api"
	"github.com/lomake/lomake/server/auth"
	"github.com/lomake/lomake/server/authoring"
	"github.com/lomake/lomake/server/cases"
	"github.com/lomake/lomake/server/files"
	"github.com/lomake/lomake/server/forms"
	"github.com/lomake/lomake/server/identity"
	"github.com/lomake/lomake/server/jobs"
	"github.com/lomake/lomake/server/pwa"
	"github.com/lomake/lomake/server/ratelimit"
	"github.com/lomake/lomake/server/router"
	"github.com/lomake/lomake/server/session"
	"github.com/lomake/lomake/server/site"
	"github.com/lomake/lomake/server/store"
	"github.com/lomake/lomake/web"
)

// Config is what a deployment sets.
type Config struct {
	DataDir string
	// DatabaseURL (postgres://…) keeps everything in PostgreSQL instead of DataDir, so
	// that several instances share it.
	DatabaseURL string
	Log         *slog.Logger
	Now         func() time.Time // nil: the wall clock

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
	// PublicURL is the address residents use (https://asiointi.example.fi): the
	// portal's origin for cross-site checks, Secure cookies and HSTS, and page links.
	PublicURL string
	// TrustedProxies are the addresses or CIDR ranges of proxies whose X-Forwarded-For
	// and X-Forwarded-Proto are believed.
	TrustedProxies string
	// CookieKey signs cookies (at least 32 bytes); empty: a key made once and kept in
	// the store.
	CookieKey []byte
	// Limits are the per-user rate limits; nil: api.DefaultLimits.
	Limits *api.Limits
	// Services replaces the built-in services (tests with fixture schemas); nil: the
	// schemas shipped in schemas/, or SchemaDir's.
	Services *schemas.Registry
	// SchemaDir (LOMAKE_SCHEMAS), if set, is a folder of service schemas read instead
	// of the built-in ones and followed while the server runs: a saved file serves at
	// once, a file with mistakes keeps its last good version serving, and the preview
	// pages (/{lang}/preview/{service}) show the form and its mistakes. For form
	// authors (make run sets it), not for production.
	SchemaDir string
	// OfficialsFile (LOMAKE_OFFICIALS) is a JSON file of officials read at start:
	// {"<identity code>": {"roles": ["official", "admin"], "services": ["*"]}}.
	OfficialsFile string
}

// TestOfficial is the test identity that the test environment makes an official of
// every service and an admin, so that a newcomer can try the back office.
const TestOfficial = "010469-999W"

// ErrTestIdentificationInProduction stops a production server that would let anyone
// sign in as anyone.
var ErrTestIdentificationInProduction = errors.New("server: refusing to start: the test identification service is on (LOMAKE_TEST_IDENTIFICATION) in production (LOMAKE_PRODUCTION)")

// ErrTestIdentificationOnNetwork stops a server that would let anyone on a network sign
// in as anyone.
var ErrTestIdentificationOnNetwork = errors.New("server: refusing to listen beyond this machine with the test identification service on: anyone could sign in as anyone (set LOMAKE_ALLOW_TEST_IDENTIFICATION_ON_NETWORK=1 for a closed test network, or LISTEN_ADDR=127.0.0.1:PORT)")

// CheckListen refuses a listening address beyond loopback while the test identification
// service is on, unless allowed in so many words.
func CheckListen(addr string, testIdentification, allowOnNetwork bool) error {
	if testIdentification && !Loopback(addr) && !allowOnNetwork {
		return fmt.Errorf("%w: %s", ErrTestIdentificationOnNetwork, addr)
	}
	return nil
}

// Loopback reports whether addr (host:port) listens on this machine only.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Server is a running portal.
type Server struct {
	Services *schemas.Registry
	Router   *router.Router
	store    *store.Store
	jobs     *jobs.Runner
	watcher  *authoring.Watcher // nil unless SchemaDir
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
	services := cfg.Services
	var watcher *authoring.Watcher
	switch {
	case services != nil:
	case cfg.SchemaDir != "":
		var err error
		if watcher, err = authoring.Load(cfg.SchemaDir, log); err != nil {
			return nil, err
		}
		services = watcher.Services()
	default:
		var err error
		if services, err = schemas.Builtin(); err != nil {
			return nil, err
		}
	}
	ui.UseServices(services) // the pages the server prerenders show these
	where := cfg.DataDir
	if cfg.DatabaseURL != "" {
		where = cfg.DatabaseURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := store.OpenURL(ctx, where)
	if err == nil {
		var srv *Server
		if srv, err = build(cfg, log, services, st, watcher); err == nil {
			return srv, nil
		}
		st.Close()
	}
	if watcher != nil {
		watcher.Stop()
	}
	return nil, err
}

func build(cfg Config, log *slog.Logger, services *schemas.Registry, st *store.Store, watcher *authoring.Watcher) (*Server, error) {
	where, err := site.New(cfg.PublicURL, cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	if err := loadOfficials(cfg, st, log); err != nil {
		return nil, err
	}
	env := map[string]string{}
	if cfg.Release != "" {
		env[pwa.ReleaseEnv] = cfg.Release
	}
	if cfg.TestIdentification {
		env[ui.TestIdentificationEnv] = "1"
	}
	if cfg.PublicURL != "" {
		env[pwa.PublicURLEnv] = where.PublicURL()
	}
	if watcher != nil {
		env[ui.PreviewEnv] = "1"
	}
	pages, err := pwa.New(web.FS, services, env)
	if err != nil {
		return nil, err
	}
	provider, err := identificationProvider(cfg)
	if err != nil {
		return nil, err
	}
	key := cfg.CookieKey
	if len(key) == 0 {
		if key, err = st.Secret("cookie-key", 32); err != nil {
			return nil, err
		}
	}
	if len(key) < 32 {
		return nil, errors.New("server: the cookie key (LOMAKE_COOKIE_KEY) must be at least 32 bytes")
	}
	limits := api.DefaultLimits
	if cfg.Limits != nil {
		limits = *cfg.Limits
	}
	sessions := session.New(st, cfg.Now)
	rt := router.New(router.Config{Sessions: sessions, Store: st, Site: where, AdminToken: cfg.AdminToken, Log: log})
	// One LevelDB directory has one server: its limits and jobs live in memory. Instances
	// sharing PostgreSQL share them through the store: limits hold across instances,
	// and each job runs on one instance per interval.
	var buckets ratelimit.Buckets
	var leases jobs.Leases
	if cfg.DatabaseURL != "" {
		buckets, leases = st.RateLimits(), st.Leases(instanceID())
	}
	runner := jobs.New(log, leases)

	auth.RegisterSession(rt, sessions)
	if provider != nil {
		h := auth.New(provider, sessions, st, key, buckets, log, cfg.Now)
		h.Register(rt)
		runner.Add(jobs.Job{Name: "login limits", Every: time.Minute, Run: h.SweepLimits})
		if test, ok := provider.(http.Handler); ok {
			auth.RegisterTestService(rt, test)
		}
	}
	cs := cases.New(st, cfg.Now, log)
	a := api.New(services, st, cs, limits, buckets, log, cfg.Now)
	// Attachments: in PostgreSQL when the instances share it, else beside LevelDB.
	var fileStore files.Store = files.KV(st.Engine())
	if cfg.DatabaseURL == "" {
		d, err := files.Dir(filepath.Join(cfg.DataDir, "files"))
		if err != nil {
			return nil, err
		}
		fileStore = d
	}
	a.SetFiles(fileStore, buckets)
	a.Register(rt)
	// Pages are prerendered for who asks (signed in or not, with the CSRF token their
	// forms post), and the forms work through their own posts before the client runs.
	posts := forms.New(services, cs, st, pages, buckets, log, cfg.Now)
	posts.Register(rt)
	pages.RequestOf = func(r *http.Request) ui.Request {
		req := ui.Request{Session: auth.Session(r, sessions)}
		// A form kept while its sender identified comes back on its form page.
		if segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/"); len(segs) == 4 && segs[1] == "services" && segs[3] == "form" {
			req.Form = posts.Pending(r, segs[2])
		}
		if u := router.CallerOf(r).User; u != nil {
			req.OwnCase = func(number string) string {
				k, err := cs.Get(r.Context(), *u, number)
				if err != nil {
					return ""
				}
				return k.ServiceID
			}
		}
		return req
	}
	rt.Handle(router.Route{Method: "GET", Pattern: "/", Handler: pages.ServeHTTP})
	if watcher != nil {
		watcher.Routes(rt)
	}

	runner.Add(jobs.Job{Name: "expired sessions", Every: 10 * time.Minute, Run: func(context.Context) error {
		n, err := sessions.Sweep()
		if n > 0 {
			log.Info("expired sessions removed", "count", n)
		}
		return err
	}})
	runner.Add(jobs.Job{Name: "rate limits", Every: time.Minute, Run: a.SweepLimits})
	runner.Add(jobs.Job{Name: "form post limits", Every: time.Minute, Run: posts.Sweep})
	runner.Add(jobs.Job{Name: "unsent uploads", Every: time.Hour, Run: a.SweepUploads})

	s := &Server{Services: services, Router: rt, store: st, jobs: runner, log: log, watcher: watcher}
	s.http = &http.Server{
		Handler:           rt,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// The 3 MB client takes a minute on a slow mobile connection: do not cut it off.
		// Slow clients are bounded on the way in by the read timeouts.
		WriteTimeout:   10 * time.Minute,
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	runner.Start()
	return s, nil
}

// loadOfficials applies the officials file and, in the test environment, makes
// TestOfficial an official of every service and an admin.
func loadOfficials(cfg Config, st *store.Store, log *slog.Logger) error {
	ctx := context.Background()
	officials := map[string]apiv1.Official{}
	if cfg.OfficialsFile != "" {
		data, err := os.ReadFile(cfg.OfficialsFile)
		if err != nil {
			return fmt.Errorf("server: officials: %w", err)
		}
		if err := schemas.DecodeJSON(data, &officials); err != nil {
			return fmt.Errorf("server: officials: %s is not a JSON object of identity codes: %w", cfg.OfficialsFile, err)
		}
	}
	if cfg.TestIdentification {
		if _, ok := officials[TestOfficial]; !ok {
			officials[TestOfficial] = apiv1.Official{Roles: []string{apiv1.RoleOfficial, apiv1.RoleAdmin}, Services: []string{"*"}}
		}
	}
	for code, o := range officials {
		if err := st.PutOfficial(ctx, store.Official{IdentityCode: code, Roles: o.Roles, Services: o.Services}); err != nil {
			return fmt.Errorf("server: official %s: %w", code, err)
		}
	}
	if len(officials) > 0 {
		log.Info("officials set", "count", len(officials))
	}
	return nil
}

// instanceID names this process among the instances sharing a store (job leases).
func instanceID() string {
	host, _ := os.Hostname()
	b := make([]byte, 6)
	rand.Read(b)
	return host + "/" + hex.EncodeToString(b)
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
func (s *Server) Handler() http.Handler { return s.Router }

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
	s.jobs.Stop()
	if s.watcher != nil {
		s.watcher.Stop()
	}
	if cerr := s.store.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("server: closing store: %w", cerr)
	}
	return err
}
