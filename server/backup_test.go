package server

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lomake/lomake/server/cases"
	"github.com/lomake/lomake/server/files"
	"github.com/lomake/lomake/server/kv"
	"github.com/lomake/lomake/server/store"
)

// A running server's LevelDB store is backed up through the admin API, and the backup
// restores into a new directory that a new server serves as it was: the resident's
// session, case and attachment included, the attachment's bytes in DATA_DIR/files.
func TestBackupOfARunningServer(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	ts := startTestServer(t, data, "127.0.0.1:0", nil)
	client, csrf := signInHTTP(t, ts.base, "010280-952L")
	for _, r := range []struct{ method, path, body string }{
		{"PUT", "/api/v1/profile", `{"consent": true, "email": "tessa@example.fi", "language": "fi", "channel": "email"}`},
		{"POST", "/api/v1/services/dog-registration/submissions", benchDog},
	} {
		req, _ := http.NewRequest(r.method, ts.base+r.path, strings.NewReader(r.body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", csrf)
		res, err := client.Do(req)
		if err != nil || res.StatusCode >= 300 {
			t.Fatalf("%s %s: %v %v", r.method, r.path, res, err)
		}
		res.Body.Close()
	}
	// The resident's attachment, stored as the upload route stores it (the services
	// this server has ask for no file): the bytes in DATA_DIR/files, then the record.
	attachment := bytes.Repeat([]byte("%PDF-1.7 rokotustodistus "), 2*files.ChunkSize/25+3)
	user, err := ts.store.UserByIdentityCode("010280-952L")
	if err != nil {
		t.Fatal(err)
	}
	upload := store.Upload{ID: files.NewID(), Owner: user.ID, ServiceID: "dog-registration", Pointer: "/certificate", Name: "todistus.pdf", Size: int64(len(attachment)), Incomplete: true}
	if err := ts.store.PutUpload(ctx, upload, store.UploadQuota{}); err != nil {
		t.Fatal(err)
	}
	fs, err := files.Dir(filepath.Join(data, "files"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := fs.Put(ctx, upload.ID, bytes.NewReader(attachment), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.CompleteUpload(ctx, upload.ID, "application/pdf", info.Size, info.SHA256); err != nil {
		t.Fatal(err)
	}

	req, _ := http.NewRequest("GET", ts.base+"/api/v1/admin/backup", nil)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 401 {
		t.Fatalf("a backup without the admin token: %v %v", res, err)
	}
	req.Header.Set("Authorization", "Bearer test-admin")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("backup: %v %v", res, err)
	}
	file := filepath.Join(t.TempDir(), "lomake.backup")
	f, _ := os.Create(file)
	io.Copy(f, res.Body)
	res.Body.Close()
	f.Close()

	dir := t.TempDir()
	restored, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	restoredFiles, err := files.Dir(filepath.Join(dir, "files"))
	if err != nil {
		t.Fatal(err)
	}
	in, _ := os.Open(file)
	stats, err := kv.Restore(ctx, in, kv.Store{Engine: restored.Engine(), Side: files.Records(restoredFiles)})
	in.Close()
	var values int
	restored.Engine().View(ctx, func(r kv.Reader) error {
		return r.Scan([]byte("file"), nil, 0, func(_, _ []byte) error { values++; return nil })
	})
	restored.Close()
	n, size := files.Totals(stats)
	if err != nil || stats.Kinds["case"] != 1 || stats.Kinds["user"] != 1 || stats.Kinds["session"] != 1 || n != 1 || size != int64(len(attachment)) {
		t.Fatalf("restore: %v, files %d, %d bytes, %v", stats, n, size, err)
	}
	if values > 0 {
		t.Errorf("the attachment became %d LevelDB values", values)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "files", upload.ID[:2], upload.ID)); err != nil || !bytes.Equal(got, attachment) {
		t.Errorf("the attachment in the restored DATA_DIR/files: %d bytes, %v", len(got), err)
	}

	again := startTestServer(t, dir, "127.0.0.1:0", nil)
	res, err = client.Get(again.base + "/api/v1/cases/HEL-KOI-" + caseYear() + "-000001")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("the restored server does not give the resident their case: %v %v", res, err)
	}
	res.Body.Close()
	res, err = client.Get(again.base + "/api/v1/uploads/" + upload.ID + "/content")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("the restored server does not give the resident their attachment: %v %v", res, err)
	}
	got, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || !bytes.Equal(got, attachment) || res.Header.Get("ETag") != `"`+info.SHA256+`"` {
		t.Errorf("the restored attachment: %d bytes, ETag %s, %v; want %d bytes, sha256 %s", len(got), res.Header.Get("ETag"), err, len(attachment), info.SHA256)
	}
}

// caseYear is this year in Helsinki, the year of a case sent now.
func caseYear() string { return strconv.Itoa(time.Now().In(cases.Helsinki).Year()) }
