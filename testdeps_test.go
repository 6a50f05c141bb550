package cosgate_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// scripts/test-deps, run with stand-ins for the programs it looks for and
// the ones it calls (id, sudo, apt-get, env), each recording its arguments:
// it installs exactly what is missing, as root with apt-get, otherwise with
// sudo, otherwise it stops with the one command to run.
func TestTestDeps(t *testing.T) {
	script, err := filepath.Abs("scripts/test-deps")
	if err != nil {
		t.Fatal(err)
	}
	type stubs struct {
		uid      string // what `id -u` prints
		present  []string
		sudo     string // "" none, "ok" (sudo -n works), "password" (it would ask)
		chromium bool
	}
	run := func(t *testing.T, s stubs) (log, stderr string, code int) {
		dir := t.TempDir()
		record := filepath.Join(dir, "calls")
		write := func(name, body string) {
			if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		write("id", `echo "`+s.uid+`"`)
		write("apt-get", `echo "apt-get $*" >> `+record)
		write("env", `echo "env $1" >> `+record+`; shift; exec "$@"`)
		switch s.sudo {
		case "ok":
			write("sudo", `[ "$1" = -n ] && exit 0; echo "sudo" >> `+record+`; exec "$@"`)
		case "password":
			write("sudo", `[ "$1" = -n ] && exit 1; echo "sudo asked" >> `+record+`; exit 1`)
		}
		for _, p := range s.present {
			write(p, "")
		}
		chromium := filepath.Join(dir, "no-chromium")
		if s.chromium {
			chromium = filepath.Join(dir, "chromium")
			write("chromium", "")
		}
		cmd := exec.Command("/bin/sh", script)
		cmd.Env = []string{"PATH=" + dir, "CHROMIUM=" + chromium}
		var errb strings.Builder
		cmd.Stderr = &errb
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(record)
		return string(b), errb.String(), code
	}
	all := []string{"curl", "node", "npm", "redis-server"}

	t.Run("nothing missing", func(t *testing.T) {
		log, stderr, code := run(t, stubs{uid: "1000", present: all, chromium: true})
		if code != 0 || log != "" || stderr != "" {
			t.Errorf("exit %d, calls %q, said %q; want a silent success", code, log, stderr)
		}
	})
	t.Run("root installs what is missing", func(t *testing.T) {
		log, _, code := run(t, stubs{uid: "0", present: []string{"curl", "node", "npm"}})
		want := "apt-get update -qq\nenv DEBIAN_FRONTEND=noninteractive\n" +
			"apt-get install -y --no-install-recommends chromium redis-server -qq\n"
		if code != 0 || log != want {
			t.Errorf("exit %d, calls:\n%s\nwant:\n%s", code, log, want)
		}
	})
	t.Run("a user with sudo", func(t *testing.T) {
		log, _, code := run(t, stubs{uid: "1000", present: []string{"node", "npm", "redis-server"}, sudo: "ok",
			chromium: true})
		want := "sudo\napt-get update -qq\nsudo\nenv DEBIAN_FRONTEND=noninteractive\n" +
			"apt-get install -y --no-install-recommends curl -qq\n"
		if code != 0 || log != want {
			t.Errorf("exit %d, calls:\n%s\nwant:\n%s", code, log, want)
		}
	})
	for name, sudo := range map[string]string{"a user without sudo": "", "sudo would ask, no terminal": "password"} {
		t.Run(name, func(t *testing.T) {
			log, stderr, code := run(t, stubs{uid: "1000", present: []string{"curl", "redis-server"}, sudo: sudo,
				chromium: true})
			want := "make test needs: nodejs npm. Run: sudo apt-get update && " +
				"sudo apt-get install -y --no-install-recommends nodejs npm\n"
			if code != 1 || log != "" || stderr != want {
				t.Errorf("exit %d, calls %q, said:\n%s\nwant exit 1, no calls, and:\n%s", code, log, stderr, want)
			}
		})
	}
}

// make test and .ci/run share the set-up: both run scripts/test-deps.
func TestSetUpShared(t *testing.T) {
	ci, err := os.ReadFile(".ci/run")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ci), "\nscripts/test-deps\n") {
		t.Error(".ci/run does not run scripts/test-deps")
	}
	out, err := exec.Command("make", "-n", "test").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n test: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "scripts/test-deps") || !strings.Contains(string(out), "-timeout ") {
		t.Errorf("make test should run scripts/test-deps and set go test's -timeout:\n%s", out)
	}
}
