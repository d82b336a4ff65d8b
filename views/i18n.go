// Package views renders the registry's HTML with templ. It knows the types it shows and
// nothing of SQL. All UI text goes through T, so that it is English, Swedish or Danish.
package views

import (
	"context"
	"sort"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Languages the UI speaks, English first (the fallback).
var Languages = []language.Tag{language.English, language.Swedish, language.Danish}

// LanguageNames are shown in the language switch, each in its own language.
var LanguageNames = map[string]string{"en": "English", "sv": "Svenska", "da": "Dansk"}

var matcher = language.NewMatcher(Languages)

// MatchLanguage picks the UI language from preferences such as a user's setting, a cookie
// and the Accept-Language header, in that order; English when none matches.
func MatchLanguage(prefs ...string) string {
	for _, p := range prefs {
		if _, ok := LanguageNames[p]; ok {
			return p
		}
	}
	for _, p := range prefs {
		tags, _, err := language.ParseAcceptLanguage(p)
		if err != nil || len(tags) == 0 {
			continue
		}
		tag, _, conf := matcher.Match(tags...)
		if conf > language.No {
			base, _ := tag.Base()
			return base.String()
		}
	}
	return "en"
}

type langKey struct{}

// WithLanguage returns a context whose UI text is in lang.
func WithLanguage(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, langKey{}, lang)
}

// Lang returns the UI language of ctx ("en", "sv" or "da").
func Lang(ctx context.Context) string {
	if l, ok := ctx.Value(langKey{}).(string); ok {
		return l
	}
	return "en"
}

var (
	cat      = catalog.NewBuilder(catalog.Fallback(language.English))
	printers = map[string]*message.Printer{}
)

// register adds translations: the English text is the key; sv and da give the others.
// Keys may hold fmt verbs (%d, %s) that T fills in.
func register(messages map[string][2]string) {
	for en, tr := range messages {
		must(cat.SetString(language.English, en, en))
		if tr[0] != "" {
			must(cat.SetString(language.Swedish, en, tr[0]))
		}
		if tr[1] != "" {
			must(cat.SetString(language.Danish, en, tr[1]))
		}
	}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// buildCatalog registers every catalog on first use: the messages_*.go files append theirs in
// their own init functions, which run after this file's (files initialise in name order).
var buildCatalog = sync.OnceFunc(func() {
	for _, m := range catalogs {
		register(m)
	}
	for _, tag := range Languages {
		base, _ := tag.Base()
		printers[base.String()] = message.NewPrinter(tag, message.Catalog(cat))
	}
})

// T translates an English UI text (a catalog key) into the context's language.
func T(ctx context.Context, key string, args ...any) string {
	buildCatalog()
	p, ok := printers[Lang(ctx)]
	if !ok {
		p = printers["en"]
	}
	return p.Sprintf(key, args...)
}

// Keys lists every catalog key, for the test that each has all translations.
func Keys() []string {
	var keys []string
	for _, m := range catalogs {
		for k := range m {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// Translated reports whether key has a text in every language.
func Translated(key string) bool {
	for _, m := range catalogs {
		if tr, ok := m[key]; ok {
			return tr[0] != "" && tr[1] != ""
		}
	}
	return false
}

// catalogs holds every UI text: one map per part of the UI, each added by its own file.
var catalogs []map[string][2]string

// Tn translates a text with a count: one when n is 1, other for every other n (the rule
// of English, Swedish and Danish alike). Both are catalog keys; args fill their verbs.
func Tn(ctx context.Context, n int, one, other string, args ...any) string {
	if n == 1 {
		return T(ctx, one, args...)
	}
	return T(ctx, other, args...)
}
