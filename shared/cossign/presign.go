package cossign

import (
	"slices"
	"strings"
)

// Presign describes a pre-signed object URL.
type Presign struct {
	Method string
	Key    string // raw object key
	// Params are signed query parameters, written into the URL in this order
	// (e.g. response-content-disposition, or "imageMogr2/thumbnail/200x/" with
	// an empty value). The holder of the URL cannot change or drop them.
	Params []Pair
	// Headers are signed headers besides host; whoever uses the URL must send
	// exactly these values (e.g. Content-Type, Content-Length).
	Headers []Pair
	Window  Window
	// Merged carries the whole Authorization in one "sign=" parameter instead
	// of seven q-* parameters.
	Merged bool
	// UnsignedHost leaves host out of the signature (so the URL works through a
	// host-rewriting proxy). Off by default: binding the host is safer.
	UnsignedHost bool
}

// TokenParam is how a temporary key's session token travels.
const TokenParam = "x-cos-security-token"

// PresignURL returns a pre-signed URL for p on e. When creds hold a session
// token it is added as the signed query parameter x-cos-security-token.
func PresignURL(creds Credentials, e Endpoint, p Presign) string {
	u, _ := SignURL(creds, e, p)
	return u
}

// SignURL is PresignURL that also returns the signature the URL carries,
// with the FormatString and StringToSign it was computed over.
func SignURL(creds Credentials, e Endpoint, p Presign) (string, Signed) {
	// A copy, so appending the token never writes into the caller's array.
	params := slices.Clone(p.Params)
	if creds.SessionToken != "" {
		params = append(params, Pair{Name: TokenParam, Value: creds.SessionToken})
	}
	headers := make([]Pair, 0, 1+len(p.Headers))
	if !p.UnsignedHost {
		headers = append(headers, Pair{Name: "host", Value: e.Host})
	}
	headers = append(headers, p.Headers...)
	s := Sign(creds.SecretID, creds.SecretKey, Request{Method: p.Method, Path: e.ObjectPath(p.Key), Params: params, Headers: headers}, p.Window)

	var u strings.Builder
	// Room for every part as it is: only escapes grow the buffer past it.
	window := p.Window.String()
	n := len(e.Scheme) + len("://") + len(e.Host) + len(e.Bucket) + len(p.Key) + 2 + len(queryAuthNames) +
		len(s.SecretID) + 2*len(window) + len(s.HeaderList) + len(s.ParamList) + len(s.Signature)
	for _, q := range params {
		n += len(q.Name) + len(q.Value) + 2
	}
	u.Grow(n)
	e.writeObjectURL(&u, p.Key)
	sep := byte('?')
	for _, q := range params {
		u.WriteByte(sep)
		sep = '&'
		writeEscape(&u, q.Name, false)
		u.WriteByte('=')
		writeEscape(&u, q.Value, false)
	}
	u.WriteByte(sep)
	if p.Merged {
		// The whole Authorization, encoded as one value.
		u.WriteString("sign=")
		writeEscape(&u, s.Authorization.String(), false)
	} else {
		writeQueryAuth(&u, s.Authorization, window)
	}
	return u.String(), s
}

// queryAuthNames is what writeQueryAuth writes besides the values.
const queryAuthNames = "q-sign-algorithm=sha1&q-ak=&q-sign-time=&q-key-time=&q-header-list=&q-url-param-list=&q-signature="

// writeQueryAuth writes a's seven q-* fields as query parameters, each
// value encoded (';' in the window and lists becomes %3B). window is a's
// sign and key time, which a pre-signed URL shares, rendered once.
func writeQueryAuth(u *strings.Builder, a Authorization, window string) {
	u.WriteString("q-sign-algorithm=sha1&q-ak=")
	writeEscape(u, a.SecretID, false)
	u.WriteString("&q-sign-time=")
	writeEscape(u, window, false)
	u.WriteString("&q-key-time=")
	writeEscape(u, window, false)
	u.WriteString("&q-header-list=")
	writeEscape(u, a.HeaderList, false)
	u.WriteString("&q-url-param-list=")
	writeEscape(u, a.ParamList, false)
	u.WriteString("&q-signature=")
	u.WriteString(a.Signature)
}
