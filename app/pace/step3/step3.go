// Package step3 lets the browser run once the rest of the standard library's
// cryptography has started; see package pace.
package step3

import (
	_ "crypto/cipher"
	_ "crypto/hkdf"
	_ "crypto/mlkem"
	_ "crypto/sha3"
	_ "crypto/sha512"

	"github.com/lomake/lomake/app/pace"
)

func init() { pace.Maybe() }
