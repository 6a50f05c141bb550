package platform_test

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"cosgate/shared/platform/platformtest"
)

// The build tags noscfevent and noawslambda leave an adapter, and what it
// imports, out of the binary (the Makefile's three flavours). Detect still
// names the platform; a binary started where its adapter is missing stops
// at once, with one line saying which zip to deploy instead, and exit 1.
func TestFlavours(t *testing.T) {
	const scfLib, awsLib = "github.com/tencentyun/scf-go-lib", "github.com/aws/aws-lambda-go"
	dir := t.TempDir()
	for _, c := range []struct {
		tags          []string
		scf, aws      bool     // adapter linked
		absent, extra []string // packages that must be missing or present
	}{
		{[]string{"noscfevent", "noawslambda"}, false, false,
			[]string{"net/rpc", "encoding/gob", "html/template", "text/template"}, nil},
		{[]string{"noawslambda"}, true, false, nil, []string{"net/rpc", "encoding/gob"}},
		{[]string{"noscfevent"}, false, true, []string{"net/rpc", "encoding/gob", "html/template"}, nil},
	} {
		name := strings.Join(c.tags, ",")
		bin, err := platformtest.Build(dir, "cosgate/shared/platform/internal/probe", c.tags...)
		if err != nil {
			t.Fatal(err)
		}
		// What was linked: modules (go version -m) and packages (the function table).
		mods, err := exec.Command("go", "version", "-m", bin).Output()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(mods), scfLib); got != c.scf {
			t.Errorf("%s: scf-go-lib linked = %v:\n%s", name, got, mods)
		}
		if got := strings.Contains(string(mods), awsLib); got != c.aws {
			t.Errorf("%s: aws-lambda-go linked = %v:\n%s", name, got, mods)
		}
		linked, err := platformtest.Linked(bin)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range c.absent {
			if linked[p] {
				t.Errorf("%s: %s is linked", name, p)
			}
		}
		for _, p := range c.extra {
			if !linked[p] {
				t.Errorf("%s: %s is not linked", name, p)
			}
		}

		// Where its adapter is, the binary serves; where it is not, it stops.
		if _, base := platformtest.StartHTTP(t, bin, map[string]string{"AUTH_MODE": "none", "COSGATE_PLATFORM": "scf-web"}); base == "" {
			t.Fatal("no web function")
		}
		scfEnv := map[string]string{"AUTH_MODE": "none", "TENCENTCLOUD_RUNENV": "SCF", "SCF_RUNTIME": "Go1",
			"_LAMBDA_SERVER_PORT": itoa(platformtest.FreePort(t))}
		if c.scf {
			platformtest.StartSCF(t, bin, okEnv)
		} else {
			refused(t, name, bin, scfEnv, "this binary was built without the SCF event-function adapter (scf-go-lib, "+
				"build tag noscfevent); deploy dist/scf/probe.zip for an event function, or dist/scf-web/probe.zip as a web function")
		}
		l := platformtest.NewLambda(t)
		if c.aws {
			p := platformtest.Start(t, bin, l.Env(okEnv))
			if rep := l.Invoke(t, map[string]any{"version": "2.0", "rawPath": "/echo/x", "headers": map[string]string{"host": "x"},
				"requestContext": map[string]any{"requestId": "r", "http": map[string]any{"method": "GET"}}},
				time.Now().Add(5*time.Second)); rep.Error || !strings.Contains(string(rep.Body), `"statusCode":200`) {
				t.Errorf("%s on Lambda: %s\n%s", name, rep.Body, p.Logs)
			}
		} else {
			refused(t, name, bin, l.Env(okEnv), "this binary was built without the AWS Lambda adapter (aws-lambda-go, "+
				"build tag noawslambda); deploy dist/aws/probe.zip on AWS Lambda")
		}
	}
}

func refused(t *testing.T, name, bin string, env map[string]string, want string) {
	t.Helper()
	p := platformtest.Start(t, bin, env)
	code, exited := p.Wait(5 * time.Second)
	logs := p.Logs.String()
	if !exited || code != 1 {
		t.Errorf("%s: exited=%v code=%d\n%s", name, exited, code, logs)
	}
	var errs []string
	for line := range strings.SplitSeq(logs, "\n") {
		if strings.Contains(line, `"level":"ERROR"`) {
			errs = append(errs, line)
		}
	}
	if len(errs) != 1 || !strings.Contains(errs[0], want) {
		t.Errorf("%s: want one error line with %q; the log:\n%s", name, want, logs)
	}
}
