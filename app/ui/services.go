package ui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sync/atomic"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/schemas"
)

// The client carries no service: schemas are content, served by the API. At start it
// takes the catalog (every service's entry, for lists, search and filters) and the
// schema of the service whose page it shows; another service's schema is fetched when
// one of its pages is shown. The service worker keeps them all for offline use.

// registry returns the services: on the server, the server's; in the browser, the
// catalog and the forms fetched so far.
func registry() *schemas.Registry {
	if r := serverServices.Load(); r != nil {
		return r
	}
	if r := clientServices.Load(); r != nil {
		return r
	}
	return builtinServices()
}

var (
	// serverServices are the services of the server that prerenders the pages.
	serverServices atomic.Pointer[schemas.Registry]
	// clientServices are the browser client's.
	clientServices atomic.Pointer[schemas.Registry]
)

// UseServices makes the server's prerendered pages show the server's services (a test
// server's fixtures among them). Like go-app's routes, it holds for the whole process.
func UseServices(r *schemas.Registry) { serverServices.Store(r) }

// Prepare readies what the page at u shows first, before the page mounts: a service's
// page (its page, form, confirmation or preview) its own schema; any other page the
// catalog. A service's page reads the catalog only when the resident goes on to a page
// that lists services: a form starts sooner and keeps less without sixty entries. It
// blocks: main calls it before the client runs. lomake.js started the request while
// the client downloaded.
func Prepare(u *url.URL) {
	clientServices.Store(schemas.Catalog(nil))
	if r := parseRoute(u); r.service != "" {
		fetchService(r.service)
		return
	}
	loadCatalog()
}

// catalogRead is set once the client has the catalog.
var catalogRead atomic.Bool

// loadCatalog reads the catalog into the client's services, once. It blocks, so it runs
// off the UI goroutine (or before the client runs).
func loadCatalog() {
	if catalogRead.Load() || !app.IsClient {
		return
	}
	var cat apiv1.Catalog
	status, body, err := prefetched(apiv1.CatalogPath)
	if err != nil || status != http.StatusOK || json.Unmarshal(body, &cat) != nil {
		app.Log("the catalog could not be read:", status, err)
		return
	}
	registry().AddEntries(cat.Services)
	catalogRead.Store(true)
}

// withCatalog calls f on the UI goroutine once the client has the catalog: at once if
// it has, else once read.
func withCatalog(ctx app.Context, f func()) {
	if catalogRead.Load() || !app.IsClient {
		f()
		return
	}
	ctx.Async(func() {
		loadCatalog()
		ctx.Dispatch(func(app.Context) { f() })
	})
}

// loadService returns the service with its form, fetching its schema if the client
// does not have it yet; nil if there is no such service or it cannot be reached. It
// blocks, so it runs off the UI goroutine (or before the client runs).
func loadService(id string) *schemas.Service {
	if s := registry().Service(id); s != nil || !app.IsClient {
		return s
	}
	return fetchService(id)
}

// fetchService reads a service's schema and adds its form to the client's services.
func fetchService(id string) *schemas.Service {
	status, body, err := prefetched(servicePath(id))
	return takeService(id, status, body, err)
}

// takeService puts the form of a GET /services/{id} answer in the client's services,
// in place of any it had; nil if the answer has none.
func takeService(id string, status int, body []byte, err error) *schemas.Service {
	var ss apiv1.ServiceSchema
	if err != nil || status != http.StatusOK || json.Unmarshal(body, &ss) != nil {
		return nil
	}
	s, errs := schemas.Parse(id, ss.Schema)
	if len(errs) > 0 {
		app.Log("the service", id, "does not load:", errs)
		return nil
	}
	registry().Put(s)
	return s
}

// withService calls f on the UI goroutine with the service and its form, at once if
// the client has it, else once fetched (nil if it cannot be).
func withService(ctx app.Context, id string, f func(*schemas.Service)) {
	if s := registry().Service(id); s != nil || !app.IsClient {
		f(s)
		return
	}
	ctx.Async(func() {
		s := loadService(id)
		ctx.Dispatch(func(app.Context) { f(s) })
	})
}

func servicePath(id string) string { return apiv1.Prefix + "/services/" + url.PathEscape(id) }

// prefetched answers a GET of path: from the request lomake.js started for it at the
// page's start, if it did, else with a new one.
func prefetched(path string) (int, []byte, error) {
	if lo := app.Window().Get("lomake"); lo.Truthy() && lo.Get("prefetched").Truthy() {
		if p := lo.Call("prefetched", path); p.Truthy() {
			if res, err := await(p); err == nil && res.Truthy() {
				if status, body, err := readAnswer(res); err == nil {
					return status, body, nil
				}
			}
		}
	}
	return fetch(http.MethodGet, path, "", nil)
}
