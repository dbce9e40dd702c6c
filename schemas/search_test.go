package schemas

import (
	"io/fs"
	"os"
	"reflect"
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
		{"fi", "kio", ""},                                   // short words: no mistakes allowed
		{"en", "kindergarten", "early-childhood-education"}, // a keyword, not in any text
		{"sv", "mikrochip", "dog-registration"},             // a keyword in Swedish
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

// Filters narrow a search: topics and groups each match any ticked, together both;
// each option counts what ticking it would show.
func TestFilter(t *testing.T) {
	entry := func(id, name string, topics, groups []string) Entry {
		return Entry{ID: id, Name: Text{"fi": name, "sv": name, "en": name}, Topics: topics, TargetGroups: groups}
	}
	r := Catalog([]Entry{
		entry("a", "Asukaspysäköinti", []string{"parking"}, []string{"residents"}),
		entry("b", "Yrityspysäköinti", []string{"parking", "business"}, []string{"companies"}),
		entry("c", "Kaivulupa", []string{"streets"}, []string{"companies"}),
		entry("d", "Päiväkoti", []string{"early-childhood-education"}, []string{"families"}),
	})
	cases := []struct {
		name, query    string
		topics, groups []string
		want           string
		topicCounts    map[string]int
		groupCounts    map[string]int
	}{
		{"nothing ticked", "", nil, nil, "a c d b",
			map[string]int{"parking": 2, "business": 1, "streets": 1, "early-childhood-education": 1},
			map[string]int{"residents": 1, "companies": 2, "families": 1}},
		{"one topic", "", []string{"parking"}, nil, "a b",
			map[string]int{"parking": 2, "business": 1, "streets": 1, "early-childhood-education": 1},
			map[string]int{"residents": 1, "companies": 1}},
		{"two topics add", "", []string{"parking", "streets"}, nil, "a c b", nil, nil},
		{"topic and group narrow", "", []string{"parking"}, []string{"companies"}, "b",
			map[string]int{"parking": 1, "business": 1, "streets": 1},
			map[string]int{"residents": 1, "companies": 1}},
		{"with a search", "pysakointi", nil, []string{"companies"}, "b",
			map[string]int{"parking": 1, "business": 1},
			map[string]int{"residents": 1, "companies": 1}},
		{"nothing matches", "kaivu", []string{"parking"}, nil, "", map[string]int{"streets": 1}, map[string]int{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := r.Filter("fi", c.query, c.topics, c.groups)
			var got []string
			for _, e := range f.Services {
				got = append(got, e.ID)
			}
			if strings.Join(got, " ") != c.want {
				t.Errorf("services %v, want %q", got, c.want)
			}
			if c.topicCounts != nil && !reflect.DeepEqual(f.Topics, c.topicCounts) {
				t.Errorf("topic counts %v, want %v", f.Topics, c.topicCounts)
			}
			if c.groupCounts != nil && !reflect.DeepEqual(f.Groups, c.groupCounts) {
				t.Errorf("group counts %v, want %v", f.Groups, c.groupCounts)
			}
		})
	}
}

// BenchmarkCatalogSearch is one keystroke's work in the catalog over the shipped
// services: the search and the filter counts for a query typed so far (make bench
// runs it natively and as WebAssembly, the browser's path).
func BenchmarkCatalogSearch(b *testing.B) {
	r, err := Builtin()
	if err != nil {
		b.Fatal(err)
	}
	queries := []string{"p", "pa", "pai", "paiv", "paivah", "paivahoito", "lupa", "avustus", "koira"}
	r.Filter("fi", "warm", nil, nil)
	b.ReportMetric(float64(len(r.Entries())), "services")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Filter("fi", queries[i%len(queries)], []string{"grants"}, nil)
	}
}

// BenchmarkLoad is the server's start with the shipped services: every file parsed,
// checked and its schema compiled.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r, err := Load(embedded)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(r.Services())), "services")
	}
}

// BenchmarkParse is the client's start on a form page: one service file parsed into
// its form (the dog registration, and the largest shipped file), its schema compiled
// later, on first use.
func BenchmarkParse(b *testing.B) {
	CompileOnUse = true
	defer func() { CompileOnUse = false }()
	files, err := fs.Glob(embedded, "*.json")
	if err != nil {
		b.Fatal(err)
	}
	largest, size := "", 0
	for _, f := range files {
		data, _ := fs.ReadFile(embedded, f)
		if len(data) > size {
			largest, size = f, len(data)
		}
	}
	for _, file := range []string{"dog-registration.json", largest} {
		data, err := fs.ReadFile(embedded, file)
		if err != nil {
			b.Fatal(err)
		}
		id := strings.TrimSuffix(file, ".json")
		b.Run(id, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, problems := Parse(id, data); len(problems) > 0 {
					b.Fatal(problems)
				}
			}
		})
	}
}
