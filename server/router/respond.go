package router

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"strings"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/app/ui"
	"github.com/lomake/lomake/locales"
	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/server/site"
)

// Lang is the language of an answer: ?lang= for the API, else the remembered language
// (the lang cookie), else Accept-Language.
func Lang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); locales.Supported(l) {
		return l
	}
	if strings.HasPrefix(r.URL.Path, apiv1.Prefix+"/") {
		return locales.Match(r.Header.Get("Accept-Language"))
	}
	return locales.Remembered(r)
}

// JSON answers with v as JSON.
func JSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// messageIDs names the message of codes whose message is not "api." + code.
var messageIDs = map[string]string{
	"notFound": "notfound.title",
	"csrf":     "auth.csrf",
	"method":   "auth.method",
	"failed":   "auth.failed",
}

// Message is the text of a refusal code in lang.
func Message(lang, code string, data map[string]any) string {
	id, ok := messageIDs[code]
	if !ok {
		id = "api." + code
	}
	return locales.T(lang, id, data)
}

// Problem refuses a request: the JSON envelope {"error": {"code", "message"}} under
// /api/, a small translated page elsewhere (the browser navigated there).
func Problem(w http.ResponseWriter, r *http.Request, status int, code string, data map[string]any) {
	lang := Lang(r)
	msg := Message(lang, code, data)
	if !strings.HasPrefix(r.URL.Path, apiv1.Prefix+"/") {
		problemPage(w, status, lang, msg)
		return
	}
	detail := apiv1.ProblemDetail{Code: code, Message: msg}
	if status >= 500 {
		detail.RequestID = RequestID(r)
	}
	JSON(w, status, apiv1.Problem{Error: detail})
}

// problemPage is a refusal a person reads: readable on a phone, with a way back.
func problemPage(w http.ResponseWriter, status int, lang, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!DOCTYPE html><html lang="%s"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>%s</title><link rel="stylesheet" href="/web/app.css"></head><body><main id="main" class="container"><h1>%s</h1><p><a href="/%s/">%s</a></p></main></body></html>`,
		lang, html.EscapeString(msg), html.EscapeString(msg), lang, html.EscapeString(locales.T(lang, "confirm.back", nil)))
}

// Invalid refuses a body that breaks the rules with 422 and its field errors, at most
// apiv1.MaxFieldErrors of them: a hostile body with a hundred thousand errors gets a
// small answer.
func Invalid(w http.ResponseWriter, r *http.Request, errs []apiv1.FieldError) {
	out := apiv1.Invalid{Message: Message(Lang(r), "invalid", nil), Errors: errs, Total: len(errs)}
	if len(errs) > apiv1.MaxFieldErrors {
		out.Errors = errs[:apiv1.MaxFieldErrors]
	}
	JSON(w, http.StatusUnprocessableEntity, out)
}

// ReadBody reads the (already limited) body. A refusal is answered; ok is false then.
func ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		bodyError(w, r, Route{Pattern: r.URL.Path}, err)
		return nil, false
	}
	return body, true
}

// DecodeJSON reads the body into v through the one strict decoder (schemas.CheckJSON):
// valid UTF-8, no duplicate keys, numbers a float64 holds, bounded depth and size. A
// refusal is answered with a 4xx that says why; ok is false then.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	body, ok := ReadBody(w, r)
	if !ok {
		return false
	}
	if err := schemas.DecodeJSON(body, v); err != nil {
		JSONError(w, r, err)
		return false
	}
	return true
}

// JSONError answers a body that schemas.CheckJSON refused.
func JSONError(w http.ResponseWriter, r *http.Request, err error) {
	code, data := "malformed", map[string]any(nil)
	var je *schemas.JSONError
	if errors.As(err, &je) {
		switch je.Code {
		case "duplicateKey", "numberRange":
			code = je.Code
		case "numberPrecision":
			code, data = "numberPrecision", map[string]any{"Max": schemas.MaxDigits}
		case "depth":
			code = "tooDeep"
		case "tooManyValues":
			code, data = "tooManyValues", map[string]any{"Max": schemas.MaxValues}
		case "utf8":
			code = "invalidUTF8"
		}
	}
	Problem(w, r, http.StatusBadRequest, code, data)
}

// bodyError answers a body that could not be read: over the limit (413, naming it), or
// cut off by the client (400; nobody is listening, but the log says so).
func bodyError(w http.ResponseWriter, r *http.Request, route Route, err error) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		Problem(w, r, http.StatusRequestEntityTooLarge, "tooLarge", map[string]any{"Limit": sizeText(tooBig.Limit)})
		return
	}
	Problem(w, r, http.StatusBadRequest, "malformed", nil)
}

func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// secure sets the headers every answer needs. The content security policy allows only
// our own files, WebAssembly, and the one inline script that applies the text size.
// HSTS follows the public scheme: a portal reached over https stays on it.
func secure(next http.Handler) http.Handler {
	sum := sha256.Sum256([]byte(strings.TrimSuffix(strings.TrimPrefix(ui.TextSizeScript, "<script>"), "</script>")))
	csp := strings.Join([]string{
		"default-src 'self'",
		"script-src 'self' 'wasm-unsafe-eval' 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'",
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:",
		"connect-src 'self'",
		"manifest-src 'self'",
		"worker-src 'self'",
		"object-src 'none'",
		"base-uri 'self'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	}, "; ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if site.Of(r).HTTPS {
			h.Set("Strict-Transport-Security", "max-age=63072000")
		}
		next.ServeHTTP(w, r)
	})
}
