package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/schemas/schematest"
	"github.com/lomake/lomake/server/cases"
	"github.com/lomake/lomake/server/files"
	"github.com/lomake/lomake/server/kv"
	"github.com/lomake/lomake/server/kv/postgreskv/pgtest"
	"github.com/lomake/lomake/server/ratelimit"
	"github.com/lomake/lomake/server/router"
	"github.com/lomake/lomake/server/session"
	"github.com/lomake/lomake/server/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// attachmentsSchema is a service with file fields: a certificate (pdf, jpg, png, at most
// 1 MiB), notes (txt), and a list of appendices of any type and the default size.
var attachmentsSchema = schematest.Source("LII", `
  "properties": {
    "name": {"type": "string", "title": "Nimi", "x-i18n": {"sv": {"title": "Namn"}, "en": {"title": "Name"}}},
    "certificate": {"type": "string", "title": "Todistus",
      "x-i18n": {"sv": {"title": "Intyg"}, "en": {"title": "Certificate"}},
      "x-ui": {"widget": "file", "accept": ["pdf", "jpg", "png"], "maxSize": 1048576}},
    "notes": {"type": "string", "title": "Muistiinpanot",
      "x-i18n": {"sv": {"title": "Anteckningar"}, "en": {"title": "Notes"}},
      "x-ui": {"widget": "file", "accept": ["txt"]}},
    "appendices": {"type": "array", "title": "Liitteet", "maxItems": 3,
      "x-i18n": {"sv": {"title": "Bilagor"}, "en": {"title": "Appendices"}},
      "items": {"type": "string", "title": "Liite",
        "x-i18n": {"sv": {"title": "Bilaga"}, "en": {"title": "Appendix"}},
        "x-ui": {"widget": "file"}}}
  }`)

// uploadServer is the API with its upload routes, on one of the two setups a
// deployment uses: LevelDB with files in a directory, or PostgreSQL with files in it.
type uploadServer struct {
	*server
	api    *API
	files  files.Store
	stored func() []string // every byte-holding thing the file store keeps
	now    *atomic.Pointer[time.Time]
}

func newUploadServer(tb testing.TB, setup string) *uploadServer {
	tb.Helper()
	services, err := schemas.Load(fstest.MapFS{"attachments-test.json": {Data: []byte(attachmentsSchema)}})
	if err != nil {
		tb.Fatal(err)
	}
	var st *store.Store
	var fstore files.Store
	var stored func() []string
	switch setup {
	case "dir":
		if st, err = store.Open(tb.TempDir()); err != nil {
			tb.Fatal(err)
		}
		root := filepath.Join(tb.TempDir(), "files")
		d, err := files.Dir(root)
		if err != nil {
			tb.Fatal(err)
		}
		fstore = d
		stored = func() []string {
			var out []string
			filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
				if err == nil && !e.IsDir() {
					out = append(out, p)
				}
				return nil
			})
			return out
		}
	case "postgres":
		if st, err = store.OpenURL(context.Background(), pgtest.URL(tb)); err != nil {
			tb.Fatal(err)
		}
		fstore = files.KV(st.Engine())
		stored = func() []string {
			var out []string
			for _, p := range []string{"file/", "filemeta/", "filepart/"} {
				st.Engine().View(context.Background(), func(r kv.Reader) error {
					return r.Scan([]byte(p), nil, 0, func(k, _ []byte) error { out = append(out, string(k)); return nil })
				})
			}
			return out
		}
	default:
		tb.Fatalf("no setup %q", setup)
	}
	tb.Cleanup(func() { st.Close() })
	now := &atomic.Pointer[time.Time]{}
	start := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	now.Store(&start)
	clock := func() time.Time { return *now.Load() }
	sm := session.New(st, clock)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rt := router.New(router.Config{Sessions: sm, Store: st, Log: log})
	a := New(services, st, cases.New(st, clock, log), DefaultLimits, nil, log, clock)
	a.SetFiles(fstore, nil)
	a.Register(rt)
	srv := httptest.NewServer(rt)
	tb.Cleanup(srv.Close)
	return &uploadServer{server: &server{srv, st, sm}, api: a, files: fstore, stored: stored, now: now}
}

// resident makes a user and returns the headers of their signed-in browser, and their id.
func (s *uploadServer) resident(tb testing.TB, code string, registered bool) ([]string, string) {
	tb.Helper()
	u, err := s.store.CreateUser(store.User{IdentityCode: code, GivenName: "Tessa", FamilyName: "Testilä"})
	if err != nil {
		tb.Fatal(err)
	}
	if registered {
		u.Registered, u.Email, u.Language, u.Channel = true, "tessa@example.fi", "fi", "email"
		if err := s.store.UpdateUser(u); err != nil {
			tb.Fatal(err)
		}
	}
	sess, err := s.sessions.Start(httptest.NewRecorder(), httptest.NewRequest("GET", s.URL, nil), u.ID)
	if err != nil {
		tb.Fatal(err)
	}
	return []string{"Cookie", session.CookieName + "=" + sess.ID, apiv1.CSRFHeader, sess.CSRF}, u.ID
}

// records counts the upload records.
func (s *uploadServer) records(tb testing.TB) int {
	n := 0
	s.store.Engine().View(context.Background(), func(r kv.Reader) error {
		return r.Scan([]byte("upload/"), nil, 0, func(_, _ []byte) error { n++; return nil })
	})
	return n
}

type uploadReq struct {
	service, pointer, name string
	body                   io.Reader
	length                 int64 // -1: unknown (chunked)
	contentType            string
	disposition            string // default: attachment with the name
	lang                   string
}

func (s *uploadServer) upload(tb testing.TB, u uploadReq, hdr ...string) answer {
	tb.Helper()
	if u.service == "" {
		u.service = "attachments-test"
	}
	if u.lang == "" {
		u.lang = "en"
	}
	url := s.URL + "/api/v1/services/" + u.service + "/uploads?lang=" + u.lang + "&pointer=" + u.pointer
	req, _ := http.NewRequest("POST", url, u.body)
	req.ContentLength = u.length
	if u.contentType == "" {
		u.contentType = "application/octet-stream"
	}
	req.Header.Set("Content-Type", u.contentType)
	if u.disposition == "" {
		u.disposition = mime.FormatMediaType("attachment", map[string]string{"filename": u.name})
	}
	req.Header.Set("Content-Disposition", u.disposition)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return send(tb, req)
}

func send(tb testing.TB, req *http.Request) answer {
	tb.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	var m map[string]any
	if len(data) > 0 && json.Unmarshal(data, &m) != nil {
		tb.Fatalf("%s %s: answer is not JSON (%d): %s", req.Method, req.URL, res.StatusCode, data)
	}
	return answer{res.StatusCode, res.Header, m}
}

func bytesOf(b []byte) (io.Reader, int64) { return bytes.NewReader(b), int64(len(b)) }

// pdf is a PDF-looking file of n bytes.
func pdf(n int) []byte {
	b := bytes.Repeat([]byte("0123456789abcdef"), n/16+1)[:n]
	copy(b, "%PDF-1.7\n")
	return b
}

// fieldError is the one field error of a 422 answer.
func fieldError(tb testing.TB, a answer) (pointer, code, message string) {
	tb.Helper()
	errs, _ := a.body["errors"].([]any)
	if a.status != 422 || len(errs) != 1 {
		tb.Fatalf("want 422 with one field error, got %d %v", a.status, a.body)
	}
	e := errs[0].(map[string]any)
	return e["pointer"].(string), e["code"].(string), e["message"].(string)
}

var setups = []string{"dir", "postgres"}

func TestUploadIsStoredAndDescribed(t *testing.T) {
	for _, setup := range setups {
		t.Run(setup, func(t *testing.T) {
			srv := newUploadServer(t, setup)
			tessa, tessaID := srv.resident(t, "010280-952L", true)
			data := pdf(300_000)
			body, n := bytesOf(data)
			a := srv.upload(t, uploadReq{pointer: "/certificate", name: "Todistus €.pdf", body: body, length: n}, tessa...)
			if a.status != 201 {
				t.Fatalf("upload: %d %v", a.status, a.body)
			}
			sum := sha256.Sum256(data)
			id, _ := a.body["id"].(string)
			want := map[string]any{"id": id, "name": "Todistus €.pdf", "type": "application/pdf", "size": float64(len(data)),
				"sha256": hex.EncodeToString(sum[:]), "pointer": "/certificate"}
			if fmt.Sprint(a.body) != fmt.Sprint(want) || !files.ValidID(id) {
				t.Errorf("answer %v, want %v", a.body, want)
			}
			if loc := a.header.Get("Location"); loc != "/api/v1/uploads/"+id {
				t.Errorf("Location = %q", loc)
			}
			rec, err := srv.store.Upload(context.Background(), id)
			if err != nil || rec.Owner != tessaID || rec.ServiceID != "attachments-test" || rec.Incomplete || rec.Case != "" || rec.Size != int64(len(data)) {
				t.Errorf("record %+v, %v", rec, err)
			}
			// The owner reads its description and its bytes back.
			got := do(t, "GET", srv.URL+"/api/v1/uploads/"+id, "", "", tessa...)
			if got.status != 200 || fmt.Sprint(got.body) != fmt.Sprint(want) {
				t.Errorf("GET: %d %v", got.status, got.body)
			}
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/uploads/"+id+"/content", nil)
			req.Header.Set(tessa[0], tessa[1])
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			content, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || !bytes.Equal(content, data) {
				t.Errorf("content: %d, %d bytes", res.StatusCode, len(content))
			}
			for k, v := range map[string]string{
				"Content-Type": "application/pdf", "Content-Disposition": "attachment; filename*=utf-8''Todistus%20%E2%82%AC.pdf",
				"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox; default-src 'none'; frame-ancestors 'none'",
			} {
				if got := res.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			// Nobody else does.
			joni, _ := srv.resident(t, "010469-999W", true)
			for _, p := range []string{"", "/content"} {
				if a := do(t, "GET", srv.URL+"/api/v1/uploads/"+id+p, "", "", joni...); a.status != 404 {
					t.Errorf("another resident: GET%s %d", p, a.status)
				}
			}
			if a := do(t, "DELETE", srv.URL+"/api/v1/uploads/"+id, "", "", joni...); a.status != 404 {
				t.Errorf("another resident's DELETE: %d", a.status)
			}
		})
	}
}

func TestUploadFileNames(t *testing.T) {
	srv := newUploadServer(t, "dir")
	tessa, _ := srv.resident(t, "010280-952L", true)
	for _, c := range []struct{ disposition, want string }{
		{`attachment; filename*=UTF-8''R%C3%B6ntgen%20kuva.jpg`, "Röntgen kuva.jpg"},
		{`attachment; filename="kuva.jpg"`, "kuva.jpg"},
		{`attachment; filename="kuva.jpg"; filename*=UTF-8''%C3%A4.jpg`, "ä.jpg"},
		{`attachment; filename="C:\\Users\\tessa\\kuva.jpg"`, "kuva.jpg"},
		{`attachment; filename="../../kuva.jpg"`, "kuva.jpg"},
		{`attachment; filename*=UTF-8''kuva%E2%80%AEgpj.jpg`, "kuvagpj.jpg"},
	} {
		body, n := bytesOf([]byte("\xff\xd8\xff\xe0 a jpeg"))
		a := srv.upload(t, uploadReq{pointer: "/certificate", disposition: c.disposition, body: body, length: n}, tessa...)
		if a.status != 201 || a.body["name"] != c.want || a.body["type"] != "image/jpeg" {
			t.Errorf("%s: %d %v, want name %q", c.disposition, a.status, a.body, c.want)
		}
	}
	for _, bad := range []string{"", "attachment", `attachment; filename=""`, `attachment; filename*=iso-8859-1''%E4.jpg`,
		`form-data; name="file"; filename="kuva.jpg"`, `attachment; filename="` + strings.Repeat("a", 300) + `.jpg"`} {
		body, n := bytesOf([]byte("\xff\xd8\xff\xe0 a jpeg"))
		req := uploadReq{pointer: "/certificate", disposition: bad, body: body, length: n}
		if bad == "" {
			req.disposition = "x; y" // no usable header
		}
		if a := srv.upload(t, req, tessa...); a.status != 400 {
			t.Errorf("Content-Disposition %q: %d %v, want 400", bad, a.status, a.body)
		}
	}
	if n := srv.records(t); n != 6 {
		t.Errorf("%d records, want the 6 uploads that succeeded", n)
	}
}

// A refused file is answered under its field, in the resident's language, and leaves
// nothing behind.
func TestRefusedFilesLeaveNothing(t *testing.T) {
	for _, setup := range setups {
		t.Run(setup, func(t *testing.T) {
			srv := newUploadServer(t, setup)
			tessa, _ := srv.resident(t, "010280-952L", true)
			notes := append(bytes.Repeat([]byte("Hyvä käsittelijä. "), 100), 0, 'x')
			for _, c := range []struct {
				name              string
				req               uploadReq
				pointer, code     string
				lang, wantMessage string
			}{
				{"an .exe", uploadReq{pointer: "/certificate", name: "setup.exe", body: strings.NewReader("MZ\x90\x00")},
					"/certificate", "fileType", "en", "The file setup.exe cannot be used. Choose a file of type PDF, JPG, PNG"},
				{"a .pdf that is really an executable", uploadReq{pointer: "/certificate", name: "lasku.pdf", body: strings.NewReader("MZ\x90\x00\x03 a program")},
					"/certificate", "fileType", "fi", "Tiedosto lasku.pdf ei käy. Valitse tiedosto, jonka tyyppi on PDF, JPG, PNG"},
				{"a type the field does not take", uploadReq{pointer: "/certificate", name: "taulukko.xlsx", body: strings.NewReader("PK\x03\x04...")},
					"/certificate", "fileType", "sv", "Filen taulukko.xlsx duger inte. Välj en fil av typen PDF, JPG, PNG"},
				{"a png named .jpg", uploadReq{pointer: "/certificate", name: "kuva.jpg", body: strings.NewReader("\x89PNG\r\n\x1a\n....")},
					"/certificate", "fileType", "en", "The file kuva.jpg cannot be used"},
				{"over the field's size, declared", uploadReq{pointer: "/certificate", name: "iso.pdf", body: bytes.NewReader(pdf(1<<20 + 1)), length: 1<<20 + 1},
					"/certificate", "fileSize", "fi", "Tiedosto iso.pdf on liian suuri. Tiedosto voi olla enintään 1 Mt"},
				{"over the field's size, streamed", uploadReq{pointer: "/certificate", name: "iso.pdf", body: io.MultiReader(bytes.NewReader(pdf(1<<20)), strings.NewReader("x")), length: -1},
					"/certificate", "fileSize", "en", "The file iso.pdf is too large. A file can be at most 1 MB"},
				{"empty", uploadReq{pointer: "/appendices/0", name: "tyhjä.pdf", body: strings.NewReader("")},
					"/appendices/0", "fileEmpty", "en", "The file tyhjä.pdf is empty"},
				{"empty, streamed", uploadReq{pointer: "/appendices/1", name: "tyhjä.pdf", body: io.MultiReader(), length: -1},
					"/appendices/1", "fileEmpty", "en", "is empty"},
				{"a text file with a NUL byte after its start", uploadReq{pointer: "/notes", name: "muistio.txt", body: bytes.NewReader(notes), length: int64(len(notes))},
					"/notes", "fileType", "en", "Choose a file of type TXT"},
			} {
				if c.req.length == 0 {
					if l, ok := c.req.body.(interface{ Len() int }); ok {
						c.req.length = int64(l.Len())
					}
				}
				c.req.lang = c.lang
				a := srv.upload(t, c.req, tessa...)
				pointer, code, msg := fieldError(t, a)
				if pointer != c.pointer || code != c.code || !strings.Contains(msg, c.wantMessage) {
					t.Errorf("%s: %s %s %q, want %s %s %q", c.name, pointer, code, msg, c.pointer, c.code, c.wantMessage)
				}
			}
			if n := srv.records(t); n != 0 {
				t.Errorf("refused files left %d records", n)
			}
			if got := srv.stored(); len(got) != 0 {
				t.Errorf("refused files left %v", got)
			}
		})
	}
}

func TestUploadRequestsRefused(t *testing.T) {
	srv := newUploadServer(t, "dir")
	tessa, _ := srv.resident(t, "010280-952L", true)
	unregistered, _ := srv.resident(t, "010469-999W", false)
	ok := func() (io.Reader, int64) { return bytesOf(pdf(100)) }
	for _, c := range []struct {
		name   string
		req    uploadReq
		hdr    []string
		status int
	}{
		{"no such field", uploadReq{pointer: "/nope"}, tessa, 400},
		{"not a file field", uploadReq{pointer: "/name"}, tessa, 400},
		{"no pointer", uploadReq{pointer: ""}, tessa, 400},
		{"the list, not an item", uploadReq{pointer: "/appendices"}, tessa, 400},
		{"an item past maxItems", uploadReq{pointer: "/appendices/3"}, tessa, 400},
		{"an item that is no index", uploadReq{pointer: "/appendices/01"}, tessa, 400},
		{"no such service", uploadReq{service: "nope", pointer: "/certificate"}, tessa, 404},
		{"JSON", uploadReq{pointer: "/certificate", contentType: "application/json"}, tessa, 415},
		{"the browser's guess", uploadReq{pointer: "/certificate", contentType: "application/pdf"}, tessa, 415},
		{"multipart", uploadReq{pointer: "/certificate", contentType: "multipart/form-data; boundary=x"}, tessa, 415},
		{"text/plain", uploadReq{pointer: "/certificate", contentType: "text/plain"}, tessa, 415},
		{"anonymous", uploadReq{pointer: "/certificate"}, nil, 401},
		{"not registered", uploadReq{pointer: "/certificate"}, unregistered, 403},
		{"no CSRF token", uploadReq{pointer: "/certificate"}, tessa[:2], 403},
		{"cross-site", uploadReq{pointer: "/certificate"}, append([]string{"Sec-Fetch-Site", "cross-site"}, tessa...), 403},
	} {
		c.req.name = "todistus.pdf"
		c.req.body, c.req.length = ok()
		if a := srv.upload(t, c.req, c.hdr...); a.status != c.status {
			t.Errorf("%s: %d %v, want %d", c.name, a.status, a.body, c.status)
		}
	}
	if n := srv.records(t); n != 0 {
		t.Errorf("refused requests left %d records", n)
	}
}

func TestUploadQuotaAndDelete(t *testing.T) {
	srv := newUploadServer(t, "dir")
	tessa, _ := srv.resident(t, "010280-952L", true)
	saved := UploadQuota
	UploadQuota = store.UploadQuota{Count: 2}
	defer func() { UploadQuota = saved }()
	var ids []string
	for i := 0; i < 2; i++ {
		body, n := bytesOf(pdf(1000))
		a := srv.upload(t, uploadReq{pointer: fmt.Sprintf("/appendices/%d", i), name: "a.pdf", body: body, length: n}, tessa...)
		if a.status != 201 {
			t.Fatalf("upload %d: %d %v", i, a.status, a.body)
		}
		ids = append(ids, a.body["id"].(string))
	}
	body, n := bytesOf(pdf(1000))
	a := srv.upload(t, uploadReq{pointer: "/appendices/2", name: "a.pdf", body: body, length: n}, tessa...)
	if a.status != 422 || !strings.Contains(errorMessage(a), "too many attachments") {
		t.Errorf("over the quota: %d %v", a.status, a.body)
	}
	// Removing one makes room; it is gone, bytes and all.
	del, _ := http.NewRequest("DELETE", srv.URL+"/api/v1/uploads/"+ids[0], nil)
	del.Header.Set(tessa[0], tessa[1])
	del.Header.Set(tessa[2], tessa[3])
	if a := send(t, del); a.status != 204 {
		t.Fatalf("DELETE: %d %v", a.status, a.body)
	}
	if a := do(t, "GET", srv.URL+"/api/v1/uploads/"+ids[0], "", "", tessa...); a.status != 404 {
		t.Errorf("a deleted upload: %d", a.status)
	}
	if _, err := srv.files.Open(context.Background(), ids[0]); err != files.ErrNotFound {
		t.Errorf("the deleted upload's bytes: %v", err)
	}
	body, n = bytesOf(pdf(1000))
	if a := srv.upload(t, uploadReq{pointer: "/appendices/2", name: "a.pdf", body: body, length: n}, tessa...); a.status != 201 {
		t.Errorf("after removing one: %d %v", a.status, a.body)
	}
	// A sent upload stays.
	if err := srv.store.Engine().Update(context.Background(), func(tx kv.Tx) error {
		return store.ReferenceUploads(tx, srv.mustUser(t, "010280-952L"), "attachments-test", []store.UploadRef{{ID: ids[1], Pointer: "/appendices/0"}}, "HEL-LII-2026-000001")
	}); err != nil {
		t.Fatal(err)
	}
	if a := do(t, "DELETE", srv.URL+"/api/v1/uploads/"+ids[1]+"?lang=en", "", "", tessa...); a.status != 409 || !strings.Contains(errorMessage(a), "already been sent") {
		t.Errorf("DELETE of a sent upload: %d %v", a.status, a.body)
	}
}

func (s *uploadServer) mustUser(tb testing.TB, code string) string {
	u, err := s.store.UserByIdentityCode(code)
	if err != nil {
		tb.Fatal(err)
	}
	return u.ID
}

// Uploads no case took are removed after UploadTTL, bytes and all; sent ones stay.
func TestSweepUploads(t *testing.T) {
	for _, setup := range setups {
		t.Run(setup, func(t *testing.T) {
			srv := newUploadServer(t, setup)
			tessa, owner := srv.resident(t, "010280-952L", true)
			var ids []string
			for i := 0; i < 3; i++ {
				body, n := bytesOf(pdf(files.ChunkSize + 10))
				a := srv.upload(t, uploadReq{pointer: fmt.Sprintf("/appendices/%d", i), name: "a.pdf", body: body, length: n}, tessa...)
				if a.status != 201 {
					t.Fatalf("upload: %d %v", a.status, a.body)
				}
				ids = append(ids, a.body["id"].(string))
			}
			if err := srv.store.Engine().Update(context.Background(), func(tx kv.Tx) error {
				return store.ReferenceUploads(tx, owner, "attachments-test", []store.UploadRef{{ID: ids[0], Pointer: "/appendices/0"}}, "HEL-LII-2026-000001")
			}); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := srv.api.SweepUploads(ctx); err != nil || srv.records(t) != 3 {
				t.Fatalf("a sweep before the TTL removed uploads: %v, %d left", err, srv.records(t))
			}
			later := srv.now.Load().Add(UploadTTL + time.Minute)
			srv.now.Store(&later)
			if err := srv.api.SweepUploads(ctx); err != nil {
				t.Fatal(err)
			}
			if n := srv.records(t); n != 1 {
				t.Errorf("%d records after the sweep, want the sent one", n)
			}
			for i, id := range ids {
				_, err := srv.files.Open(ctx, id)
				if (i == 0) != (err == nil) {
					t.Errorf("upload %d after the sweep: %v", i, err)
				}
			}
		})
	}
}

// Uploads from several residents at once are each stored whole.
func TestConcurrentUploads(t *testing.T) {
	srv := newUploadServer(t, "dir")
	var wg sync.WaitGroup
	codes := []string{"010280-952L", "010469-999W", "261298-998X", "010675-9981"}
	for i, code := range codes {
		hdr, _ := srv.resident(t, code, true)
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := pdf(files.ChunkSize*2 + i)
			body, n := bytesOf(data)
			a := srv.upload(t, uploadReq{pointer: "/appendices/0", name: "a.pdf", body: body, length: n}, hdr...)
			sum := sha256.Sum256(data)
			if a.status != 201 || a.body["sha256"] != hex.EncodeToString(sum[:]) {
				t.Errorf("resident %d: %d %v", i, a.status, a.body)
			}
		}()
	}
	wg.Wait()
}

// fileBody streams size bytes of a PDF-looking file without holding them: what a
// browser sends from disk.
type fileBody struct {
	size, off int64
	pattern   []byte
}

func newFileBody(size int64) *fileBody {
	p := make([]byte, 64<<10)
	for i := range p {
		p[i] = byte(i*7 + i>>8)
	}
	copy(p, "%PDF-1.7\n")
	return &fileBody{size: size, pattern: p}
}

func (f *fileBody) Read(b []byte) (int, error) {
	if f.off >= f.size {
		return 0, io.EOF
	}
	n := copy(b[:min(int64(len(b)), f.size-f.off)], f.pattern[f.off%int64(len(f.pattern)):])
	f.off += int64(n)
	return n, nil
}

// BenchmarkUpload sends a 20 MB file over loopback through the real handler, on each
// setup, and reports the server's heap: HeapInuse growth across the upload (before any
// collection) and its peak, sampled every 2 ms, both above the level before it.
func BenchmarkUpload(b *testing.B) {
	const size = 20_000_000
	savedRate, savedQuota := UploadRate, UploadQuota
	UploadRate, UploadQuota = ratelimit.Rule{}, store.UploadQuota{} // off: b.N uploads by one resident
	defer func() { UploadRate, UploadQuota = savedRate, savedQuota }()
	for _, setup := range setups {
		b.Run(setup, func(b *testing.B) {
			srv := newUploadServer(b, setup)
			hdr, _ := srv.resident(b, "010280-952L", true)
			b.SetBytes(size)
			var growth, peak float64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				before := ms.HeapInuse
				var top atomic.Uint64
				stop := make(chan struct{})
				sampled := make(chan struct{})
				go func() {
					defer close(sampled)
					var m runtime.MemStats
					t := time.NewTicker(2 * time.Millisecond)
					defer t.Stop()
					for {
						runtime.ReadMemStats(&m)
						if m.HeapInuse > top.Load() {
							top.Store(m.HeapInuse)
						}
						select {
						case <-stop:
							return
						case <-t.C:
						}
					}
				}()
				b.StartTimer()
				a := srv.upload(b, uploadReq{pointer: "/appendices/0", name: "iso.pdf", body: newFileBody(size), length: size}, hdr...)
				b.StopTimer()
				runtime.ReadMemStats(&ms)
				close(stop)
				<-sampled
				if a.status != 201 || a.body["size"] != float64(size) {
					b.Fatalf("upload: %d %v", a.status, a.body)
				}
				growth += float64(int64(ms.HeapInuse)-int64(before)) / (1 << 20)
				peak += float64(int64(top.Load())-int64(before)) / (1 << 20)
				b.StartTimer()
			}
			b.ReportMetric(growth/float64(b.N), "heap-growth-MiB")
			b.ReportMetric(peak/float64(b.N), "heap-peak-MiB")
		})
	}
}

// slowBody gives its bytes in pieces with pauses: a slow mobile connection.
type slowBody struct {
	data  []byte
	piece int
	pause time.Duration
}

func (s *slowBody) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	time.Sleep(s.pause)
	n := copy(p[:min(len(p), s.piece)], s.data)
	s.data = s.data[n:]
	return n, nil
}

// An upload may take longer than the server's read and write timeouts, which are for
// JSON bodies.
func TestSlowUploadOutlivesServerTimeouts(t *testing.T) {
	srv := newUploadServer(t, "dir")
	tessa, _ := srv.resident(t, "010280-952L", true)
	slow := httptest.NewUnstartedServer(srv.Config.Handler)
	slow.Config.ReadTimeout, slow.Config.WriteTimeout = 300*time.Millisecond, 300*time.Millisecond
	slow.Start()
	defer slow.Close()
	data := pdf(100_000)
	body := &slowBody{data: data, piece: 10_000, pause: 100 * time.Millisecond} // a second in all
	req, _ := http.NewRequest("POST", slow.URL+"/api/v1/services/attachments-test/uploads?pointer=/certificate", body)
	req.ContentLength = int64(len(data))
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Content-Disposition", `attachment; filename="hidas.pdf"`)
	req.Header.Set(tessa[0], tessa[1])
	req.Header.Set(tessa[2], tessa[3])
	if a := send(t, req); a.status != 201 || a.body["size"] != float64(len(data)) {
		t.Errorf("a slow upload: %d %v", a.status, a.body)
	}
}

// A body cut off by the client, and a file store that fails, leave nothing behind.
func TestInterruptedUploadsLeaveNothing(t *testing.T) {
	srv := newUploadServer(t, "dir")
	tessa, _ := srv.resident(t, "010280-952L", true)
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/v1/services/attachments-test/uploads?pointer=/certificate HTTP/1.1\r\nHost: x\r\n"+
		"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"a.pdf\"\r\n"+
		"Content-Length: 500000\r\nCookie: %s\r\n%s: %s\r\n\r\n", tessa[1], tessa[2], tessa[3])
	conn.Write(pdf(200_000))
	conn.(*net.TCPConn).CloseWrite() // the body ends 300 000 bytes short
	answer, _ := io.ReadAll(conn)
	conn.Close()
	if !bytes.HasPrefix(answer, []byte("HTTP/1.1 400")) {
		t.Errorf("a cut-off upload: %.200q", answer)
	}
	if n, left := srv.records(t), srv.stored(); n > 0 || len(left) > 0 {
		t.Errorf("a cut-off upload left %d records and %v", n, left)
	}

	srv.api.up.files = failingFiles{srv.files}
	body, n := bytesOf(pdf(1000))
	if a := srv.upload(t, uploadReq{pointer: "/certificate", name: "a.pdf", body: body, length: n}, tessa...); a.status != 500 {
		t.Errorf("a failing file store: %d %v", a.status, a.body)
	}
	if n := srv.records(t); n > 0 {
		t.Errorf("a failed upload left %d records", n)
	}
}

// failingFiles fails every Put after reading a little.
type failingFiles struct{ files.Store }

func (f failingFiles) Put(ctx context.Context, id string, r io.Reader, max int64) (files.Info, error) {
	io.ReadFull(r, make([]byte, 100))
	return files.Info{}, fmt.Errorf("disk full")
}

// A file uploaded for a form becomes the case's attachment when the form is sent: the
// resident sees its name, an official of the service opens it, and it cannot be sent
// again with another case, nor by anyone else.
func TestAttachmentsGoWithTheCase(t *testing.T) {
	for _, setup := range []string{"dir", "postgres"} {
		t.Run(setup, func(t *testing.T) {
			s := newUploadServer(t, setup)
			tessa, _ := s.resident(t, "010280-952L", true)
			joni, _ := s.resident(t, "010469-999W", true)
			if err := s.store.PutOfficial(context.Background(), store.Official{IdentityCode: "261298-998X", Roles: []string{"official"}, Services: []string{"attachments-test"}}); err != nil {
				t.Fatal(err)
			}
			official, _ := s.resident(t, "261298-998X", true)
			content := pdf(3000)
			body, n := bytesOf(content)
			up := s.upload(t, uploadReq{pointer: "/certificate", name: "todistus.pdf", body: body, length: n}, tessa...)
			id, _ := up.body["id"].(string)
			if up.status != 201 || id == "" {
				t.Fatalf("upload: %d %v", up.status, up.body)
			}
			doc := `{"name": "Tessa", "certificate": "` + id + `"}`
			sent := do(t, "POST", s.URL+"/api/v1/services/attachments-test/submissions", "application/json", doc, tessa...)
			number, _ := sent.body["caseNumber"].(string)
			if sent.status != 201 {
				t.Fatalf("send: %d %v", sent.status, sent.body)
			}
			mine := do(t, "GET", s.URL+"/api/v1/cases/"+number, "", "", tessa...)
			atts, _ := mine.body["attachments"].([]any)
			if len(atts) != 1 || atts[0].(map[string]any)["name"] != "todistus.pdf" {
				t.Errorf("the resident's attachments: %v", mine.body["attachments"])
			}
			req, _ := http.NewRequest("GET", s.URL+"/api/v1/backoffice/cases/"+number+"/attachments/"+id, nil)
			req.Header.Set("Cookie", official[1])
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || !bytes.Equal(got, content) {
				t.Errorf("the official's download: %d, %d bytes", res.StatusCode, len(got))
			}
			req.Header.Set("Cookie", tessa[1])
			if res, _ := http.DefaultClient.Do(req); res.StatusCode != 403 {
				t.Errorf("the resident in the back office: %d", res.StatusCode)
			}
			for name, who := range map[string][]string{"again": tessa, "by someone else": joni} {
				a := do(t, "POST", s.URL+"/api/v1/services/attachments-test/submissions", "application/json", doc, who...)
				if p, code, _ := fieldError(t, a); a.status != 422 || p != "/certificate" || code != "fileGone" {
					t.Errorf("the same file sent %s: %d %v", name, a.status, a.body)
				}
			}
		})
	}
}
