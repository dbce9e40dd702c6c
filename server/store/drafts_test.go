package store

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// Two devices save the same draft: the second, based on an old revision, is refused
// with the current draft instead of overwriting it.
func TestDraftRevisions(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
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
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
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

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	json.Unmarshal(a, &x)
	json.Unmarshal(b, &y)
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}
