package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

const testSessionID = "Zm9vYmFyLXNlY3JldC1jb29raWUtdmFsdWUtMTIzNDU2"

func newSession(id string, lastSeen time.Time) Session {
	return Session{
		ID:        id,
		UserID:    "user-1",
		CSRF:      "csrf-token",
		CreatedAt: t2026,
		LastSeen:  lastSeen,
	}
}

func TestSessionRoundTrip(t *testing.T) { forEachEngine(t, testSessionRoundTrip) }

func testSessionRoundTrip(t *testing.T, open func() *Store) {
	s := open()
	if err := s.PutSession(newSession(testSessionID, t2026)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Session(testSessionID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != testSessionID || got.UserID != "user-1" || got.CSRF != "csrf-token" ||
		!got.CreatedAt.Equal(t2026) || !got.LastSeen.Equal(t2026) {
		t.Errorf("Session = %+v", got)
	}

	// Replacing refreshes LastSeen.
	later := t2026.Add(10 * time.Minute)
	if err := s.PutSession(newSession(testSessionID, later)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(testSessionID + "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Session(other cookie) error = %v, want ErrNotFound", err)
	}

	// A clean shutdown keeps sessions.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open()
	got, err = s.Session(testSessionID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.LastSeen.Equal(later) {
		t.Errorf("after reopen, lastSeen = %v, want %v", got.LastSeen, later)
	}

	if err := s.DeleteSession(testSessionID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(testSessionID); err != ErrNotFound {
		t.Errorf("Session after DeleteSession error = %v, want ErrNotFound", err)
	}
	if err := s.DeleteSession(testSessionID); err != nil {
		t.Errorf("DeleteSession of a missing session: %v", err)
	}
}

// No key or value holds the cookie value, only its hash.
func TestSessionIDNotInDatabase(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func() *Store) {
		s := open()
		if err := s.PutSession(newSession(testSessionID, t2026)); err != nil {
			t.Fatal(err)
		}
		sessions := 0
		eachEntry(t, s, func(k, v []byte) {
			if bytes.Contains(k, []byte(testSessionID)) || bytes.Contains(v, []byte(testSessionID)) {
				t.Errorf("entry %q = %q contains the session id", k, v)
			}
			if bytes.HasPrefix(k, []byte("session/")) {
				sessions++
			}
		})
		if sessions != 1 {
			t.Errorf("%d session records, want 1", sessions)
		}
	})
}

// No file of a LevelDB directory holds the cookie value either.
func TestSessionIDNotInLevelDBFiles(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutSession(newSession(testSessionID, t2026)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// The write-ahead log stores records uncompressed, so the cookie value
	// would show up here if it were ever written.
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(testSessionID)) {
			t.Errorf("database file %s contains the session id", f.Name())
		}
	}
}

func TestDeleteSessionsIdleSince(t *testing.T) { forEachEngine(t, testDeleteSessionsIdleSince) }

func testDeleteSessionsIdleSince(t *testing.T, open func() *Store) {
	s := open()
	cutoff := t2026
	sessions := map[string]time.Time{
		"idle-long":  cutoff.Add(-24 * time.Hour),
		"idle-just":  cutoff.Add(-time.Nanosecond),
		"at-cutoff":  cutoff,
		"active":     cutoff.Add(time.Minute),
		"active-too": cutoff.Add(time.Hour),
	}
	for id, seen := range sessions {
		if err := s.PutSession(newSession(id, seen)); err != nil {
			t.Fatal(err)
		}
	}

	n, err := s.DeleteSessionsIdleSince(cutoff)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("deleted %d sessions, want 2", n)
	}
	for id, seen := range sessions {
		_, err := s.Session(id)
		if seen.Before(cutoff) {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("idle session %s: error = %v, want ErrNotFound", id, err)
			}
		} else if err != nil {
			t.Errorf("active session %s: %v", id, err)
		}
	}

	// Nothing left to delete.
	if n, err := s.DeleteSessionsIdleSince(cutoff); err != nil || n != 0 {
		t.Errorf("second run = %d, %v; want 0, nil", n, err)
	}
}

func TestDeleteSessionsIdleSinceManyBatches(t *testing.T) {
	forEachEngine(t, testDeleteSessionsIdleSinceManyBatches)
}

func testDeleteSessionsIdleSinceManyBatches(t *testing.T, open func() *Store) {
	s := open()
	const n = 2*deleteBatch + 7
	for i := range n {
		id := "sess-" + time.Duration(i).String()
		if err := s.PutSession(newSession(id, t2026)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutSession(newSession("fresh", t2026.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	got, err := s.DeleteSessionsIdleSince(t2026.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got != n {
		t.Errorf("deleted %d sessions, want %d", got, n)
	}
	if _, err := s.Session("fresh"); err != nil {
		t.Errorf("fresh session: %v", err)
	}
}

func TestSessionInvalidInput(t *testing.T) { forEachEngine(t, testSessionInvalidInput) }

func testSessionInvalidInput(t *testing.T, open func() *Store) {
	s := open()
	if err := s.PutSession(newSession("", t2026)); err == nil {
		t.Error("PutSession with empty id succeeded")
	}
	noUser := newSession(testSessionID, t2026)
	noUser.UserID = ""
	if err := s.PutSession(noUser); err == nil {
		t.Error("PutSession with empty user id succeeded")
	}
	if _, err := s.Session(""); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("Session(\"\") error = %v, want an invalid-input error", err)
	}
	if err := s.DeleteSession(""); err == nil {
		t.Error("DeleteSession(\"\") succeeded")
	}
}

func TestSessionsAfterClose(t *testing.T) { forEachEngine(t, testSessionsAfterClose) }

func testSessionsAfterClose(t *testing.T, open func() *Store) {
	s := open()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSession(newSession(testSessionID, t2026)); err == nil {
		t.Error("PutSession after Close succeeded")
	}
	if _, err := s.Session(testSessionID); err == nil {
		t.Error("Session after Close succeeded")
	}
	if err := s.DeleteSession(testSessionID); err == nil {
		t.Error("DeleteSession after Close succeeded")
	}
	if _, err := s.DeleteSessionsIdleSince(t2026); err == nil {
		t.Error("DeleteSessionsIdleSince after Close succeeded")
	}
}

// A session refreshed after DeleteSessionsIdleSince found it idle, but before it
// deleted it, stays: the deletion reads it again. The refresh is not held up meanwhile.
func TestDeleteSessionsIdleSinceKeepsRefreshed(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func() *Store) {
		s := open()
		cutoff := t2026
		for _, id := range []string{"idle", "refreshed", "logged-out"} {
			if err := s.PutSession(newSession(id, cutoff.Add(-time.Hour))); err != nil {
				t.Fatal(err)
			}
		}
		s.idleScanned = func() {
			if err := s.PutSession(newSession("refreshed", cutoff.Add(time.Minute))); err != nil {
				t.Error(err)
			}
			if err := s.DeleteSession("logged-out"); err != nil {
				t.Error(err)
			}
		}
		n, err := s.DeleteSessionsIdleSince(cutoff)
		if err != nil || n != 1 {
			t.Errorf("DeleteSessionsIdleSince = %d, %v; want 1 (the refreshed one kept, the logged-out one gone already)", n, err)
		}
		if _, err := s.Session("idle"); err != ErrNotFound {
			t.Errorf("idle session: %v, want ErrNotFound", err)
		}
		if got, err := s.Session("refreshed"); err != nil || !got.LastSeen.Equal(cutoff.Add(time.Minute)) {
			t.Errorf("refreshed session: %+v, %v", got, err)
		}
	})
}
