//go:build !noprefault

package prefault

// Early in package initialisation: Go initialises packages in import-path
// order, each once its imports are, and "cosgate/" sorts before "crypto/",
// "encoding/", "github.com/" and "net/", so most of a function's
// initialisers (70 of 93 in presign) run after this one. Errors are
// ignored on purpose: without the mappings populated, the pages fault in
// one by one, as in any process.
func init() { _ = Executable() }
