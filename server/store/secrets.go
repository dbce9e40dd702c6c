package store

// Secrets.
//
// Keys:
//
//	secret/<name> → random bytes
//
// A secret made once and kept, such as the key that signs cookies, so that every
// restart (and, with a shared store, every instance) signs with the same key.

import (
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"
)

// Secret returns the secret called name, making size random bytes the first time.
func (s *Store) Secret(name string, size int) ([]byte, error) {
	s.locks.secrets.Lock()
	defer s.locks.secrets.Unlock()
	key := []byte("secret/" + name)
	v, err := s.db.Get(key, nil)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, leveldb.ErrNotFound) {
		return nil, readError("secret "+name, err)
	}
	v = make([]byte, size)
	if _, err := rand.Read(v); err != nil {
		return nil, fmt.Errorf("store: secret %s: %w", name, err)
	}
	if err := s.db.Put(key, v, &opt.WriteOptions{Sync: true}); err != nil {
		return nil, fmt.Errorf("store: secret %s: write: %w", name, err)
	}
	return v, nil
}
