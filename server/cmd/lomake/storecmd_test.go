package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lomake/lomake/server/files"
	"github.com/lomake/lomake/server/kv"
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

// attachment is a resident's file of three chunks and a bit.
var attachment = bytes.Repeat([]byte("%PDF-1.7 rokotustodistus "), 3*files.ChunkSize/25+7)

// putAttachment stores attachment in a LevelDB portal as the server does: the bytes in
// DIR/files, the upload record in the store.
func putAttachment(t *testing.T, dir string, st *store.Store) string {
	t.Helper()
	ctx := context.Background()
	d, err := files.Dir(filepath.Join(dir, "files"))
	if err != nil {
		t.Fatal(err)
	}
	id := files.NewID()
	if err := st.PutUpload(ctx, store.Upload{ID: id, Owner: "u", ServiceID: "dog-registration", Pointer: "/certificate", Name: "todistus.pdf", Size: int64(len(attachment)), Incomplete: true}, store.UploadQuota{}); err != nil {
		t.Fatal(err)
	}
	info, err := d.Put(ctx, id, bytes.NewReader(attachment), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CompleteUpload(ctx, id, "application/pdf", info.Size, info.SHA256); err != nil {
		t.Fatal(err)
	}
	return id
}

// checkAttachment checks that the store at where has the attachment id, whole and as
// its record says: a LevelDB store in DIR/files and none of it as LevelDB values, a
// PostgreSQL store as records that files.KV reads.
func checkAttachment(t *testing.T, where, id string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenURL(ctx, where)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.Upload(ctx, id)
	if err != nil {
		t.Fatalf("%s: the upload's record: %v", where, err)
	}
	var fs files.Store = files.KV(st.Engine())
	if !strings.Contains(where, "://") {
		if fs, err = files.Dir(filepath.Join(where, "files")); err != nil {
			t.Fatal(err)
		}
		var values []string
		st.Engine().View(ctx, func(r kv.Reader) error {
			return r.Scan([]byte("file"), nil, 0, func(k, _ []byte) error { values = append(values, string(k)); return nil })
		})
		if len(values) > 0 {
			t.Errorf("%s: files kept as LevelDB values: %v", where, values)
		}
	}
	rc, err := fs.Open(ctx, id)
	if err != nil {
		t.Fatalf("%s: the attachment: %v", where, err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	sum := sha256.Sum256(got)
	if err != nil || !bytes.Equal(got, attachment) || hex.EncodeToString(sum[:]) != u.SHA256 {
		t.Errorf("%s: the attachment reads back as %d bytes (%v), sha256 %x, its record says %s", where, len(got), err, sum, u.SHA256)
	}
}

// A portal moves from LevelDB to PostgreSQL and back with "lomake store copy", and a
// backup restores: the data arrives whole (same keys per kind and checksum), the
// attachments with it, each in its store's place, and a store with data in it is never
// copied into.
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
	id := putAttachment(t, src, st)
	st.Close()

	stats, code := run(t, "stats", "leveldb:"+src)
	fileLine := fmt.Sprintf("files 1, %d bytes", len(attachment))
	if code != 0 || !strings.Contains(stats, "case 3") || !strings.Contains(stats, "user 1") || !strings.Contains(stats, fileLine) {
		t.Fatalf("stats: %d %s", code, stats)
	}
	checksum, _, _ := strings.Cut(stats[strings.LastIndex(stats, "sha256 "):], "\n")

	pg := pgtest.URL(t)
	if out, code := run(t, "copy", "--from", "leveldb:"+src, "--to", pg); code != 0 || !strings.Contains(out, checksum) || !strings.Contains(out, fileLine) {
		t.Fatalf("copy to PostgreSQL: %d %s", code, out)
	}
	checkAttachment(t, pg, id)
	back := t.TempDir()
	if out, code := run(t, "copy", "--from", pg, "--to", back); code != 0 || !strings.Contains(out, checksum) {
		t.Fatalf("copy back: %d %s", code, out)
	}
	checkAttachment(t, back, id)
	if out, code := run(t, "copy", "--from", src, "--to", back); code == 0 || !strings.Contains(out, "not empty") {
		t.Errorf("copy into a store with data: %d %s", code, out)
	}
	again := t.TempDir()
	if out, code := run(t, "copy", "--from", back, "--to", again); code != 0 || !strings.Contains(out, checksum) {
		t.Fatalf("copy from LevelDB to LevelDB: %d %s", code, out)
	}
	checkAttachment(t, again, id)

	// A backup of LevelDB and one of PostgreSQL with the same data are the same.
	file := filepath.Join(t.TempDir(), "portal.backup")
	if out, code := run(t, "backup", "--from", src, "--to", file); code != 0 || !strings.Contains(out, checksum) || !strings.Contains(out, fileLine) {
		t.Fatalf("backup of LevelDB: %d %s", code, out)
	}
	pgFile := filepath.Join(t.TempDir(), "portal.backup")
	if out, code := run(t, "backup", "--from", pg, "--to", pgFile); code != 0 || !strings.Contains(out, checksum) {
		t.Fatalf("backup of PostgreSQL: %d %s", code, out)
	}
	if a, b := readFile(t, file), readFile(t, pgFile); !bytes.Equal(a, b) {
		t.Errorf("the backups of LevelDB (%d bytes) and PostgreSQL (%d bytes) differ", len(a), len(b))
	}
	restored := t.TempDir()
	if out, code := run(t, "restore", "--from", file, "--to", restored); code != 0 || !strings.Contains(out, checksum) || !strings.Contains(out, fileLine) {
		t.Fatalf("restore: %d %s", code, out)
	}
	checkAttachment(t, restored, id)
	if out, code := run(t, "stats", restored); code != 0 || !strings.Contains(out, checksum) {
		t.Errorf("stats of the restored store: %d %s", code, out)
	}
	restoredPG := pgtest.URL(t)
	if out, code := run(t, "restore", "--from", file, "--to", restoredPG); code != 0 || !strings.Contains(out, checksum) {
		t.Fatalf("restore into PostgreSQL: %d %s", code, out)
	}
	checkAttachment(t, restoredPG, id)

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

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
