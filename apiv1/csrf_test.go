package apiv1

import (
	"strings"
	"testing"
)

func TestMaskedCSRF(t *testing.T) {
	const token = "k3y-0f-the-session_AbC"
	a, b := MaskCSRF(token), MaskCSRF(token)
	if a == b || strings.Contains(a, token) || strings.Contains(b, token) {
		t.Errorf("masked tokens %q and %q: the same, or the token shows", a, b)
	}
	for _, m := range []string{a, b} {
		if got := UnmaskCSRF(m); got != token {
			t.Errorf("UnmaskCSRF(%q) = %q", m, got)
		}
	}
	for _, v := range []string{token, "", "m.", "m.zz", "m.abc", "m.0a0b0c"} {
		if got := UnmaskCSRF(v); v != "m.0a0b0c" && got != v {
			t.Errorf("UnmaskCSRF(%q) = %q, want it unchanged", v, got)
		}
	}
}
