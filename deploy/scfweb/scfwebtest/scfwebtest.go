// Package scfwebtest runs a web function's zip as Tencent SCF does, for
// tests: unpacked into a folder standing for /var/user, scf_bootstrap
// executed from it with SCF's environment (scfweb.Environment) and the
// function's variables. It is imported by tests only.
package scfwebtest

import (
	"maps"
	"path/filepath"
	"strconv"
	"testing"

	"cosgate/deploy/scfweb"
	"cosgate/shared/platform/platformtest"
)

// Run unpacks zipData, starts its scf_bootstrap and waits until it listens.
// vars are the function's own variables (what the deploy configured, plus
// any endpoint overrides a test needs). SCF requires 0.0.0.0:9000; to run
// beside other tests the server is moved to a free loopback port with
// cosgate's PORT and LISTEN_HOST, which is the one difference from the
// platform. It returns the process and the server's base URL.
func Run(t testing.TB, zipData []byte, fn scfweb.Function, vars map[string]string) (*platformtest.Process, string) {
	t.Helper()
	if fn.Root == "" {
		fn.Root = t.TempDir()
	}
	if err := scfweb.Unpack(zipData, fn.Root); err != nil {
		t.Fatalf("unpack %s: %v", fn.Name, err)
	}
	port := platformtest.FreePort(t)
	env := maps.Clone(vars)
	if env == nil {
		env = map[string]string{}
	}
	maps.Copy(env, scfweb.Environment(fn))
	env["PORT"], env["LISTEN_HOST"] = strconv.Itoa(port), "127.0.0.1"
	p := platformtest.Start(t, filepath.Join(fn.Root, scfweb.Bootstrap), env)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p.WaitTCP(t, addr)
	return p, "http://" + addr
}
