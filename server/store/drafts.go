package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"
	"github.com/syndtr/goleveldb/leveldb/util"
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

// Draft returns a user's draft of a service, or ErrNotFound.
func (s *Store) Draft(owner, serviceID string) (Draft, error) {
	if owner == "" || serviceID == "" || strings.Contains(owner, "/") || strings.Contains(serviceID, "/") {
		return Draft{}, fmt.Errorf("store: draft: invalid owner or service")
	}
	v, err := s.db.Get(draftKey(owner, serviceID), nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return Draft{}, ErrNotFound
	}
	if err != nil {
		return Draft{}, readError("draft", err)
	}
	var d Draft
	if err := json.Unmarshal(v, &d); err != nil {
		return Draft{}, fmt.Errorf("store: draft: decode: %w", err)
	}
	return d, nil
}

// PutDraft saves d if the stored draft is at revision base (0: there is none yet) and
// returns it at its new revision. Otherwise it returns ErrConflict and the stored draft.
func (s *Store) PutDraft(owner string, d Draft, base int, now time.Time) (Draft, error) {
	if !json.Valid(d.Data) {
		return Draft{}, fmt.Errorf("store: draft: data is not valid JSON")
	}
	s.locks.drafts.Lock()
	defer s.locks.drafts.Unlock()
	cur, err := s.Draft(owner, d.ServiceID)
	switch {
	case errors.Is(err, ErrNotFound):
		cur = Draft{}
	case err != nil:
		return Draft{}, err
	}
	if cur.Rev != base {
		return cur, ErrConflict
	}
	d.Rev, d.UpdatedAt = cur.Rev+1, now
	v, err := json.Marshal(d)
	if err != nil {
		return Draft{}, fmt.Errorf("store: draft: %w", err)
	}
	// Synced: a draft is typed work, and the server copy is what another device sees.
	if err := s.db.Put(draftKey(owner, d.ServiceID), v, &opt.WriteOptions{Sync: true}); err != nil {
		return Draft{}, fmt.Errorf("store: draft: %w", err)
	}
	return d, nil
}

// DeleteDraft removes a user's draft of a service (after sending it); no error if none.
func (s *Store) DeleteDraft(owner, serviceID string) error {
	s.locks.drafts.Lock()
	defer s.locks.drafts.Unlock()
	if err := s.db.Delete(draftKey(owner, serviceID), &opt.WriteOptions{Sync: true}); err != nil {
		return fmt.Errorf("store: draft: %w", err)
	}
	return nil
}

// Drafts lists a user's drafts.
func (s *Store) Drafts(owner string) ([]Draft, error) {
	it := s.db.NewIterator(util.BytesPrefix([]byte("draft/"+owner+"/")), nil)
	defer it.Release()
	out := []Draft{}
	for it.Next() {
		var d Draft
		if err := json.Unmarshal(it.Value(), &d); err != nil {
			return nil, fmt.Errorf("store: draft: decode: %w", err)
		}
		out = append(out, d)
	}
	if err := it.Error(); err != nil {
		return nil, readError("drafts", err)
	}
	return out, nil
}
