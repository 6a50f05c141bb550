//go:build unix

// Command sizes measures what `make package` built, per function and
// platform: the binary's and the zip's bytes, and the cold start (exec to
// the first answered request, median of -n starts) beside a bare Go
// net/http server started in the same rounds. It rewrites README.md's
// table between its markers. `make sizes` runs it after `make package`.
//
//	sizes -dist dist -readme README.md -n 101
package main

import (
	"bytes"
	"debug/elf"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"cosgate/shared/platform/platformtest/coldstart"
)

// The README's markers; a test reads the table between them.
const (
	Begin = "<!-- sizes: make sizes writes this table -->"
	End   = "<!-- /sizes -->"
)

var functions = []string{"sts", "presign", "download", "sign", "login"}

// copies of each binary the rounds start in turn (coldstart.Start.Copied).
const copies = 5

// A platform is one of make package's flavours.
type platformFlavour struct {
	name     string // as the README names it
	bin, zip string // under -dist, %s the function
	target   string // the Makefile's rule for the binary, %s DIST, %s the function
	start    string // coldstart's platform
}

var flavours = []platformFlavour{
	{"scf-web", "bin/%s", "scf-web/%s.zip", "%s/bin/%s", coldstart.SCFWeb},
	{"scf-event", "bin-event/%s", "scf/%s.zip", "%s/bin-event/%s", coldstart.SCFEvent},
	{"aws", "aws-bin/%s", "aws/%s.zip", "%s/aws-bin/%s", coldstart.AWSLambda},
}

// What each function needs to start; the first request is refused (no
// token), which is an answer.
var env = map[string]string{
	"COS_SECRET_ID": "AKIDsizesMeasure", "COS_SECRET_KEY": "sizesMeasureSecretKey", "COS_BUCKET": "examplebucket-1250000000",
	"COS_REGION": "ap-guangzhou", "AUTH_JWT_SECRET": "sizes-measure-jwt-secret-0123456789",
	"WX_APPID": "wx0123456789abcdef", "WX_APPSECRET": "sizes-measure-appsecret-000000000",
	"LOGIN_UID_SECRET": "sizes-measure-uid-secret-0123456789",
}

func main() {
	dist := flag.String("dist", "dist", "make package's output")
	readme := flag.String("readme", "README.md", "the file whose table to rewrite")
	n := flag.Int("n", 101, "cold starts per binary")
	flag.Parse()
	table, err := measure(*dist, *n)
	if err == nil {
		err = rewrite(*readme, table)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sizes:", err)
		os.Exit(1)
	}
	fmt.Print(table)
}

func measure(dist string, n int) (string, error) {
	tmp, err := os.MkdirTemp("", "cosgate-sizes")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	bare := filepath.Join(tmp, "bare")
	if err := coldstart.Build(bare, "cosgate/functions/internal/bare", ""); err != nil {
		return "", err
	}
	// Every binary and the bare baseline start once in each round
	// (coldstart.Interleaved shuffles the order), so that the machine's
	// drift over the run falls on all of them alike and every ratio has the
	// same denominator.
	starts := []coldstart.Start{{Bin: bare, Platform: coldstart.HTTP, Path: "/"}}
	type row struct {
		fn, flavour string
		bin, zip    int64
	}
	var rows []row
	var rebuilt []string
	for _, fn := range functions {
		for _, f := range flavours {
			bin := filepath.Join(dist, fmt.Sprintf(f.bin, fn))
			bs, err1 := size(bin)
			zs, err2 := size(filepath.Join(dist, fmt.Sprintf(f.zip, fn)))
			if err := errors.Join(err1, err2); err != nil {
				return "", fmt.Errorf("%v (run make package first)", err)
			}
			rows = append(rows, row{fn, f.name, bs, zs})
			// Started here, so built for this machine: the same Makefile
			// rule (flags and tags) with this GOARCH when dist's differs.
			if native, err := isNative(bin); err != nil {
				return "", err
			} else if !native {
				bin = fmt.Sprintf(f.target, tmp, fn)
				cmd := exec.Command("make", "-s", "DIST="+tmp, "SCF_GOARCH="+runtime.GOARCH, "AWS_GOARCH="+runtime.GOARCH, bin)
				if out, err := cmd.CombinedOutput(); err != nil {
					return "", fmt.Errorf("make %s: %v\n%s", bin, err, out)
				}
				if fn == functions[0] {
					rebuilt = append(rebuilt, f.name)
				}
			}
			starts = append(starts, coldstart.Start{Bin: bin, Platform: f.start, Env: env, Path: "/" + fn})
		}
	}
	// Each binary, bare Go's too, starts from copies, five in turn
	// (coldstart.Start.Copied), so that all were written alike; then
	// everything written, the builds' output too, goes to disk, so that no
	// writeback runs beside the starts.
	run := filepath.Join(tmp, "run")
	if err := os.Mkdir(run, 0o755); err != nil {
		return "", err
	}
	for i := range starts {
		if starts[i], err = starts[i].Copied(run, copies); err != nil {
			return "", err
		}
	}
	syscall.Sync()
	fmt.Fprintf(os.Stderr, "sizes: %d interleaved rounds of %d starts\n", n, len(starts))
	times, err := coldstart.Interleaved(n, starts...)
	if err != nil {
		return "", err
	}
	base := coldstart.Median(times[0])
	var table strings.Builder
	for i, r := range rows {
		m := coldstart.Median(times[i+1])
		fmt.Fprintf(&table, "| %s | %s | %s | %s | %.1f ms | %.2f |\n", r.fn, r.flavour, commas(r.bin), commas(r.zip),
			ms(m), float64(m)/float64(base))
	}
	var out strings.Builder
	out.WriteString("| function | platform | binary bytes | zip bytes | cold start | × bare Go |\n")
	out.WriteString("|---|---|--:|--:|--:|--:|\n")
	out.WriteString(table.String())
	cpu := fmt.Sprintf("%d cores", runtime.NumCPU())
	if release, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		cpu += ", kernel " + strings.TrimSpace(string(release))
	}
	fmt.Fprintf(&out, "\n`make sizes`, %s: %s, %s/%s, %s. Cold start: exec to the first answered request, "+
		"median of %d starts; each round starts every binary and a bare Go net/http server built the same way "+
		"(functions/internal/bare, median %.1f ms) once each, in a shuffled order, each from one of %d fresh copies of its file in turn; "+
		"× bare Go is the ratio of the medians.",
		time.Now().UTC().Format("2006-01-02"), runtime.Version(), runtime.GOOS, runtime.GOARCH, cpu, n, ms(base), copies)
	if len(rebuilt) > 0 {
		fmt.Fprintf(&out, " The %s binaries were started as %s builds of the same flavour.", strings.Join(rebuilt, " and "), runtime.GOARCH)
	}
	out.WriteString("\n")
	return out.String(), nil
}

func size(path string) (int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// isNative: bin is an ELF file for this machine.
func isNative(bin string) (bool, error) {
	f, err := elf.Open(bin)
	if err != nil {
		return false, err
	}
	defer f.Close()
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[runtime.GOARCH]
	return runtime.GOOS == "linux" && f.Machine == want, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// commas writes n with thousands separators.
func commas(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// rewrite replaces what lies between the markers.
func rewrite(path, table string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	before, rest, ok1 := bytes.Cut(raw, []byte(Begin+"\n"))
	_, after, ok2 := bytes.Cut(rest, []byte(End))
	if !ok1 || !ok2 {
		return fmt.Errorf("%s has no %s … %s", path, Begin, End)
	}
	var out bytes.Buffer
	out.Write(before)
	out.WriteString(Begin + "\n\n" + table + "\n" + End)
	out.Write(after)
	return os.WriteFile(path, out.Bytes(), 0o644)
}
