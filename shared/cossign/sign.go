package cossign

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"io"
	"slices"
	"strings"
)

// Algorithm is the only q-sign-algorithm COS defines.
const Algorithm = "sha1"

// Pair is a query parameter or header covered by a signature. Value is the
// decoded value; a bare "?flag" parameter has Value "".
type Pair struct {
	Name, Value string
}

// Request is what a COS signature covers.
type Request struct {
	Method string
	// Path is the decoded request path: "/" followed by the raw object key
	// ("/<bucket>/<key>" with path-style addressing, "/" for POST Object).
	Path    string
	Params  []Pair // query parameters to sign
	Headers []Pair // headers to sign; host belongs here
}

// Authorization is a parsed or computed COS Authorization value.
type Authorization struct {
	SecretID   string
	SignTime   Window
	KeyTime    Window
	HeaderList string // ";"-joined lower-case encoded names, sorted
	ParamList  string
	Signature  string // 40 lower-case hex digits
}

// String renders the seven q-* fields in the order COS documents.
func (a Authorization) String() string {
	var b strings.Builder
	b.WriteString("q-sign-algorithm=sha1&q-ak=")
	b.WriteString(a.SecretID)
	b.WriteString("&q-sign-time=")
	b.WriteString(a.SignTime.String())
	b.WriteString("&q-key-time=")
	b.WriteString(a.KeyTime.String())
	b.WriteString("&q-header-list=")
	b.WriteString(a.HeaderList)
	b.WriteString("&q-url-param-list=")
	b.WriteString(a.ParamList)
	b.WriteString("&q-signature=")
	b.WriteString(a.Signature)
	return b.String()
}

// Signed is a computed Authorization with the two strings its signature
// was computed over. COS echoes the same two in a SignatureDoesNotMatch
// body, so whoever compares them with COS's (the verifier, the explainer)
// takes them from the signing call itself rather than from a second
// computation that could drift from it. Printing a Signed prints only the
// Authorization: FormatString can hold a session token.
type Signed struct {
	Authorization
	// FormatString is the HttpString: lower(method), decoded path,
	// canonical parameters and headers, each followed by a newline.
	FormatString string
	// StringToSign is "sha1\n<keyTime>\n<hex sha1(FormatString)>\n".
	StringToSign string
}

// Sign computes the Authorization for r with one window used as both
// q-sign-time and q-key-time, as every official SDK does. The secret key
// enters only the signature: FormatString and StringToSign are the same
// whatever key is given.
func Sign(secretID, secretKey string, r Request, w Window) Signed {
	params, headers := canonicalize(r.Params), canonicalize(r.Headers)
	fs := formatString(r.Method, r.Path, params, headers)
	keyTime := w.String()
	sts := stringToSign(keyTime, fs)
	return Signed{
		Authorization: Authorization{
			SecretID:   secretID,
			SignTime:   w,
			KeyTime:    w,
			HeaderList: joinKeys(headers),
			ParamList:  joinKeys(params),
			Signature:  signature(secretKey, keyTime, sts),
		},
		FormatString: fs,
		StringToSign: sts,
	}
}

// FormatString returns the HttpString ("FormatString" in COS error bodies)
// for r, as Sign computes it, for callers that hold no key.
func FormatString(r Request) string {
	return formatString(r.Method, r.Path, canonicalize(r.Params), canonicalize(r.Headers))
}

// StringToSign returns "sha1\n<keyTime>\n<hex sha1(formatString)>\n".
func StringToSign(keyTime Window, formatString string) string {
	return stringToSign(keyTime.String(), formatString)
}

func stringToSign(keyTime, formatString string) string {
	sum := sha1.Sum([]byte(formatString))
	var digest hexDigest
	hex.Encode(digest[:], sum[:])
	var b strings.Builder
	b.Grow(len("sha1\n\n\n") + len(keyTime) + len(digest))
	b.WriteString("sha1\n")
	b.WriteString(keyTime)
	b.WriteByte('\n')
	b.Write(digest[:])
	b.WriteByte('\n')
	return b.String()
}

// signature is q-signature: HMAC(hex(HMAC(secretKey, keyTime)), message),
// where message is a StringToSign (or, for a POST policy, the hex SHA1 of
// the policy). Only the key time is part of the computation; q-sign-time
// is not. keyTime is "start;end".
func signature(secretKey, keyTime, message string) string {
	var signKey, sig hexDigest
	hmacSHA1Hex(&signKey, []byte(secretKey), keyTime)
	hmacSHA1Hex(&sig, signKey[:], message)
	return string(sig[:])
}

// hexDigest is a SHA1 digest in lower-case hex, the form every step of the
// scheme uses: the SignKey is the next HMAC's key as is.
type hexDigest [2 * sha1.Size]byte

// hmacSHA1Hex writes HMAC-SHA1(key, message) into dst, as hex.
func hmacSHA1Hex(dst *hexDigest, key []byte, message string) {
	m := hmac.New(sha1.New, key)
	io.WriteString(m, message)
	var sum [sha1.Size]byte
	hex.Encode(dst[:], m.Sum(sum[:0]))
}

func sha1Hex(b []byte) string {
	sum := sha1.Sum(b)
	return string(hex.AppendEncode(nil, sum[:]))
}

// canonPair is a pair in signature form: key is lower(encode(name)), raw is
// the decoded value (encoded only when written out).
type canonPair struct {
	key, raw string
}

// canonicalize returns pairs in signature form, in signature order.
func canonicalize(pairs []Pair) []canonPair {
	out := make([]canonPair, len(pairs))
	for i, p := range pairs {
		out[i] = canonPair{key: CanonicalName(p.Name), raw: p.Value}
	}
	// By encoded key, then by raw value for a repeated key, as
	// cos-go-sdk-v5 orders them.
	slices.SortFunc(out, func(a, b canonPair) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.raw, b.raw)
	})
	return out
}

// formatString writes the HttpString from canonical pairs.
func formatString(method, path string, params, headers []canonPair) string {
	// Room for everything but the escapes in values: exact for most
	// requests, and a value that needs escaping grows the buffer once.
	n := len(method) + len(path) + 4
	for _, p := range params {
		n += len(p.key) + len(p.raw) + 2
	}
	for _, p := range headers {
		n += len(p.key) + len(p.raw) + 2
	}
	var b strings.Builder
	b.Grow(n)
	writeLower(&b, method)
	b.WriteByte('\n')
	b.WriteString(path)
	b.WriteByte('\n')
	writePairs(&b, params)
	b.WriteByte('\n')
	writePairs(&b, headers)
	b.WriteByte('\n')
	return b.String()
}

// writeLower writes s with ASCII letters lower-cased; strings.ToLower would
// allocate a copy of every upper-case method.
func writeLower(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
}

func writePairs(b *strings.Builder, ps []canonPair) {
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.key)
		b.WriteByte('=')
		writeEscape(b, p.raw, false)
	}
}

// joinKeys writes the keys joined by ';', as q-header-list and
// q-url-param-list carry them.
func joinKeys(ps []canonPair) string {
	var b strings.Builder
	n := max(len(ps)-1, 0) // the separators
	for _, p := range ps {
		n += len(p.key)
	}
	b.Grow(n)
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(p.key)
	}
	return b.String()
}
