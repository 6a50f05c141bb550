package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cosgate/devstack/stack"
)

func startStack(t *testing.T) (*stack.Stack, string) {
	t.Helper()
	st, err := stack.Start(stack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tok, err := st.Token("dev-user", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return st, tok
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-base", "http://127.0.0.1:1", "-urls", "sts=http://127.0.0.1:1 presign=http://127.0.0.1:1 download=http://127.0.0.1:1"},
		{"-base", "127.0.0.1:8080"},
		{"-urls", "sts=http://127.0.0.1:1"},
		{"-base", "http://127.0.0.1:1", "extra"},
		{"-nope"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
		if !strings.Contains(errOut.String(), "usage: cosgate-smoke") || out.Len() != 0 {
			t.Errorf("%q: stdout %q, stderr %q", args, out.String(), errOut.String())
		}
	}
}

func TestRun(t *testing.T) {
	st, tok := startStack(t)
	urls := "sts=" + st.FunctionsURL + " presign=" + st.FunctionsURL + " download=" + st.FunctionsURL + " sign=" + st.FunctionsURL +
		" login=" + st.FunctionsURL
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"base", []string{"-base", st.FunctionsURL, "-token", tok}, 0, "12 ok, 0 FAIL, 0 skipped"},
		{"urls", []string{"-urls", urls, "-token", tok}, 0, "12 ok, 0 FAIL, 0 skipped"},
		{"no token", []string{"-base", st.FunctionsURL}, 0, "7 ok, 0 FAIL, 1 skipped"},
		{"wrong token", []string{"-base", st.FunctionsURL, "-token", "not.a.token"}, 1, "7 ok, 2 FAIL, 2 skipped"},
		{"ext not allowed", []string{"-base", st.FunctionsURL, "-token", tok, "-ext", "exe"}, 1, "ExtensionNotAllowed"},
		{"no origin", []string{"-base", st.FunctionsURL, "-origin", ""}, 0, "2 ok, 0 FAIL, 2 skipped"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errOut)
			if code != tc.code || !strings.Contains(out.String(), tc.want) {
				t.Errorf("exit %d (want %d), output lacks %q:\n%s%s", code, tc.code, tc.want, out.String(), errOut.String())
			}
			if strings.Contains(out.String(), tok) {
				t.Error("the output shows the token")
			}
		})
	}
}

// TestMakeSmoke is the acceptance check "make smoke passes against make
// dev": make smoke, from the repository root, against the stack make dev
// serves (in process here, on free ports), with a development token.
func TestMakeSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cosgate-smoke with go run")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	st, tok := startStack(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	f := st.FunctionsURL
	for _, vars := range [][]string{
		{"BASE=" + f, "TOKEN=" + tok},
		{"URLS=sts=" + f + " presign=" + f + " download=" + f + " sign=" + f + " login=" + f, "TOKEN=" + tok},
	} {
		cmd := exec.Command("make", append([]string{"--no-print-directory", "-C", root, "smoke"}, vars...)...)
		// A make above this test (make test) must not lend its flags or jobserver.
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "MAKEFLAGS=") && !strings.HasPrefix(kv, "MFLAGS=") && !strings.HasPrefix(kv, "MAKELEVEL=") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("make smoke %s: %v\n%s", vars[0][:4], err, out)
		}
		text := string(out)
		for _, line := range []string{
			"ok    cors sts ", "ok    cors sign ", "ok    sts without token ", "ok    login reaches WeChat ", "ok    sts with token ",
			"ok    presign ", "ok    upload ", "ok    download ", "ok    download object ",
			"12 ok, 0 FAIL, 0 skipped", "smoke check passed",
		} {
			if !strings.Contains(text, line) {
				t.Errorf("make smoke %s: output lacks %q:\n%s", vars[0][:4], line, text)
			}
		}
		// Neither make (the recipe is not echoed) nor the tool shows it.
		if n := strings.Count(text, tok); n != 0 {
			t.Errorf("the token appears %d times in make smoke's output", n)
		}
		t.Logf("make smoke %s:\n%s", vars[0][:4], text)
	}
}
