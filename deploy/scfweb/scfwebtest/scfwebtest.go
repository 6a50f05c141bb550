// Package scfwebtest runs a web function's zip as Tencent SCF does, for
// tests: unpacked into a folder standing for /var/user, scf_bootstrap
// executed from it with SCF's environment (scfweb.Environment) and the
// function's variables. It is imported by tests only.
package scfwebtest

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
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

// Dist is a `make <target> DIST=…` build, made once per test binary and
// shared by its tests: building the function binaries is the slow part of
// the deploy tests.
type Dist struct {
	Root   string // the repository, where make runs
	Target string // package or package-scf
	once   sync.Once
	dir    string
	out    []byte
	err    error
}

// Dir builds on first use and returns DIST.
func (d *Dist) Dir(t testing.TB) string {
	t.Helper()
	d.once.Do(func() {
		if d.dir, d.err = os.MkdirTemp("", "cosgate-dist"); d.err == nil {
			cmd := exec.Command("make", d.Target, "DIST="+d.dir)
			cmd.Dir = d.Root
			d.out, d.err = cmd.CombinedOutput()
		}
	})
	if d.err != nil {
		t.Fatalf("make %s: %v\n%s", d.Target, d.err, d.out)
	}
	return d.dir
}

// Remove deletes what Dir built; TestMain calls it after the tests.
func (d *Dist) Remove() {
	if d.dir != "" {
		os.RemoveAll(d.dir)
	}
}
