package store

// Users.
//
// Keys:
//
//	user/<id>                    → user as JSON
//	idx/user/code/<identityCode> → id
//
// The record and its identity-code index entry are written in one transaction,
// so a user is either fully there or not at all.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lomake/lomake/server/kv"
)

// ErrExists is returned by CreateUser when a user with the same identity code
// already exists.
var ErrExists = errors.New("store: already exists")

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
	var u User
	// One snapshot keeps the index entry and the record it points to consistent
	// with each other.
	err := s.e.View(context.Background(), func(r kv.Reader) error {
		id, err := r.Get(userCodeKey(code))
		if errors.Is(err, kv.ErrNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		u, err = getUser(r, string(id))
		if errors.Is(err, ErrNotFound) {
			// Index and record are written in one transaction, so this means the
			// database was damaged.
			return fmt.Errorf("index entry for missing user %s", id)
		}
		return err
	})
	if err != nil {
		return User{}, readError("user by identity code", err)
	}
	return u, nil
}

// User returns the user by ID, or ErrNotFound.
func (s *Store) User(id string) (User, error) {
	if !validUserID(id) {
		return User{}, fmt.Errorf("store: user: invalid user id %q", id)
	}
	var u User
	err := s.e.View(context.Background(), func(r kv.Reader) error {
		var err error
		u, err = getUser(r, id)
		return err
	})
	if err != nil {
		return User{}, readError("user "+id, err)
	}
	return u, nil
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

	var created User
	// The existence check and the writes are one transaction, so two CreateUser
	// calls for the same code (two tabs, two instances) make one user.
	err := s.e.Update(context.Background(), func(tx kv.Tx) error {
		created = User{}
		switch _, err := tx.Get(userCodeKey(u.IdentityCode)); {
		case err == nil:
			return ErrExists
		case !errors.Is(err, kv.ErrNotFound):
			return err
		}
		nu := u
		// A collision of 128 random bits will not happen, but checking is
		// cheap and makes overwriting another user impossible.
		for {
			id, err := newUserID()
			if err != nil {
				return err
			}
			_, err = tx.Get(userKey(id))
			if errors.Is(err, kv.ErrNotFound) {
				nu.ID = id
				break
			}
			if err != nil {
				return err
			}
		}
		v, err := json.Marshal(nu)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		tx.Put(userKey(nu.ID), v)
		tx.Put(userCodeKey(nu.IdentityCode), []byte(nu.ID))
		created = nu
		return nil
	})
	if err != nil {
		return User{}, fmt.Errorf("store: create user: %w", err)
	}
	return created, nil
}

// UpdateUser replaces an existing user's record. It returns ErrNotFound if
// there is no user with u.ID, and an error if u.IdentityCode differs from the
// stored one. CreatedAt is kept from the stored record when u.CreatedAt is
// zero, and UpdatedAt is set to the current time when u.UpdatedAt is zero.
func (s *Store) UpdateUser(u User) error {
	if !validUserID(u.ID) {
		return fmt.Errorf("store: update user: invalid user id %q", u.ID)
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = time.Now().UTC()
	}
	// Reading the stored record and replacing it are one transaction, so the checks
	// hold for what is replaced.
	err := s.e.Update(context.Background(), func(tx kv.Tx) error {
		old, err := getUser(tx, u.ID)
		if err != nil {
			return err
		}
		if u.IdentityCode != old.IdentityCode {
			return errors.New("identity code may not change")
		}
		nu := u
		if nu.CreatedAt.IsZero() {
			nu.CreatedAt = old.CreatedAt
		}
		v, err := json.Marshal(nu)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		// The identity code cannot change, so the index entry stays valid.
		tx.Put(userKey(nu.ID), v)
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: update user %s: %w", u.ID, err)
	}
	return nil
}

// getUser reads and decodes user id; ErrNotFound if missing.
func getUser(r kv.Reader, id string) (User, error) {
	var u User
	if err := getJSON(r, userKey(id), &u); err != nil {
		return User{}, err
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
