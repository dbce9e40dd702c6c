// Package router is the portal's one HTTP layer. Every endpoint, page or API, is a
// Route registered here with who may call it, what body it takes and how often; every
// request passes the same middleware: a request id and one access log line, recovery
// from panics, security headers, the client's address behind trusted proxies,
// cross-site refusal, the body limit, the session, CSRF for every state change, and
// per-user rate limits; JSON answers go compressed (compress.go). Handlers then only
// decode (DecodeJSON), call the domain and answer (JSON, Problem, Invalid).
package router

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/server/ratelimit"
	"github.com/lomake/lomake/server/session"
	"github.com/lomake/lomake/server/site"
	"github.com/lomake/lomake/server/store"
)

// Access says who may call a route.
type Access int

const (
	// Public routes answer anyone; a session, if the request has one, is loaded.
	Public Access = iota
	// Resident routes need a live session (401 otherwise).
	Resident
	// Registered routes need the session of a user who has registered (403 otherwise).
	Registered
	// Admin routes need the admin token as a bearer token (401 otherwise). Browsers
	// never send it by themselves, so admin routes need no CSRF token.
	Admin
	// Outside routes stand in for a service outside the portal (the test
	// identification service): the portal's session is not loaded for them, so they
	// can neither read nor change anything of it, and no CSRF token of ours applies.
	Outside
)

func (a Access) String() string {
	return [...]string{"public", "resident", "registered", "admin", "outside"}[a]
}

// Body says what a route reads from the request body.
type Body int

const (
	// NoBody routes do not read the body.
	NoBody Body = iota
	// JSONBody routes take exactly application/json (charset utf-8 at most).
	JSONBody
	// FormBody routes take an HTML form post (application/x-www-form-urlencoded), whose
	// "csrf" field may carry the CSRF token. Multipart bodies are refused unread.
	FormBody
	// RawBody routes stream the body themselves (a file upload), within the limit; the
	// handler judges its type. The CSRF token must come in the header.
	RawBody
)

// DefaultLimit is the largest body of a route that names no Limit.
const DefaultLimit = 16 << 10

// Route is one endpoint.
type Route struct {
	Method  string // GET, POST, PUT, DELETE; GET also answers HEAD
	Pattern string // a net/http ServeMux path pattern: /api/v1/cases/{number}
	Access  Access
	Body    Body
	Limit   int64              // largest body in bytes; 0: DefaultLimit
	Rate    *ratelimit.Limiter // per user (or client address when anonymous); nil: none
	Handler http.HandlerFunc
}

// API reports whether the route is part of the JSON API: its refusals are JSON.
func (rt Route) API() bool { return strings.HasPrefix(rt.Pattern, apiv1.Prefix+"/") }

// Config is what the layer needs.
type Config struct {
	Sessions   *session.Manager
	Store      *store.Store
	Site       *site.Site
	AdminToken string // empty: admin routes refuse everyone
	Log        *slog.Logger
}

// Router holds the routes and serves them.
type Router struct {
	cfg     Config
	mux     *http.ServeMux
	routes  []Route
	handler http.Handler
}

// New returns an empty router.
func New(cfg Config) *Router {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Site == nil {
		cfg.Site, _ = site.New("", "")
	}
	rt := &Router{cfg: cfg, mux: http.NewServeMux()}
	// Whatever under /api/ no route claims is a JSON 404, not a plain-text one.
	// (One pattern per method: a method-less one would conflict with the pages' "GET /".)
	// Pages take only GET: other methods get a translated 405 page, not Go's plain text.
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		rt.mux.HandleFunc(m+" "+apiv1.Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
			Problem(w, r, http.StatusNotFound, "notFound", nil)
		})
		if m != "GET" {
			rt.mux.HandleFunc(m+" /", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Allow", "GET, HEAD")
				Problem(w, r, http.StatusMethodNotAllowed, "methodNotAllowed", nil)
			})
		}
	}
	rt.handler = cfg.Site.Middleware(secure(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE":
			rt.mux.ServeHTTP(w, r)
		default:
			// OPTIONS (a CORS preflight, which this portal never grants), TRACE and the
			// rest: refused in the envelope, not in Go's plain text.
			w.Header().Set("Allow", "GET, HEAD, POST, PUT, PATCH, DELETE")
			Problem(w, r, http.StatusMethodNotAllowed, "methodNotAllowed", nil)
		}
	})))
	return rt
}

// Handle registers a route. It panics on a route that could not be served safely, as
// ServeMux does on a bad pattern: that is a programming error found at start.
func (rt *Router) Handle(r Route) {
	if r.Handler == nil || r.Method == "" {
		panic(fmt.Sprintf("router: route %s %s without a method or handler", r.Method, r.Pattern))
	}
	if r.Limit == 0 {
		r.Limit = DefaultLimit
	}
	if unsafe(r.Method) && r.Body == NoBody && r.Access != Admin && r.Access != Outside && !r.API() {
		panic(fmt.Sprintf("router: %s %s changes state from a page; declare its FormBody so its CSRF field is read", r.Method, r.Pattern))
	}
	rt.routes = append(rt.routes, r)
	rt.mux.Handle(r.Method+" "+r.Pattern, rt.guard(r))
}

// Routes lists every registered route, for the security tests.
func (rt *Router) Routes() []Route { return append([]Route(nil), rt.routes...) }

// ServeHTTP gives every request an id, one access log line and recovery from panics.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	info := &requestInfo{id: requestID()}
	id := info.id
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	rec.Header().Set(apiv1.RequestIDHeader, id)
	r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			// One line: what and where, not 35 lines of stack for a hostile body.
			rt.cfg.Log.Error("panic", "id", id, "route", info.route, "err", fmt.Sprint(p))
			if !rec.wrote {
				Problem(rec, r, http.StatusInternalServerError, "internal", nil)
			}
		}
		rt.cfg.Log.Info("request", "id", id, "method", r.Method, "route", info.route,
			"status", rec.status, "bytes", rec.bytes, "ms", time.Since(start).Milliseconds())
	}()
	cw, finish := compressJSON(rec, r)
	rt.handler.ServeHTTP(cw, r)
	finish()
}

// requestInfo is what the access log learns as the request goes through the layers.
type requestInfo struct {
	id    string
	route string // the matched route's pattern; empty when none matched
}

type infoKey struct{}

// RequestID is the request's id, as logged and sent in X-Request-Id.
func RequestID(r *http.Request) string {
	if info, ok := r.Context().Value(infoKey{}).(*requestInfo); ok {
		return info.id
	}
	return ""
}

func requestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// recorder notes what was answered, for the log line.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
	wrote  bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (flushes, deadlines).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func unsafe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// Caller is who is asking: the session and its user, if any.
type Caller struct {
	Session *store.Session
	User    *store.User
}

type callerKey struct{}

// CallerOf returns the request's caller; zero for anonymous requests and admin routes.
func CallerOf(r *http.Request) Caller {
	c, _ := r.Context().Value(callerKey{}).(Caller)
	return c
}

// User returns the signed-in user. Resident and Registered routes always have one.
func User(r *http.Request) store.User {
	if c := CallerOf(r); c.User != nil {
		return *c.User
	}
	return store.User{}
}

// guard is the per-route middleware, in the order that costs an attacker most and the
// server least: refusals that need no I/O first, the body limit before anything reads
// the body, then the session, CSRF and the rate limit.
func (rt *Router) guard(route Route) http.Handler {
	name := route.Method + " " + route.Pattern
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info, ok := r.Context().Value(infoKey{}).(*requestInfo); ok {
			info.route = name
		}
		changes := unsafe(r.Method)
		// A cross-site page can post a plain HTML form, but not JSON without a CORS
		// preflight, which this portal never grants; browsers say where a request
		// comes from in Sec-Fetch-Site and Origin.
		if r.Header.Get("Sec-Fetch-Site") == "cross-site" && (changes || route.API()) {
			Problem(w, r, http.StatusForbidden, "crossSite", nil)
			return
		}
		if o := r.Header.Get("Origin"); changes && o != "" && o != site.Of(r).Origin {
			Problem(w, r, http.StatusForbidden, "crossSite", nil)
			return
		}
		if changes && (route.Body == JSONBody || route.Body == FormBody) && !acceptsType(route.Body, r.Header.Get("Content-Type")) {
			Problem(w, r, http.StatusUnsupportedMediaType, "unsupportedType", nil)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, route.Limit)

		var caller Caller
		switch route.Access {
		case Outside:
		case Admin:
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || rt.cfg.AdminToken == "" || subtle.ConstantTimeCompare([]byte(got), []byte(rt.cfg.AdminToken)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="lomake-admin"`)
				Problem(w, r, http.StatusUnauthorized, "unauthenticated", nil)
				return
			}
		default:
			var ok bool
			if caller, ok = rt.caller(w, r, route); !ok {
				return
			}
		}
		if changes && caller.Session != nil {
			token := r.Header.Get(apiv1.CSRFHeader)
			if token == "" && route.Body == FormBody {
				// Read only now: the body limit is in place.
				if err := r.ParseForm(); err != nil {
					bodyError(w, r, route, err)
					return
				}
				token = r.PostForm.Get("csrf")
			}
			// A page's form carries the token masked (apiv1.MaskCSRF); the client sends it
			// as it is.
			token = apiv1.UnmaskCSRF(token)
			if subtle.ConstantTimeCompare([]byte(token), []byte(caller.Session.CSRF)) != 1 {
				Problem(w, r, http.StatusForbidden, "csrf", nil)
				return
			}
		}
		if route.Rate != nil {
			key := "ip:" + site.Of(r).ClientIP
			if caller.User != nil {
				key = "user:" + caller.User.ID
			}
			ok, retry, err := route.Rate.Allow(r.Context(), key)
			if err != nil {
				rt.cfg.Log.Error("rate limit", "id", RequestID(r), "err", err)
			}
			if !ok {
				secs := int(retry/time.Second) + 1
				w.Header().Set("Retry-After", strconv.Itoa(secs))
				Problem(w, r, http.StatusTooManyRequests, "tooManyRequests", map[string]any{"Seconds": secs})
				return
			}
		}
		if caller.Session != nil && route.Access != Public {
			if err := rt.cfg.Sessions.Touch(caller.Session); err != nil {
				rt.cfg.Log.Error("touching session", "id", RequestID(r), "err", err)
			}
		}
		next := r
		if caller.Session != nil {
			next = r.WithContext(context.WithValue(r.Context(), callerKey{}, caller))
		}
		route.Handler(w, next)
	})
}

// caller loads the session and user, refusing the request when the route needs more.
func (rt *Router) caller(w http.ResponseWriter, r *http.Request, route Route) (Caller, bool) {
	var c Caller
	s, err := rt.cfg.Sessions.Get(r)
	if err != nil && !errors.Is(err, session.ErrNone) {
		rt.cfg.Log.Error("reading session", "id", RequestID(r), "err", err)
	}
	if err == nil {
		if u, uerr := rt.cfg.Store.User(s.UserID); uerr == nil {
			c = Caller{Session: &s, User: &u}
		}
	}
	switch {
	case route.Access == Public:
	case c.User == nil:
		Problem(w, r, http.StatusUnauthorized, "unauthenticated", nil)
		return c, false
	case route.Access == Registered && !c.User.Registered:
		Problem(w, r, http.StatusForbidden, "notRegistered", nil)
		return c, false
	}
	return c, true
}

// acceptsType checks the media type exactly: "application/jsonx" is not JSON.
func acceptsType(body Body, header string) bool {
	mt, params, err := mime.ParseMediaType(header)
	if err != nil {
		return false
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return false
		}
	}
	switch body {
	case JSONBody:
		return mt == "application/json"
	case FormBody:
		return mt == "application/x-www-form-urlencoded"
	}
	return false
}
