package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/server/router"
	"github.com/lomake/lomake/server/store"
)

func etag(rev int) string { return `"` + strconv.Itoa(rev) + `"` }

func toDraft(d store.Draft) apiv1.Draft {
	return apiv1.Draft{ServiceID: d.ServiceID, Rev: d.Rev, SchemaVersion: d.SchemaVersion, Data: d.Data, UpdatedAt: d.UpdatedAt}
}

// listDrafts is the user's unsent forms, for the folder's "Drafts".
func (a *API) listDrafts(w http.ResponseWriter, r *http.Request) {
	drafts, err := a.store.Drafts(router.User(r).ID)
	if err != nil {
		a.internal(w, r, "listing drafts", err)
		return
	}
	l := router.Lang(r)
	out := apiv1.Drafts{Drafts: []apiv1.DraftItem{}}
	for _, d := range drafts {
		name := d.ServiceID
		if s := a.services.Service(d.ServiceID); s != nil {
			name = s.Name.In(l)
		}
		d.Data = nil
		out.Drafts = append(out.Drafts, apiv1.DraftItem{Draft: toDraft(d), Name: name})
	}
	router.JSON(w, http.StatusOK, out)
}

func (a *API) getDraft(w http.ResponseWriter, r *http.Request) {
	s, ok := a.service(w, r)
	if !ok {
		return
	}
	d, err := a.store.Draft(router.User(r).ID, s.ID)
	if errors.Is(err, store.ErrNotFound) {
		router.Problem(w, r, http.StatusNotFound, "notFound", nil)
		return
	}
	if err != nil {
		a.internal(w, r, "reading draft", err)
		return
	}
	w.Header().Set("ETag", etag(d.Rev))
	router.JSON(w, http.StatusOK, toDraft(d))
}

// putDraft saves a draft on the revision the client had: If-Match "rev", or
// If-None-Match * for a first save. A stale revision answers 412 with the current
// draft, so the client can merge instead of overwriting another device's work.
func (a *API) putDraft(w http.ResponseWriter, r *http.Request) {
	s, ok := a.service(w, r)
	if !ok {
		return
	}
	// A service not kept in the folder (health care) keeps its drafts on the device:
	// its answers never rest on the server before they are sent.
	if !s.KeepInFolder {
		router.Problem(w, r, http.StatusForbidden, "draftsOnDevice", nil)
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
		router.Problem(w, r, http.StatusPreconditionRequired, "malformed", nil)
		return
	}
	var in apiv1.DraftInput
	if !router.DecodeJSON(w, r, &in) {
		return
	}
	if len(in.Data) == 0 || in.Data[0] != '{' {
		router.Problem(w, r, http.StatusBadRequest, "malformed", nil)
		return
	}
	if in.SchemaVersion == 0 {
		in.SchemaVersion = s.Version
	}
	d, err := a.store.PutDraft(router.User(r).ID, store.Draft{ServiceID: s.ID, SchemaVersion: in.SchemaVersion, Data: in.Data}, base, a.now())
	if errors.Is(err, store.ErrConflict) {
		w.Header().Set("ETag", etag(d.Rev))
		router.JSON(w, http.StatusPreconditionFailed, apiv1.DraftConflict{
			Error: apiv1.ProblemDetail{Code: "conflict", Message: router.Message(router.Lang(r), "draftConflict", nil)},
			Draft: toDraft(d),
		})
		return
	}
	if err != nil {
		a.internal(w, r, "saving draft", err)
		return
	}
	w.Header().Set("ETag", etag(d.Rev))
	router.JSON(w, http.StatusOK, toDraft(d))
}

func (a *API) deleteDraft(w http.ResponseWriter, r *http.Request) {
	s, ok := a.service(w, r)
	if !ok {
		return
	}
	if err := a.store.DeleteDraft(router.User(r).ID, s.ID); err != nil {
		a.internal(w, r, "deleting draft", err)
		return
	}
	router.JSON(w, http.StatusOK, apiv1.Deleted{Deleted: s.ID})
}
