// Package web embeds the portal's static files and the built, pre-compressed
// WebAssembly client, so that the server binary runs from any directory.
package web

import "embed"

// FS holds static/ (styles, icons) and dist/ (app.wasm.br, app.wasm.gz, app.wasm.json,
// written by web/precompress: as small as they get for `make build`, quickly for `make
// run` and `make test`). Embedding skips the stamps there that say which: dot files.
//
//go:embed static dist
var FS embed.FS
