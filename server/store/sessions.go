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
// Session writes are lazy (kv.Tx.Lazy: not synced on LevelDB): after a power
// cut the most recent session changes may be lost, which only means that
// someone has to log in again. Skipping the fsync keeps every authenticated
// request that refreshes LastSeen cheap.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lomake/lomake/server/kv"
)

// sessionPrefix starts every session key.
const sessionPrefix = "session/"

// deleteBatch bounds how many sessions DeleteSessionsIdleSince looks at in one
// snapshot and deletes in one transaction.
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
	key := sessionKey(sess.ID)
	if err := s.e.Update(context.Background(), func(tx kv.Tx) error {
		tx.Lazy() // see the top of this file
		tx.Put(key, v)
		return nil
	}); err != nil {
		return fmt.Errorf("store: put session: %w", err)
	}
	return nil
}

// Session returns the session for a cookie value, or ErrNotFound. The
// returned Session has ID set to the given id.
func (s *Store) Session(id string) (Session, error) {
	if id == "" {
		return Session{}, errors.New("store: session: empty session id")
	}
	var sess Session
	err := s.e.View(context.Background(), func(r kv.Reader) error {
		sess = Session{}
		return getJSON(r, sessionKey(id), &sess)
	})
	if err != nil {
		return Session{}, readError("session", err)
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
	key := sessionKey(id)
	if err := s.e.Update(context.Background(), func(tx kv.Tx) error {
		tx.Lazy()
		tx.Delete(key) // deleting a missing key is no error
		return nil
	}); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteSessionsIdleSince removes sessions whose LastSeen is before t and
// returns how many it removed. If it fails part-way, sessions already removed
// stay removed and are not counted.
//
// It reads a page of sessions in a snapshot, then deletes that page's idle ones
// in a transaction that reads each again: a session refreshed in between (by
// PutSession, which is never held up for longer than one page) is not deleted
// on the strength of its old LastSeen.
func (s *Store) DeleteSessionsIdleSince(t time.Time) (int, error) {
	ctx := context.Background()
	prefix := []byte(sessionPrefix)
	deleted := 0
	var start []byte // the first key of the next page; nil: the first session
	for {
		var (
			idle [][]byte
			next []byte
		)
		err := s.e.View(ctx, func(r kv.Reader) error {
			idle, next = nil, nil
			seen := 0
			return r.Scan(prefix, start, deleteBatch, func(k, v []byte) error {
				seen++
				if seen == deleteBatch {
					next = append(append([]byte(nil), k...), 0) // just after k
				}
				stale, err := idleSince(v, t)
				if err != nil {
					return fmt.Errorf("decode %s: %w", k, err)
				}
				if stale {
					idle = append(idle, append([]byte(nil), k...))
				}
				return nil
			})
		})
		if err != nil {
			return deleted, fmt.Errorf("store: delete idle sessions: %w", err)
		}
		if len(idle) > 0 {
			if s.idleScanned != nil {
				s.idleScanned()
			}
			var n int
			err := s.e.Update(ctx, func(tx kv.Tx) error {
				n = 0
				tx.Lazy()
				for _, k := range idle {
					v, err := tx.Get(k)
					if errors.Is(err, kv.ErrNotFound) {
						continue // logged out meanwhile
					}
					if err != nil {
						return err
					}
					stale, err := idleSince(v, t)
					if err != nil {
						return fmt.Errorf("decode %s: %w", k, err)
					}
					if stale {
						tx.Delete(k)
						n++
					}
				}
				return nil
			})
			if err != nil {
				return deleted, fmt.Errorf("store: delete idle sessions: %w", err)
			}
			deleted += n
		}
		if next == nil {
			return deleted, nil
		}
		start = next
	}
}

// idleSince reports whether the stored session v was last seen before t.
func idleSince(v []byte, t time.Time) (bool, error) {
	var sess Session
	if err := json.Unmarshal(v, &sess); err != nil {
		return false, err
	}
	return sess.LastSeen.Before(t), nil
}

func sessionKey(id string) []byte { return secretKey(sessionPrefix, id) }

// secretKey keys a record by a hash of the secret a cookie carries, so that a copy of
// the database (a backup, a disk image) holds no usable cookie values.
func secretKey(prefix, secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return []byte(prefix + hex.EncodeToString(sum[:]))
}
