package cossign

import (
	"net/http"
	"strings"
)

// DefaultSignedHeader reports whether a header is signed unless the caller
// chooses otherwise: host, content-type, content-length, content-md5 and every
// x-cos-* header. Together they pin the body's type, size and digest and every
// COS option; headers outside the signature can be changed by whoever holds it.
func DefaultSignedHeader(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "host", "content-type", "content-length", "content-md5":
		return true
	}
	return strings.HasPrefix(n, "x-cos-")
}

// RequestFromHTTP describes r for signing: its decoded path, every query
// parameter, and the headers sign selects (nil means DefaultSignedHeader).
// host is taken from r.Host, or r.URL.Host when that is empty.
func RequestFromHTTP(r *http.Request, sign func(name string) bool) Request {
	if sign == nil {
		sign = DefaultSignedHeader
	}
	out := Request{Method: r.Method, Path: r.URL.Path}
	if out.Path == "" {
		out.Path = "/"
	}
	for name, values := range r.URL.Query() {
		for _, v := range values {
			out.Params = append(out.Params, Pair{name, v})
		}
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	if sign("host") {
		out.Headers = append(out.Headers, Pair{"host", host})
	}
	for name, values := range r.Header {
		if strings.EqualFold(name, "host") || !sign(name) {
			continue
		}
		for _, v := range values {
			out.Headers = append(out.Headers, Pair{name, v})
		}
	}
	return out
}

// AuthorizeRequest signs r in header form. For a temporary key it first sets
// x-cos-security-token, so the token is signed too.
func AuthorizeRequest(r *http.Request, creds Credentials, w Window, sign func(name string) bool) {
	if creds.SessionToken != "" {
		r.Header.Set(TokenParam, creds.SessionToken)
	}
	a := Sign(creds.SecretID, creds.SecretKey, RequestFromHTTP(r, sign), w)
	r.Header.Set("Authorization", a.String())
}
