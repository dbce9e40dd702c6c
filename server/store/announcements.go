package store

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// Announcement is a service announcement on residents' home pages, e.g. a break in a
// service. Text is by language (fi, sv, en).
type Announcement struct {
	ID        string            `json:"id"`
	Text      map[string]string `json:"text"`
	Start     time.Time         `json:"start"`
	End       time.Time         `json:"end,omitzero"` // zero: until removed
	CreatedAt time.Time         `json:"createdAt"`
}

const announcementPrefix = "announcement/"

// PutAnnouncement stores an announcement, giving it an id if it has none.
func (s *Store) PutAnnouncement(a Announcement) (Announcement, error) {
	if a.ID == "" {
		b := make([]byte, 12)
		if _, err := rand.Read(b); err != nil {
			return Announcement{}, fmt.Errorf("store: announcement id: %w", err)
		}
		a.ID = base64.RawURLEncoding.EncodeToString(b)
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = time.Now().UTC()
	}
	data, err := json.Marshal(a)
	if err != nil {
		return Announcement{}, fmt.Errorf("store: announcement: %w", err)
	}
	if err := s.db.Put([]byte(announcementPrefix+a.ID), data, &opt.WriteOptions{Sync: true}); err != nil {
		return Announcement{}, fmt.Errorf("store: announcement: %w", err)
	}
	return a, nil
}

// Announcements returns every announcement, newest start first.
func (s *Store) Announcements() ([]Announcement, error) {
	it := s.db.NewIterator(util.BytesPrefix([]byte(announcementPrefix)), nil)
	defer it.Release()
	out := []Announcement{}
	for it.Next() {
		var a Announcement
		if err := json.Unmarshal(it.Value(), &a); err != nil {
			return nil, fmt.Errorf("store: announcement %s: decode: %w", it.Key(), err)
		}
		out = append(out, a)
	}
	if err := it.Error(); err != nil {
		return nil, readError("announcements", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.After(out[j].Start) })
	return out, nil
}

// DeleteAnnouncement removes an announcement; ErrNotFound if there is none.
func (s *Store) DeleteAnnouncement(id string) error {
	key := []byte(announcementPrefix + id)
	if _, err := s.db.Get(key, nil); err != nil {
		if errors.Is(err, leveldb.ErrNotFound) {
			return ErrNotFound
		}
		return readError("announcement "+id, err)
	}
	if err := s.db.Delete(key, &opt.WriteOptions{Sync: true}); err != nil {
		return fmt.Errorf("store: announcement %s: %w", id, err)
	}
	return nil
}
