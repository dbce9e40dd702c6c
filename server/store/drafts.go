package store

// Drafts.
//
// Keys:
//
//	draft/<owner>/<serviceID> → draft as JSON
//
// A save compares the stored revision and writes the next one in one transaction,
// so two devices (or two server instances) saving at once cannot both win.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lomake/lomake/server/kv"
)

// Draft is a form not yet sent, kept per user and service so that it can be continued
// on another device. Rev counts saves: a save names the revision it was based on, and
// a save based on an older one is refused, so nothing is overwritten silently.
type Draft struct {
	ServiceID     string          `json:"serviceId"`
	Rev           int             `json:"rev"`
	SchemaVersion int             `json:"schemaVersion"`
	Data          json.RawMessage `json:"data"`
	UpdatedAt     time.Time       `json:"updatedAt"`
}

// ErrConflict means the draft changed since the revision the save was based on.
var ErrConflict = errors.New("store: the draft has changed")

func draftKey(owner, serviceID string) []byte {
	return []byte("draft/" + owner + "/" + serviceID)
}

func validDraftKey(owner, serviceID string) bool {
	return owner != "" && serviceID != "" && !strings.Contains(owner, "/") && !strings.Contains(serviceID, "/")
}

// Draft returns a user's draft of a service, or ErrNotFound.
func (s *Store) Draft(owner, serviceID string) (Draft, error) {
	if !validDraftKey(owner, serviceID) {
		return Draft{}, fmt.Errorf("store: draft: invalid owner or service")
	}
	var d Draft
	err := s.e.View(context.Background(), func(r kv.Reader) error {
		d = Draft{}
		return getJSON(r, draftKey(owner, serviceID), &d)
	})
	if err != nil {
		return Draft{}, readError("draft", err)
	}
	return d, nil
}

// PutDraft saves d if the stored draft is at revision base (0: there is none yet) and
// returns it at its new revision. Otherwise it returns ErrConflict and the stored draft.
func (s *Store) PutDraft(owner string, d Draft, base int, now time.Time) (Draft, error) {
	if !validDraftKey(owner, d.ServiceID) {
		return Draft{}, fmt.Errorf("store: draft: invalid owner or service")
	}
	if !json.Valid(d.Data) {
		return Draft{}, fmt.Errorf("store: draft: data is not valid JSON")
	}
	key := draftKey(owner, d.ServiceID)
	var out Draft
	// Synced: a draft is typed work, and the server copy is what another device sees.
	err := s.e.Update(context.Background(), func(tx kv.Tx) error {
		out = Draft{}
		var cur Draft
		switch err := getJSON(tx, key, &cur); {
		case errors.Is(err, ErrNotFound):
			cur = Draft{}
		case err != nil:
			return err
		}
		if cur.Rev != base {
			out = cur
			return ErrConflict
		}
		saved := d
		saved.Rev, saved.UpdatedAt = cur.Rev+1, now
		v, err := json.Marshal(saved)
		if err != nil {
			return err
		}
		tx.Put(key, v)
		out = saved
		return nil
	})
	switch {
	case errors.Is(err, ErrConflict):
		return out, ErrConflict
	case err != nil:
		return Draft{}, fmt.Errorf("store: draft: %w", err)
	}
	return out, nil
}

// DeleteDraft removes a user's draft of a service (after sending it); no error if none.
func (s *Store) DeleteDraft(owner, serviceID string) error {
	key := draftKey(owner, serviceID)
	if err := s.e.Update(context.Background(), func(tx kv.Tx) error {
		tx.Delete(key)
		return nil
	}); err != nil {
		return fmt.Errorf("store: draft: %w", err)
	}
	return nil
}

// Drafts lists a user's drafts.
func (s *Store) Drafts(owner string) ([]Draft, error) {
	var out []Draft
	err := s.e.View(context.Background(), func(r kv.Reader) error {
		out = []Draft{}
		return r.Scan([]byte("draft/"+owner+"/"), nil, 0, func(k, v []byte) error {
			var d Draft
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("%s: decode: %w", k, err)
			}
			out = append(out, d)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: drafts: %w", err)
	}
	return out, nil
}
