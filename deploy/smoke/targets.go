// Package smoke checks a deployment after deploy by calling each function
// URL as a client would: CORS preflights, the refusal of a caller without a
// token, a sign-in that reaches WeChat and, given a token, a temporary key,
// an upload to COS with exactly the headers /presign returned and its
// download. It prints one line per check and never a token, a key, a
// session token or a signature.
package smoke

import (
	"fmt"
	"net/url"
	"strings"
)

// Targets are the URLs the checks call, one per function, each already
// ending in the function's path (…/sts, …/presign, …/download, …/sign,
// …/login). Sign and Login are empty when the deployment has no such
// function to check.
type Targets struct {
	STS, Presign, Download, Sign, Login string
}

// FromBase is the targets of a deployment serving every function from one
// domain (a custom domain, an HTTP API, or make dev's 127.0.0.1:8080).
func FromBase(base string) (Targets, error) {
	b, err := checkURL("-base", base)
	if err != nil {
		return Targets{}, err
	}
	return Targets{
		STS:      withPath(b, "sts"),
		Presign:  withPath(b, "presign"),
		Download: withPath(b, "download"),
		Sign:     withPath(b, "sign"),
		Login:    withPath(b, "login"),
	}, nil
}

// ParseURLs reads -urls: name=URL entries separated by spaces (or commas),
// one per function, as five SCF function URLs are. sts, presign and download
// are required; sign and login are optional. A function URL reaches its function on
// every path, so "/sts" is appended unless the URL already ends in it: the
// call then looks the same as on a one-domain deployment.
func ParseURLs(s string) (Targets, error) {
	var t Targets
	seen := map[string]bool{}
	for _, entry := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\n' }) {
		name, raw, ok := strings.Cut(entry, "=")
		if !ok {
			return Targets{}, fmt.Errorf("-urls: %q is not name=URL (names: sts, presign, download, sign, login)", entry)
		}
		if seen[name] {
			return Targets{}, fmt.Errorf("-urls: %s is given twice", name)
		}
		seen[name] = true
		u, err := checkURL("-urls "+name, raw)
		if err != nil {
			return Targets{}, err
		}
		switch name {
		case "sts":
			t.STS = withPath(u, name)
		case "presign":
			t.Presign = withPath(u, name)
		case "download":
			t.Download = withPath(u, name)
		case "sign":
			t.Sign = withPath(u, name)
		case "login":
			t.Login = withPath(u, name)
		default:
			return Targets{}, fmt.Errorf("-urls: unknown function %q (names: sts, presign, download, sign, login)", name)
		}
	}
	var missing []string
	for _, f := range []struct{ name, url string }{{"sts", t.STS}, {"presign", t.Presign}, {"download", t.Download}} {
		if f.url == "" {
			missing = append(missing, f.name+"=https://…")
		}
	}
	if len(missing) > 0 {
		return Targets{}, fmt.Errorf("-urls needs %s", strings.Join(missing, " "))
	}
	return t, nil
}

// checkURL accepts an absolute http(s) URL without a query or fragment, the
// form a function URL or a domain is given in.
func checkURL(what, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s: %q is not a URL", what, raw)
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return nil, fmt.Errorf("%s: %q must start with https:// (or http://)", what, raw)
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return nil, fmt.Errorf("%s: %q must have no query, fragment or user", what, raw)
	}
	return u, nil
}

// withPath appends /name to u's path unless it already ends in it.
func withPath(u *url.URL, name string) string {
	c := *u
	p := strings.TrimRight(c.Path, "/")
	if !strings.HasSuffix(p, "/"+name) {
		p += "/" + name
	}
	c.Path, c.RawPath = p, ""
	return c.String()
}
