package api

// Uploads: the files residents attach to forms.
//
//	POST   /api/v1/services/{id}/uploads?pointer=/field  the file as the body
//	GET    /api/v1/uploads/{id}                          its description (the owner's only)
//	GET    /api/v1/uploads/{id}/content                  its bytes (the owner's only)
//	DELETE /api/v1/uploads/{id}                          an upload not yet sent
//
// A file is streamed to the file store as it arrives, never held in memory; it is judged
// by its name and by its first bytes (files.Sniff), a text file all through, against
// the field's x-ui.accept and x-ui.maxSize. The form's field then holds the upload's id,
// and the case refers to the upload when it is stored (store.ReferenceUploads).
// Uploads no case refers to are removed after UploadTTL (SweepUploads, a job).

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/server/files"
	"github.com/lomake/lomake/server/ratelimit"
	"github.com/lomake/lomake/server/router"
	"github.com/lomake/lomake/server/store"
)

// MaxUploadBody is the upload route's body limit: the largest file any field takes,
// and a little. A field's own, smaller x-ui.maxSize is enforced while streaming.
const MaxUploadBody = schemas.MaxFileSize + 64<<10

// UploadRate bounds uploads per user: a form's worth of attachments at once, then one
// every 10 seconds.
var UploadRate = ratelimit.Rule{Burst: 30, Every: 10 * time.Second}

// UploadQuota bounds the uploads a user has that no case refers to yet: enough for any
// form, not enough to fill a disk.
var UploadQuota = store.UploadQuota{Count: 50, Bytes: 250 << 20}

// UploadTTL is how long an upload no case refers to is kept: a form left as a draft
// keeps its attachments for a week.
var UploadTTL = 7 * 24 * time.Hour

// uploadReadTimeout replaces the server's 30-second read timeout for an upload's body
// (and its write timeout is moved past it): 20 MB take minutes on a slow mobile
// connection.
const uploadReadTimeout = 15 * time.Minute

// uploads is what the upload routes need beyond the API.
type uploads struct {
	files files.Store
	rate  *ratelimit.Limiter
}

// SetFiles gives the API its file store and turns the upload routes on (register them
// with registerUploads). buckets are the rate limits' (nil: in memory, one instance).
func (a *API) SetFiles(f files.Store, buckets ratelimit.Buckets) {
	a.up = uploads{files: f, rate: ratelimit.New("uploads", UploadRate, a.now, buckets)}
	a.limiters = append(a.limiters, a.up.rate)
}

// registerUploads adds the upload routes, if SetFiles gave the API a file store: an API
// without one (a test's) has none.
func (a *API) registerUploads(rt *router.Router) {
	if a.up.files == nil {
		return
	}
	p := apiv1.Prefix
	for _, r := range []router.Route{
		{Method: "POST", Pattern: p + "/services/{id}/uploads", Access: router.Registered, Body: router.RawBody, Limit: MaxUploadBody, Rate: a.up.rate, Handler: a.createUpload},
		{Method: "GET", Pattern: p + "/uploads/{id}", Access: router.Resident, Handler: a.getUpload},
		{Method: "GET", Pattern: p + "/uploads/{id}/content", Access: router.Resident, Handler: a.getUploadContent},
		{Method: "DELETE", Pattern: p + "/uploads/{id}", Access: router.Registered, Handler: a.deleteUpload},
	} {
		rt.Handle(r)
	}
}

// attachmentOf describes an upload over the API.
func attachmentOf(u store.Upload) apiv1.Attachment {
	return apiv1.Attachment{ID: u.ID, Name: u.Name, Type: u.Type, Size: u.Size, SHA256: u.SHA256, Pointer: u.Pointer}
}

func (a *API) createUpload(w http.ResponseWriter, r *http.Request) {
	s, ok := a.service(w, r)
	if !ok {
		return
	}
	pointer := r.URL.Query().Get("pointer")
	field := fileField(s, pointer)
	if field == nil {
		router.Problem(w, r, http.StatusBadRequest, "malformed", nil)
		return
	}
	// The client names the body as bytes; what they are is judged from them. (A
	// cross-site HTML form cannot send this type, and the type a browser guesses from
	// a name means nothing.)
	if mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/octet-stream" || len(params) > 0 {
		router.Problem(w, r, http.StatusUnsupportedMediaType, "unsupportedType", nil)
		return
	}
	name, ok := fileName(r.Header.Get("Content-Disposition"))
	if !ok {
		router.Problem(w, r, http.StatusBadRequest, "malformed", nil)
		return
	}
	refuse := func(code string, params map[string]any) {
		params["name"] = name
		v := schemas.Violation{Pointer: pointer, Code: code, Params: params}
		router.Invalid(w, r, []apiv1.FieldError{{Pointer: pointer, Code: code, Params: params, Message: s.Message(router.Lang(r), v)}})
	}
	// What the headers already tell is refused before a byte is read.
	switch t := schemas.FileTypeOf(name); {
	case t == "" || !slices.Contains(field.Accept, t):
		refuse("fileType", map[string]any{"types": field.Accept})
		return
	case r.ContentLength > field.MaxSize:
		refuse("fileSize", map[string]any{"max": field.MaxSize})
		return
	case r.ContentLength == 0:
		refuse("fileEmpty", map[string]any{})
		return
	}
	// The server's timeouts are for JSON bodies (reading) and count from the request's
	// start (writing): a file may take minutes, and its answer comes after it.
	rc := http.NewResponseController(w)
	for _, err := range []error{
		rc.SetReadDeadline(time.Now().Add(uploadReadTimeout)),
		rc.SetWriteDeadline(time.Now().Add(uploadReadTimeout + time.Minute)),
	} {
		if err != nil && !errors.Is(err, http.ErrNotSupported) {
			a.log.Warn("upload deadline", "id", router.RequestID(r), "err", err)
		}
	}
	in := &bodyReader{r: r.Body}
	head := make([]byte, files.SniffLen)
	n, err := io.ReadFull(in, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		a.bodyFailed(w, r, in, err, field, refuse)
		return
	}
	head = head[:n]
	mediaType, err := files.Sniff(head, name)
	switch {
	case errors.Is(err, files.ErrEmpty):
		refuse("fileEmpty", map[string]any{})
		return
	case errors.Is(err, files.ErrExecutable):
		a.log.Warn("upload refused: a program", "id", router.RequestID(r), "user", router.User(r).ID, "service", s.ID)
		refuse("fileType", map[string]any{"types": field.Accept})
		return
	case err != nil:
		refuse("fileType", map[string]any{"types": field.Accept})
		return
	}

	id := files.NewID()
	ctx := r.Context()
	rec := store.Upload{ID: id, Owner: router.User(r).ID, ServiceID: s.ID, Pointer: pointer, Name: name,
		Size: field.MaxSize, Incomplete: true, CreatedAt: a.now().UTC()}
	if err := a.store.PutUpload(ctx, rec, UploadQuota); err != nil {
		if errors.Is(err, store.ErrUploadQuota) {
			router.Problem(w, r, http.StatusUnprocessableEntity, "tooManyUploads", nil)
			return
		}
		a.internal(w, r, "recording upload", err)
		return
	}
	var body io.Reader = io.MultiReader(bytes.NewReader(head), in)
	if schemas.FileTypeOf(name) == "txt" {
		body = files.CheckText(body)
	}
	info, err := a.up.files.Put(ctx, id, body, field.MaxSize)
	if err != nil {
		a.discardUpload(ctx, id)
		switch {
		case errors.Is(err, files.ErrWrongType):
			refuse("fileType", map[string]any{"types": field.Accept})
		default:
			a.bodyFailed(w, r, in, err, field, refuse)
		}
		return
	}
	done, err := a.store.CompleteUpload(ctx, id, mediaType, info.Size, info.SHA256)
	if err != nil {
		a.discardUpload(ctx, id)
		a.internal(w, r, "completing upload", err)
		return
	}
	w.Header().Set("Location", apiv1.Prefix+"/uploads/"+id)
	router.JSON(w, http.StatusCreated, attachmentOf(done))
}

// bodyReader notes how reading the request's body failed, to tell the client's failures
// (and the body limit) from the file store's.
type bodyReader struct {
	r   io.Reader
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

// bodyFailed answers an upload whose body could not be stored: too large for the field
// (or the route), cut off by the client, or a failure of ours.
func (a *API) bodyFailed(w http.ResponseWriter, r *http.Request, in *bodyReader, err error, field *schemas.Node, refuse func(string, map[string]any)) {
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, files.ErrTooLarge), errors.As(in.err, &tooBig):
		refuse("fileSize", map[string]any{"max": field.MaxSize})
	case in.err != nil || r.Context().Err() != nil:
		// Nothing was kept. The asker has probably gone, but the log says what happened.
		a.log.Info("upload cut off", "id", router.RequestID(r), "err", err)
		router.Problem(w, r, http.StatusBadRequest, "malformed", nil)
	default:
		a.internal(w, r, "storing upload", err)
	}
}

// discardUpload removes what a failed upload left (still Incomplete: no case can take
// it): its bytes, then its record. What a failure here leaves, the sweeper removes.
func (a *API) discardUpload(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err := a.removeUpload(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		a.log.Error("discarding upload", "upload", id, "err", err)
	}
}

// fileField is the file field the pointer names in the service's form, or nil. Array
// items are named by a decimal index within maxItems.
func fileField(s *schemas.Service, pointer string) *schemas.Node {
	if !strings.HasPrefix(pointer, "/") || len(pointer) > 500 {
		return nil
	}
	cur := s.Form
	for _, seg := range schemas.Segments(pointer) {
		switch cur.Type {
		case "object":
			cur = cur.Property(seg)
		case "array":
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || strconv.Itoa(i) != seg || i >= 1000 || cur.MaxItems > 0 && i >= cur.MaxItems {
				return nil
			}
			cur = cur.Items
		default:
			return nil
		}
		if cur == nil {
			return nil
		}
	}
	if cur.Widget != "file" {
		return nil
	}
	return cur
}

// maxNameLen bounds a file's name in bytes, as file systems do.
const maxNameLen = 255

// fileName reads the file's name from Content-Disposition: attachment with filename*
// (RFC 6266 and 5987: UTF-8, percent-encoded, which fetch can send for any name) or
// filename="…". It keeps the last path element, and drops control characters and
// bidirectional overrides, with which "kuva<U+202E>fdp.exe" would show as "kuvaexe.pdf".
func fileName(header string) (string, bool) {
	disp, params, err := mime.ParseMediaType(header)
	if err != nil || (disp != "attachment" && disp != "inline") {
		return "", false
	}
	name := params["filename"]
	if !utf8.ValidString(name) {
		return "", false
	}
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(c rune) rune {
		if unicode.IsControl(c) || unicode.Is(unicode.Bidi_Control, c) || c == '\uFEFF' {
			return -1
		}
		return c
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." || name == "/" || len(name) > maxNameLen {
		return "", false
	}
	return name, true
}

// ownUpload is the {id} upload if it is the caller's; anyone else's is "not found".
func (a *API) ownUpload(w http.ResponseWriter, r *http.Request) (store.Upload, bool) {
	u, err := a.store.Upload(r.Context(), r.PathValue("id"))
	if err == nil && (u.Owner != router.User(r).ID || u.Incomplete) {
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		router.Problem(w, r, http.StatusNotFound, "notFound", nil)
		return store.Upload{}, false
	}
	if err != nil {
		a.internal(w, r, "reading upload", err)
		return store.Upload{}, false
	}
	return u, true
}

func (a *API) getUpload(w http.ResponseWriter, r *http.Request) {
	if u, ok := a.ownUpload(w, r); ok {
		router.JSON(w, http.StatusOK, attachmentOf(u))
	}
}

func (a *API) getUploadContent(w http.ResponseWriter, r *http.Request) {
	if u, ok := a.ownUpload(w, r); ok {
		a.sendUpload(w, r, u)
	}
}

// sendUpload answers with an upload's bytes as a download: its judged type, its name,
// and never rendered as a page of the portal (attachment, nosniff, a sandbox policy).
func (a *API) sendUpload(w http.ResponseWriter, r *http.Request, u store.Upload) {
	rc, err := a.up.files.Open(r.Context(), u.ID)
	if errors.Is(err, files.ErrNotFound) {
		router.Problem(w, r, http.StatusNotFound, "notFound", nil)
		return
	}
	if err != nil {
		a.internal(w, r, "opening upload", err)
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", u.Type)
	h.Set("Content-Length", strconv.FormatInt(u.Size, 10))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": u.Name}))
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'; frame-ancestors 'none'")
	h.Set("Cache-Control", "private, no-store")
	h.Set("ETag", `"`+u.SHA256+`"`)
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, rc); err != nil && r.Context().Err() == nil {
		// The answer has begun: the cut-off download is shorter than its length.
		a.log.Error("sending upload", "id", router.RequestID(r), "upload", u.ID, "err", err)
	}
}

func (a *API) deleteUpload(w http.ResponseWriter, r *http.Request) {
	u, ok := a.ownUpload(w, r)
	if !ok {
		return
	}
	err := a.removeUpload(r.Context(), u.ID)
	switch {
	case err == nil:
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, store.ErrUploadReferenced):
		router.Problem(w, r, http.StatusConflict, "uploadSent", nil)
	case errors.Is(err, store.ErrNotFound):
		router.Problem(w, r, http.StatusNotFound, "notFound", nil)
	default:
		a.internal(w, r, "deleting upload", err)
	}
}

// removeUpload removes an upload no case refers to: retired first, so that no case can
// take it while its bytes go, then its bytes, then its record. What a failure leaves is
// an old Incomplete record, which the sweeper finds again.
func (a *API) removeUpload(ctx context.Context, id string) error {
	if _, err := a.store.RetireUpload(ctx, id); err != nil {
		return err
	}
	if err := a.up.files.Delete(ctx, id); err != nil {
		return err
	}
	_, err := a.store.DeleteUpload(ctx, id)
	return err
}

// SweepUploads removes the uploads no case has referred to for UploadTTL, and their
// bytes (a job).
func (a *API) SweepUploads(ctx context.Context) error {
	if a.up.files == nil {
		return nil
	}
	old, err := a.store.UnreferencedUploadsBefore(ctx, a.now().Add(-UploadTTL))
	if err != nil {
		return err
	}
	n := 0
	for _, u := range old {
		if err := a.removeUpload(ctx, u.ID); err != nil {
			if errors.Is(err, store.ErrUploadReferenced) || errors.Is(err, store.ErrNotFound) {
				continue // sent or removed since it was listed
			}
			return err
		}
		n++
	}
	if n > 0 {
		a.log.Info("unsent uploads removed", "count", n)
	}
	return nil
}
