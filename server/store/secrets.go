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
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/lomake/lomake/server/kv"
)

// Secret returns the secret called name, making size random bytes the first time.
// Instances starting together on a shared store all get the one that was kept: the
// look-up and the write are one transaction.
func (s *Store) Secret(name string, size int) ([]byte, error) {
	fresh := make([]byte, size)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("store: secret %s: %w", name, err)
	}
	key := []byte("secret/" + name)
	var out []byte
	err := s.e.Update(context.Background(), func(tx kv.Tx) error {
		out = nil
		v, err := tx.Get(key)
		switch {
		case err == nil:
			tx.Lazy() // nothing written
			out = bytes.Clone(v)
			return nil
		case !errors.Is(err, kv.ErrNotFound):
			return err
		}
		tx.Put(key, fresh)
		out = fresh
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: secret %s: %w", name, err)
	}
	return out, nil
}
