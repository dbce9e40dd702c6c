// Package web embeds the portal's static files and the built, pre-compressed
// WebAssembly client, so that the server binary runs from any directory.
package web

import "embed"

// FS holds static/ (styles, icons) and dist/ (app.wasm.br, app.wasm.gz, app.wasm.json,
// written by `make wasm`).
//
//go:embed static dist
var FS embed.FS
