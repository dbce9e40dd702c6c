// Package step5 lets the browser run once package net has started; see package pace.
package step5

import (
	_ "net"

	"github.com/lomake/lomake/app/pace"
)

func init() { pace.Maybe() }
