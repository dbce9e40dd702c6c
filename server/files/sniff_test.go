package files

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/lomake/lomake/schemas"
)

var (
	pdfHead  = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
	pngHead  = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
	jpegHead = "\xff\xd8\xff\xe0\x00\x10JFIF\x00"
	ole2Head = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00\x00\x00"
	zipHead  = "PK\x03\x04\x14\x00\x06\x00\x08\x00"
	textHead = "Hyvä käsittelijä,\nliitteenä selvitys.\n"
)

func TestSniff(t *testing.T) {
	for _, c := range []struct {
		name, file, head string
		want             string // media type; empty when refused
		err              error
	}{
		{"pdf", "hakemus.pdf", pdfHead, "application/pdf", nil},
		{"pdf, upper-case name", "HAKEMUS.PDF", pdfHead, "application/pdf", nil},
		{"png", "kuva.png", pngHead, "image/png", nil},
		{"jpg", "kuva.jpg", jpegHead, "image/jpeg", nil},
		{"jpeg", "kuva.jpeg", jpegHead, "image/jpeg", nil},
		{"doc", "lausunto.doc", ole2Head, "application/msword", nil},
		{"xls", "laskelma.xls", ole2Head, "application/vnd.ms-excel", nil},
		{"docx", "lausunto.docx", zipHead, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", nil},
		{"xlsx", "laskelma.xlsx", zipHead, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", nil},
		{"zip", "liitteet.zip", zipHead, "application/zip", nil},
		{"empty zip", "tyhjä.zip", "PK\x05\x06" + strings.Repeat("\x00", 18), "application/zip", nil},
		{"txt", "selvitys.txt", textHead, "text/plain; charset=utf-8", nil},
		{"txt with a byte order mark", "selvitys.txt", "\xef\xbb\xbf" + textHead, "text/plain; charset=utf-8", nil},
		{"txt cut in the middle of a character", "selvitys.txt", "Hyv\xc3", "text/plain; charset=utf-8", nil},

		{"a .pdf that is really an executable is refused", "hakemus.pdf", "MZ\x90\x00\x03\x00\x00\x00", "", ErrExecutable},
		{"an ELF named .txt", "ohje.txt", "\x7fELF\x02\x01\x01", "", ErrExecutable},
		{"a Mach-O named .jpg", "kuva.jpg", "\xcf\xfa\xed\xfe\x07\x00\x00\x01", "", ErrExecutable},
		{"a big-endian Mach-O", "kuva.png", "\xfe\xed\xfa\xce\x00", "", ErrExecutable},
		{"a universal binary", "liite.zip", "\xca\xfe\xba\xbe\x00\x00\x00\x02", "", ErrExecutable},
		{"a script named .txt", "ohje.txt", "#!/bin/sh\nrm -rf ~\n", "", ErrExecutable},
		{"a script after a byte order mark", "ohje.txt", "\xef\xbb\xbf#!/usr/bin/env python\n", "", ErrExecutable},
		{"an .exe", "setup.exe", "MZ\x90\x00", "", ErrExecutable},

		{"a png named .pdf", "hakemus.pdf", pngHead, "", ErrWrongType},
		{"a pdf named .jpg", "kuva.jpg", pdfHead, "", ErrWrongType},
		{"a zip named .doc", "lausunto.doc", zipHead, "", ErrWrongType},
		{"a doc named .docx", "lausunto.docx", ole2Head, "", ErrWrongType},
		{"a zip named .txt", "selvitys.txt", zipHead, "", ErrWrongType},
		{"text named .pdf", "hakemus.pdf", textHead, "", ErrWrongType},
		{"binary named .txt", "selvitys.txt", "abc\x00def", "", ErrWrongType},
		{"Latin-1 named .txt", "selvitys.txt", "Hyv\xe4 k\xe4sittelij\xe4", "", ErrWrongType},
		{"an unknown extension", "kuva.gif", "GIF89a", "", ErrWrongType},
		{"an .html", "sivu.html", "<html><script>", "", ErrWrongType},
		{"an .svg", "kuva.svg", "<svg xmlns=", "", ErrWrongType},
		{"no extension", "hakemus", pdfHead, "", ErrWrongType},
		{"a double extension", "hakemus.pdf.exe", pdfHead, "", ErrWrongType},
		{"empty", "tyhjä.pdf", "", "", ErrEmpty},
	} {
		got, err := Sniff([]byte(c.head), c.file)
		if got != c.want || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
			t.Errorf("%s: Sniff(%q) = %q, %v; want %q, %v", c.name, c.file, got, err, c.want, c.err)
		}
	}
}

// The types the schemas let authors name are exactly the ones Sniff knows.
func TestTypesAgreeWithSchemas(t *testing.T) {
	got, want := Types(), append([]string(nil), schemas.FileTypes...)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("files knows %v, schemas.FileTypes are %v", got, want)
	}
}

func TestCheckText(t *testing.T) {
	long := strings.Repeat("Hyvä käsittelijä, liitteenä selvitys – €. ", 5000)
	for _, c := range []struct {
		name string
		text string
		ok   bool
	}{
		{"Finnish text", long, true},
		{"empty", "", true},
		{"four-byte characters", strings.Repeat("🐕 koira ", 3000), true},
		{"a NUL far in", long + "\x00" + long, false},
		{"Latin-1 far in", long + "k\xe4sittelij\xe4", false},
		{"cut off in the middle of a character", long + "\xe2\x82", false},
		{"a stray continuation byte", long + "\x80", false},
		{"an overlong encoding", long + "\xc0\xaf", false},
	} {
		// However the reads split the text, the verdict is the same.
		for _, split := range []struct {
			name string
			r    func(io.Reader) io.Reader
		}{
			{"whole", func(r io.Reader) io.Reader { return r }},
			{"one byte", iotest.OneByteReader},
			{"half", iotest.HalfReader},
		} {
			got, err := io.ReadAll(CheckText(split.r(strings.NewReader(c.text))))
			if c.ok && (err != nil || !bytes.Equal(got, []byte(c.text))) {
				t.Errorf("%s (%s reads): %v", c.name, split.name, err)
			}
			if !c.ok && !errors.Is(err, ErrWrongType) {
				t.Errorf("%s (%s reads): %v, want ErrWrongType", c.name, split.name, err)
			}
		}
	}
}
