// Package step8 lets the browser run once the portal's schemas and messages have
// started; see package pace.
package step8

import (
	_ "github.com/lomake/lomake/locales"
	_ "github.com/lomake/lomake/schemas"

	"github.com/lomake/lomake/app/pace"
)

func init() { pace.Maybe() }
