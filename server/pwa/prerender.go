package pwa

import (
	"net/http"

	"github.com/lomake/lomake/app/ui"
)

// prerender renders the page at r's address for r: with what RequestOf knows of it
// and, after one of the form's own posts, the form as the post left it.
func (h *Handler) prerender(w http.ResponseWriter, r *http.Request, form *ui.FormState) {
	var req ui.Request
	if h.RequestOf != nil {
		req = h.RequestOf(r)
	}
	if form != nil {
		req.Form = form
	}
	u, done := ui.Prerender(r.URL, &req)
	defer done()
	at := r.Clone(r.Context())
	at.Method, at.URL, at.Body, at.ContentLength = http.MethodGet, u, http.NoBody, 0
	h.pages.ServeHTTP(w, at)
}

// RenderForm answers one of a form's own posts (see package forms) with the form as
// the post left it: another page, or the same one with its errors. Pages that depend
// on who asks are never stored by shared caches.
func (h *Handler) RenderForm(w http.ResponseWriter, r *http.Request, form *ui.FormState) {
	page := &pageWriter{header: w.Header(), status: http.StatusOK}
	h.prerender(page, r, form)
	h.send(w, r, page, true)
}
