package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// Two devices save the same draft: the second, based on an old revision, is refused
// with the current draft instead of overwriting it.
func TestDraftRevisions(t *testing.T) { forEachEngine(t, testDraftRevisions) }

func testDraftRevisions(t *testing.T, open func() *Store) {
	s := open()
	now := time.Now().UTC()
	d := Draft{ServiceID: "dog-registration", SchemaVersion: 1, Data: json.RawMessage(`{"dog": {"name": "Musti"}}`)}
	first, err := s.PutDraft("u1", d, 0, now)
	if err != nil || first.Rev != 1 {
		t.Fatalf("create: %+v %v", first, err)
	}
	if _, err := s.PutDraft("u1", d, 0, now); !errors.Is(err, ErrConflict) {
		t.Errorf("creating again: %v, want ErrConflict", err)
	}
	phone := d
	phone.Data = json.RawMessage(`{"dog": {"name": "Musti", "breed": "Pystykorva"}}`)
	second, err := s.PutDraft("u1", phone, 1, now)
	if err != nil || second.Rev != 2 {
		t.Fatalf("phone saves: %+v %v", second, err)
	}
	laptop := d
	laptop.Data = json.RawMessage(`{"dog": {"name": "Rekku"}}`)
	cur, err := s.PutDraft("u1", laptop, 1, now)
	if !errors.Is(err, ErrConflict) || cur.Rev != 2 || !jsonEqual(cur.Data, phone.Data) {
		t.Errorf("laptop on an old revision: %+v %v", cur, err)
	}
	s.Close()
	s = open()
	got, err := s.Draft("u1", "dog-registration")
	if err != nil || got.Rev != 2 {
		t.Fatalf("after restart: %+v %v", got, err)
	}
	if list, _ := s.Drafts("u1"); len(list) != 1 {
		t.Errorf("u1 has %d drafts", len(list))
	}
	if list, _ := s.Drafts("u2"); len(list) != 0 {
		t.Errorf("u2 sees %d drafts", len(list))
	}
	s.DeleteDraft("u1", "dog-registration")
	if _, err := s.Draft("u1", "dog-registration"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
}

// Devices saving at once on the same revision: one wins, every other one is refused
// with the winner's draft.
func TestDraftConcurrentSaves(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func() *Store) {
		s := open()
		now := time.Now().UTC()
		d := Draft{ServiceID: "dog-registration", SchemaVersion: 1, Data: json.RawMessage(`{}`)}
		if _, err := s.PutDraft("u1", d, 0, now); err != nil {
			t.Fatal(err)
		}
		const n = 10
		var (
			wg      sync.WaitGroup
			results = make([]Draft, n)
			errs    = make([]error, n)
		)
		for i := range n {
			wg.Go(func() {
				mine := d
				mine.Data = json.RawMessage(fmt.Sprintf(`{"device":%d}`, i))
				results[i], errs[i] = s.PutDraft("u1", mine, 1, now)
			})
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil:
				if winner >= 0 {
					t.Errorf("devices %d and %d both saved on revision 1", winner, i)
				}
				winner = i
			case !errors.Is(err, ErrConflict):
				t.Errorf("device %d: %v", i, err)
			}
		}
		if winner < 0 {
			t.Fatal("no save won")
		}
		want := results[winner]
		for i, err := range errs {
			if err != nil && (results[i].Rev != 2 || !jsonEqual(results[i].Data, want.Data)) {
				t.Errorf("device %d refused with %+v, want the winner's %+v", i, results[i], want)
			}
		}
		if got, err := s.Draft("u1", "dog-registration"); err != nil || got.Rev != 2 || !jsonEqual(got.Data, want.Data) {
			t.Errorf("stored %+v, %v; want the winner's", got, err)
		}
	})
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	json.Unmarshal(a, &x)
	json.Unmarshal(b, &y)
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}
