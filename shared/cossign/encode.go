package cossign

const upperHex = "0123456789ABCDEF"

// unreserved reports whether c is left as is by the COS encoder:
// A-Z a-z 0-9 - _ . ~ (RFC 3986 unreserved). Everything else is %XX.
func unreserved(c byte) bool { return unreservedTable[c] }

var unreservedTable = func() (t [256]bool) {
	for c := range 256 {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~'
	}
	return t
}()

// appendEscape appends s encoded as COS does inside signatures: UTF-8 bytes,
// unreserved characters kept, every other byte as upper-case %XX (space is
// %20, never '+'). keepSlash keeps '/' for object paths in URLs. Runs of
// unreserved bytes are copied in one append.
func appendEscape(dst []byte, s string, keepSlash bool) []byte {
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreservedTable[c] || keepSlash && c == '/' {
			continue
		}
		dst = append(dst, s[run:i]...)
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		run = i + 1
	}
	return append(dst, s[run:]...)
}

// appendEscapeLower appends the encoded form of a header or parameter name,
// lower-cased after encoding, so escapes end up with lower-case hex
// ("a:b" -> "a%3ab"), as the signature format requires.
func appendEscapeLower(dst []byte, s string) []byte {
	start := len(dst)
	dst = appendEscape(dst, s, false)
	for i := start; i < len(dst); i++ {
		if c := dst[i]; 'A' <= c && c <= 'Z' {
			dst[i] = c + ('a' - 'A')
		}
	}
	return dst
}

// CanonicalName returns lower(encode(name)): a name as q-header-list and
// q-url-param-list write it. It does not allocate when the name is already
// canonical (content-type, host).
func CanonicalName(name string) string {
	if isCanonicalName(name) {
		return name
	}
	return string(appendEscapeLower(make([]byte, 0, len(name)+8), name))
}

// escapedLen is the length of s once encoded.
func escapedLen(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if !unreservedTable[s[i]] {
			n += 2
		}
	}
	return n
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

// Escape returns s encoded as inside a COS signature (see appendEscape).
func Escape(s string) string { return string(appendEscape(nil, s, false)) }

// EscapePath encodes an object path for a URL: like Escape, but '/' is kept.
// The signature itself is computed over the decoded path.
func EscapePath(p string) string { return string(appendEscape(nil, p, true)) }
