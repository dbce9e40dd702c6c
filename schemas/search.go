package schemas

import (
	"slices"
	"strings"
	"unicode"
)

// Search returns the services that match query in lang, in alphabetical order. Every
// word of the query must be found in the service's name, summary, description,
// audience, department or keywords, ignoring case and diacritics ("paivakoti" finds "päiväkoti"):
// at the start of a word, or inside one from three letters; at the start, a word of
// four letters or more may have one letter wrong, missing, extra or swapped with the
// next. An empty query matches every service.
func (r *Registry) Search(lang, query string) []*Entry {
	all := r.Sorted(lang)
	words := searchWords(query)
	if len(words) == 0 {
		return all
	}
	qs := make([][]rune, len(words))
	for i, q := range words {
		qs[i] = []rune(q)
	}
	var out []*Entry
	for _, e := range all {
		text := r.searchText(e, lang)
		found := true
		for i, q := range words {
			if !matchesAny(q, qs[i], text) {
				found = false
				break
			}
		}
		if found {
			out = append(out, e)
		}
	}
	return out
}

// searchText is the words a service is found by in lang, folded, kept once made.
func (r *Registry) searchText(e *Entry, lang string) searchWordsOf {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := lang + " " + e.ID
	if w, ok := r.search[key]; ok {
		return w
	}
	if r.search == nil {
		r.search = map[string]searchWordsOf{}
	}
	var b strings.Builder
	for _, t := range []Text{e.Name, e.Summary, e.Description, e.Audience, e.Department} {
		b.WriteString(t.In(lang))
		b.WriteByte(' ')
	}
	for _, k := range e.Keywords[lang] {
		b.WriteString(k)
		b.WriteByte(' ')
	}
	w := searchWordsOf{words: searchWords(b.String())}
	w.words = slices.Compact(slices.Sorted(slices.Values(w.words)))
	w.runes = make([][]rune, len(w.words))
	for i, word := range w.words {
		w.runes[i] = []rune(word)
	}
	r.search[key] = w
	return w
}

// searchWordsOf are a service's words, each once, and the same as runes for the
// one-letter mistakes: a keystroke over sixty services converts nothing.
type searchWordsOf struct {
	words []string
	runes [][]rune
}

// searchWords folds a text for search: lower case, without diacritics, split into
// words of letters and digits.
func searchWords(text string) []string {
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		if f, ok := folded[r]; ok {
			r = f
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte(' ')
		}
	}
	return strings.Fields(b.String())
}

// folded are the letters with diacritics that the portal's languages and names use.
var folded = map[rune]rune{
	'ä': 'a', 'å': 'a', 'á': 'a', 'à': 'a', 'â': 'a', 'ö': 'o', 'ó': 'o', 'ò': 'o', 'ô': 'o', 'ø': 'o',
	'é': 'e', 'è': 'e', 'ê': 'e', 'ë': 'e', 'ü': 'u', 'ú': 'u', 'í': 'i', 'ï': 'i', 'š': 's', 'ž': 'z', 'ç': 'c',
}

// matchesAny reports whether q begins one of the words, within one letter's mistake
// for a word of four letters or more.
func matchesAny(q string, qr []rune, text searchWordsOf) bool {
	n := len(qr)
	for i, w := range text.words {
		// Inside a word too, from three letters: Finnish joins words ("pysäköinti"
		// in "asukaspysäköintitunnus").
		if strings.HasPrefix(w, q) || n >= 3 && strings.Contains(w, q) {
			return true
		}
		if n < 4 {
			continue
		}
		wr := text.runes[i]
		for _, l := range [...]int{n - 1, n, n + 1} {
			if l <= len(wr) && l > 0 && withinOne(qr, wr[:l]) {
				return true
			}
		}
	}
	return false
}

// withinOne reports whether a and b differ by at most one letter substituted, added,
// removed, or two neighbours swapped.
func withinOne(a, b []rune) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if i == len(a) {
		return true // equal, or one letter added at the end
	}
	if len(a) == len(b) {
		if string(a[i+1:]) == string(b[i+1:]) {
			return true // one substituted
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && string(a[i+2:]) == string(b[i+2:]) // swapped
	}
	return string(a[i:]) == string(b[i+1:]) // one added or removed
}

// Filtered is a catalog search narrowed by topics and target groups.
type Filtered struct {
	Services []*Entry // what matches the query and every filter, alphabetically
	// Topics and Groups count, for each topic or group, the services it would show:
	// those matching the query and the other kind of filter (ticking a second topic
	// adds services; a target group narrows them).
	Topics, Groups map[string]int
}

// Filter searches as Search does, and keeps the services that have one of topics (any
// when none is given) and one of groups (likewise).
func (r *Registry) Filter(lang, query string, topics, groups []string) Filtered {
	out := Filtered{Topics: map[string]int{}, Groups: map[string]int{}}
	for _, e := range r.Search(lang, query) {
		inTopics := len(topics) == 0 || containsAny(e.Topics, topics)
		inGroups := len(groups) == 0 || containsAny(e.TargetGroups, groups)
		if inTopics && inGroups {
			out.Services = append(out.Services, e)
		}
		if inGroups {
			for _, t := range e.Topics {
				out.Topics[t]++
			}
		}
		if inTopics {
			for _, g := range e.TargetGroups {
				out.Groups[g]++
			}
		}
	}
	return out
}

func containsAny(have, want []string) bool {
	for _, w := range want {
		if slices.Contains(have, w) {
			return true
		}
	}
	return false
}
