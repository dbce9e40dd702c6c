package ui

import "github.com/lomake/lomake/schemas"

// builtinServices: the client carries no schema (services.go); until Prepare has read
// the catalog, there are none.
func builtinServices() *schemas.Registry { return noServices }

var noServices = schemas.Catalog(nil)
