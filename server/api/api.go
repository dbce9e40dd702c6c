// Package api is the portal's JSON API under /api/v1/: the service catalog, service
// schemas, submissions, cases, the profile, drafts and announcements. Its handlers only
// decode, call the domain and answer; the router package does everything else (who is
// asking, CSRF, limits, errors), and apiv1 declares what goes over the wire.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/server/cases"
	"github.com/lomake/lomake/server/files"
	"github.com/lomake/lomake/server/kv"
	"github.com/lomake/lomake/server/ratelimit"
	"github.com/lomake/lomake/server/router"
	"github.com/lomake/lomake/server/store"
)

// MaxBody is the largest submission or draft accepted. The biggest form today is about
// 5 KB of JSON; 256 KiB leaves room for long free-text answers.
const MaxBody = 256 << 10

// Limits are the per-user rate limits. The bursts let an offline outbox send ten forms
// at once and a form save while the resident types in two tabs.
type Limits struct {
	Sends, DraftSaves, ProfileChanges, Messages ratelimit.Rule
}

// DefaultLimits are generous for a person and tight for a script.
var DefaultLimits = Limits{
	Sends:          ratelimit.Rule{Burst: 20, Every: 6 * time.Second},
	DraftSaves:     ratelimit.Rule{Burst: 60, Every: time.Second},
	ProfileChanges: ratelimit.Rule{Burst: 10, Every: 10 * time.Second},
	Messages:       ratelimit.Rule{Burst: 20, Every: 10 * time.Second},
}

// API serves /api/v1/.
type API struct {
	services *schemas.Registry
	store    *store.Store
	cases    *cases.Cases
	now      func() time.Time
	log      *slog.Logger
	limiters []*ratelimit.Limiter
	sends    *ratelimit.Limiter
	drafts   *ratelimit.Limiter
	profile  *ratelimit.Limiter
	messages *ratelimit.Limiter
	up       uploads // file uploads (uploads.go); off until SetFiles
}

// New returns the API. now may be nil (the wall clock); buckets nil keeps the rate
// limits in memory (one instance).
func New(services *schemas.Registry, st *store.Store, cs *cases.Cases, limits Limits, buckets ratelimit.Buckets, log *slog.Logger, now func() time.Time) *API {
	if now == nil {
		now = time.Now
	}
	a := &API{services: services, store: st, cases: cs, now: now, log: log,
		sends:    ratelimit.New("sends", limits.Sends, now, buckets),
		drafts:   ratelimit.New("drafts", limits.DraftSaves, now, buckets),
		profile:  ratelimit.New("profile", limits.ProfileChanges, now, buckets),
		messages: ratelimit.New("messages", limits.Messages, now, buckets),
	}
	a.limiters = []*ratelimit.Limiter{a.sends, a.drafts, a.profile, a.messages}
	return a
}

// Register adds the API's routes.
func (a *API) Register(rt *router.Router) {
	p := apiv1.Prefix
	for _, r := range []router.Route{
		{Method: "GET", Pattern: p + "/services", Handler: a.listServices},
		{Method: "GET", Pattern: p + "/catalog", Handler: a.catalog},
		{Method: "GET", Pattern: p + "/services/{id}", Handler: a.getService},
		{Method: "POST", Pattern: p + "/services/{id}/submissions", Access: router.Registered, Body: router.JSONBody, Limit: MaxBody, Rate: a.sends, Handler: a.createSubmission},
		{Method: "GET", Pattern: p + "/profile", Access: router.Resident, Handler: a.getProfile},
		{Method: "PUT", Pattern: p + "/profile", Access: router.Resident, Body: router.JSONBody, Rate: a.profile, Handler: a.putProfile},
		{Method: "GET", Pattern: p + "/drafts", Access: router.Resident, Handler: a.listDrafts},
		{Method: "GET", Pattern: p + "/drafts/{id}", Access: router.Resident, Handler: a.getDraft},
		{Method: "PUT", Pattern: p + "/drafts/{id}", Access: router.Resident, Body: router.JSONBody, Limit: MaxBody, Rate: a.drafts, Handler: a.putDraft},
		{Method: "DELETE", Pattern: p + "/drafts/{id}", Access: router.Resident, Handler: a.deleteDraft},
		{Method: "GET", Pattern: p + "/announcements", Handler: a.listAnnouncements},
		{Method: "GET", Pattern: p + "/admin/announcements", Access: router.Admin, Handler: a.allAnnouncements},
		{Method: "POST", Pattern: p + "/admin/announcements", Access: router.Admin, Body: router.JSONBody, Handler: a.createAnnouncement},
		{Method: "DELETE", Pattern: p + "/admin/announcements/{id}", Access: router.Admin, Handler: a.deleteAnnouncement},
		{Method: "GET", Pattern: p + "/admin/backup", Access: router.Admin, Handler: a.backup},
	} {
		rt.Handle(r)
	}
	a.registerCases(rt)
	a.registerUploads(rt)
}

// SweepLimits forgets rate-limit state that no longer matters (a job).
func (a *API) SweepLimits(ctx context.Context) error {
	for _, l := range a.limiters {
		if _, err := l.Sweep(ctx); err != nil {
			return err
		}
	}
	return nil
}

// service is the {id} of the path; an unknown one is answered with 404.
func (a *API) service(w http.ResponseWriter, r *http.Request) (*schemas.Service, bool) {
	s := a.services.Service(r.PathValue("id"))
	if s == nil {
		router.Problem(w, r, http.StatusNotFound, "unknownService", nil)
		return nil, false
	}
	return s, true
}

// internal answers a failure of ours, logged with the request's id.
func (a *API) internal(w http.ResponseWriter, r *http.Request, what string, err error) {
	a.log.Error(what, "id", router.RequestID(r), "err", err)
	router.Problem(w, r, http.StatusInternalServerError, "internal", nil)
}

func summarize(s *schemas.Entry, lang string) apiv1.Service {
	return apiv1.Service{
		ID: s.ID, Code: s.Code, Version: s.Version, Lang: lang,
		Name: s.Name.In(lang), Summary: s.Summary.In(lang), Description: s.Description.In(lang),
		Audience: s.Audience.In(lang), ProcessingTime: s.ProcessingTime.In(lang),
		Department: s.Department.In(lang), KeepInFolder: s.KeepInFolder, Topics: s.Topics,
		TargetGroups: s.TargetGroups,
	}
}

func (a *API) listServices(w http.ResponseWriter, r *http.Request) {
	l := router.Lang(r)
	sorted := a.services.Sorted(l)
	out := apiv1.Services{Services: make([]apiv1.Service, len(sorted))}
	for i, s := range sorted {
		out.Services[i] = summarize(s, l)
	}
	w.Header().Set("Vary", "Accept-Language")
	router.JSON(w, http.StatusOK, out)
}

func (a *API) getService(w http.ResponseWriter, r *http.Request) {
	s, ok := a.service(w, r)
	if !ok {
		return
	}
	w.Header().Set("Vary", "Accept-Language")
	router.JSON(w, http.StatusOK, apiv1.ServiceSchema{Service: summarize(&s.Entry, router.Lang(r)), Schema: s.Schema})
}

func (a *API) catalog(w http.ResponseWriter, r *http.Request) {
	entries := a.services.Entries()
	out := apiv1.Catalog{Services: make([]schemas.Entry, len(entries))}
	for i, e := range entries {
		out.Services[i] = *e
	}
	router.JSON(w, http.StatusOK, out)
}

func (a *API) createSubmission(w http.ResponseWriter, r *http.Request) {
	s, ok := a.service(w, r)
	if !ok {
		return
	}
	// A client that may retry (an offline outbox, a lost answer) names its send; the
	// same name always gets the same case.
	key := r.Header.Get(apiv1.IdempotencyHeader)
	if !validKey(key) {
		router.Problem(w, r, http.StatusBadRequest, "malformed", nil)
		return
	}
	body, ok := router.ReadBody(w, r)
	if !ok {
		return
	}
	l := router.Lang(r)
	res, err := a.cases.Submit(r.Context(), cases.Submission{Service: s, Owner: router.User(r), Lang: l, Data: body, Key: key})
	switch {
	case errors.Is(err, schemas.ErrInvalidJSON):
		router.JSONError(w, r, err)
		return
	case errors.Is(err, schemas.ErrValidatorFailed):
		// One line, and a refusal: the body is what broke the validator.
		a.log.Warn("validator failed", "id", router.RequestID(r), "service", s.ID, "err", err)
		router.Problem(w, r, http.StatusBadRequest, "malformed", nil)
		return
	case errors.Is(err, cases.ErrKeyReused):
		router.Problem(w, r, http.StatusUnprocessableEntity, "idempotencyKeyReused", nil)
		return
	case r.Context().Err() != nil:
		return // the asker has gone; nothing was stored for them to see
	case err != nil:
		a.internal(w, r, "storing submission", err)
		return
	}
	if len(res.Violations) > 0 {
		errs := make([]apiv1.FieldError, len(res.Violations))
		for i, v := range res.Violations {
			errs[i] = apiv1.FieldError{Pointer: v.Pointer, Code: v.Code, Params: v.Params}
			if i < apiv1.MaxFieldErrors {
				errs[i].Message = s.Message(l, v)
			}
		}
		router.Invalid(w, r, errs)
		return
	}
	w.Header().Set("Location", apiv1.Prefix+"/cases/"+res.Case.Number)
	status := http.StatusCreated
	if res.Replayed {
		w.Header().Set(apiv1.ReplayedHeader, "true")
		status = http.StatusOK
	}
	router.JSON(w, status, apiv1.Sent{CaseNumber: res.Case.Number, Status: res.Case.Status})
}

// validKey accepts no key, or 1–100 visible ASCII characters (a UUID fits).
func validKey(k string) bool {
	if len(k) > 100 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] <= ' ' || k[i] > '~' {
			return false
		}
	}
	return true
}

// backup streams a consistent snapshot of the whole store, taken by the running server
// (LevelDB lets one process open it), attachments included: those in a directory beside
// LevelDB as the records PostgreSQL keeps them in. Restore it with "lomake store
// restore". The file ends with a checksum: one cut off or damaged is refused on restore.
func (a *API) backup(w http.ResponseWriter, r *http.Request) {
	name := "lomake-" + a.now().UTC().Format("20060102-150405") + ".backup"
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	stats, err := kv.Dump(r.Context(), kv.Store{Engine: a.store.Engine(), Side: files.Records(a.up.files)}, w)
	if err != nil {
		// The answer has begun: the cut-off file fails its checksum on restore.
		a.log.Error("backup", "id", router.RequestID(r), "err", err)
		return
	}
	n, size := files.Totals(stats)
	a.log.Info("backup", "id", router.RequestID(r), "keys", stats.Keys, "files", n, "fileBytes", size, "sha256", stats.Checksum)
}
