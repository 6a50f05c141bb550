package cosgate_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"cosgate/shared/platform/platformtest"
)

// The Makefile's three flavours link only their platform's adapter: the
// web-function and AWS binaries have no scf-go-lib (nor net/rpc,
// encoding/gob and the templates it pulls in), the SCF binaries no
// aws-lambda-go; web-function and AWS binaries stay within 7.7 MB.
func TestFlavourBinaries(t *testing.T) {
	const scfLib, awsLib = "github.com/tencentyun/scf-go-lib", "github.com/aws/aws-lambda-go"
	const limit = 7_700_000
	dist := makePackage(t)
	for _, fn := range functions {
		for _, c := range []struct {
			dir      string
			scf, aws bool
			limit    int64
		}{
			{"bin", false, false, limit},
			{"bin-event", true, false, 10 << 20},
			{"aws-bin", false, true, limit},
		} {
			bin := filepath.Join(dist, c.dir, fn)
			st, err := os.Stat(bin)
			if err != nil {
				t.Fatal(err)
			}
			if st.Size() > c.limit {
				t.Errorf("%s/%s is %d bytes; the limit is %d", c.dir, fn, st.Size(), c.limit)
			}
			mods, err := exec.Command("go", "version", "-m", bin).Output()
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(string(mods), scfLib); got != c.scf {
				t.Errorf("%s/%s: scf-go-lib linked = %v", c.dir, fn, got)
			}
			if got := strings.Contains(string(mods), awsLib); got != c.aws {
				t.Errorf("%s/%s: aws-lambda-go linked = %v", c.dir, fn, got)
			}
			linked, err := platformtest.Linked(bin)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"net/rpc", "encoding/gob"} {
				if linked[p] != c.scf {
					t.Errorf("%s/%s: %s linked = %v", c.dir, fn, p, linked[p])
				}
			}
			if !c.scf && (linked["html/template"] || linked["text/template"]) {
				t.Errorf("%s/%s links a template package", c.dir, fn)
			}
		}
	}
	// The web-function binary, started as an event function, says which zip to deploy.
	if runtime.GOARCH != "amd64" {
		return
	}
	p := platformtest.Start(t, filepath.Join(dist, "bin", "sts"), map[string]string{"TENCENTCLOUD_RUNENV": "SCF", "_LAMBDA_SERVER_PORT": "1"})
	if code, exited := p.Wait(5 * time.Second); !exited || code != 1 ||
		!strings.Contains(p.Logs.String(), "deploy dist/scf/sts.zip for an event function, or dist/scf-web/sts.zip as a web function") {
		t.Errorf("bin/sts as an event function: exited=%v code=%d\n%s", exited, code, p.Logs)
	}
}

// README.md's sizes table (make sizes) lists every function on every
// platform, and its byte counts are what make package builds now, within 1%.
func TestREADMESizes(t *testing.T) {
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok1 := strings.Cut(string(raw), "<!-- sizes: make sizes writes this table -->\n")
	table, _, ok2 := strings.Cut(rest, "<!-- /sizes -->")
	if !ok1 || !ok2 {
		t.Fatal("README.md has no sizes markers")
	}
	if !regexp.MustCompile("`make sizes`, \\d{4}-\\d\\d-\\d\\d: go1[.0-9]+, linux/(amd64|arm64), \\d+ cores?(, kernel \\S+)?\\.").MatchString(table) {
		t.Errorf("the table does not say when, with which Go and on what machine it was measured:\n%s", table)
	}
	row := regexp.MustCompile(`(?m)^\| (\w+) \| ([\w-]+) \| ([\d,]+) \| ([\d,]+) \| [\d.]+ ms \| [\d.]+ \|$`)
	type sizes struct{ bin, zip int64 }
	got := map[string]sizes{}
	for _, m := range row.FindAllStringSubmatch(table, -1) {
		got[m[1]+"/"+m[2]] = sizes{number(m[3]), number(m[4])}
	}
	paths := map[string][2]string{"scf-web": {"bin/%s", "scf-web/%s.zip"}, "scf-event": {"bin-event/%s", "scf/%s.zip"},
		"aws": {"aws-bin/%s", "aws/%s.zip"}}
	if len(got) != len(functions)*len(paths) {
		t.Errorf("%d rows, want %d:\n%s", len(got), len(functions)*len(paths), table)
	}
	dist := makePackage(t)
	for _, fn := range functions {
		for platform, p := range paths {
			g, ok := got[fn+"/"+platform]
			if !ok {
				t.Errorf("no row for %s on %s; run make sizes", fn, platform)
				continue
			}
			for i, want := range []int64{g.bin, g.zip} {
				path := filepath.Join(dist, strings.ReplaceAll(p[i], "%s", fn))
				st, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if d := float64(st.Size()-want) / float64(st.Size()); d > 0.01 || d < -0.01 {
					t.Errorf("README says %s is %d bytes; make package built %d; run make sizes", path[len(dist)+1:], want, st.Size())
				}
			}
		}
	}
}

func number(s string) int64 {
	n, _ := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
	return n
}
