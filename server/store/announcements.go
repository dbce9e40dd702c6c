package store

// Announcements.
//
// Keys:
//
//	announcement/<id> → announcement as JSON

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/lomake/lomake/server/kv"
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
	if err := s.e.Update(context.Background(), func(tx kv.Tx) error {
		tx.Put([]byte(announcementPrefix+a.ID), data)
		return nil
	}); err != nil {
		return Announcement{}, fmt.Errorf("store: announcement: %w", err)
	}
	return a, nil
}

// Announcements returns every announcement, newest start first.
func (s *Store) Announcements() ([]Announcement, error) {
	var out []Announcement
	err := s.e.View(context.Background(), func(r kv.Reader) error {
		out = []Announcement{}
		return r.Scan([]byte(announcementPrefix), nil, 0, func(k, v []byte) error {
			var a Announcement
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("announcement %s: decode: %w", k, err)
			}
			out = append(out, a)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: announcements: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.After(out[j].Start) })
	return out, nil
}

// DeleteAnnouncement removes an announcement; ErrNotFound if there is none.
func (s *Store) DeleteAnnouncement(id string) error {
	key := []byte(announcementPrefix + id)
	err := s.e.Update(context.Background(), func(tx kv.Tx) error {
		if _, err := tx.Get(key); err != nil {
			if errors.Is(err, kv.ErrNotFound) {
				return ErrNotFound
			}
			return err
		}
		tx.Delete(key)
		return nil
	})
	if err != nil {
		return readError("announcement "+id, err)
	}
	return nil
}
