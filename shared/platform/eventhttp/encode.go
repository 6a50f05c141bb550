package eventhttp

import (
	"net/url"
	"strings"
)

// Allocation-free twins of http.CanonicalHeaderKey and url.QueryEscape, for
// adapters that build requests from events; tests hold them equal.

const upperHex = "0123456789ABCDEF"

// isTokenChar reports whether c may appear in a header name (RFC 7230).
func isTokenChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '!' || c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' || c == '*' ||
		c == '+' || c == '-' || c == '.' || c == '^' || c == '_' || c == '`' || c == '|' || c == '~'
}

// AppendCanonicalKey appends http.CanonicalHeaderKey(key): the first letter
// and every letter after '-' upper case, the rest lower case; a key with any
// byte that is not a token character is left as it is.
func AppendCanonicalKey(dst []byte, key string) []byte {
	for i := 0; i < len(key); i++ {
		if !isTokenChar(key[i]) {
			return append(dst, key...)
		}
	}
	upper := true
	for i := 0; i < len(key); i++ {
		c := key[i]
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		} else if !upper && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
		upper = c == '-'
	}
	return dst
}

// AppendQueryParam appends name=value (or a bare name) as url.Values.Encode
// writes it, preceded by '&' when dst already holds a parameter.
func AppendQueryParam(dst []byte, name, value string, bare bool) []byte {
	if len(dst) > 0 {
		dst = append(dst, '&')
	}
	dst = appendQueryEscape(dst, name)
	if !bare {
		dst = appendQueryEscape(append(dst, '='), value)
	}
	return dst
}

func appendQueryEscape(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~':
			dst = append(dst, c)
		case c == ' ':
			dst = append(dst, '+')
		default:
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}

// NormalizePath accepts an event's path whether the gateway kept its
// percent-encoding (REST APIs, function URLs) or decoded it (HTTP APIs;
// SCF does not say): valid %XX escapes are kept, and any byte that can
// never appear literally in an encoded path (space, non-ASCII, controls, a
// bare '%', '?', '#') is encoded. It returns the decoded path and the
// escaped form. A decoded path holding a literal "%41" is read as "A": that
// ambiguity is the gateway's, which is why keys travel best in the query.
func NormalizePath(p string) (path, raw string) {
	plain := true
	for i := 0; i < len(p) && plain; i++ {
		plain = pathChar(p[i])
	}
	if plain { // nothing escaped, nothing to escape: the common case
		return p, p
	}
	b := make([]byte, 0, len(p)+8)
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]):
			b = append(b, c)
		case pathChar(c):
			b = append(b, c)
		default:
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	raw = string(b)
	path, err := url.PathUnescape(raw)
	if err != nil { // cannot happen: every '%' now starts a valid escape
		return p, ""
	}
	return path, raw
}

// pathChar: RFC 3986 pchar without '%' (unreserved, sub-delims, ':' '@')
// plus '/'.
func pathChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~!$&'()*+,;=:@/", c) >= 0
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
