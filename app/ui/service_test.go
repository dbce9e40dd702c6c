package ui

import (
	"testing"

	"github.com/lomake/lomake/schemas"
)

// testService builds a service for a test from its form: body is what follows the
// service's catalog entry in the schema file (required, properties, x-ui).
func testService(t *testing.T, id, code, body string) *schemas.Service {
	t.Helper()
	s, problems := schemas.Parse(id, []byte(`{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "title": "Testi",
  "x-i18n": {"sv": {"title": "Test"}, "en": {"title": "Test"}},
  "x-service": {
    "code": "`+code+`", "version": 1, "keepInFolder": true,
    "name": {"fi": "Testi", "sv": "Test", "en": "Test"},
    "summary": {"fi": "a", "sv": "b", "en": "c"},
    "description": {"fi": "a", "sv": "b", "en": "c"},
    "audience": {"fi": "a", "sv": "b", "en": "c"},
    "processingTime": {"fi": "a", "sv": "b", "en": "c"},
    "department": {"fi": "a", "sv": "b", "en": "c"}
  },`+body+`
}`))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return s
}
