package server

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lomake/lomake/apiv1"
)

// A server that follows a schema folder (make run) serves what an author saves there
// without a restart: a new service appears, a changed one changes, a removed one goes,
// and a file broken while editing keeps its last good version serving while the
// preview says what is wrong.
func TestSchemaFolderFollowed(t *testing.T) {
	dir := t.TempDir()
	dog, err := os.ReadFile("../schemas/dog-registration.json")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) {
		t.Helper()
		// A rename, as editors save: the watcher never reads half a file.
		tmp := filepath.Join(dir, "."+name+".tmp")
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	write("dog-registration.json", dog)
	schemaDir = dir
	ts := startTestServer(t, t.TempDir(), "127.0.0.1:0", nil)
	schemaDir = ""
	base := ts.base
	get := func(path string) (int, string) {
		t.Helper()
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	// until waits, as an author would, for what they saved to show.
	until := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 10 s", what)
			}
		}
	}
	catalog := func() string {
		_, body := get(apiv1.CatalogPath)
		return body
	}

	if status, body := get("/fi/preview/dog-registration"); status != 200 || !strings.Contains(body, "Koirarekisteri-ilmoitus") {
		t.Fatalf("preview: %d", status)
	}

	cat := strings.NewReplacer(`"code": "KOI"`, `"code": "KIS"`, "Koirarekisteri-ilmoitus", "Kissarekisteri-ilmoitus").Replace(string(dog))
	write("cat-registration.json", []byte(cat))
	until("a new service in the catalog", func() bool { return strings.Contains(catalog(), `"cat-registration"`) })
	if status, body := get("/fi/services/cat-registration"); status != 200 || !strings.Contains(body, "Kissarekisteri-ilmoitus") {
		t.Errorf("the new service's page: %d", status)
	}

	write("dog-registration.json", []byte(strings.ReplaceAll(string(dog), "Koirarekisteri-ilmoitus", "Koiran rekisteröinti")))
	until("a changed name", func() bool { return strings.Contains(catalog(), "Koiran rekisteröinti") })

	write("dog-registration.json", []byte(`{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"`))
	var pv apiv1.Preview
	until("the mistake reported", func() bool {
		_, body := get(apiv1.Prefix + "/preview/dog-registration")
		return json.Unmarshal([]byte(body), &pv) == nil && len(pv.Problems) > 0
	})
	if !strings.HasPrefix(pv.Problems[0], "dog-registration.json: ") {
		t.Errorf("problems %q do not name the file", pv.Problems)
	}
	if status, body := get("/api/v1/services/dog-registration"); status != 200 || !strings.Contains(body, "Koiran rekisteröinti") {
		t.Errorf("the last good version does not serve: %d", status)
	}
	if status, body := get("/en/preview/dog-registration"); status != 200 || !strings.Contains(body, "preview-problems") || !strings.Contains(body, "not valid JSON") {
		t.Errorf("the preview does not show the mistake: %d", status)
	}

	if err := os.Remove(filepath.Join(dir, "cat-registration.json")); err != nil {
		t.Fatal(err)
	}
	until("a removed service gone", func() bool { return !strings.Contains(catalog(), `"cat-registration"`) })
	if status, _ := get("/fi/services/cat-registration"); status != 404 {
		t.Errorf("a removed service's page: %d, want 404", status)
	}
}

// Without a schema folder (production), there are no previews.
func TestNoPreviewWithoutSchemaFolder(t *testing.T) {
	base, _ := startServer(t, t.TempDir())
	for _, path := range []string{"/fi/preview/dog-registration", apiv1.Prefix + "/preview/dog-registration"} {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", path, res.StatusCode)
		}
	}
}

// An open preview draws the form again when its file is saved.
func TestBrowserPreviewFollowsTheFile(t *testing.T) {
	ctx := browser(t)
	dir := t.TempDir()
	dog, err := os.ReadFile("../schemas/dog-registration.json")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "dog-registration.json")
	if err := os.WriteFile(file, dog, 0o644); err != nil {
		t.Fatal(err)
	}
	schemaDir = dir
	ts := startTestServer(t, t.TempDir(), "127.0.0.1:0", nil)
	schemaDir = ""
	run := steps(t, ctx)
	run("open the preview", open(ts.base+"/fi/preview/dog-registration"), chromedp.WaitReady(clientRunning, chromedp.ByQuery),
		chromedp.WaitVisible("#preview-ok", chromedp.ByQuery))
	axeViolations(t, ctx, "preview")
	if err := os.WriteFile(file, []byte(strings.Replace(string(dog), `"title": "Koiran nimi"`, `"title": "Koiran kutsumanimi"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	run("the new label shows", chromedp.Poll(`document.getElementById("preview-frame").textContent.includes("Koiran kutsumanimi")`, nil,
		chromedp.WithPollingTimeout(10*time.Second)))
	if err := os.WriteFile(file, []byte(`{`), 0o644); err != nil {
		t.Fatal(err)
	}
	run("the mistake shows", chromedp.WaitVisible("#preview-problems", chromedp.ByQuery))
	run("the last good version stays", chromedp.Poll(`document.getElementById("preview-frame").textContent.includes("Koiran kutsumanimi")`, nil,
		chromedp.WithPollingTimeout(2*time.Second)))
	run("the form with the sample answers", chromedp.Click(`a[href="/fi/services/dog-registration/form?sample=1"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#f-owner-firstName", chromedp.ByQuery),
		poll(`document.querySelector("#f-owner-firstName").value !== "" && document.querySelector("#f-owner-email").value.includes("@")`))
}
