package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"cosgate/devstack/explain"
)

const explainUsage = `usage: cosgate-dev explain [flags] '<signed URL | Authorization value | COS error XML>' ['<another>']

Explains why COS refused a request, offline: decodes the signature (key,
bucket, window, what is signed), judges the window at COS's time in its
error XML, else at -at, else this machine's clock, reads COS's error XML,
and with the SecretKey recomputes the signature and shows the first
difference; without it a signature mismatch gets its possible causes. "-" reads an argument from
standard input. Exit status: 0 nothing wrong found, 1 a problem found,
2 the input could not be read.

flags:
`

// headerFlags collects repeated -H 'Name: value'.
type headerFlags http.Header

func (h headerFlags) String() string { return "" }

func (h headerFlags) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	if !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf("want 'Name: value'")
	}
	http.Header(h).Add(strings.TrimSpace(name), strings.TrimSpace(value))
	return nil
}

func explainCmd(args []string, stdin io.Reader, stdout, stderr io.Writer, now time.Time) int {
	fs := flag.NewFlagSet("cosgate-dev explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, explainUsage)
		fs.PrintDefaults()
	}
	method := fs.String("X", "",
		"the method the URL or Authorization is used with (default: as COS received it, from its XML; else GET)")
	at := fs.String("at", "", "when the request was sent: RFC3339 or Unix seconds (default: COS's time in its XML, "+
		"else this machine's clock)")
	reqURL := fs.String("url", "", "the request URL an Authorization value was sent to")
	keyFile := fs.String("secret-key-file", "",
		"a file holding the SecretKey (\"-\": standard input), to recompute the signature; never printed")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	headers := headerFlags{}
	fs.Var(headers, "H", "a header the request was sent with, 'Name: value' (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 || fs.NArg() > 2 {
		fs.Usage()
		return 2
	}
	var texts []string
	for _, a := range fs.Args() {
		if a == "-" {
			b, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
			if err != nil {
				fmt.Fprintln(stderr, "cosgate-dev explain:", err)
				return 2
			}
			a = string(b)
		}
		texts = append(texts, a)
	}
	in := explain.Input{Texts: texts, Method: *method, URL: *reqURL, Header: http.Header(headers), Now: now}
	if *at != "" {
		t, err := parseAt(*at)
		if err != nil {
			fmt.Fprintln(stderr, "cosgate-dev explain: -at:", err)
			return 2
		}
		in.At = t
	}
	if *keyFile != "" {
		var b []byte
		var err error
		if *keyFile == "-" {
			b, err = io.ReadAll(io.LimitReader(stdin, 4096))
		} else {
			b, err = os.ReadFile(*keyFile)
		}
		if err != nil {
			fmt.Fprintln(stderr, "cosgate-dev explain: the SecretKey file:", err)
			return 2
		}
		in.SecretKey = strings.TrimSpace(string(b))
	}
	rep, err := explain.Explain(in)
	if err != nil {
		fmt.Fprintln(stderr, "cosgate-dev explain:", err)
		return 2
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		fmt.Fprint(stdout, rep.Text())
	}
	if rep.Verdict == explain.Valid {
		return 0
	}
	return 1
}

// parseAt reads a time as RFC3339 or Unix seconds, the two forms COS's
// answers and signatures use.
func parseAt(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("want RFC3339 (2026-11-30T02:08:03Z) or Unix seconds, not %q", s)
	}
	return time.Unix(n, 0), nil
}
