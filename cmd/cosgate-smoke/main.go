// Command cosgate-smoke checks a deployment after deploy: it calls each
// function URL as a client would and prints one line per check (package
// deploy/smoke). make smoke runs it. Exit status: 0 when every check
// passed, 1 when any failed, 2 for bad flags.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"cosgate/deploy/smoke"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cosgate-smoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("base", "", "one domain serving /sts, /presign, /download, /sign and /login, e.g. https://api.example.com")
	urls := fs.String("urls", "", "each function at its own URL: 'sts=https://… presign=https://… download=https://… sign=https://… login=https://…' (sign and login optional)")
	token := fs.String("token", "", "a caller's token (from /login, or make dev's development JWT); adds the upload and download checks")
	origin := fs.String("origin", smoke.DefaultOrigin, "browser origin of the CORS preflights, one CORS_ALLOW_ORIGINS admits; '' skips them")
	ext := fs.String("ext", smoke.DefaultExt, "extension of the uploaded test file, one in UPLOAD_ALLOWED_EXT")
	timeout := fs.Duration("timeout", smoke.DefaultTimeout, "limit for each request")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: cosgate-smoke -base URL | -urls 'sts=URL presign=URL download=URL [sign=URL] [login=URL]' [-token T]\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var (
		targets smoke.Targets
		err     error
	)
	switch {
	case fs.NArg() > 0:
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case (*base == "") == (*urls == ""):
		err = fmt.Errorf("give -base (one domain) or -urls (one URL per function), not both or neither")
	case *base != "":
		targets, err = smoke.FromBase(*base)
	default:
		targets, err = smoke.ParseURLs(*urls)
	}
	if err != nil {
		fmt.Fprintln(stderr, "cosgate-smoke:", err)
		fs.Usage()
		return 2
	}
	report := smoke.Run(ctx, smoke.Config{
		Targets: targets,
		Token:   *token,
		Origin:  *origin,
		Ext:     *ext,
		Timeout: *timeout,
		Out:     stdout,
	})
	if report.Count(smoke.Fail) > 0 {
		return 1
	}
	return 0
}
