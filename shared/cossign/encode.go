package cossign

import "strings"

const (
	upperHex = "0123456789ABCDEF"
	lowerHex = "0123456789abcdef"
)

// unreserved reports whether c is left as is by the COS encoder:
// A-Z a-z 0-9 - _ . ~ (RFC 3986 unreserved). Everything else is %XX.
func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// writeEscape writes s encoded as COS does inside signatures: UTF-8 bytes,
// unreserved characters kept, every other byte as upper-case %XX (space is
// %20, never '+'). keepSlash keeps '/' for object paths in URLs. Runs of
// unreserved bytes go out in one write, as most of a key is such a run.
func writeEscape(b *strings.Builder, s string, keepSlash bool) {
	start := 0 // s[start:i] is kept as is and not written yet
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || keepSlash && c == '/' {
			continue
		}
		b.WriteString(s[start:i])
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
		start = i + 1
	}
	b.WriteString(s[start:])
}

// CanonicalName returns lower(encode(name)): a name as q-header-list and
// q-url-param-list write it, so escapes have lower-case hex ("a:b" ->
// "a%3ab"). It does not allocate when the name is already canonical
// (content-type, host).
func CanonicalName(name string) string {
	if isCanonicalName(name) {
		return name
	}
	var b strings.Builder
	b.Grow(len(name)) // exact unless the name has bytes to escape
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case 'A' <= c && c <= 'Z':
			b.WriteByte(c + ('a' - 'A'))
		case unreserved(c):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(lowerHex[c>>4])
			b.WriteByte(lowerHex[c&15])
		}
	}
	return b.String()
}

// isCanonicalName reports whether encoding and lower-casing leave name as is.
func isCanonicalName(name string) bool {
	for i := 0; i < len(name); i++ {
		if c := name[i]; !unreserved(c) || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// Escape returns s encoded as inside a COS signature (see writeEscape).
func Escape(s string) string {
	var b strings.Builder
	writeEscape(&b, s, false)
	return b.String()
}

// EscapePath encodes an object path for a URL: like Escape, but '/' is kept.
// The signature itself is computed over the decoded path.
func EscapePath(p string) string {
	var b strings.Builder
	writeEscape(&b, p, true)
	return b.String()
}
