package schemas

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lomake/lomake/locales"
)

// FieldError is a violation with its message in the user's language.
type FieldError struct {
	Pointer string `json:"pointer"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Errors puts messages on violations, in lang.
func (s *Service) Errors(lang string, vs []Violation) []FieldError {
	out := make([]FieldError, len(vs))
	for i, v := range vs {
		out[i] = FieldError{Pointer: v.Pointer, Code: v.Code, Message: s.Message(lang, v)}
	}
	return out
}

// Message returns the plain-language message for a violation: the author's own from
// x-ui.errors, else the portal's message for the code, built around the field's label.
// It never shows a schema keyword.
func (s *Service) Message(lang string, v Violation) string {
	n := s.Form.Lookup(v.Pointer)
	if n != nil {
		if t, ok := n.Errors[v.Code]; ok {
			return t.In(lang)
		}
	}
	label := locales.T(lang, "error.form", nil)
	if n != nil && n.Title != nil {
		label = n.Title.In(lang)
	}
	data := map[string]any{"Label": label, "Field": lowerFirst(label)}
	for k, p := range v.Params {
		switch k {
		case "min":
			data["Min"] = Number(lang, p)
		case "max":
			data["Max"] = Number(lang, p)
		}
	}
	id := "error." + v.Code
	switch v.Code {
	case "required":
		switch {
		case n != nil && n.Type == "boolean":
			id = "error.required.tick" // a statement to tick ("I confirm…") reads as it is
		case n != nil && (len(n.Options) > 0 || n.Type == "array"):
			id = "error.required.choose"
		}
	case "enum":
		if n != nil && n.Type == "boolean" { // const: true, a declaration left unticked
			id = "error.required.tick"
		}
	case "minItems", "maxItems":
		if n != nil && n.Items != nil && len(n.Items.Options) > 0 && n.Widget != "list" {
			id += ".choose" // a group of boxes: one chooses, not adds
		}
	case "type":
		if n != nil && (n.Type == "number" || n.Type == "integer") {
			id = "error.type.number"
		}
	case "format":
		if n != nil {
			switch n.Format {
			case "email", "date", "fi-personal-identity-code", "fi-business-id", "fi-postal-code", "fi-phone":
				id = "error.format." + n.Format
			}
		}
	case "additionalProperties", "propertyNames":
		id = "error.additionalProperties" // a key the form does not have, by its name
		segs := Segments(v.Pointer)
		if len(segs) == 0 {
			id = "error.invalid"
			break
		}
		data["Name"] = segs[len(segs)-1]
	case "fileType", "fileSize", "fileEmpty", "fileGone":
		fileMessageData(lang, n, v.Params, data)
	case "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
		"exclusiveMaximum", "multipleOf", "uniqueItems", "prefill", "readOnly":
	default:
		id = "error.invalid"
	}
	if sentenceMessages[id] && n != nil && n.Title != nil && isSentence(lang, label) {
		// "Anna kuvaile asiasi" would not do: the label goes first, as it is, and a
		// question keeps its question mark: "Asutteko vuokralla? Valitse vastaus".
		msg := locales.T(lang, id+".sentence", data)
		if rest, ok := strings.CutPrefix(msg, label+": "); ok && strings.ContainsAny(label[len(label)-1:], "?.!") {
			r, size := utf8.DecodeRuneInString(rest)
			msg = label + " " + string(unicode.ToUpper(r)) + rest[size:]
		}
		return msg
	}
	return locales.T(lang, id, data)
}

// sentenceMessages are the messages built around a noun-phrase label ("Anna
// {{.Field}}"); each has a ".sentence" form for a label that is a question or a
// statement ("Kuvaile asiasi: vastaa tähän kohtaan").
var sentenceMessages = map[string]bool{
	"error.required": true, "error.required.choose": true, "error.type": true,
	"error.type.number": true, "error.format": true, "error.enum": true, "error.invalid": true,
}

// sentenceStarts are words that begin a label that is a request or a statement rather
// than the name of a thing: "Kuvaile asiasi", "Describe your matter", "Jag behöver".
var sentenceStarts = map[string]map[string]bool{
	"fi": words("kuvaile kerro perustele selvitä ilmoita anna valitse liitä merkitse nimeä lisää kirjoita täytä vahvista vakuutan haluan tarvitsen olen hyväksyn suostun asun toivon pyydän onko oletko onko voiko miksi miten mitä milloin missä kuka"),
	"sv": words("beskriv berätta motivera ange välj bifoga skriv fyll bekräfta jag har är vill behöver varför hur vad när var vem"),
	"en": words("describe tell explain give enter choose select attach write list state provide confirm i do does are is have will why how what when where who"),
}

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// isSentence reports whether a label reads as a question or a statement: it ends as
// a sentence does, begins with a word that begins requests and statements, or is long.
func isSentence(lang, label string) bool {
	label = strings.TrimSpace(label)
	if strings.HasSuffix(label, "?") || strings.HasSuffix(label, ".") || strings.HasSuffix(label, "!") || strings.HasSuffix(label, ":") {
		return true
	}
	fields := strings.Fields(label)
	if len(fields) == 0 {
		return false
	}
	if len(fields) >= 7 {
		return true
	}
	first := strings.ToLower(strings.TrimFunc(fields[0], func(r rune) bool { return !unicode.IsLetter(r) }))
	return sentenceStarts[lang][first]
}

// ItemLabel names the array items a pointer passes through ("Huoltaja 2"), so that an
// error summary can tell two guardians' e-mail addresses apart. It is empty otherwise.
func (s *Service) ItemLabel(lang, pointer string) string {
	var parts []string
	cur := s.Form
	for _, seg := range Segments(pointer) {
		if cur == nil {
			break
		}
		switch cur.Type {
		case "object":
			cur = cur.Property(seg)
		case "array":
			if i, err := strconv.Atoi(seg); err == nil {
				title := cur.ItemTitle
				if title == nil {
					title = cur.Items.Title
				}
				if title != nil {
					parts = append(parts, title.In(lang)+" "+strconv.Itoa(i+1))
				}
			}
			cur = cur.Items
		default:
			cur = nil
		}
	}
	return strings.Join(parts, ", ")
}

// lowerFirst lowercases a label's first letter for use inside a sentence, unless the
// label starts with an abbreviation ("Y-tunnus", "IBAN") or the English pronoun "I"
// ("I confirm that…"); "E-mail" and "E-postadress" are words, not abbreviations.
func lowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 {
		return s
	}
	next, _ := utf8.DecodeRuneInString(s[size:])
	if unicode.IsUpper(next) || (next == '-' && r != 'E') || r == 'I' && (next == ' ' || next == '\'' || next == '’') {
		return s
	}
	return string(unicode.ToLower(r)) + s[size:]
}

// fileMessageData fills in what the messages of a refused file say: its name (params
// "name"), the types the field takes and its largest size (params "max", in bytes, else
// the field's x-ui.maxSize) in megabytes.
func fileMessageData(lang string, n *Node, params map[string]any, data map[string]any) {
	name, _ := params["name"].(string)
	data["Name"] = name
	accept, max := FileTypes, int64(MaxFileSize)
	if n != nil && n.Widget == "file" {
		accept, max = n.Accept, n.MaxSize
	}
	switch m := params["max"].(type) {
	case int64:
		max = m
	case int:
		max = int64(m)
	case float64: // decoded from JSON
		max = int64(m)
	}
	data["Types"] = strings.ToUpper(strings.Join(accept, ", "))
	data["Max"] = Megabytes(lang, max)
}

// Number writes a limit as the language writes numbers: "200 000" and "2,5" in Finnish
// and Swedish (a no-break space between thousands), "200,000" and "2.5" in English.
// Other values are written as they come.
func Number(lang string, v any) string {
	var s string
	switch n := v.(type) {
	case int:
		s = strconv.Itoa(n)
	case int64:
		s = strconv.FormatInt(n, 10)
	case float64:
		s = strconv.FormatFloat(n, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
	if strings.ContainsAny(s, "eE") || len(s) > 40 {
		return s
	}
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	group, point := "\u00a0", ","
	if lang == "en" {
		group, point = ",", "."
	}
	// Finnish and Swedish keep four digits together ("1000"); English does not.
	grouped := len(whole) > 4 || lang == "en" && len(whole) > 3
	var b strings.Builder
	b.WriteString(sign)
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 && grouped {
			b.WriteString(group)
		}
		b.WriteRune(d)
	}
	if frac != "" {
		b.WriteString(point + frac)
	}
	return b.String()
}

// Megabytes writes a size in bytes as megabytes (of 2^20 bytes, as file managers count
// them) for lang: "20", "0,5" (fi, sv), "0.5" (en); at least 0.1.
func Megabytes(lang string, n int64) string {
	tenths := (n*10 + 1<<19) >> 20 // rounded to tenths of a megabyte
	if tenths < 1 {
		tenths = 1
	}
	s := strconv.FormatInt(tenths/10, 10)
	if tenths%10 != 0 {
		sep := ","
		if lang == "en" {
			sep = "."
		}
		s += sep + strconv.FormatInt(tenths%10, 10)
	}
	return s
}
