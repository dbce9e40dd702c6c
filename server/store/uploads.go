package store

// Uploads: the files residents send with forms. The bytes are in a files.Store under
// the same id; the record says what the file is, whose, for which field of which
// service, and which case sent it.
//
// Keys:
//
//	upload/<id>                     → Upload as JSON
//	idx/upload-pending/<owner>/<id> → decimal size: an upload no case refers to yet
//
// An upload is recorded before its bytes stream in (PutUpload, Incomplete, which
// also holds the owner to a quota of unsent files), and completed once they are stored
// (CompleteUpload): every id of stored bytes has a record, so nothing an interrupted
// upload leaves is out of the sweeper's reach. A case refers to an upload only through
// ReferenceUploads, inside the transaction that stores the case: an upload is never
// referenced by a case that was not stored. Uploads no case refers to are removed after
// a while: UnreferencedUploadsBefore lists them; RetireUpload makes one Incomplete (no
// case can take it from then on), the caller deletes its bytes, and DeleteUpload its
// record. A crash between the steps leaves an old Incomplete record, listed again.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lomake/lomake/server/kv"
)

// Upload is a file a resident sent for a form field.
type Upload struct {
	ID        string    `json:"id"`
	Owner     string    `json:"owner"` // the user id of who sent it
	ServiceID string    `json:"serviceId"`
	Pointer   string    `json:"pointer"` // the form field, a JSON pointer: /dog/photo, /appendices/0
	Name      string    `json:"name"`    // the file's name as the resident had it
	Type      string    `json:"type"`    // the media type it was judged to be
	Size      int64     `json:"size"`    // while Incomplete, the most it may become
	SHA256    string    `json:"sha256"`  // hex
	CreatedAt time.Time `json:"createdAt"`
	// Incomplete: its bytes are not (or no longer) all stored: still streaming in, cut
	// off, or being deleted. No case may refer to it.
	Incomplete bool `json:"incomplete,omitempty"`
	// Case is the number of the case that sent it; empty until then.
	Case string `json:"case,omitempty"`
}

// UploadQuota bounds the uploads one owner may have that no case refers to yet; a zero
// field bounds nothing.
type UploadQuota struct {
	Count int
	Bytes int64
}

var (
	// ErrUploadQuota means the owner has too many unsent uploads (or bytes of them).
	ErrUploadQuota = errors.New("store: too many uploads not yet sent")
	// ErrUploadReferenced is a change refused because a case refers to the upload.
	ErrUploadReferenced = errors.New("store: the upload belongs to a case")
	// ErrUploadRefused means a case may not refer to an upload; the error is an
	// *UploadRefError that says which and why.
	ErrUploadRefused = errors.New("store: upload cannot be sent with this case")
)

// UploadRef is an upload a case refers to, and the field it is in.
type UploadRef struct {
	ID      string
	Pointer string
}

// Reasons of an UploadRefError.
const (
	UploadUnknown    = "unknown"    // no such upload, or someone else's
	UploadService    = "service"    // uploaded for another service
	UploadField      = "field"      // uploaded for another field
	UploadIncomplete = "incomplete" // its bytes never arrived whole, or are being deleted
	UploadUsed       = "used"       // another case refers to it, or this one twice
)

// UploadRefError is an upload a case may not refer to.
type UploadRefError struct {
	Ref    UploadRef
	Reason string
}

func (e *UploadRefError) Error() string {
	return fmt.Sprintf("store: upload %q at %s: %s", e.Ref.ID, e.Ref.Pointer, e.Reason)
}

func (e *UploadRefError) Unwrap() error { return ErrUploadRefused }

func uploadKey(id string) []byte { return []byte("upload/" + id) }

const pendingPrefix = "idx/upload-pending/"

func pendingKey(owner, id string) []byte { return []byte(pendingPrefix + owner + "/" + id) }

// validPart accepts what may stand between slashes in a key.
func validPart(s string) bool {
	return s != "" && len(s) <= 100 && !strings.ContainsAny(s, "/\x00")
}

// PutUpload records a new upload, normally Incomplete and with Size the most it
// may become, before its bytes stream in. It refuses an id in use (ErrExists) and an
// owner over quota (ErrUploadQuota), counting the uploads no case refers to yet.
func (s *Store) PutUpload(ctx context.Context, u Upload, quota UploadQuota) error {
	if !validPart(u.ID) || !validPart(u.Owner) || !validPart(u.ServiceID) {
		return fmt.Errorf("store: upload: invalid id, owner or service")
	}
	if u.Case != "" {
		return fmt.Errorf("store: upload: a new upload belongs to no case")
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now().UTC()
	}
	v, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("store: upload: %w", err)
	}
	err = s.e.Update(ctx, func(tx kv.Tx) error {
		if _, err := tx.Get(uploadKey(u.ID)); err == nil {
			return ErrExists
		} else if !errors.Is(err, kv.ErrNotFound) {
			return err
		}
		if quota.Count > 0 || quota.Bytes > 0 {
			n, bytes := 0, int64(0)
			if err := tx.Scan([]byte(pendingPrefix+u.Owner+"/"), nil, 0, func(_, v []byte) error {
				size, _ := strconv.ParseInt(string(v), 10, 64)
				n, bytes = n+1, bytes+size
				return nil
			}); err != nil {
				return err
			}
			if quota.Count > 0 && n+1 > quota.Count || quota.Bytes > 0 && bytes+u.Size > quota.Bytes {
				return ErrUploadQuota
			}
		}
		tx.Put(uploadKey(u.ID), v)
		tx.Put(pendingKey(u.Owner, u.ID), strconv.AppendInt(nil, u.Size, 10))
		return nil
	})
	if errors.Is(err, ErrExists) || errors.Is(err, ErrUploadQuota) {
		return err
	}
	if err != nil {
		return fmt.Errorf("store: upload: %w", err)
	}
	return nil
}

// CompleteUpload notes that an upload's bytes are stored: what they are, their size and
// their SHA-256. ErrNotFound if the record is gone (swept meanwhile).
func (s *Store) CompleteUpload(ctx context.Context, id, mediaType string, size int64, sha256 string) (Upload, error) {
	return s.updateUpload(ctx, id, func(tx kv.Tx, u *Upload) error {
		u.Type, u.Size, u.SHA256, u.Incomplete = mediaType, size, sha256, false
		if err := putUpload(tx, *u); err != nil {
			return err
		}
		if u.Case == "" {
			tx.Put(pendingKey(u.Owner, id), strconv.AppendInt(nil, size, 10))
		}
		return nil
	})
}

// Upload returns an upload's record, or ErrNotFound.
func (s *Store) Upload(ctx context.Context, id string) (Upload, error) {
	if !validPart(id) {
		return Upload{}, ErrNotFound
	}
	var u Upload
	err := s.e.View(ctx, func(r kv.Reader) error {
		u = Upload{}
		return getJSON(r, uploadKey(id), &u)
	})
	if err != nil {
		return Upload{}, readError("upload "+id, err)
	}
	return u, nil
}

// ReferenceUploads makes the case caseNumber the one that sent the uploads refs, in tx:
// call it inside the transaction that stores the case (after its number is known), so
// that the case and its references commit together or not at all. Each upload must
// exist, be owner's, be complete, be for serviceID and for the field at its ref's pointer
// (array indexes aside: a file uploaded as /appendices/2 may be sent as /appendices/0
// after the resident removed another), and belong to no case yet; refs may not name one
// upload twice. Otherwise it returns an *UploadRefError (errors.Is ErrUploadRefused)
// for the first ref in error, and the transaction must not commit.
//
// A replayed send (an idempotency key already used) must not call it again: the
// uploads already belong to that case.
func ReferenceUploads(tx kv.Tx, owner, serviceID string, refs []UploadRef, caseNumber string) error {
	if caseNumber == "" {
		return fmt.Errorf("store: referring to uploads: no case number")
	}
	seen := make(map[string]bool, len(refs))
	for _, ref := range refs {
		refuse := func(reason string) error { return &UploadRefError{Ref: ref, Reason: reason} }
		if !validPart(ref.ID) {
			return refuse(UploadUnknown)
		}
		if seen[ref.ID] {
			return refuse(UploadUsed)
		}
		seen[ref.ID] = true
		var u Upload
		err := getJSON(tx, uploadKey(ref.ID), &u)
		switch {
		case errors.Is(err, ErrNotFound):
			return refuse(UploadUnknown)
		case err != nil:
			return fmt.Errorf("store: upload %s: %w", ref.ID, err)
		case u.Owner != owner:
			return refuse(UploadUnknown) // someone else's upload is nobody else's business
		case u.ServiceID != serviceID:
			return refuse(UploadService)
		case !sameField(u.Pointer, ref.Pointer):
			return refuse(UploadField)
		case u.Incomplete:
			return refuse(UploadIncomplete)
		case u.Case != "":
			return refuse(UploadUsed)
		}
		u.Case = caseNumber
		if err := putUpload(tx, u); err != nil {
			return fmt.Errorf("store: upload %s: %w", ref.ID, err)
		}
		tx.Delete(pendingKey(u.Owner, u.ID))
	}
	return nil
}

// sameField reports whether two JSON pointers name the same field, array indexes aside.
func sameField(a, b string) bool {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	if len(as) != len(bs) {
		return false
	}
	for i := range as {
		if as[i] != bs[i] && !(isIndex(as[i]) && isIndex(bs[i])) {
			return false
		}
	}
	return true
}

func isIndex(seg string) bool {
	if seg == "" {
		return false
	}
	for i := 0; i < len(seg); i++ {
		if seg[i] < '0' || seg[i] > '9' {
			return false
		}
	}
	return true
}

// UnreferencedUploadsBefore lists the uploads made before t that no case refers to,
// complete or not: what a sweeper removes.
func (s *Store) UnreferencedUploadsBefore(ctx context.Context, t time.Time) ([]Upload, error) {
	var out []Upload
	err := s.e.View(ctx, func(r kv.Reader) error {
		out = []Upload{}
		var ids []string
		if err := r.Scan([]byte(pendingPrefix), nil, 0, func(k, _ []byte) error {
			ids = append(ids, string(k[strings.LastIndexByte(string(k), '/')+1:]))
			return nil
		}); err != nil {
			return err
		}
		for _, id := range ids {
			var u Upload
			if err := getJSON(r, uploadKey(id), &u); err != nil {
				if errors.Is(err, ErrNotFound) {
					continue // written in one transaction with its index entry: not here
				}
				return err
			}
			if u.Case == "" && u.CreatedAt.Before(t) {
				out = append(out, u)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: unreferenced uploads: %w", err)
	}
	return out, nil
}

// RetireUpload makes an upload no case refers to Incomplete, so that none can from now
// on, and returns it: its bytes may then be deleted, and then DeleteUpload. ErrNotFound
// if there is none, ErrUploadReferenced if a case refers to it (also one that did since
// it was listed).
func (s *Store) RetireUpload(ctx context.Context, id string) (Upload, error) {
	return s.changeUnreferenced(ctx, id, func(tx kv.Tx, u *Upload) error {
		if u.Incomplete {
			return nil
		}
		u.Incomplete = true
		return putUpload(tx, *u)
	})
}

// DeleteUpload removes the record of an upload no case refers to and returns it. Delete
// its bytes first, after RetireUpload (or after a failed upload, which is Incomplete
// anyway): a record whose bytes are gone must not be one a case can take. ErrNotFound
// if there is none, ErrUploadReferenced if a case refers to it.
func (s *Store) DeleteUpload(ctx context.Context, id string) (Upload, error) {
	return s.changeUnreferenced(ctx, id, func(tx kv.Tx, u *Upload) error {
		tx.Delete(uploadKey(id))
		tx.Delete(pendingKey(u.Owner, id))
		return nil
	})
}

// changeUnreferenced is updateUpload for an upload no case refers to: ErrUploadReferenced
// if one does. Checked in the transaction that changes it, no case can take it between.
func (s *Store) changeUnreferenced(ctx context.Context, id string, change func(tx kv.Tx, u *Upload) error) (Upload, error) {
	return s.updateUpload(ctx, id, func(tx kv.Tx, u *Upload) error {
		if u.Case != "" {
			return ErrUploadReferenced
		}
		return change(tx, u)
	})
}

// updateUpload reads upload id's record and lets change change it, in one transaction,
// and returns the record as change left it. ErrNotFound if there is none; change's
// ErrUploadReferenced as it is.
func (s *Store) updateUpload(ctx context.Context, id string, change func(tx kv.Tx, u *Upload) error) (Upload, error) {
	if !validPart(id) {
		return Upload{}, ErrNotFound
	}
	var out Upload
	err := s.e.Update(ctx, func(tx kv.Tx) error {
		out = Upload{}
		var u Upload
		if err := getJSON(tx, uploadKey(id), &u); err != nil {
			return err
		}
		if err := change(tx, &u); err != nil {
			return err
		}
		out = u
		return nil
	})
	if errors.Is(err, ErrUploadReferenced) {
		return Upload{}, err
	}
	if err != nil {
		return Upload{}, readError("upload "+id, err)
	}
	return out, nil
}

// putUpload writes an upload's record in tx.
func putUpload(tx kv.Tx, u Upload) error {
	v, err := json.Marshal(u)
	if err != nil {
		return err
	}
	tx.Put(uploadKey(u.ID), v)
	return nil
}
