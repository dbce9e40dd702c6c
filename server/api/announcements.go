package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/locales"
	"github.com/lomake/lomake/server/router"
	"github.com/lomake/lomake/server/store"
)

// listAnnouncements gives the announcements in force now, in the asker's language.
func (a *API) listAnnouncements(w http.ResponseWriter, r *http.Request) {
	all, err := a.store.Announcements()
	if err != nil {
		a.internal(w, r, "reading announcements", err)
		return
	}
	l, now := router.Lang(r), a.now()
	out := apiv1.Announcements{Announcements: []apiv1.Announcement{}}
	for _, an := range all {
		if now.Before(an.Start) || (!an.End.IsZero() && !now.Before(an.End)) {
			continue
		}
		out.Announcements = append(out.Announcements, apiv1.Announcement{ID: an.ID, Text: an.Text[l]})
	}
	w.Header().Set("Vary", "Accept-Language")
	router.JSON(w, http.StatusOK, out)
}

func (a *API) allAnnouncements(w http.ResponseWriter, r *http.Request) {
	all, err := a.store.Announcements()
	if err != nil {
		a.internal(w, r, "reading announcements", err)
		return
	}
	router.JSON(w, http.StatusOK, map[string]any{"announcements": all})
}

// createAnnouncement takes {"text": {"fi", "sv", "en"}, "start", "end"}; start defaults
// to now, end to never. Every language is required: residents read all three.
func (a *API) createAnnouncement(w http.ResponseWriter, r *http.Request) {
	var in apiv1.AnnouncementInput
	if !router.DecodeJSON(w, r, &in) {
		return
	}
	l := router.Lang(r)
	var errs []apiv1.FieldError
	for _, code := range locales.Languages {
		if strings.TrimSpace(in.Text[code]) == "" {
			errs = append(errs, apiv1.FieldError{Pointer: "/text/" + code, Code: "required",
				Message: locales.T(l, "error.required", map[string]any{"Field": locales.Name(code)})})
		}
	}
	if !in.End.IsZero() && !in.End.After(in.Start) {
		errs = append(errs, apiv1.FieldError{Pointer: "/end", Code: "minimum", Message: locales.T(l, "api.announcementEnd", nil)})
	}
	if len(errs) > 0 {
		router.Invalid(w, r, errs)
		return
	}
	if in.Start.IsZero() {
		in.Start = a.now()
	}
	text := map[string]string{}
	for _, code := range locales.Languages {
		text[code] = in.Text[code]
	}
	saved, err := a.store.PutAnnouncement(store.Announcement{Text: text, Start: in.Start, End: in.End, CreatedAt: a.now()})
	if err != nil {
		a.internal(w, r, "saving announcement", err)
		return
	}
	a.log.Info("announcement created", "id", saved.ID)
	router.JSON(w, http.StatusCreated, saved)
}

func (a *API) deleteAnnouncement(w http.ResponseWriter, r *http.Request) {
	err := a.store.DeleteAnnouncement(r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		router.Problem(w, r, http.StatusNotFound, "notFound", nil)
		return
	}
	if err != nil {
		a.internal(w, r, "deleting announcement", err)
		return
	}
	router.JSON(w, http.StatusOK, apiv1.Deleted{Deleted: r.PathValue("id")})
}
