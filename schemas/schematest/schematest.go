// Package schematest builds services for tests from their form alone: the catalog
// entry every schema file must have is filled in, so that a test shows only the fields
// it is about.
package schematest

import (
	"testing"

	"github.com/lomake/lomake/schemas"
)

// Source is a whole schema file of a service with the case-number code and the form's
// body: what follows the catalog entry (required, properties, x-ui).
func Source(code, body string) string {
	return `{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "title": "Testi",
  "x-i18n": {"sv": {"title": "Test"}, "en": {"title": "Test"}},
  "x-service": {
    "code": "` + code + `", "version": 1, "keepInFolder": true, "topics": ["pets"], "targetGroups": ["residents"],
    "name": {"fi": "Testi", "sv": "Test", "en": "Test"},
    "summary": {"fi": "a", "sv": "b", "en": "c"},
    "description": {"fi": "a", "sv": "b", "en": "c"},
    "audience": {"fi": "a", "sv": "b", "en": "c"},
    "processingTime": {"fi": "a", "sv": "b", "en": "c"},
    "department": {"fi": "a", "sv": "b", "en": "c"}
  },` + body + `
}`
}

// Service parses Source(code, body) as the service id, and stops the test if it does
// not load.
func Service(t testing.TB, id, code, body string) *schemas.Service {
	t.Helper()
	s, problems := schemas.Parse(id, []byte(Source(code, body)))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return s
}
