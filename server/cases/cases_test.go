package cases

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/server/store"
)

const dog = `{"owner": {"firstName": "Tessa", "lastName": "Testilä", "personalIdentityCode": "010280-952L",
  "streetAddress": "Pohjoisesplanadi 11", "postalCode": "00170", "postOffice": "Helsinki", "email": "tessa@example.fi"},
  "dog": {"name": "Musti", "breed": "Suomenpystykorva", "sex": "female", "birthDate": "2024-03-01",
  "microchipNumber": "246098100123456"}}`

func setup(t *testing.T, now time.Time) (*Cases, *store.Store, *schemas.Service) {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r, err := schemas.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return New(st, func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil))), st, r.Service("dog-registration")
}

// A case sent at 00:30 on New Year's Day in Helsinki (22:30 UTC the day before) belongs
// to the new year, numbered from 1.
func TestNumberFollowsTheHelsinkiYear(t *testing.T) {
	c, _, s := setup(t, time.Date(2026, 12, 31, 22, 30, 0, 0, time.UTC))
	res, err := c.Submit(context.Background(), Submission{Service: s, Owner: store.User{ID: "u1"}, Lang: "fi", Data: []byte(dog)})
	if err != nil || res.Case.Number != "HEL-KOI-2027-000001" || res.Case.Status != Sent {
		t.Fatalf("%+v %v", res.Case, err)
	}
	if got := res.Case.CreatedAt.Format("2006-01-02 15:04 MST"); got != "2027-01-01 00:30 EET" {
		t.Errorf("created at %s", got)
	}
}

func TestSubmit(t *testing.T) {
	c, st, s := setup(t, time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC))
	ctx := context.Background()
	tessa := store.User{ID: "tessa"}
	if _, err := st.PutDraft(tessa.ID, store.Draft{ServiceID: s.ID, SchemaVersion: 1, Data: json.RawMessage(`{}`)}, 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	t.Run("violations stop it", func(t *testing.T) {
		res, err := c.Submit(ctx, Submission{Service: s, Owner: tessa, Data: []byte(`{}`)})
		if err != nil || len(res.Violations) == 0 || res.Case.Number != "" {
			t.Errorf("%+v %v", res, err)
		}
	})
	t.Run("hostile JSON is an error", func(t *testing.T) {
		if _, err := c.Submit(ctx, Submission{Service: s, Owner: tessa, Data: []byte(`{"a":1,"a":2}`)}); !errors.Is(err, schemas.ErrInvalidJSON) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("a gone asker is not validated for", func(t *testing.T) {
		gone, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := c.Submit(gone, Submission{Service: s, Owner: tessa, Data: []byte(dog)}); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})
	first, err := c.Submit(ctx, Submission{Service: s, Owner: tessa, Data: []byte(dog), Key: "k1"})
	if err != nil || first.Replayed {
		t.Fatalf("%+v %v", first, err)
	}
	t.Run("the draft became the case", func(t *testing.T) {
		if _, err := st.Draft(tessa.ID, s.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("draft still there: %v", err)
		}
	})
	t.Run("replayed", func(t *testing.T) {
		again, err := c.Submit(ctx, Submission{Service: s, Owner: tessa, Data: []byte(dog), Key: "k1"})
		if err != nil || !again.Replayed || again.Case.Number != first.Case.Number {
			t.Errorf("%+v %v", again, err)
		}
	})
	t.Run("key reused for another body", func(t *testing.T) {
		other := []byte(strings.Replace(dog, "Musti", "Rekku", 1))
		if _, err := c.Submit(ctx, Submission{Service: s, Owner: tessa, Data: other, Key: "k1"}); !errors.Is(err, ErrKeyReused) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("only the sender reads it", func(t *testing.T) {
		if _, err := c.Get(ctx, tessa, first.Case.Number); err != nil {
			t.Errorf("owner: %v", err)
		}
		for _, u := range []store.User{{ID: "joni"}, {}} {
			if _, err := c.Get(ctx, u, first.Case.Number); !errors.Is(err, ErrNotFound) {
				t.Errorf("%q reads it: %v", u.ID, err)
			}
		}
		if _, err := c.Get(ctx, tessa, "HEL-KOI-2026-999999"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown: %v", err)
		}
	})
}
