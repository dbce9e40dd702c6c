// Package step2 lets the browser run once the first half of the standard library's
// cryptography has started; see package pace.
package step2

import (
	_ "crypto/fips140"

	"github.com/lomake/lomake/app/pace"
)

func init() { pace.Maybe() }
