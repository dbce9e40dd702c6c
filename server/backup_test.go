package server

import (
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
	"github.com/lomake/lomake/server/kv"
	"github.com/lomake/lomake/server/store"
)

// A running server's LevelDB store is backed up through the admin API, and the backup
// restores into a new directory that a new server serves as it was: the resident's
// session and case included.
func TestBackupOfARunningServer(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), "127.0.0.1:0", nil)
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
	in, _ := os.Open(file)
	stats, err := kv.Restore(context.Background(), in, restored.Engine())
	in.Close()
	restored.Close()
	if err != nil || stats.Kinds["case"] != 1 || stats.Kinds["user"] != 1 || stats.Kinds["session"] != 1 {
		t.Fatalf("restore: %v %v", stats, err)
	}

	again := startTestServer(t, dir, "127.0.0.1:0", nil)
	res, err = client.Get(again.base + "/api/v1/cases/HEL-KOI-" + caseYear() + "-000001")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("the restored server does not give the resident their case: %v %v", res, err)
	}
	res.Body.Close()
}

// caseYear is this year in Helsinki, the year of a case sent now.
func caseYear() string { return strconv.Itoa(time.Now().In(cases.Helsinki).Year()) }
