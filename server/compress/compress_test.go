package compress

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

func TestAccepts(t *testing.T) {
	for _, c := range []struct {
		header, coding string
		want           bool
	}{
		{"gzip, deflate, br", "br", true},
		{"gzip, deflate, br", "gzip", true},
		{"GZIP", "gzip", true},
		{"br;q=0", "br", false},
		{"br;q=0.5, gzip", "br", true},
		{"br;q=x", "br", false},
		{"identity", "gzip", false},
		{"", "br", false},
		{"xbr", "br", false},
	} {
		if got := Accepts(c.header, c.coding); got != c.want {
			t.Errorf("Accepts(%q, %q) = %v, want %v", c.header, c.coding, got, c.want)
		}
	}
}

// What comes out decompresses to what went in, also from a pooled writer.
func TestRoundTrip(t *testing.T) {
	in := []byte(strings.Repeat("Koirarekisteri-ilmoitus, ", 400))
	for i := 0; i < 3; i++ {
		br, err := io.ReadAll(brotli.NewReader(bytes.NewReader(Brotli(in, 4))))
		if err != nil || !bytes.Equal(br, in) {
			t.Fatalf("brotli round %d: %v", i, err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(Gzip(in, gzip.BestSpeed)))
		if err != nil {
			t.Fatal(err)
		}
		gz, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(gz, in) {
			t.Fatalf("gzip round %d: %v", i, err)
		}
	}
	if n := len(Brotli(in, 4)); n >= len(in)/10 {
		t.Errorf("brotli left %d of %d bytes", n, len(in))
	}
}
