package store

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// A form kept while its sender identifies comes back under its token only, for an
// hour, and is then swept.
func TestPendingForms(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func() *Store) {
		s := open()
		now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
		f := PendingForm{ServiceID: "dog-registration", Data: json.RawMessage(`{"dog":{"name":"Musti"}}`), Key: "k1", Expires: now.Add(time.Hour)}
		if err := s.PutPendingForm("token-a", f); err != nil {
			t.Fatal(err)
		}
		got, err := s.PendingForm("token-a", now.Add(59*time.Minute))
		if err != nil || got.ServiceID != f.ServiceID || string(got.Data) != string(f.Data) || got.Key != "k1" {
			t.Fatalf("kept form: %+v %v", got, err)
		}
		for _, c := range []struct {
			token string
			at    time.Time
		}{{"token-b", now}, {"", now}, {"token-a", now.Add(time.Hour)}} {
			if _, err := s.PendingForm(c.token, c.at); !errors.Is(err, ErrNotFound) {
				t.Errorf("token %q at %v: %v, want ErrNotFound", c.token, c.at, err)
			}
		}
		if err := s.PutPendingForm("token-big", PendingForm{ServiceID: "x", Data: json.RawMessage(`"` + strings.Repeat("a", MaxPendingForm) + `"`)}); !errors.Is(err, ErrPendingTooLarge) {
			t.Errorf("an oversize form: %v", err)
		}
		if err := s.PutPendingForm("token-c", PendingForm{ServiceID: "x", Data: json.RawMessage(`{}`), Expires: now.Add(2 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.DeleteExpiredPendingForms(now.Add(90 * time.Minute)); err != nil || n != 1 {
			t.Errorf("swept %d (%v), want the one expired", n, err)
		}
		if _, err := s.PendingForm("token-c", now); err != nil {
			t.Errorf("the form still in its hour was swept: %v", err)
		}
		if err := s.DeletePendingForm("token-c"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PendingForm("token-c", now); !errors.Is(err, ErrNotFound) {
			t.Errorf("a deleted form: %v", err)
		}
	})
}
