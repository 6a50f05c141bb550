//go:build !noprefault

package prefault

// As early as package initialisation goes: a package is initialised once
// its imports are, and this one imports only what the runtime's first
// packages do, so most of the binary's initialisers run after it. Errors
// are ignored on purpose: without the mappings populated, the pages fault
// in one by one, as in any process.
func init() { _ = Executable() }
