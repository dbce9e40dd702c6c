package ui

import (
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/schemas/schematest"
)

// fileTestService is a form with one file field: a certificate, pdf/jpg/png, at most 1 MiB.
func fileTestService(t *testing.T) *schemas.Service {
	return schematest.Service(t, "attachment-test", "LII", `
  "required": ["certificate"],
  "properties": {
    "certificate": {"type": "string", "title": "Todistus",
      "x-i18n": {"sv": {"title": "Intyg"}, "en": {"title": "Certificate"}},
      "x-ui": {"widget": "file", "accept": ["pdf", "jpg", "png"], "maxSize": 1048576}}
  }`)
}

// The form tells a wrong file before uploading it, in the words the server would use.
func TestCheckFileBeforeUpload(t *testing.T) {
	s := fileTestService(t)
	n := s.Form.Property("certificate")
	cases := []struct {
		name string
		size int64
		want string // the message in Finnish, "" when the file may go
	}{
		{"todistus.pdf", 1000, ""},
		{"KUVA.JPEG", 1 << 20, ""},
		{"ohjelma.exe", 1000, "Tiedosto ohjelma.exe ei käy. Valitse tiedosto, jonka tyyppi on PDF, JPG, PNG"},
		{"taulukko.xlsx", 1000, "Tiedosto taulukko.xlsx ei käy. Valitse tiedosto, jonka tyyppi on PDF, JPG, PNG"},
		{"ilman päätettä", 1000, "Tiedosto ilman päätettä ei käy. Valitse tiedosto, jonka tyyppi on PDF, JPG, PNG"},
		{"iso.png", 1<<20 + 1, "Tiedosto iso.png on liian suuri. Tiedosto voi olla enintään 1 Mt"},
		{"tyhjä.pdf", 0, "Tiedosto tyhjä.pdf on tyhjä"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, ok := checkFile(n, "/certificate", c.name, c.size)
			if ok != (c.want == "") {
				t.Fatalf("checkFile(%q, %d) ok = %v, want %v", c.name, c.size, ok, c.want == "")
			}
			if ok {
				return
			}
			if v.Pointer != "/certificate" {
				t.Errorf("pointer %q", v.Pointer)
			}
			if msg := s.Message("fi", v); !strings.HasPrefix(msg, c.want) {
				t.Errorf("message %q, want %q…", msg, c.want)
			}
		})
	}
}

// A file field is a labelled file input that offers only the types it takes and says
// them; once it holds a file, it names the file and offers to remove it.
func TestFileFieldRenders(t *testing.T) {
	s := fileTestService(t)
	n := s.Form.Property("certificate")
	p := &FormPage{route: route{lang: "en"}, service: s, doc: map[string]any{}, shown: map[string]schemas.Violation{},
		uploading: map[string]bool{}, fileNote: map[string]string{}, fileProblem: map[string]string{}}

	empty := app.HTMLString(p.field(n, "/certificate"))
	for _, want := range []string{`type="file"`, `id="f-certificate"`, `for="f-certificate"`,
		`accept=".pdf,.jpg,.jpeg,.png"`, "File types: PDF, JPG, PNG. At most 1 MB.", `role="status"`} {
		if !strings.Contains(empty, want) {
			t.Errorf("an empty file field lacks %s:\n%s", want, empty)
		}
	}
	if strings.Contains(empty, "f-certificate-held") || strings.Contains(empty, "f-certificate-remove") {
		t.Errorf("an empty file field shows a file")
	}
	if strings.Contains(empty, ` name=`) {
		t.Errorf("the file input has a name: the form's typing notes would take its fake path")
	}

	id := strings.Repeat("ab", 16)
	noteFile(id, fileInfo{Name: "todistus.pdf", Size: 2 << 20})
	p.doc["certificate"] = id
	held := app.HTMLString(p.field(n, "/certificate"))
	for _, want := range []string{"todistus.pdf", "(2.0 MB)", `id="f-certificate-remove"`, "Remove file"} {
		if !strings.Contains(held, want) {
			t.Errorf("a field holding a file lacks %s:\n%s", want, held)
		}
	}

	noteFile(keptPrefix+"k1", fileInfo{Name: "kuva.png", Size: 3000})
	p.doc["certificate"] = keptPrefix + "k1"
	if kept := app.HTMLString(p.field(n, "/certificate")); !strings.Contains(kept, "waits on this device") {
		t.Errorf("a file kept on the device does not say it waits:\n%s", kept)
	}

	p.fileProblem["/certificate"] = "The file could not be saved because of a server error. Try again in a moment."
	if failed := app.HTMLString(p.field(n, "/certificate")); !strings.Contains(failed, "server error") || !strings.Contains(failed, `aria-describedby="f-certificate-types f-certificate-error"`) {
		t.Errorf("a failed upload is not shown at the field:\n%s", failed)
	}
}

func TestUploadID(t *testing.T) {
	for s, want := range map[string]bool{
		strings.Repeat("0f", 16):                true,
		strings.Repeat("0F", 16):                false,
		strings.Repeat("0f", 15):                false,
		"device:abc":                            false,
		"../session/" + strings.Repeat("a", 21): false,
	} {
		if got := uploadID(s); got != want {
			t.Errorf("uploadID(%q) = %v, want %v", s, got, want)
		}
	}
}

// A queued send needs its form only when it holds files kept on the device.
func TestHoldsKept(t *testing.T) {
	for _, c := range []struct {
		doc  any
		want bool
	}{
		{map[string]any{"dog": map[string]any{"name": "Musti"}}, false},
		{map[string]any{"vehicle": map[string]any{"certificate": keptPrefix + "abc"}}, true},
		{map[string]any{"attachments": []any{"upload-1", keptPrefix + "x"}}, true},
		{map[string]any{"note": "device is not a prefix here: device:"}, false},
	} {
		if got := holdsKept(c.doc); got != c.want {
			t.Errorf("holdsKept(%v) = %v", c.doc, got)
		}
	}
}
