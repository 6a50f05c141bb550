// Package devstack is cosgate's local stack: faithful COS and STS emulators
// and the wiring that runs them beside the functions (make dev) and in the
// end-to-end tests. None of it is ever linked into a function binary.
package devstack
