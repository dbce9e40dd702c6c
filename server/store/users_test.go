package store

import (
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lomake/lomake/server/kv"
)

func newUser(code string) User {
	return User{
		IdentityCode: code,
		GivenName:    "Maija",
		FamilyName:   "Meikäläinen",
	}
}

func mustCreateUser(t testing.TB, s *Store, u User) User {
	t.Helper()
	got, err := s.CreateUser(u)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestCreateUserFindByCodeAndID(t *testing.T) { forEachEngine(t, testCreateUserFindByCodeAndID) }

func testCreateUserFindByCodeAndID(t *testing.T, open func() *Store) {
	s := open()
	before := time.Now()

	u := mustCreateUser(t, s, newUser("010280-952L"))
	raw, err := base64.RawURLEncoding.DecodeString(u.ID)
	if err != nil || len(raw) != 16 {
		t.Errorf("ID %q is not 16 bytes of unpadded base64url (err %v)", u.ID, err)
	}
	if strings.Contains(u.ID, "010280") {
		t.Errorf("ID %q contains the identity code", u.ID)
	}
	if u.CreatedAt.Before(before) || !u.UpdatedAt.Equal(u.CreatedAt) {
		t.Errorf("createdAt %v, updatedAt %v; want now and equal", u.CreatedAt, u.UpdatedAt)
	}
	other := mustCreateUser(t, s, newUser("311299-999X"))
	if other.ID == u.ID {
		t.Errorf("two users got the same ID %q", u.ID)
	}

	byCode, err := s.UserByIdentityCode("010280-952L")
	if err != nil {
		t.Fatal(err)
	}
	byID, err := s.User(u.ID)
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]User{"by code": byCode, "by id": byID} {
		if got.ID != u.ID || got.IdentityCode != "010280-952L" || got.GivenName != "Maija" ||
			got.FamilyName != "Meikäläinen" || got.Registered || !got.CreatedAt.Equal(u.CreatedAt) {
			t.Errorf("%s: got %+v, want %+v", name, got, u)
		}
	}

	if _, err := s.UserByIdentityCode("010280-952M"); !errors.Is(err, ErrNotFound) {
		t.Errorf("UserByIdentityCode(unknown) error = %v, want ErrNotFound", err)
	}
	if _, err := s.User("AAAAAAAAAAAAAAAAAAAAAA"); !errors.Is(err, ErrNotFound) {
		t.Errorf("User(unknown) error = %v, want ErrNotFound", err)
	}
}

func TestCreateUserKeepsGivenTimes(t *testing.T) { forEachEngine(t, testCreateUserKeepsGivenTimes) }

func testCreateUserKeepsGivenTimes(t *testing.T, open func() *Store) {
	s := open()
	in := newUser("010280-952L")
	in.ID = "chosen-by-caller"
	in.CreatedAt = t2026
	in.UpdatedAt = t2026.Add(time.Hour)
	u := mustCreateUser(t, s, in)
	if u.ID == "chosen-by-caller" {
		t.Error("CreateUser kept the caller's ID instead of assigning a fresh one")
	}
	got, err := s.User(u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedAt.Equal(t2026) || !got.UpdatedAt.Equal(t2026.Add(time.Hour)) {
		t.Errorf("times = %v, %v; want %v, %v", got.CreatedAt, got.UpdatedAt, t2026, t2026.Add(time.Hour))
	}
}

func TestCreateUserDuplicateCode(t *testing.T) { forEachEngine(t, testCreateUserDuplicateCode) }

func testCreateUserDuplicateCode(t *testing.T, open func() *Store) {
	s := open()
	first := mustCreateUser(t, s, newUser("010280-952L"))

	dup := newUser("010280-952L")
	dup.GivenName = "Impostor"
	if _, err := s.CreateUser(dup); !errors.Is(err, ErrExists) {
		t.Fatalf("second CreateUser error = %v, want ErrExists", err)
	}
	got, err := s.UserByIdentityCode("010280-952L")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != first.ID || got.GivenName != "Maija" {
		t.Errorf("after duplicate, user = %+v, want the first one %+v", got, first)
	}
}

func TestCreateUserConcurrentSameCode(t *testing.T) {
	forEachEngine(t, testCreateUserConcurrentSameCode)
}

func testCreateUserConcurrentSameCode(t *testing.T, open func() *Store) {
	s := open()

	const n = 20
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		ids   = make([]string, n)
		errs  = make([]error, n)
	)
	for i := range n {
		wg.Go(func() {
			<-start
			u, err := s.CreateUser(newUser("010280-952L"))
			ids[i], errs[i] = u.ID, err
		})
	}
	close(start)
	wg.Wait()

	var winner string
	for i, err := range errs {
		switch {
		case err == nil:
			if winner != "" {
				t.Errorf("more than one CreateUser succeeded: %s and %s", winner, ids[i])
			}
			winner = ids[i]
		case !errors.Is(err, ErrExists):
			t.Errorf("CreateUser error = %v, want nil or ErrExists", err)
		}
	}
	if winner == "" {
		t.Fatal("no CreateUser succeeded")
	}
	got, err := s.UserByIdentityCode("010280-952L")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != winner {
		t.Errorf("UserByIdentityCode ID = %s, want the winner %s", got.ID, winner)
	}
	// No orphan records from the losers.
	if n := countPrefix(t, s, "user/"); n != 1 {
		t.Errorf("%d user records in the database, want 1", n)
	}
}

func TestUpdateUserPersistsAcrossReopen(t *testing.T) {
	forEachEngine(t, testUpdateUserPersistsAcrossReopen)
}

func testUpdateUserPersistsAcrossReopen(t *testing.T, open func() *Store) {
	s := open()
	u := mustCreateUser(t, s, newUser("010280-952L"))

	consent := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
	u.Registered = true
	u.ConsentAt = consent
	u.Email = "maija@example.fi"
	u.Phone = "+358401234567"
	u.Language = "sv"
	u.Channel = "both"
	u.UpdatedAt = time.Time{} // let the store stamp it
	if err := s.UpdateUser(u); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open()
	got, err := s.UserByIdentityCode("010280-952L")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != u.ID || !got.Registered || !got.ConsentAt.Equal(consent) || got.Email != "maija@example.fi" ||
		got.Phone != "+358401234567" || got.Language != "sv" || got.Channel != "both" ||
		got.GivenName != "Maija" || !got.CreatedAt.Equal(u.CreatedAt) {
		t.Errorf("after reopen, user = %+v, want %+v", got, u)
	}
	if got.UpdatedAt.Before(got.CreatedAt) || got.UpdatedAt.IsZero() {
		t.Errorf("updatedAt = %v, want set and not before createdAt %v", got.UpdatedAt, got.CreatedAt)
	}
}

func TestUpdateUserErrors(t *testing.T) { forEachEngine(t, testUpdateUserErrors) }

func testUpdateUserErrors(t *testing.T, open func() *Store) {
	s := open()
	u := mustCreateUser(t, s, newUser("010280-952L"))

	missing := u
	missing.ID = "AAAAAAAAAAAAAAAAAAAAAA"
	if err := s.UpdateUser(missing); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateUser(missing) error = %v, want ErrNotFound", err)
	}

	changed := u
	changed.IdentityCode = "311299-999X"
	changed.GivenName = "Someone else"
	if err := s.UpdateUser(changed); err == nil {
		t.Error("UpdateUser changing the identity code succeeded")
	}
	got, err := s.User(u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.IdentityCode != "010280-952L" || got.GivenName != "Maija" {
		t.Errorf("after rejected update, user = %+v, want unchanged", got)
	}
	if _, err := s.UserByIdentityCode("311299-999X"); !errors.Is(err, ErrNotFound) {
		t.Errorf("new code findable after rejected update: error = %v", err)
	}
}

func TestUserInvalidInput(t *testing.T) { forEachEngine(t, testUserInvalidInput) }

func testUserInvalidInput(t *testing.T, open func() *Store) {
	s := open()
	if _, err := s.CreateUser(newUser("")); err == nil {
		t.Error("CreateUser with empty identity code succeeded")
	}
	if _, err := s.CreateUser(newUser("010280/952L")); err == nil {
		t.Error("CreateUser with '/' in identity code succeeded")
	}
	if _, err := s.UserByIdentityCode(""); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("UserByIdentityCode(\"\") error = %v, want an invalid-input error", err)
	}
	if _, err := s.User(""); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("User(\"\") error = %v, want an invalid-input error", err)
	}
	if err := s.UpdateUser(User{IdentityCode: "010280-952L"}); err == nil {
		t.Error("UpdateUser with empty ID succeeded")
	}
}

func TestUsersAfterClose(t *testing.T) { forEachEngine(t, testUsersAfterClose) }

func testUsersAfterClose(t *testing.T, open func() *Store) {
	s := open()
	u := mustCreateUser(t, s, newUser("010280-952L"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(newUser("311299-999X")); !errors.Is(err, kv.ErrClosed) {
		t.Errorf("CreateUser after Close: %v, want kv.ErrClosed", err)
	}
	if _, err := s.User(u.ID); err == nil {
		t.Error("User after Close succeeded")
	}
	if _, err := s.UserByIdentityCode("010280-952L"); err == nil {
		t.Error("UserByIdentityCode after Close succeeded")
	}
	if err := s.UpdateUser(u); err == nil {
		t.Error("UpdateUser after Close succeeded")
	}
}
