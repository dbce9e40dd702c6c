package schemas

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Entry is a service's catalog entry, its x-service: what the catalog lists, searches
// and filters by, and what the service page says about the service. It is small and
// needs no form, so a client can hold every service's entry and parse one form.
type Entry struct {
	ID             string              `json:"id"`
	Code           string              `json:"code"`
	Version        int                 `json:"version"`
	Name           Text                `json:"name"`
	Summary        Text                `json:"summary"`
	Description    Text                `json:"description"`
	Audience       Text                `json:"audience"`
	ProcessingTime Text                `json:"processingTime"`
	Validity       Text                `json:"validity,omitempty"`
	Department     Text                `json:"department"`
	KeepInFolder   bool                `json:"keepInFolder"`
	Topics         []string            `json:"topics"`
	TargetGroups   []string            `json:"targetGroups"`
	Keywords       map[string][]string `json:"keywords,omitempty"`
	Channels       []Channel           `json:"channels,omitempty"`
	Feedback       string              `json:"feedback,omitempty"`
}

// Companies says whether companies and other organisations may use the service:
// exactly when companies or associations are among its target groups.
func (e *Entry) Companies() bool {
	return slices.Contains(e.TargetGroups, "companies") || slices.Contains(e.TargetGroups, "associations")
}

// Channel is another way to use the service than this form.
type Channel struct {
	Type   string `json:"type"`             // "pdf", "phone" or "email"
	Title  Text   `json:"title,omitempty"`  // pdf: the form's name
	URL    string `json:"url,omitempty"`    // pdf: an https address
	Number string `json:"number,omitempty"` // phone
	Hours  Text   `json:"hours,omitempty"`  // phone: when it answers
	Email  string `json:"email,omitempty"`  // email
}

// Tel is a phone channel's number as a tel: address: its digits (and +).
func (c Channel) Tel() string { return "tel:" + phonePattern.Replace(c.Number) }

// Topics are the topics a service may name in x-service.topics, in the order the
// catalog's filter shows them. Their names are messages "topic.<id>".
var Topics = []string{
	"early-childhood-education", "schools", "health", "social-services", "housing",
	"parking", "streets", "grants", "environment", "building", "culture", "sports",
	"leisure", "pets", "business", "administration",
}

// TargetGroups are the groups a service may name in x-service.targetGroups, in the
// order the catalog's filter shows them. Their names are messages "group.<id>".
var TargetGroups = []string{"residents", "families", "young-people", "seniors", "companies", "associations"}

// phonePattern strips what a phone number may be written with besides its digits.
var phonePattern = strings.NewReplacer(" ", "", "-", "")

// entry checks x-service and builds the entry from it.
func entry(b *builder, id string, rs *rawService) Entry {
	const at = "#/x-service"
	e := Entry{ID: id, Code: rs.Code, Version: rs.Version, Feedback: rs.Feedback}
	if !validCode(rs.Code) {
		b.problem(at, "code must be three capital letters, e.g. KOI")
	}
	if rs.Version < 1 {
		b.problem(at, "version must be 1 or more")
	}
	if rs.KeepInFolder == nil {
		b.problem(at, "keepInFolder must be given (true or false)")
	} else {
		e.KeepInFolder = *rs.KeepInFolder
	}
	for _, f := range []struct {
		key      string
		dst      *Text
		text     Text
		optional bool
	}{
		{"name", &e.Name, rs.Name, false}, {"summary", &e.Summary, rs.Summary, false},
		{"description", &e.Description, rs.Description, false}, {"audience", &e.Audience, rs.Audience, false},
		{"processingTime", &e.ProcessingTime, rs.ProcessingTime, false}, {"department", &e.Department, rs.Department, false},
		{"validity", &e.Validity, rs.Validity, true},
	} {
		if f.text == nil && !f.optional {
			b.problem(at, "%s is missing", f.key)
		}
		*f.dst = b.own(at, f.key, f.text)
	}
	e.Topics = vocabulary(b, at+"/topics", rs.Topics, Topics)
	e.TargetGroups = vocabulary(b, at+"/targetGroups", rs.TargetGroups, TargetGroups)
	if rs.Keywords != nil {
		for _, lang := range []string{"fi", "sv", "en"} {
			if len(rs.Keywords[lang]) == 0 {
				b.problem(at+"/keywords", "keywords have no %s words: give each language its own", lang)
			}
		}
		for lang := range rs.Keywords {
			if lang != "fi" && lang != "sv" && lang != "en" {
				b.problem(at+"/keywords", "unknown language %q: use fi, sv and en", lang)
			}
		}
		e.Keywords = rs.Keywords
	}
	if rs.Feedback != "" && !httpsURL(rs.Feedback) {
		b.problem(at+"/feedback", "feedback must be an https:// address")
	}
	for i, c := range rs.Channels {
		e.Channels = append(e.Channels, channel(b, at+"/channels/"+strconv.Itoa(i), c))
	}
	return e
}

func channel(b *builder, at string, c Channel) Channel {
	out := Channel{Type: c.Type}
	switch c.Type {
	case "pdf":
		if c.Title == nil {
			b.problem(at, "a pdf channel needs a title (the form's name)")
		}
		out.Title = b.own(at, "title", c.Title)
		if !httpsURL(c.URL) {
			b.problem(at, "url must be an https:// address of the PDF form")
		}
		out.URL = c.URL
	case "phone":
		n := phonePattern.Replace(c.Number)
		if n == "" || strings.Trim(strings.TrimPrefix(n, "+"), "0123456789") != "" {
			b.problem(at, "number must be a phone number, e.g. 09 310 12345")
		}
		if c.Hours == nil {
			b.problem(at, "a phone channel needs hours (when it answers)")
		}
		out.Number, out.Hours = c.Number, b.own(at, "hours", c.Hours)
	case "email":
		if i := strings.IndexByte(c.Email, '@'); i < 1 || i == len(c.Email)-1 || strings.ContainsAny(c.Email, " <>\"") {
			b.problem(at, "email must be an e-mail address")
		}
		out.Email = c.Email
	default:
		b.problem(at, "type must be pdf, phone or email")
	}
	return out
}

// vocabulary checks that ids are known words of vocab, at least one, none twice.
func vocabulary(b *builder, at string, ids, vocab []string) []string {
	if len(ids) == 0 {
		b.problem(at, "name at least one of: %s", strings.Join(vocab, ", "))
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !slices.Contains(vocab, id) {
			b.problem(at, "unknown %q: use one of %s", id, strings.Join(vocab, ", "))
		}
		if seen[id] {
			b.problem(at, "%q is named twice", id)
		}
		seen[id] = true
	}
	return ids
}

func httpsURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil
}
