package eventhttp

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
