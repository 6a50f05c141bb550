package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"cosgate/devstack/explain"
)

const explainUsage = `usage: cosgate-dev explain [flags] '<signed URL | Authorization value | COS error XML>' ['<another>']

Explains why COS refused a request, offline: decodes the signature (key,
bucket, window, what is signed), judges the window against this machine's
clock, reads COS's error XML, and with the SecretKey recomputes the
signature and shows the first difference. "-" reads an argument from
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
	method := fs.String("X", "GET", "the method the URL or Authorization is used with")
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
