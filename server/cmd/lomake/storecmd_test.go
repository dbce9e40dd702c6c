package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lomake/lomake/server/kv/postgreskv/pgtest"
	"github.com/lomake/lomake/server/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errs bytes.Buffer
	code := storeCommand(args, &out, &errs)
	return out.String() + errs.String(), code
}

// A portal moves from LevelDB to PostgreSQL and back with "lomake store copy", and a
// backup restores: the data arrives whole (same keys per kind and checksum), and a
// store with data in it is never copied into.
func TestStoreCommand(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	st, err := store.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for range 3 {
		if _, err := st.CreateCase(ctx, "KOI", store.Case{ServiceID: "dog-registration", Owner: "u", Data: []byte(`{}`), CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.CreateUser(store.User{IdentityCode: "010280-952L", GivenName: "Tessa", FamilyName: "Testilä"}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	stats, code := run(t, "stats", "leveldb:"+src)
	if code != 0 || !strings.Contains(stats, "case 3") || !strings.Contains(stats, "user 1") {
		t.Fatalf("stats: %d %s", code, stats)
	}
	checksum := stats[strings.LastIndex(stats, "sha256 "):]

	pg := pgtest.URL(t)
	if out, code := run(t, "copy", "--from", "leveldb:"+src, "--to", pg); code != 0 || !strings.Contains(out, checksum) {
		t.Fatalf("copy to PostgreSQL: %d %s", code, out)
	}
	back := t.TempDir()
	if out, code := run(t, "copy", "--from", pg, "--to", back); code != 0 || !strings.Contains(out, checksum) {
		t.Fatalf("copy back: %d %s", code, out)
	}
	if out, code := run(t, "copy", "--from", src, "--to", back); code == 0 || !strings.Contains(out, "not empty") {
		t.Errorf("copy into a store with data: %d %s", code, out)
	}

	file := filepath.Join(t.TempDir(), "portal.backup")
	if out, code := run(t, "backup", "--from", pg, "--to", file); code != 0 || !strings.Contains(out, checksum) {
		t.Fatalf("backup: %d %s", code, out)
	}
	restored := t.TempDir()
	if out, code := run(t, "restore", "--from", file, "--to", restored); code != 0 || !strings.Contains(out, checksum) {
		t.Fatalf("restore: %d %s", code, out)
	}
	st, err = store.Open(restored)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if c, err := st.Case("HEL-KOI-2026-000003"); err != nil || c.ServiceID != "dog-registration" {
		t.Errorf("restored case: %+v %v", c, err)
	}
	missing := filepath.Join(t.TempDir(), "nope")
	if out, code := run(t, "stats", missing); code != 1 || !strings.Contains(out, "no store at") {
		t.Errorf("stats of a missing directory: %d %s", code, out)
	}
	if _, code := run(t, "nonsense"); code != 2 {
		t.Errorf("an unknown command: exit %d", code)
	}
}
