package explain

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"cosgate/devstack/trace"
	"cosgate/shared/cossign"
	"cosgate/shared/cosverify"
)

// Minted is a request as a function's answer told the client to send it.
type Minted struct {
	Function string      // "presign", "download" or "sign"
	Method   string      // PUT, POST, GET
	URL      string      // the signed URL as handed out, query included
	Header   http.Header // headers the answer told the client to send, with their values
}

// CompareMint compares what was minted with the request COS received (COS's
// FormatString as recorded by the emulator or given in its XML) and returns
// the first difference in plain words, e.g. `signed for Content-Type
// text/plain, sent as application/octet-stream`, `signed for PUT, sent as
// GET`, `signed for a body of 14 bytes (Content-Length), sent 20 bytes`, or
// nil when the same.
//
// It also returns nil when there is nothing to compare: no received
// FormatString, or a mint whose URL carries no signature (a POST form signs
// its policy, not a request). A signed header the answer did not give a
// value for is taken as received, so it never shows as a difference.
func CompareMint(m Minted, receivedFormatString string) *Diff {
	if receivedFormatString == "" || m.URL == "" {
		// Nothing to compare: a /sign answer holds no URL, only the
		// signature of the request its caller described.
		return nil
	}
	minted, err := mintedFormatString(m, receivedFormatString)
	if err != nil {
		return nil
	}
	// Session tokens are masked in what the emulator records; mask both
	// sides so a token is never reported as the difference, nor repeated.
	d := firstDifference(trace.MaskTokens(minted), trace.MaskTokens(receivedFormatString))
	if d != nil {
		d.Words = diffWords(d)
	}
	return d
}

// mintedFormatString rebuilds the FormatString the mint was signed over,
// through the verifier's own reading of q-header-list and q-url-param-list,
// so it is what the signer computed. Signed headers the mint gives no value
// for are filled from the received FormatString.
func mintedFormatString(m Minted, received string) (string, error) {
	u, err := url.Parse(m.URL)
	if err != nil {
		return "", err
	}
	q, err := cosverify.ParseQuery(u.RawQuery)
	if err != nil {
		return "", err
	}
	header := m.Header.Clone()
	if header == nil {
		header = http.Header{}
	}
	path := u.Path
	if path == "" {
		path = "/"
	}
	in := cosverify.Incoming{Method: strings.ToUpper(m.Method), Path: path, Query: q, Header: header, Host: u.Host}
	if in.Method == "" {
		in.Method = http.MethodGet
	}
	a, _, err := cosverify.Rebuild(in)
	if a.Signature == "" {
		return "", fmt.Errorf("the minted URL carries no readable signature: %v", err)
	}
	fillFrom(in.Header, missingHeaders(a, in), received)
	_, req, err := cosverify.Rebuild(in)
	if err != nil {
		return "", err
	}
	return cossign.FormatString(req), nil
}

// fillFrom sets each named header to its value in a FormatString's header
// line, when the line has it.
func fillFrom(h http.Header, names []string, formatString string) []string {
	var unknown []string
	have := pairs(formatLine(formatString, 3))
	for _, name := range names {
		v, ok := have[name]
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		val, _ := url.QueryUnescape(v)
		h.Set(name, val)
	}
	return unknown
}

// diffWords says a difference as a sentence.
func diffWords(d *Diff) string {
	kind, name, _ := strings.Cut(d.Part, " ")
	switch kind {
	case "method":
		return fmt.Sprintf("signed for %s, sent as %s", d.Signed, d.Received)
	case "path":
		return fmt.Sprintf("signed for the path %s, sent to %s", d.Signed, d.Received)
	case "encoding":
		return "signed and sent with the same parts, written differently (percent-encoding or order)"
	case "parameter":
		return fmt.Sprintf("signed for the parameter %s %s, sent %s", name, present(d.Signed), sentAs(d.Received))
	}
	switch name {
	case "content-length":
		if d.Signed != absent && d.Received != absent {
			return fmt.Sprintf("signed for a body of %s bytes (Content-Length), sent %s bytes", d.Signed, d.Received)
		}
	case "host":
		return fmt.Sprintf("signed for the host %s, sent to %s", present(d.Signed), present(d.Received))
	}
	return fmt.Sprintf("signed for %s %s, sent %s", headerName(name), present(d.Signed), sentAs(d.Received))
}

const absent = "(absent)"

func present(v string) string {
	switch v {
	case absent:
		return "absent"
	case "":
		return `""`
	}
	return v
}

func sentAs(v string) string {
	if v == absent {
		return "without it"
	}
	return "as " + present(v)
}

// headerName writes a signed (lower-case) header name as HTTP does, except
// COS's own x-cos-* names, which COS documents in lower case.
func headerName(name string) string {
	if strings.HasPrefix(name, "x-") {
		return name
	}
	return http.CanonicalHeaderKey(name)
}
