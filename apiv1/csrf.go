package apiv1

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// A page's forms carry the session's CSRF token masked: XORed with fresh random bytes
// on every render, the mask beside it. Pages are sent compressed, and a secret that
// stays the same in every response beside text an attacker chooses (a reflected
// address) can be guessed from the compressed sizes (BREACH); a masked one differs
// every time. The server unmasks before comparing.

const maskedPrefix = "m."

// MaskCSRF returns token masked with fresh random bytes.
func MaskCSRF(token string) string {
	if token == "" {
		return ""
	}
	mask := make([]byte, len(token))
	rand.Read(mask)
	out := make([]byte, len(token))
	for i := range out {
		out[i] = token[i] ^ mask[i]
	}
	return maskedPrefix + hex.EncodeToString(mask) + hex.EncodeToString(out)
}

// UnmaskCSRF returns the token a MaskCSRF value carries, or the value itself when it
// is not masked (the client sends the token as it got it).
func UnmaskCSRF(v string) string {
	rest, ok := strings.CutPrefix(v, maskedPrefix)
	if !ok || rest == "" || len(rest)%4 != 0 {
		return v
	}
	b, err := hex.DecodeString(rest)
	if err != nil {
		return v
	}
	mask, out := b[:len(b)/2], b[len(b)/2:]
	for i := range out {
		out[i] ^= mask[i]
	}
	return string(out)
}
