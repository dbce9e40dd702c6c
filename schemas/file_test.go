package schemas

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// withFiles is minimal with a file field of its own limits, one with the defaults, and a
// list of files.
var withFiles = strings.Replace(minimal, `"properties": {`, `"properties": {
    "certificate": {"type": "string", "title": "Todistus",
      "x-i18n": {"sv": {"title": "Intyg"}, "en": {"title": "Certificate"}},
      "x-ui": {"widget": "file", "accept": ["pdf", "jpg"], "maxSize": 5242880}},
    "photo": {"type": "string", "title": "Kuva",
      "x-i18n": {"sv": {"title": "Bild"}, "en": {"title": "Photo"}},
      "x-ui": {"widget": "file"}},
    "appendices": {"type": "array", "title": "Liitteet", "maxItems": 5,
      "x-i18n": {"sv": {"title": "Bilagor"}, "en": {"title": "Appendices"}},
      "items": {"type": "string", "title": "Liite",
        "x-i18n": {"sv": {"title": "Bilaga"}, "en": {"title": "Appendix"}},
        "x-ui": {"widget": "file", "accept": ["pdf"],
          "errors": {"fileType": {"fi": "Vain PDF", "sv": "Endast PDF", "en": "PDF only"}}}}},`, 1)

func TestFileFieldOptions(t *testing.T) {
	s, problems := Parse("test", []byte(withFiles))
	if len(problems) > 0 {
		t.Fatalf("the schema should load: %v", problems)
	}
	cert := s.Form.Lookup("/certificate")
	if cert.Widget != "file" || !reflect.DeepEqual(cert.Accept, []string{"pdf", "jpg"}) || cert.MaxSize != 5<<20 {
		t.Errorf("certificate: widget %q accept %v max %d", cert.Widget, cert.Accept, cert.MaxSize)
	}
	photo := s.Form.Lookup("/photo")
	if !reflect.DeepEqual(photo.Accept, FileTypes) || photo.MaxSize != MaxFileSize {
		t.Errorf("defaults: accept %v max %d", photo.Accept, photo.MaxSize)
	}
	if item := s.Form.Lookup("/appendices/3"); item == nil || item.Widget != "file" || !reflect.DeepEqual(item.Accept, []string{"pdf"}) {
		t.Errorf("list item: %+v", item)
	}
	if name := s.Form.Lookup("/name"); name.Accept != nil || name.MaxSize != 0 {
		t.Errorf("a text field got file options: %v %d", name.Accept, name.MaxSize)
	}
}

func TestFileFieldRules(t *testing.T) {
	for _, c := range []struct{ name, from, to, want string }{
		{"unknown type", `"accept": ["pdf", "jpg"]`, `"accept": ["pdf", "exe"]`, `unknown file type "exe"`},
		{"a type twice", `"accept": ["pdf", "jpg"]`, `"accept": ["pdf", "pdf"]`, `names "pdf" twice`},
		{"empty accept", `"accept": ["pdf", "jpg"]`, `"accept": []`, "x-ui.accept is empty"},
		{"over 20 MB", `"maxSize": 5242880`, `"maxSize": 20971521`, "x-ui.maxSize must be 1 to 20971520"},
		{"zero size", `"maxSize": 5242880`, `"maxSize": 0`, "x-ui.maxSize must be"},
		{"not a string", `"certificate": {"type": "string"`, `"certificate": {"type": "object"`, "a file field is of type string"},
		{"options on another widget", `"format": "email"`, `"format": "email", "x-ui": {"maxSize": 10}`, "are for file fields"},
	} {
		t.Run(c.name, func(t *testing.T) {
			broken := strings.Replace(withFiles, c.from, c.to, 1)
			if broken == withFiles {
				t.Fatal("the test did not change the schema")
			}
			_, problems := Parse("test", []byte(broken))
			if !strings.Contains(strings.Join(problems, "\n"), c.want) {
				t.Errorf("problems %q do not mention %q", problems, c.want)
			}
		})
	}
}

func TestFilesOfADocument(t *testing.T) {
	s, problems := Parse("test", []byte(withFiles))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	var doc any
	json.Unmarshal([]byte(`{"name": "a@b.fi", "photo": "p1", "certificate": "",
		"appendices": ["a1", "", "a3"], "unknown": "x"}`), &doc)
	want := []FileRef{{"/photo", "p1"}, {"/appendices/0", "a1"}, {"/appendices/2", "a3"}}
	if got := s.Form.Files(doc); !reflect.DeepEqual(got, want) {
		t.Errorf("Files = %v, want %v", got, want)
	}
	if got := s.Form.Files(map[string]any{}); len(got) != 0 {
		t.Errorf("an empty document refers to %v", got)
	}
}

func TestFileMessages(t *testing.T) {
	s, problems := Parse("test", []byte(withFiles))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	for _, c := range []struct {
		v          Violation
		lang, want string
	}{
		{Violation{"/certificate", "fileType", map[string]any{"name": "setup.exe"}}, "en", "The file setup.exe cannot be used. Choose a file of type PDF, JPG"},
		{Violation{"/certificate", "fileType", map[string]any{"name": "setup.exe"}}, "fi", "Tiedosto setup.exe ei käy. Valitse tiedosto, jonka tyyppi on PDF, JPG"},
		{Violation{"/certificate", "fileSize", map[string]any{"name": "iso.pdf"}}, "fi", "enintään 5 Mt"},
		{Violation{"/certificate", "fileSize", map[string]any{"name": "iso.pdf"}}, "sv", "högst 5 MB"},
		{Violation{"/photo", "fileSize", map[string]any{"name": "iso.png"}}, "en", "at most 20 MB"},
		{Violation{"/photo", "fileSize", map[string]any{"name": "iso.png", "max": float64(1572864)}}, "en", "at most 1.5 MB"},
		{Violation{"/photo", "fileSize", map[string]any{"name": "iso.png", "max": int64(1572864)}}, "fi", "enintään 1,5 Mt"},
		{Violation{"/photo", "fileEmpty", map[string]any{"name": "tyhjä.png"}}, "sv", "Filen tyhjä.png är tom"},
		{Violation{"/appendices/2", "fileType", map[string]any{"name": "a.doc"}}, "en", "PDF only"}, // the author's own
	} {
		if got := s.Message(c.lang, c.v); !strings.Contains(got, c.want) || strings.Contains(got, "<no value>") {
			t.Errorf("%s %s in %s = %q, want it to contain %q", c.v.Pointer, c.v.Code, c.lang, got, c.want)
		}
	}
}

func TestMegabytes(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int64
		want string
	}{
		{"fi", 20 << 20, "20"}, {"en", 5 << 20, "5"}, {"fi", 1536 << 10, "1,5"}, {"sv", 1536 << 10, "1,5"},
		{"en", 1536 << 10, "1.5"}, {"fi", 5_000_000, "4,8"}, {"en", 1, "0.1"}, {"en", 100 << 10, "0.1"},
	} {
		if got := Megabytes(c.lang, c.n); got != c.want {
			t.Errorf("Megabytes(%s, %d) = %q, want %q", c.lang, c.n, got, c.want)
		}
	}
}

func TestFileTypeOf(t *testing.T) {
	for name, want := range map[string]string{
		"a.pdf": "pdf", "A.JPEG": "jpg", "a.jpg": "jpg", "x.tar.zip": "zip", "a.docx": "docx", "ohje.TXT": "txt",
		"a.exe": "", "a": "", ".pdf": "pdf", "a.pdf.": "", "a.pdf.exe": "", "dir.pdf/a": "",
	} {
		if got := FileTypeOf(name); got != want {
			t.Errorf("FileTypeOf(%q) = %q, want %q", name, got, want)
		}
	}
	for _, typ := range FileTypes {
		if len(fileExtensions[typ]) == 0 {
			t.Errorf("type %s has no extensions", typ)
		}
	}
	if len(fileExtensions) != len(FileTypes) {
		t.Errorf("%d types have extensions, %d types", len(fileExtensions), len(FileTypes))
	}
}
