package schemas

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// The search over the three services shipped first, read by name: a service added
// to schemas/ changes nothing here.
func TestSearch(t *testing.T) {
	files := fstest.MapFS{}
	for _, id := range []string{"dog-registration", "early-childhood-education", "resident-parking-permit"} {
		data, err := os.ReadFile(id + ".json")
		if err != nil {
			t.Fatal(err)
		}
		files[id+".json"] = &fstest.MapFile{Data: data}
	}
	r, err := Load(files)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		lang, query string
		want        string // ids, in order
	}{
		{"fi", "", "resident-parking-permit dog-registration early-childhood-education"}, // by Finnish name
		{"fi", "päiväkoti", "early-childhood-education"},
		{"fi", "paivakoti", "early-childhood-education"},           // no diacritics
		{"fi", "varhais", "early-childhood-education"},             // a word's beginning
		{"fi", "pysäköin", "resident-parking-permit"},              // one's too
		{"fi", "koira", "dog-registration"},                        // the name
		{"fi", "koria", "dog-registration"},                        // two letters swapped
		{"fi", "pysakointitunnus", "resident-parking-permit"},      // inside a compound
		{"fi", "asukaspysakointitunus", "resident-parking-permit"}, // a letter missing
		{"en", "parkng", "resident-parking-permit"},                // a letter missing, English
		{"sv", "hund", "dog-registration"},                         // Swedish
		{"fi", "koira asukas", ""},                                 // every word must match
		{"fi", "xyzzy", ""},
		{"fi", "kio", ""}, // short words: no mistakes allowed
	}
	for _, c := range cases {
		t.Run(c.lang+" "+c.query, func(t *testing.T) {
			var got []string
			for _, s := range r.Search(c.lang, c.query) {
				got = append(got, s.ID)
			}
			if strings.Join(got, " ") != c.want {
				t.Errorf("Search(%q) = %v, want %q", c.query, got, c.want)
			}
		})
	}
}

func TestWithinOne(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"koira", "koira", true}, {"koira", "koria", true}, {"koira", "koirat", true}, {"koira", "kira", true},
		{"koira", "kaira", true}, {"koira", "kirat", false}, {"koira", "xyz", false},
	} {
		if got := withinOne([]rune(c.a), []rune(c.b)); got != c.want {
			t.Errorf("withinOne(%q, %q) = %v", c.a, c.b, got)
		}
	}
}
