package smoke

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// DefaultOrigin is the browser origin the preflights claim when none is
// given: a page on the caller's own machine. make dev's CORS default (pages
// on this machine) and CORS_ALLOW_ORIGINS=* admit it; a deployment that
// lists its sites is checked with one of them (-origin).
const DefaultOrigin = "http://localhost:8000"

// DefaultTimeout bounds each request: longer than login's WX_TIMEOUT
// (5 s) plus a cold start, shorter than a user's patience.
const DefaultTimeout = 15 * time.Second

// Config says what to check and where.
type Config struct {
	Targets Targets
	// Token is a caller's token (what /login answers, or make dev's
	// development JWT). Empty skips the checks that need one.
	Token string
	// Origin is the browser origin of the CORS preflights, one that
	// CORS_ALLOW_ORIGINS admits. Empty skips them (mini programs need no
	// CORS); the command defaults it to DefaultOrigin.
	Origin string
	// Ext is the extension of the uploaded file; DefaultExt when empty.
	Ext string
	// Timeout bounds each request; DefaultTimeout when zero.
	Timeout time.Duration
	// Out receives one line per check as it completes; nil discards them.
	Out io.Writer
	// Transport carries the requests; http.DefaultTransport when nil.
	Transport http.RoundTripper
}

// Status is a check's outcome.
type Status string

const (
	OK   Status = "ok"
	Fail Status = "FAIL"
	Skip Status = "skip"
)

// Result is one check: what was sent and what came back, both safe to show.
type Result struct {
	Check  string
	Status Status
	Sent   string
	Got    string
}

// Line is the result as printed: status, check, what was sent → what came back.
func (r Result) Line() string {
	if r.Sent == "" {
		return fmt.Sprintf("%-4s  %-20s  %s", r.Status, r.Check, r.Got)
	}
	return fmt.Sprintf("%-4s  %-20s  %s → %s", r.Status, r.Check, r.Sent, r.Got)
}

// Report is every check of a run.
type Report []Result

// Count is how many checks ended with s.
func (rep Report) Count(s Status) int {
	n := 0
	for _, r := range rep {
		if r.Status == s {
			n++
		}
	}
	return n
}

// Run calls the deployment and reports each check, printing its line to
// c.Out as it completes. The caller decides the exit status: a Report with
// any Fail is a failed smoke check.
func Run(ctx context.Context, c Config) Report {
	if c.Ext == "" {
		c.Ext = DefaultExt
	}
	c.Ext = strings.TrimPrefix(c.Ext, ".")
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Out == nil {
		c.Out = io.Discard
	}
	if c.Transport == nil {
		c.Transport = http.DefaultTransport
	}
	r := &run{cfg: c, ctx: ctx, client: &http.Client{
		Transport: c.Transport,
		Timeout:   c.Timeout,
		// A client sees the redirect itself: the download check needs the
		// 302 and its Location, not what it points to.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	r.secrets.add(c.Token)
	r.header()
	r.preflights()
	r.noToken()
	r.login()
	r.withToken()
	r.summary()
	return r.report
}

// run is one smoke check in progress.
type run struct {
	cfg     Config
	ctx     context.Context
	client  *http.Client
	secrets redactor
	report  Report
}

// add records a result and prints its line.
func (r *run) add(res Result) {
	res.Sent, res.Got = r.secrets.clean(res.Sent), r.secrets.clean(res.Got)
	r.report = append(r.report, res)
	fmt.Fprintln(r.cfg.Out, res.Line())
}

func (r *run) printf(format string, args ...any) {
	fmt.Fprint(r.cfg.Out, r.secrets.clean(fmt.Sprintf(format, args...)))
}

// header says what is about to be called, so that each line can name
// just the function.
func (r *run) header() {
	t := r.cfg.Targets
	r.printf("cosgate smoke check: calling the functions as a client would (timeout %s per request)\n", r.cfg.Timeout)
	r.printf("  sts       %s\n  presign   %s\n  download  %s\n", t.STS, t.Presign, t.Download)
	if t.Sign != "" {
		r.printf("  sign      %s\n", t.Sign)
	} else {
		r.printf("  sign      (no URL given: its checks are skipped)\n")
	}
	if t.Login != "" {
		r.printf("  login     %s\n", t.Login)
	} else {
		r.printf("  login     (no URL given: its checks are skipped)\n")
	}
	if r.cfg.Token == "" {
		r.printf("  token     none: only the checks that need no token run (give one for the upload and download)\n")
	} else {
		r.printf("  token     given (never shown)\n")
	}
	r.printf("\n")
}

func (r *run) summary() {
	ok, fail, skip := r.report.Count(OK), r.report.Count(Fail), r.report.Count(Skip)
	r.printf("\n%d ok, %d FAIL, %d skipped\n", ok, fail, skip)
	if fail > 0 {
		r.printf("smoke check FAILED: each FAIL line says what was sent and what came back; " +
			"a requestId finds the request in the function's log\n")
	} else {
		r.printf("smoke check passed\n")
	}
}
