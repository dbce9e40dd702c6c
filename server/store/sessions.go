package store

// Sessions.
//
// Keys:
//
//	session/<hex(sha256(id))> → session as JSON, without the id
//
// Only a hash of the cookie value is stored, so a copy of the database (a
// backup, a disk image) does not hold cookies that could be replayed.
//
// Session writes are not synced (Sync: false): after a power cut the most
// recent session changes may be lost, which only means that someone has to
// log in again. Skipping the fsync keeps every authenticated request that
// refreshes LastSeen cheap.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// sessionPrefix starts every session key.
const sessionPrefix = "session/"

// sessionWrite is the write option for sessions; see the comment at the top
// of this file for why it does not sync.
var sessionWrite = &opt.WriteOptions{Sync: false}

// deleteBatch bounds how many deletions DeleteSessionsIdleSince puts into one
// write.
const deleteBatch = 1000

// Session is a signed-in browser. The ID is the secret in the cookie.
type Session struct {
	ID        string    `json:"-"` // never stored as such
	UserID    string    `json:"userId"`
	CSRF      string    `json:"csrf"`
	CreatedAt time.Time `json:"createdAt"`
	LastSeen  time.Time `json:"lastSeen"`
}

// PutSession creates or replaces a session. The key is "session/" +
// hex(sha256(ID)) so that a copy of the database does not hold usable cookie
// values.
func (s *Store) PutSession(sess Session) error {
	if sess.ID == "" {
		return errors.New("store: put session: empty session id")
	}
	if sess.UserID == "" {
		return errors.New("store: put session: empty user id")
	}
	v, err := json.Marshal(sess)
	if err != nil {
		return fmt.Errorf("store: put session: encode: %w", err)
	}
	// Serialized with DeleteSessionsIdleSince so that a session being
	// refreshed is not deleted on the strength of its old LastSeen.
	s.locks.sessions.Lock()
	defer s.locks.sessions.Unlock()
	if err := s.db.Put(sessionKey(sess.ID), v, sessionWrite); err != nil {
		return fmt.Errorf("store: put session: write: %w", err)
	}
	return nil
}

// Session returns the session for a cookie value, or ErrNotFound. The
// returned Session has ID set to the given id.
func (s *Store) Session(id string) (Session, error) {
	if id == "" {
		return Session{}, errors.New("store: session: empty session id")
	}
	v, err := s.db.Get(sessionKey(id), nil)
	if err != nil {
		if errors.Is(err, leveldb.ErrNotFound) {
			return Session{}, ErrNotFound
		}
		return Session{}, readError("session", err)
	}
	var sess Session
	if err := json.Unmarshal(v, &sess); err != nil {
		return Session{}, fmt.Errorf("store: session: decode: %w", err)
	}
	sess.ID = id
	return sess, nil
}

// DeleteSession removes the session for a cookie value. A missing session is
// not an error.
func (s *Store) DeleteSession(id string) error {
	if id == "" {
		return errors.New("store: delete session: empty session id")
	}
	// LevelDB's Delete does not fail for missing keys.
	if err := s.db.Delete(sessionKey(id), sessionWrite); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteSessionsIdleSince removes sessions whose LastSeen is before t and
// returns how many it removed. If it fails part-way, sessions already removed
// stay removed and are not counted.
func (s *Store) DeleteSessionsIdleSince(t time.Time) (int, error) {
	s.locks.sessions.Lock()
	defer s.locks.sessions.Unlock()

	it := s.db.NewIterator(util.BytesPrefix([]byte(sessionPrefix)), nil)
	defer it.Release()

	deleted := 0
	b := new(leveldb.Batch)
	flush := func() error {
		if b.Len() == 0 {
			return nil
		}
		if err := s.db.Write(b, sessionWrite); err != nil {
			return fmt.Errorf("store: delete idle sessions: write: %w", err)
		}
		deleted += b.Len()
		b.Reset()
		return nil
	}
	for it.Next() {
		var sess Session
		if err := json.Unmarshal(it.Value(), &sess); err != nil {
			return deleted, fmt.Errorf("store: delete idle sessions: decode %s: %w", it.Key(), err)
		}
		if !sess.LastSeen.Before(t) {
			continue
		}
		b.Delete(it.Key()) // Batch copies the key
		if b.Len() >= deleteBatch {
			if err := flush(); err != nil {
				return deleted, err
			}
		}
	}
	if err := it.Error(); err != nil {
		return deleted, readError("delete idle sessions", err)
	}
	if err := flush(); err != nil {
		return deleted, err
	}
	return deleted, nil
}

func sessionKey(id string) []byte {
	sum := sha256.Sum256([]byte(id))
	return []byte(sessionPrefix + hex.EncodeToString(sum[:]))
}
