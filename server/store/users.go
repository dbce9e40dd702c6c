package store

// Users.
//
// Keys:
//
//	user/<id>                    → user as JSON
//	idx/user/code/<identityCode> → id
//
// The record and its identity-code index entry are written in one synced
// batch, so a user is either fully there or not at all.

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"
)

// ErrExists is returned by CreateUser when a user with the same identity code
// already exists.
var ErrExists = errors.New("store: already exists")

// writeLocks serializes read-check-write sequences that LevelDB alone cannot
// make atomic. It is a field of Store.
type writeLocks struct {
	users    sync.Mutex // CreateUser and UpdateUser
	sessions sync.Mutex // PutSession and DeleteSessionsIdleSince
	drafts   sync.Mutex // compare-and-set of draft revisions
	secrets  sync.Mutex // Secret makes each secret once
}

// userIDLen is the length of a user ID: 16 random bytes in unpadded base64url.
var userIDLen = base64.RawURLEncoding.EncodedLen(16)

// User is a resident known to the portal. Identity data comes only from the
// identification provider.
type User struct {
	ID           string    `json:"id"`           // random (crypto/rand, 16 bytes, base64url no padding), assigned by CreateUser; never the identity code
	IdentityCode string    `json:"identityCode"` // the whole personal identity code, e.g. 010280-952L
	GivenName    string    `json:"givenName"`
	FamilyName   string    `json:"familyName"`
	Registered   bool      `json:"registered"` // first-login registration done
	ConsentAt    time.Time `json:"consentAt,omitzero"`
	Email        string    `json:"email,omitempty"`
	Phone        string    `json:"phone,omitempty"`
	Language     string    `json:"language,omitempty"` // fi, sv, en
	Channel      string    `json:"channel,omitempty"`  // email, sms, both
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// UserByIdentityCode returns the user with that identity code, or ErrNotFound.
func (s *Store) UserByIdentityCode(code string) (User, error) {
	if !validIdentityCode(code) {
		return User{}, errors.New("store: user by identity code: invalid identity code")
	}
	// A snapshot keeps the index entry and the record it points to
	// consistent with each other.
	snap, err := s.db.GetSnapshot()
	if err != nil {
		return User{}, readError("user by identity code", err)
	}
	defer snap.Release()

	id, err := snap.Get(userCodeKey(code), nil)
	if err != nil {
		if errors.Is(err, leveldb.ErrNotFound) {
			return User{}, ErrNotFound
		}
		return User{}, readError("user by identity code", err)
	}
	u, err := getUser(snap, string(id))
	if errors.Is(err, ErrNotFound) {
		// Index and record are written in one batch, so this means the
		// database was damaged.
		return User{}, fmt.Errorf("store: user by identity code: index entry for missing user %s", id)
	}
	return u, err
}

// User returns the user by ID, or ErrNotFound.
func (s *Store) User(id string) (User, error) {
	if !validUserID(id) {
		return User{}, fmt.Errorf("store: user: invalid user id %q", id)
	}
	return getUser(s.db, id)
}

// CreateUser stores a new user with a fresh ID, ignoring any ID in u, and
// returns it. A zero CreatedAt or UpdatedAt is set to the current time. It
// fails with ErrExists if a user with that identity code exists.
func (s *Store) CreateUser(u User) (User, error) {
	if !validIdentityCode(u.IdentityCode) {
		return User{}, errors.New("store: create user: invalid identity code")
	}
	now := time.Now().UTC()
	if u.CreatedAt.IsZero() {
		u.CreatedAt = now
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = now
	}

	// The existence check and the write must not interleave with another
	// CreateUser for the same code.
	s.locks.users.Lock()
	defer s.locks.users.Unlock()

	switch _, err := s.db.Get(userCodeKey(u.IdentityCode), nil); {
	case err == nil:
		return User{}, fmt.Errorf("store: create user: %w", ErrExists)
	case !errors.Is(err, leveldb.ErrNotFound):
		return User{}, readError("create user", err)
	}

	// A collision of 128 random bits will not happen, but checking is
	// cheap and makes overwriting another user impossible.
	for {
		id, err := newUserID()
		if err != nil {
			return User{}, fmt.Errorf("store: create user: %w", err)
		}
		ok, err := s.db.Has(userKey(id), nil)
		if err != nil {
			return User{}, readError("create user", err)
		}
		if !ok {
			u.ID = id
			break
		}
	}

	v, err := json.Marshal(u)
	if err != nil {
		return User{}, fmt.Errorf("store: create user: encode: %w", err)
	}
	b := new(leveldb.Batch)
	b.Put(userKey(u.ID), v)
	b.Put(userCodeKey(u.IdentityCode), []byte(u.ID))
	if err := s.db.Write(b, &opt.WriteOptions{Sync: true}); err != nil {
		return User{}, fmt.Errorf("store: create user: write: %w", err)
	}
	return u, nil
}

// UpdateUser replaces an existing user's record. It returns ErrNotFound if
// there is no user with u.ID, and an error if u.IdentityCode differs from the
// stored one. CreatedAt is kept from the stored record when u.CreatedAt is
// zero, and UpdatedAt is set to the current time when u.UpdatedAt is zero.
func (s *Store) UpdateUser(u User) error {
	if !validUserID(u.ID) {
		return fmt.Errorf("store: update user: invalid user id %q", u.ID)
	}

	s.locks.users.Lock()
	defer s.locks.users.Unlock()

	old, err := getUser(s.db, u.ID)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("store: update user %s: %w", u.ID, ErrNotFound)
		}
		return err
	}
	if u.IdentityCode != old.IdentityCode {
		return fmt.Errorf("store: update user %s: identity code may not change", u.ID)
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = old.CreatedAt
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = time.Now().UTC()
	}

	v, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("store: update user %s: encode: %w", u.ID, err)
	}
	// The identity code cannot change, so the index entry stays valid.
	if err := s.db.Put(userKey(u.ID), v, &opt.WriteOptions{Sync: true}); err != nil {
		return fmt.Errorf("store: update user %s: write: %w", u.ID, err)
	}
	return nil
}

// getter is satisfied by *leveldb.DB and *leveldb.Snapshot.
type getter interface {
	Get(key []byte, ro *opt.ReadOptions) ([]byte, error)
}

// getUser reads and decodes user id from g; ErrNotFound if missing.
func getUser(g getter, id string) (User, error) {
	v, err := g.Get(userKey(id), nil)
	if err != nil {
		if errors.Is(err, leveldb.ErrNotFound) {
			return User{}, ErrNotFound
		}
		return User{}, readError("user "+id, err)
	}
	var u User
	if err := json.Unmarshal(v, &u); err != nil {
		return User{}, fmt.Errorf("store: user %s: decode: %w", id, err)
	}
	return u, nil
}

func newUserID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random user id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// validUserID reports whether id looks like an ID made by newUserID.
func validUserID(id string) bool {
	if len(id) != userIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !('A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '-' || b == '_') {
			return false
		}
	}
	return true
}

// validIdentityCode accepts the characters of a Finnish personal identity
// code (digits, letters and the century signs '+' and '-'). Checking the
// date and check character is the identification provider's job; this only
// keeps empty and odd values out of keys.
func validIdentityCode(code string) bool {
	if code == "" || len(code) > 32 {
		return false
	}
	for i := 0; i < len(code); i++ {
		b := code[i]
		if !('A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '-' || b == '+') {
			return false
		}
	}
	return true
}

func userKey(id string) []byte { return []byte("user/" + id) }

func userCodeKey(code string) []byte { return []byte("idx/user/code/" + code) }
