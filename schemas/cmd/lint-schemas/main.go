// Command lint-schemas checks the service files of a folder (default: schemas) and the
// test documents of its testdata folder, and prints every problem as "file: place in
// it: what to do". It exits with status 1 when there is any: `make lint-schemas`, which
// `make test` runs.
package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/lomake/lomake/schemas"
)

func main() {
	dir := "schemas"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	var testdata fs.FS
	if fi, err := os.Stat(filepath.Join(dir, "testdata")); err == nil && fi.IsDir() {
		testdata = os.DirFS(filepath.Join(dir, "testdata"))
	}
	problems := schemas.Lint(os.DirFS(dir), testdata)
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, filepath.Join(dir, p))
	}
	if len(problems) > 0 {
		fmt.Fprintf(os.Stderr, "%d problems\n", len(problems))
		os.Exit(1)
	}
	fmt.Println("schemas: every service and test document is in order")
}
