package locales

import (
	"regexp"
	"sort"
	"strings"
	"testing"
)

// Every message must exist, non-empty, in every language, with the same placeholders:
// go-i18n would otherwise show the Finnish text or the message id to a Swedish reader.
func TestEveryMessageInEveryLanguage(t *testing.T) {
	all := map[string]map[string]string{}
	ids := map[string]bool{}
	for _, lang := range Languages {
		m, err := Messages(lang)
		if err != nil {
			t.Fatal(err)
		}
		all[lang] = m
		for id := range m {
			ids[id] = true
		}
	}
	placeholder := regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)
	for id := range ids {
		var want []string
		for _, lang := range Languages {
			s, ok := all[lang][id]
			if !ok || s == "" {
				t.Errorf("%s.json: message %q is missing", lang, id)
				continue
			}
			var got []string
			for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
				got = append(got, m[1])
			}
			sort.Strings(got)
			if want == nil {
				want = got
			} else if len(got) != len(want) || (len(got) > 0 && got[0] != want[0]) {
				t.Errorf("%s.json: message %q has placeholders %v, fi has %v", lang, id, got, want)
			}
		}
	}
}

func TestTranslatesAndFillsIn(t *testing.T) {
	cases := map[string]string{
		"fi": "Vaihe 2/3",
		"sv": "Steg 2 av 3",
		"en": "Step 2 of 3",
	}
	for lang, want := range cases {
		if got := T(lang, "form.step", map[string]any{"Current": 2, "Total": 3}); got != want {
			t.Errorf("T(%s) = %q, want %q", lang, got, want)
		}
	}
	if got := T("en", "no.such.message", nil); got != "no.such.message" {
		t.Errorf("unknown id gave %q, want the id back", got)
	}
}

func TestMatchAcceptLanguage(t *testing.T) {
	cases := map[string]string{
		"":                        "fi",
		"sv-FI,sv;q=0.9,en;q=0.8": "sv",
		"en-GB,en;q=0.9":          "en",
		"de-DE,de;q=0.9":          "fi",
		"fi-FI,fi;q=0.9,en;q=0.5": "fi",
		"garbage;;q=x":            "fi",
		"de;q=0.9, en-US;q=0.5":   "en",
	}
	for header, want := range cases {
		if got := Match(header); got != want {
			t.Errorf("Match(%q) = %q, want %q", header, got, want)
		}
	}
}

// Every message renders with its placeholders filled in. The portal's go-i18n fills
// "{{.Name}}" only (third_party/go-i18n/README.lomake.md): a message that uses any
// other template action would show its id to the reader.
func TestEveryMessageFillsIn(t *testing.T) {
	placeholder := regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)
	for _, lang := range Languages {
		m, err := Messages(lang)
		if err != nil {
			t.Fatal(err)
		}
		for id, src := range m {
			data := map[string]any{}
			for _, p := range placeholder.FindAllStringSubmatch(src, -1) {
				data[p[1]] = "«" + p[1] + "»"
			}
			got := T(lang, id, data)
			if got == id || strings.Contains(got, "{{") || strings.Contains(got, "<no value>") {
				t.Errorf("%s.json: message %q renders as %q", lang, id, got)
				continue
			}
			for name, v := range data {
				if !strings.Contains(got, v.(string)) {
					t.Errorf("%s.json: message %q lacks its %s: %q", lang, id, name, got)
				}
			}
		}
	}
}
