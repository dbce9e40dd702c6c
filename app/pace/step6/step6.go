// Package step6 lets the browser run once net/http has started; see package pace.
package step6

import (
	_ "net/http"

	"github.com/lomake/lomake/app/pace"
)

func init() { pace.Maybe() }
