package api

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/lomake/lomake/locales"
	"github.com/lomake/lomake/server/store"
)

// registerAnnouncements adds the public list and, when an admin token is set, the admin
// endpoints. Without a token nobody can manage announcements through the API.
func (a *API) registerAnnouncements() {
	a.mux.HandleFunc("GET /api/v1/announcements", a.listAnnouncements)
	if a.adminToken == "" {
		return
	}
	a.mux.HandleFunc("GET /api/v1/admin/announcements", a.admin(a.allAnnouncements))
	a.mux.HandleFunc("POST /api/v1/admin/announcements", a.admin(a.createAnnouncement))
	a.mux.HandleFunc("DELETE /api/v1/admin/announcements/{id}", a.admin(a.deleteAnnouncement))
}

// admin lets through requests with the admin token as a bearer token. Browsers never
// send it by themselves, so the endpoints need no CSRF token.
func (a *API) admin(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(a.adminToken)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="lomake-admin"`)
			a.problem(w, r, http.StatusUnauthorized, "unauthenticated", nil)
			return
		}
		next(w, r)
	}
}

// listAnnouncements gives the announcements in force now, in the asker's language.
func (a *API) listAnnouncements(w http.ResponseWriter, r *http.Request) {
	all, err := a.store.Announcements()
	if err != nil {
		a.log.Error("reading announcements", "err", err)
		a.problem(w, r, http.StatusInternalServerError, "internal", nil)
		return
	}
	l, now := lang(r), a.now()
	type item struct {
		ID   string `json:"id"`
		Text string `json:"text"`
	}
	out := []item{}
	for _, an := range all {
		if now.Before(an.Start) || (!an.End.IsZero() && !now.Before(an.End)) {
			continue
		}
		out = append(out, item{an.ID, an.Text[l]})
	}
	w.Header().Set("Vary", "Accept-Language")
	writeJSON(w, http.StatusOK, map[string]any{"announcements": out})
}

func (a *API) allAnnouncements(w http.ResponseWriter, r *http.Request) {
	all, err := a.store.Announcements()
	if err != nil {
		a.log.Error("reading announcements", "err", err)
		a.problem(w, r, http.StatusInternalServerError, "internal", nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"announcements": all})
}

// createAnnouncement takes {"text": {"fi", "sv", "en"}, "start", "end"}; start defaults
// to now, end to never. Every language is required: residents read all three.
func (a *API) createAnnouncement(w http.ResponseWriter, r *http.Request) {
	var in store.Announcement
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 16<<10))
	if err != nil || json.Unmarshal(body, &in) != nil {
		a.problem(w, r, http.StatusBadRequest, "malformed", nil)
		return
	}
	l := lang(r)
	var errs []fieldError
	for _, code := range locales.Languages {
		if strings.TrimSpace(in.Text[code]) == "" {
			errs = append(errs, fieldError{Pointer: "/text/" + code, Code: "required",
				Message: locales.T(l, "error.required", map[string]any{"Field": locales.Name(code)})})
		}
	}
	if !in.End.IsZero() && !in.End.After(in.Start) {
		errs = append(errs, fieldError{Pointer: "/end", Code: "minimum", Message: locales.T(l, "api.announcementEnd", nil)})
	}
	if len(errs) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": locales.T(l, "api.invalid", nil), "errors": errs})
		return
	}
	if in.Start.IsZero() {
		in.Start = a.now()
	}
	in.ID, in.CreatedAt = "", a.now()
	saved, err := a.store.PutAnnouncement(in)
	if err != nil {
		a.log.Error("saving announcement", "err", err)
		a.problem(w, r, http.StatusInternalServerError, "internal", nil)
		return
	}
	a.log.Info("announcement created", "id", saved.ID)
	writeJSON(w, http.StatusCreated, saved)
}

func (a *API) deleteAnnouncement(w http.ResponseWriter, r *http.Request) {
	err := a.store.DeleteAnnouncement(r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		a.problem(w, r, http.StatusNotFound, "notFound", nil)
		return
	}
	if err != nil {
		a.log.Error("deleting announcement", "err", err)
		a.problem(w, r, http.StatusInternalServerError, "internal", nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"deleted": r.PathValue("id")})
}
