package ui

import "testing"

func TestQuotaLow(t *testing.T) {
	for _, c := range []struct {
		usage, quota float64
		low          bool
	}{
		{0, 0, false},                      // the browser does not tell
		{1 << 20, 1 << 30, false},          // 1 MB of 1 GB used
		{(1 << 30) - 1<<20, 1 << 30, true}, // 1 MB left
		{95, 100, true},                    // a tenth left
	} {
		if got := quotaLow(c.usage, c.quota); got != c.low {
			t.Errorf("quotaLow(%v, %v) = %v", c.usage, c.quota, got)
		}
	}
}

func TestDisplayShowsAnswersInWords(t *testing.T) {
	for v, want := range map[any]string{nil: "(tyhjä)", true: "Kyllä", false: "Ei", "Musti": "Musti", 2.5: "2.5"} {
		if got := display("fi", v); got != want {
			t.Errorf("display(%v) = %q, want %q", v, got, want)
		}
	}
}
