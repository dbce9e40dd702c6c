// Package step1 lets the browser run once the standard library's Unicode tables,
// formatting and compression have started; see package pace.
package step1

import (
	_ "bufio"
	_ "compress/gzip"
	_ "fmt"
	_ "log"
	_ "unicode"

	"github.com/lomake/lomake/app/pace"
)

func init() { pace.Maybe() }
