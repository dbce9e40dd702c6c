// Package step7 lets the browser run once go-app and gojsonschema have started; see
// package pace.
package step7

import (
	_ "github.com/maxence-charriere/go-app/v10/pkg/app"
	_ "github.com/xeipuuv/gojsonschema"

	"github.com/lomake/lomake/app/pace"
)

func init() { pace.Maybe() }
