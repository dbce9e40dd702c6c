// Command precompress writes brotli and gzip copies of the WebAssembly client, once at
// build time, so that the server never compresses per request. It also records the raw
// size (for go-app's loading progress), a content hash (for the app version) and the
// settings it compressed with.
//
// By default it compresses as small as it can, which takes minutes (brotli's quality 11
// is single-threaded); -fast takes seconds for a copy a fifth larger, for development and
// tests, whose bytes nobody measures.
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
)

// settings are how a copy was compressed.
type settings struct {
	Brotli int `json:"brotli"` // quality
	Window int `json:"window"` // brotli's log2 window size
	Gzip   int `json:"gzip"`   // level
}

var (
	// The largest window brotli allows (16 MiB) finds more of the client's repeats at
	// quality 11.
	smallest = settings{Brotli: brotli.BestCompression, Window: 24, Gzip: gzip.BestCompression}
	// Quality 6 is where brotli stops getting smaller for its time on this client
	// (measured on 21.8 MB: 4 → 3.93 MB in 1 s, 6 → 3.49 in 1.5 s, 9 → 3.43 in 6 s,
	// 10 → 3.05 in 73 s, 11 → 2.96 in 220 s); below 10 a larger window does not help.
	quick = settings{Brotli: 6, Window: 22, Gzip: 6}
)

// meta is app.wasm.json; the server reads size and sha256.
type meta struct {
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
	settings
}

func main() {
	in := flag.String("in", "web/app.wasm", "the built client")
	out := flag.String("out", "web/dist", "where to write the compressed copies")
	fast := flag.Bool("fast", false, "compress in seconds rather than minutes, a fifth larger")
	flag.Parse()
	raw, err := os.ReadFile(*in)
	if err != nil {
		log.Fatal(err)
	}
	want := smallest
	if *fast {
		want = quick
	}
	sum := sha256.Sum256(raw)
	m := meta{Size: len(raw), SHA256: hex.EncodeToString(sum[:]), settings: want}

	// A rebuild often makes the same client (a touched file, a comment): keep its copies
	// rather than spend minutes making them again. The smallest copy serves for -fast too.
	if old, ok := previous(*out); ok && old.SHA256 == m.SHA256 && (old.settings == want || old.settings == smallest) {
		fmt.Printf("  app.wasm is unchanged: keeping its copies (brotli quality %d)\n", old.Brotli)
		return
	}

	start := time.Now()
	var br, gz bytes.Buffer
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		w := brotli.NewWriterOptions(&br, brotli.WriterOptions{Quality: want.Brotli, LGWin: want.Window})
		if _, err := w.Write(raw); err != nil {
			errs[0] = err
			return
		}
		errs[0] = w.Close()
	}()
	go func() {
		defer wg.Done()
		w, _ := gzip.NewWriterLevel(&gz, want.Gzip)
		if _, err := w.Write(raw); err != nil {
			errs[1] = err
			return
		}
		errs[1] = w.Close()
	}()
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			log.Fatal(err)
		}
	}
	js, _ := json.Marshal(m)
	// The metadata goes last, so that an interrupted run never vouches for other copies.
	if err := os.Remove(filepath.Join(*out, "app.wasm.json")); err != nil && !os.IsNotExist(err) {
		log.Fatal(err)
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{"app.wasm.br", br.Bytes()}, {"app.wasm.gz", gz.Bytes()}, {"app.wasm.json", js}} {
		if err := os.WriteFile(filepath.Join(*out, f.name), f.data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("  app.wasm: %.2f MB raw, %.2f MB gzip (level %d), %.2f MB brotli (quality %d), in %.1f s\n",
		float64(len(raw))/1e6, float64(gz.Len())/1e6, want.Gzip, float64(br.Len())/1e6, want.Brotli, time.Since(start).Seconds())
}

// previous reads the metadata of the copies already in dir, if they are all there.
func previous(dir string) (meta, bool) {
	var m meta
	b, err := os.ReadFile(filepath.Join(dir, "app.wasm.json"))
	if err != nil || json.Unmarshal(b, &m) != nil {
		return m, false
	}
	for _, name := range []string{"app.wasm.br", "app.wasm.gz"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return m, false
		}
	}
	return m, true
}
