package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/lomake/lomake/server/store"
)

func (a *API) registerDrafts() {
	a.mux.HandleFunc("GET /api/v1/drafts", a.listDrafts)
	a.mux.HandleFunc("GET /api/v1/drafts/{id}", a.getDraft)
	a.mux.HandleFunc("PUT /api/v1/drafts/{id}", a.putDraft)
	a.mux.HandleFunc("DELETE /api/v1/drafts/{id}", a.deleteDraft)
}

func etag(rev int) string { return `"` + strconv.Itoa(rev) + `"` }

// listDrafts is the user's unsent forms, for the folder's "Drafts".
func (a *API) listDrafts(w http.ResponseWriter, r *http.Request) {
	u, ok := a.signedIn(w, r, false)
	if !ok {
		return
	}
	drafts, err := a.store.Drafts(u.ID)
	if err != nil {
		a.log.Error("listing drafts", "err", err)
		a.problem(w, r, http.StatusInternalServerError, "internal", nil)
		return
	}
	l := lang(r)
	type item struct {
		store.Draft
		Name string `json:"name"`
	}
	out := []item{}
	for _, d := range drafts {
		name := d.ServiceID
		if s := a.services.Service(d.ServiceID); s != nil {
			name = s.Name.In(l)
		}
		d.Data = nil
		out = append(out, item{d, name})
	}
	writeJSON(w, http.StatusOK, map[string]any{"drafts": out})
}

func (a *API) getDraft(w http.ResponseWriter, r *http.Request) {
	u, ok := a.signedIn(w, r, false)
	if !ok {
		return
	}
	d, err := a.store.Draft(u.ID, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		a.problem(w, r, http.StatusNotFound, "notFound", nil)
		return
	}
	if err != nil {
		a.log.Error("reading draft", "err", err)
		a.problem(w, r, http.StatusInternalServerError, "internal", nil)
		return
	}
	w.Header().Set("ETag", etag(d.Rev))
	writeJSON(w, http.StatusOK, d)
}

// putDraft saves a draft on the revision the client had: If-Match "rev", or
// If-None-Match * for a first save. A stale revision answers 412 with the current
// draft, so the client can merge instead of overwriting another device's work.
func (a *API) putDraft(w http.ResponseWriter, r *http.Request) {
	u, ok := a.signedIn(w, r, true)
	if !ok {
		return
	}
	s := a.services.Service(r.PathValue("id"))
	if s == nil {
		a.problem(w, r, http.StatusNotFound, "unknownService", nil)
		return
	}
	base := -1
	if m := r.Header.Get("If-Match"); m != "" {
		if n, err := strconv.Atoi(strings.Trim(m, `" `)); err == nil && n > 0 {
			base = n
		}
	} else if r.Header.Get("If-None-Match") == "*" {
		base = 0
	}
	if base < 0 {
		a.problem(w, r, http.StatusPreconditionRequired, "malformed", nil)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		a.problem(w, r, http.StatusRequestEntityTooLarge, "tooLarge", map[string]any{"Limit": "256 KiB"})
		return
	}
	var in struct {
		SchemaVersion int             `json:"schemaVersion"`
		Data          json.RawMessage `json:"data"`
	}
	var obj map[string]any
	if err != nil || json.Unmarshal(body, &in) != nil || json.Unmarshal(in.Data, &obj) != nil || obj == nil {
		a.problem(w, r, http.StatusBadRequest, "malformed", nil)
		return
	}
	if in.SchemaVersion == 0 {
		in.SchemaVersion = s.Version
	}
	d, err := a.store.PutDraft(u.ID, store.Draft{ServiceID: s.ID, SchemaVersion: in.SchemaVersion, Data: in.Data}, base, a.now())
	if errors.Is(err, store.ErrConflict) {
		w.Header().Set("ETag", etag(d.Rev))
		writeJSON(w, http.StatusPreconditionFailed, map[string]any{
			"error": map[string]string{"code": "conflict", "message": a.message(r, "api.draftConflict")},
			"draft": d,
		})
		return
	}
	if err != nil {
		a.log.Error("saving draft", "err", err)
		a.problem(w, r, http.StatusInternalServerError, "internal", nil)
		return
	}
	w.Header().Set("ETag", etag(d.Rev))
	writeJSON(w, http.StatusOK, d)
}

func (a *API) deleteDraft(w http.ResponseWriter, r *http.Request) {
	u, ok := a.signedIn(w, r, true)
	if !ok {
		return
	}
	if err := a.store.DeleteDraft(u.ID, r.PathValue("id")); err != nil {
		a.log.Error("deleting draft", "err", err)
		a.problem(w, r, http.StatusInternalServerError, "internal", nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"deleted": r.PathValue("id")})
}
