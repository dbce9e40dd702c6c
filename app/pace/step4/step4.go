// Package step4 lets the browser run once go-i18n and golang.org/x/text have started;
// see package pace.
package step4

import (
	_ "github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/lomake/lomake/app/pace"
)

func init() { pace.Maybe() }
