// Package e2e holds cosgate's end-to-end tests: the functions, the COS and
// STS emulators and real clients (cos-go-sdk-v5, and the npm SDKs under
// ../jsclients), all on loopback.
package e2e
