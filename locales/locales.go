// Package locales holds the portal's messages in Finnish, Swedish and English and is the
// only package that talks to go-i18n, so that the library could be replaced in one place.
package locales

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Default is the language used when nothing else is known: the city's first language.
const Default = "fi"

// Languages are the portal's languages, in the order the language switch shows them.
var Languages = []string{"fi", "sv", "en"}

// names are the languages' names, each in its own language.
var names = map[string]string{"fi": "Suomi", "sv": "Svenska", "en": "English"}

//go:embed fi.json sv.json en.json
var files embed.FS

// Each language loads on its first use, on its own: the browser client starts with
// the page's language only.
var loaded = map[string]*messages{}

type messages struct {
	once      sync.Once
	localizer *i18n.Localizer
	err       error
	// plain keeps the messages that take no data, as found: go-i18n matches the
	// language anew on every call, and a form's render asks for the same few labels
	// once per field. Only ids found are kept, so it holds at most the file.
	plain sync.Map // id → string
}

func init() {
	for _, lang := range Languages {
		loaded[lang] = &messages{}
	}
}

// Load loads a language's messages now rather than on first use.
func Load(lang string) { localizer(Orient(lang)) }

// localizer returns a language's messages, loading them on first use.
func localizer(lang string) (*i18n.Localizer, error) {
	l := loaded[lang]
	l.once.Do(func() {
		tag := language.Make(lang)
		bundle := i18n.NewBundle(tag)
		bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
		if _, err := bundle.LoadMessageFileFS(files, lang+".json"); err != nil {
			l.err = fmt.Errorf("locales: loading %s.json: %w", lang, err)
			return
		}
		// No fallback languages: a missing translation must show as missing
		// (the completeness test catches it) rather than as Finnish.
		l.localizer = i18n.NewLocalizer(bundle, lang)
	})
	return l.localizer, l.err
}

// Supported reports whether lang is one of the portal's languages.
func Supported(lang string) bool {
	_, ok := names[lang]
	return ok
}

// Name returns a language's name in that language ("Svenska").
func Name(lang string) string { return names[lang] }

// Orient returns lang if it is supported, else Default.
func Orient(lang string) string {
	if Supported(lang) {
		return lang
	}
	return Default
}

// T returns the message id in lang with data filled in. An unknown id or language
// returns the id itself, so a gap shows in the page instead of breaking it.
func T(lang, id string, data map[string]any) string {
	lang = Orient(lang)
	l, err := localizer(lang)
	if err != nil {
		return id
	}
	plain := &loaded[lang].plain
	if data == nil {
		if msg, ok := plain.Load(id); ok {
			return msg.(string)
		}
	}
	msg, err := l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil || msg == "" {
		return id
	}
	if data == nil {
		plain.Store(id, msg)
	}
	return msg
}

var matcher = language.NewMatcher([]language.Tag{language.Finnish, language.Swedish, language.English})

// Match picks the best portal language for an Accept-Language header.
func Match(acceptLanguage string) string {
	if strings.TrimSpace(acceptLanguage) == "" {
		return Default
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Default
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return Default
	}
	return Languages[i]
}

// Remembered is the language the user chose last (the lang cookie), else the best match
// for the browser's Accept-Language.
func Remembered(r *http.Request) string {
	if c, err := r.Cookie("lang"); err == nil && Supported(c.Value) {
		return c.Value
	}
	return Match(r.Header.Get("Accept-Language"))
}

// Messages returns every message of a language file, for completeness checks.
func Messages(lang string) (map[string]string, error) {
	b, err := files.ReadFile(lang + ".json")
	if err != nil {
		return nil, fmt.Errorf("locales: %w", err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("locales: decoding %s.json: %w", lang, err)
	}
	return m, nil
}
