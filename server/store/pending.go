package store

// Forms waiting for their sender to identify.
//
// Keys:
//
//	pendingform/<hex(sha256(token))> → PendingForm as JSON
//
// A browser without the client (JavaScript off) that sends a form before identifying
// has nowhere on the device to keep the answers while it goes to identification. The
// server keeps them for an hour under a token in a cookie, and the form comes back
// with them. Only a hash of the token is stored, as for sessions.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lomake/lomake/server/kv"
)

const pendingFormPrefix = "pendingform/"

// MaxPendingForm bounds the answers kept for a form: far more than any form holds,
// and little for a flood of anonymous sends to fill a disk with.
const MaxPendingForm = 64 << 10

// ErrPendingTooLarge refuses answers over MaxPendingForm.
var ErrPendingTooLarge = errors.New("store: the form is too large to keep")

// PendingForm is a form kept until its sender has identified.
type PendingForm struct {
	ServiceID string          `json:"serviceId"`
	Data      json.RawMessage `json:"data"`
	Key       string          `json:"key"` // the send's idempotency key
	Expires   time.Time       `json:"expires"`
}

func pendingFormKey(token string) []byte { return secretKey(pendingFormPrefix, token) }

// PutPendingForm keeps a form under token until f.Expires.
func (s *Store) PutPendingForm(token string, f PendingForm) error {
	if token == "" || f.ServiceID == "" {
		return errors.New("store: pending form: empty token or service")
	}
	if len(f.Data) > MaxPendingForm {
		return ErrPendingTooLarge
	}
	v, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("store: pending form: encode: %w", err)
	}
	if err := s.e.Update(context.Background(), func(tx kv.Tx) error {
		tx.Put(pendingFormKey(token), v)
		return nil
	}); err != nil {
		return fmt.Errorf("store: pending form: %w", err)
	}
	return nil
}

// PendingForm returns the form kept under token, or ErrNotFound (also once expired).
func (s *Store) PendingForm(token string, now time.Time) (PendingForm, error) {
	if token == "" {
		return PendingForm{}, ErrNotFound
	}
	var f PendingForm
	err := s.e.View(context.Background(), func(r kv.Reader) error {
		f = PendingForm{}
		return getJSON(r, pendingFormKey(token), &f)
	})
	if err != nil {
		return PendingForm{}, readError("pending form", err)
	}
	if !now.Before(f.Expires) {
		return PendingForm{}, ErrNotFound
	}
	return f, nil
}

// DeletePendingForm forgets the form kept under token; a missing one is no error.
func (s *Store) DeletePendingForm(token string) error {
	if err := s.e.Update(context.Background(), func(tx kv.Tx) error {
		tx.Delete(pendingFormKey(token))
		return nil
	}); err != nil {
		return fmt.Errorf("store: delete pending form: %w", err)
	}
	return nil
}

// DeleteExpiredPendingForms removes the forms whose hour has passed (a job) and
// returns how many.
func (s *Store) DeleteExpiredPendingForms(now time.Time) (int, error) {
	var expired [][]byte
	err := s.e.View(context.Background(), func(r kv.Reader) error {
		expired = nil
		return r.Scan([]byte(pendingFormPrefix), nil, 0, func(k, v []byte) error {
			var f PendingForm
			if json.Unmarshal(v, &f) != nil || !now.Before(f.Expires) {
				expired = append(expired, append([]byte(nil), k...))
			}
			return nil
		})
	})
	if err != nil || len(expired) == 0 {
		return 0, readError("pending forms", err)
	}
	if err := s.e.Update(context.Background(), func(tx kv.Tx) error {
		for _, k := range expired {
			tx.Delete(k)
		}
		return nil
	}); err != nil {
		return 0, fmt.Errorf("store: delete expired pending forms: %w", err)
	}
	return len(expired), nil
}
