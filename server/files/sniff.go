package files

import (
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"github.com/lomake/lomake/schemas"
)

var (
	// ErrWrongType is a file whose name is not of a type the portal takes, or whose
	// content is not what its name says.
	ErrWrongType = errors.New("files: file type not accepted")
	// ErrExecutable is a program (Windows, Linux or macOS, or a script), whatever its
	// name says.
	ErrExecutable = errors.New("files: programs are not accepted")
	// ErrEmpty is a file of no bytes.
	ErrEmpty = errors.New("files: empty file")
)

// SniffLen is how much of a file's start Sniff needs.
const SniffLen = 512

// fileType is one kind of file a form may take. Which names are of which type is the
// schemas' (schemas.FileTypeOf), so that a form's check before uploading and the
// server's read one table.
type fileType struct {
	media   string // the media type it is kept and served as
	content string // what its content must look like (a kind of contentKind)
}

// types are the portal's file types, by the names authors use in x-ui.accept
// (schemas.FileTypes lists the same names; a test keeps them equal).
var types = map[string]fileType{
	"pdf":  {"application/pdf", "pdf"},
	"jpg":  {"image/jpeg", "jpeg"},
	"png":  {"image/png", "png"},
	"doc":  {"application/msword", "ole2"},
	"xls":  {"application/vnd.ms-excel", "ole2"},
	"docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "zip"},
	"xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "zip"},
	"txt":  {"text/plain; charset=utf-8", "text"},
	"zip":  {"application/zip", "zip"},
}

// Types lists the file types Sniff knows, by their x-ui.accept names.
func Types() []string {
	out := make([]string, 0, len(types))
	for t := range types {
		out = append(out, t)
	}
	return out
}

// Sniff judges a file by its name and the start of its content (the first SniffLen
// bytes, or all of a shorter file): the media type to keep it as, or ErrExecutable for
// a program (whatever its name), ErrEmpty, or ErrWrongType when the name is of no type
// the portal takes or the content is not what the name says. A text file's remaining
// bytes are checked while it streams: see CheckText.
func Sniff(head []byte, name string) (string, error) {
	if len(head) == 0 {
		return "", ErrEmpty
	}
	got := contentKind(head)
	if got == "program" {
		return "", ErrExecutable
	}
	ft, ok := types[schemas.FileTypeOf(name)]
	if !ok || got != ft.content {
		return "", ErrWrongType
	}
	return ft.media, nil
}

// contentKind names what the start of a file looks like.
func contentKind(b []byte) string {
	has := func(prefix string) bool { return bytes.HasPrefix(b, []byte(prefix)) }
	switch {
	// Programs first: nothing that starts like one is ever accepted.
	case has("MZ"), // Windows (PE) and DOS
		has("\x7fELF"),          // Linux and most Unixes
		has("\xfe\xed\xfa\xce"), // Mach-O 32-bit
		has("\xfe\xed\xfa\xcf"), // Mach-O 64-bit
		has("\xce\xfa\xed\xfe"), // Mach-O 32-bit, little-endian
		has("\xcf\xfa\xed\xfe"), // Mach-O 64-bit, little-endian
		has("\xca\xfe\xba\xbe"), // Mach-O universal (and Java classes)
		has("#!"),               // scripts
		has("\xef\xbb\xbf#!"):   // scripts after a byte order mark
		return "program"
	case has("%PDF-"):
		return "pdf"
	case has("\x89PNG\r\n\x1a\n"):
		return "png"
	case has("\xff\xd8\xff"):
		return "jpeg"
	case has("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
		return "ole2" // Word 97–2003, Excel 97–2003
	case has("PK\x03\x04"), has("PK\x05\x06"):
		return "zip" // also docx and xlsx
	case isText(b):
		return "text"
	}
	return ""
}

// isText reports UTF-8 without NUL bytes; a character cut off at the end of a head is
// allowed (CheckText judges the end of the file).
func isText(b []byte) bool {
	if bytes.IndexByte(b, 0) >= 0 {
		return false
	}
	return utf8.Valid(b[:len(b)-partialRune(b)])
}

// partialRune is the length of an incomplete UTF-8 sequence at the end of b (0–3).
func partialRune(b []byte) int {
	for j := len(b) - 1; j >= 0 && j >= len(b)-3; j-- {
		if b[j]&0xc0 != 0x80 { // the start of a character
			if !utf8.FullRune(b[j:]) {
				return len(b) - j
			}
			return 0
		}
	}
	return 0
}

// CheckText passes r through, failing with ErrWrongType at the first byte that makes it
// something other than UTF-8 text without NUL bytes: Sniff sees only the start.
func CheckText(r io.Reader) io.Reader { return &textReader{r: r} }

type textReader struct {
	r     io.Reader
	carry []byte // the start of a character cut off by the last read
	err   error
}

func (t *textReader) Read(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	n, err := t.r.Read(p)
	b := p[:n]
	if bytes.IndexByte(b, 0) >= 0 {
		t.err = ErrWrongType
		return 0, t.err
	}
	for len(t.carry) > 0 && len(b) > 0 {
		t.carry = append(t.carry, b[0])
		b = b[1:]
		if utf8.FullRune(t.carry) {
			r, size := utf8.DecodeRune(t.carry)
			if r == utf8.RuneError && size <= 1 || size != len(t.carry) {
				t.err = ErrWrongType
				return 0, t.err
			}
			t.carry = t.carry[:0]
		}
	}
	cut := partialRune(b)
	if !utf8.Valid(b[:len(b)-cut]) {
		t.err = ErrWrongType
		return 0, t.err
	}
	t.carry = append(t.carry, b[len(b)-cut:]...)
	if err == io.EOF && len(t.carry) > 0 {
		t.err = ErrWrongType
		return 0, t.err
	}
	return n, err
}
