package eventhttp

import (
	"net/url"
	"strings"
)

const upperHex = "0123456789ABCDEF"

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
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("-._~!$&'()*+,;=:@/", c) >= 0
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
