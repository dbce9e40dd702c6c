// Command precompress writes brotli and gzip copies of the WebAssembly client at their
// highest settings, once at build time, so that the server never compresses per request.
// It also records the raw size (for go-app's loading progress) and a content hash (for
// the app version).
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

	"github.com/andybalholm/brotli"
)

func main() {
	in := flag.String("in", "web/app.wasm", "the built client")
	out := flag.String("out", "web/dist", "where to write the compressed copies")
	flag.Parse()
	raw, err := os.ReadFile(*in)
	if err != nil {
		log.Fatal(err)
	}
	var br, gz bytes.Buffer
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		// The largest window brotli allows (16 MiB) finds more of the client's repeats.
		w := brotli.NewWriterOptions(&br, brotli.WriterOptions{Quality: brotli.BestCompression, LGWin: 24})
		if _, err := w.Write(raw); err != nil {
			errs[0] = err
			return
		}
		errs[0] = w.Close()
	}()
	go func() {
		defer wg.Done()
		w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
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
	sum := sha256.Sum256(raw)
	meta, _ := json.Marshal(map[string]any{"size": len(raw), "sha256": hex.EncodeToString(sum[:])})
	for name, data := range map[string][]byte{"app.wasm.br": br.Bytes(), "app.wasm.gz": gz.Bytes(), "app.wasm.json": meta} {
		if err := os.WriteFile(filepath.Join(*out, name), data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("app.wasm: %.2f MB raw, %.2f MB gzip, %.2f MB brotli\n",
		float64(len(raw))/1e6, float64(gz.Len())/1e6, float64(br.Len())/1e6)
}
