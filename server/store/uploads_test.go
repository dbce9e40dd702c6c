package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lomake/lomake/server/kv"
)

func newUpload(id, owner string, at time.Time) Upload {
	return Upload{ID: id, Owner: owner, ServiceID: "dog-registration", Pointer: "/dog/photo",
		Name: "musti.jpg", Size: 20 << 20, Incomplete: true, CreatedAt: at}
}

// putComplete records an upload and completes it, as the upload endpoint does.
func putComplete(t *testing.T, s *Store, u Upload) Upload {
	t.Helper()
	ctx := context.Background()
	if err := s.PutUpload(ctx, u, UploadQuota{}); err != nil {
		t.Fatal(err)
	}
	done, err := s.CompleteUpload(ctx, u.ID, "image/jpeg", 1234, "ab12")
	if err != nil {
		t.Fatal(err)
	}
	return done
}

// reference stores a case that refers to refs, as CreateCaseOnce's transaction will.
func reference(s *Store, owner string, refs []UploadRef, number string) error {
	return s.Engine().Update(context.Background(), func(tx kv.Tx) error {
		if err := ReferenceUploads(tx, owner, "dog-registration", refs, number); err != nil {
			return err
		}
		tx.Put([]byte("case/"+number), []byte(`{}`))
		return nil
	})
}

func TestUploadRecord(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func() *Store) {
		s := open()
		ctx := context.Background()
		at := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
		u := newUpload("u1", "tessa", at)
		if err := s.PutUpload(ctx, u, UploadQuota{}); err != nil {
			t.Fatal(err)
		}
		if err := s.PutUpload(ctx, u, UploadQuota{}); !errors.Is(err, ErrExists) {
			t.Errorf("the same id again: %v, want ErrExists", err)
		}
		got, err := s.Upload(ctx, "u1")
		if err != nil || !got.Incomplete || got.Owner != "tessa" || !got.CreatedAt.Equal(at) {
			t.Fatalf("Upload = %+v, %v", got, err)
		}
		done, err := s.CompleteUpload(ctx, "u1", "image/jpeg", 1234, "ab12")
		if err != nil || done.Incomplete || done.Size != 1234 || done.Type != "image/jpeg" || done.SHA256 != "ab12" {
			t.Fatalf("CompleteUpload = %+v, %v", done, err)
		}
		// It survives a restart.
		s.Close()
		s = open()
		if got, err := s.Upload(ctx, "u1"); err != nil || got != done {
			t.Errorf("after a restart: %+v, %v; want %+v", got, err, done)
		}
		for _, id := range []string{"nope", "", "a/b"} {
			if _, err := s.Upload(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Errorf("Upload(%q) = %v, want ErrNotFound", id, err)
			}
		}
		if _, err := s.CompleteUpload(ctx, "nope", "x", 1, "y"); !errors.Is(err, ErrNotFound) {
			t.Errorf("completing a missing upload: %v", err)
		}
		for _, bad := range []Upload{{ID: "a/b", Owner: "o", ServiceID: "s"}, {ID: "x", Owner: "", ServiceID: "s"}, {ID: "x", Owner: "o", ServiceID: "s", Case: "HEL-1"}} {
			if err := s.PutUpload(ctx, bad, UploadQuota{}); err == nil {
				t.Errorf("PutUpload(%+v) succeeded", bad)
			}
		}
	})
}

func TestUploadQuota(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func() *Store) {
		s := open()
		ctx := context.Background()
		q := UploadQuota{Count: 3, Bytes: 100 << 20}
		for i := 0; i < 3; i++ {
			if err := s.PutUpload(ctx, newUpload(fmt.Sprint("c", i), "tessa", time.Now()), q); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.PutUpload(ctx, newUpload("c3", "tessa", time.Now()), q); !errors.Is(err, ErrUploadQuota) {
			t.Errorf("a fourth upload: %v, want ErrUploadQuota", err)
		}
		// Another resident has a quota of their own.
		if err := s.PutUpload(ctx, newUpload("j0", "joni", time.Now()), q); err != nil {
			t.Errorf("another owner: %v", err)
		}
		// Sent uploads no longer count; neither do deleted ones.
		if _, err := s.CompleteUpload(ctx, "c0", "image/jpeg", 10, "s"); err != nil {
			t.Fatal(err)
		}
		if err := reference(s, "tessa", []UploadRef{{"c0", "/dog/photo"}}, "HEL-KOI-2026-000001"); err != nil {
			t.Fatal(err)
		}
		if err := s.PutUpload(ctx, newUpload("c4", "tessa", time.Now()), q); err != nil {
			t.Errorf("after sending one: %v", err)
		}
		if _, err := s.DeleteUpload(ctx, "c1"); err != nil {
			t.Fatal(err)
		}
		if err := s.PutUpload(ctx, newUpload("c5", "tessa", time.Now()), q); err != nil {
			t.Errorf("after deleting one: %v", err)
		}
		// Bytes count too: a reservation counts as its largest size, a complete upload as
		// its own.
		byBytes := UploadQuota{Bytes: 50 << 20}
		if err := s.PutUpload(ctx, newUpload("b0", "aino", time.Now()), byBytes); err != nil {
			t.Fatal(err)
		}
		if err := s.PutUpload(ctx, newUpload("b1", "aino", time.Now()), byBytes); err != nil {
			t.Fatal(err)
		}
		if err := s.PutUpload(ctx, newUpload("b2", "aino", time.Now()), byBytes); !errors.Is(err, ErrUploadQuota) {
			t.Errorf("over the bytes: %v", err)
		}
		s.CompleteUpload(ctx, "b0", "image/jpeg", 1, "s")
		if err := s.PutUpload(ctx, newUpload("b2", "aino", time.Now()), byBytes); err != nil {
			t.Errorf("after the first turned out small: %v", err)
		}
	})
}

// Uploads racing for the last place of a quota: exactly one gets it.
func TestUploadQuotaUnderRace(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func() *Store) {
		s := open()
		var wg sync.WaitGroup
		errs := make([]error, 10)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.PutUpload(context.Background(), newUpload(fmt.Sprint("r", i), "tessa", time.Now()), UploadQuota{Count: 1})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, ErrUploadQuota):
				t.Error(err)
			}
		}
		if ok != 1 {
			t.Errorf("%d uploads got the one place", ok)
		}
	})
}

func TestReferenceUploads(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func() *Store) {
		s := open()
		ctx := context.Background()
		now := time.Now().UTC()
		putComplete(t, s, newUpload("photo", "tessa", now))
		list := newUpload("list1", "tessa", now)
		list.Pointer = "/appendices/2"
		putComplete(t, s, list)
		putComplete(t, s, newUpload("joni", "joni", now))
		other := newUpload("other", "tessa", now)
		other.ServiceID = "resident-parking-permit"
		putComplete(t, s, other)
		if err := s.PutUpload(ctx, newUpload("half", "tessa", now), UploadQuota{}); err != nil {
			t.Fatal(err)
		}

		for _, c := range []struct {
			name   string
			refs   []UploadRef
			reason string
		}{
			{"unknown id", []UploadRef{{"photo", "/dog/photo"}, {"nope", "/dog/photo"}}, UploadUnknown},
			{"someone else's", []UploadRef{{"joni", "/dog/photo"}}, UploadUnknown},
			{"another service's", []UploadRef{{"other", "/dog/photo"}}, UploadService},
			{"another field's", []UploadRef{{"photo", "/dog/vaccination"}}, UploadField},
			{"a list item as a plain field", []UploadRef{{"list1", "/appendices"}}, UploadField},
			{"unfinished", []UploadRef{{"half", "/dog/photo"}}, UploadIncomplete},
			{"twice", []UploadRef{{"photo", "/dog/photo"}, {"photo", "/dog/photo"}}, UploadUsed},
			{"a bad id", []UploadRef{{"../x/y", "/dog/photo"}}, UploadUnknown},
		} {
			err := reference(s, "tessa", c.refs, "HEL-KOI-2026-000009")
			var re *UploadRefError
			if !errors.As(err, &re) || re.Reason != c.reason || !errors.Is(err, ErrUploadRefused) {
				t.Errorf("%s: %v, want reason %s", c.name, err, c.reason)
			}
			// The refused case was not stored, and no upload became its.
			if countPrefix(t, s, "case/") != 0 {
				t.Fatalf("%s: the case was stored", c.name)
			}
			if u, _ := s.Upload(ctx, "photo"); u.Case != "" {
				t.Fatalf("%s: an upload of a refused case belongs to it", c.name)
			}
		}

		// A list item may move: /appendices/2 sent as /appendices/0.
		refs := []UploadRef{{"photo", "/dog/photo"}, {"list1", "/appendices/0"}}
		if err := reference(s, "tessa", refs, "HEL-KOI-2026-000001"); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"photo", "list1"} {
			if u, _ := s.Upload(ctx, id); u.Case != "HEL-KOI-2026-000001" {
				t.Errorf("%s belongs to %q", id, u.Case)
			}
		}
		// A second case cannot take them, and they cannot be deleted.
		err := reference(s, "tessa", []UploadRef{{"photo", "/dog/photo"}}, "HEL-KOI-2026-000002")
		var re *UploadRefError
		if !errors.As(err, &re) || re.Reason != UploadUsed {
			t.Errorf("a second case: %v", err)
		}
		if _, err := s.DeleteUpload(ctx, "photo"); !errors.Is(err, ErrUploadReferenced) {
			t.Errorf("deleting a sent upload: %v", err)
		}
		if err := reference(s, "tessa", nil, ""); err == nil {
			t.Error("a reference without a case number succeeded")
		}
	})
}

func TestUnreferencedUploadsAreSwept(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func() *Store) {
		s := open()
		ctx := context.Background()
		day := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
		putComplete(t, s, newUpload("old", "tessa", day))
		putComplete(t, s, newUpload("sent", "tessa", day))
		putComplete(t, s, newUpload("new", "tessa", day.Add(48*time.Hour)))
		if err := s.PutUpload(ctx, newUpload("stuck", "joni", day), UploadQuota{}); err != nil { // never completed
			t.Fatal(err)
		}
		if err := reference(s, "tessa", []UploadRef{{"sent", "/dog/photo"}}, "HEL-KOI-2026-000001"); err != nil {
			t.Fatal(err)
		}
		got, err := s.UnreferencedUploadsBefore(ctx, day.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, u := range got {
			ids[u.ID] = true
		}
		if len(got) != 2 || !ids["old"] || !ids["stuck"] {
			t.Fatalf("unreferenced before: %v", ids)
		}
		for _, u := range got {
			deleted, err := s.DeleteUpload(ctx, u.ID)
			if err != nil || deleted.ID != u.ID {
				t.Errorf("DeleteUpload(%s) = %+v, %v", u.ID, deleted, err)
			}
		}
		if _, err := s.DeleteUpload(ctx, "old"); !errors.Is(err, ErrNotFound) {
			t.Errorf("deleting again: %v", err)
		}
		if got, _ := s.UnreferencedUploadsBefore(ctx, day.Add(100*time.Hour)); len(got) != 1 || got[0].ID != "new" {
			t.Errorf("left: %v", got)
		}
		if n := countPrefix(t, s, pendingPrefix); n != 1 {
			t.Errorf("%d pending index entries, want 1", n)
		}
	})
}

func TestSameField(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"/dog/photo", "/dog/photo", true},
		{"/appendices/2", "/appendices/0", true},
		{"/guardians/1/id", "/guardians/0/id", true},
		{"/appendices/2", "/appendices", false},
		{"/dog/photo", "/dog/x", false},
		{"/appendices/a", "/appendices/0", false},
		{"", "", true},
	} {
		if got := sameField(c.a, c.b); got != c.want {
			t.Errorf("sameField(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

// A retired upload can no longer be sent; a sent one cannot be retired.
func TestRetireUpload(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func() *Store) {
		s := open()
		ctx := context.Background()
		putComplete(t, s, newUpload("going", "tessa", time.Now()))
		putComplete(t, s, newUpload("sent", "tessa", time.Now()))
		if err := reference(s, "tessa", []UploadRef{{"sent", "/dog/photo"}}, "HEL-KOI-2026-000001"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RetireUpload(ctx, "sent"); !errors.Is(err, ErrUploadReferenced) {
			t.Errorf("retiring a sent upload: %v", err)
		}
		u, err := s.RetireUpload(ctx, "going")
		if err != nil || !u.Incomplete {
			t.Fatalf("RetireUpload = %+v, %v", u, err)
		}
		err = reference(s, "tessa", []UploadRef{{"going", "/dog/photo"}}, "HEL-KOI-2026-000002")
		var re *UploadRefError
		if !errors.As(err, &re) || re.Reason != UploadIncomplete {
			t.Errorf("sending a retired upload: %v", err)
		}
		if _, err := s.RetireUpload(ctx, "going"); err != nil {
			t.Errorf("retiring twice: %v", err)
		}
		if _, err := s.DeleteUpload(ctx, "going"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RetireUpload(ctx, "going"); !errors.Is(err, ErrNotFound) {
			t.Errorf("retiring a deleted upload: %v", err)
		}
	})
}
