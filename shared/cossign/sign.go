package cossign

import (
	"crypto/sha1"
	"encoding/hex"
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
	b := make([]byte, 0, 160+len(a.SecretID)+len(a.HeaderList)+len(a.ParamList))
	b = append(b, "q-sign-algorithm=sha1&q-ak="...)
	b = append(b, a.SecretID...)
	b = append(b, "&q-sign-time="...)
	b = a.SignTime.appendTo(b)
	b = append(b, "&q-key-time="...)
	b = a.KeyTime.appendTo(b)
	b = append(b, "&q-header-list="...)
	b = append(b, a.HeaderList...)
	b = append(b, "&q-url-param-list="...)
	b = append(b, a.ParamList...)
	b = append(b, "&q-signature="...)
	b = append(b, a.Signature...)
	return string(b)
}

// Sign computes the Authorization for r with one window used as both
// q-sign-time and q-key-time, as every official SDK does.
func Sign(secretID, secretKey string, r Request, w Window) Authorization {
	var pstore, hstore [8]canonPair
	params, headers, fs := formatRequest(r.Method, [2]string{r.Path}, r.Params, r.Headers, pstore[:0], hstore[:0], 0)
	var sig [40]byte
	var kt [48]byte
	signature(&sig, secretKey, w.appendTo(kt[:0]), fs)
	return Authorization{
		SecretID:   secretID,
		SignTime:   w,
		KeyTime:    w,
		HeaderList: string(appendList(nil, headers)),
		ParamList:  string(appendList(nil, params)),
		Signature:  string(sig[:]),
	}
}

// FormatString returns the HttpString ("FormatString" in COS error bodies)
// for r: lower(method), decoded path, canonical parameters and headers, each
// followed by a newline.
func FormatString(r Request) string {
	var pstore, hstore [8]canonPair
	_, _, fs := formatRequest(r.Method, [2]string{r.Path}, r.Params, r.Headers, pstore[:0], hstore[:0], 0)
	return string(fs)
}

// StringToSign returns "sha1\n<keyTime>\n<hex sha1(formatString)>\n".
func StringToSign(keyTime Window, formatString string) string {
	sum := sha1.Sum([]byte(formatString))
	var kt [48]byte
	return string(appendStringToSign(nil, keyTime.appendTo(kt[:0]), &sum))
}

func appendStringToSign(dst, keyTime []byte, sum *[sha1.Size]byte) []byte {
	dst = append(dst, "sha1\n"...)
	dst = append(dst, keyTime...)
	dst = append(dst, '\n')
	dst = hex.AppendEncode(dst, sum[:])
	return append(dst, '\n')
}

// signature writes q-signature for formatString into dst:
// HMAC(hex(HMAC(secretKey, keyTime)), StringToSign). Only the key time is
// part of the computation; q-sign-time is not. keyTime is "start;end".
func signature(dst *[40]byte, secretKey string, keyTime, formatString []byte) {
	var signKey [40]byte
	hmacHex(&signKey, []byte(secretKey), keyTime)
	sum := sha1.Sum(formatString)
	var sts [128]byte
	hmacHex(dst, signKey[:], appendStringToSign(sts[:0], keyTime, &sum))
}

// canonPair is a pair in signature form: key is lower(encode(name)), raw is
// the decoded value (encoded only when written out).
type canonPair struct {
	key, raw string
}

// formatRequest canonicalises params and headers into the backing arrays of
// ps and hs (callers pass stack arrays, so the common case stays off the
// heap) and writes the HttpString into a new buffer with extra spare bytes,
// which PresignURL fills with the URL. The path is path[0]+path[1], so a
// caller need not concatenate it first.
func formatRequest(
	method string,
	path [2]string,
	params, headers []Pair,
	ps, hs []canonPair,
	extra int,
) (cparams, cheaders []canonPair, buf []byte) {
	n := len(method) + len(path[0]) + len(path[1]) + 4 + extra
	for _, p := range params {
		n += len(p.Name) + 3*len(p.Value) + 2
	}
	for _, h := range headers {
		n += len(h.Name) + 3*len(h.Value) + 2
	}
	cparams = canonicalize(ps, params)
	cheaders = canonicalize(hs, headers)
	buf = appendFormatString(make([]byte, 0, n), method, path, cparams, cheaders)
	return cparams, cheaders, buf
}

func canonicalize(dst []canonPair, pairs []Pair) []canonPair {
	// Names that need encoding or lower-casing are written into one arena,
	// so a request costs at most one allocation for them, however many.
	var scratch [256]byte
	arena := scratch[:0]
	for _, p := range pairs {
		if !isCanonicalName(p.Name) {
			arena = appendEscapeLower(arena, p.Name)
		}
	}
	names := string(arena)
	for _, p := range pairs {
		key := p.Name
		if !isCanonicalName(key) {
			n := escapedLen(key)
			key, names = names[:n], names[n:]
		}
		dst = append(dst, canonPair{key: key, raw: p.Value})
	}
	sortCanon(dst)
	return dst
}

func appendFormatString(dst []byte, method string, path [2]string, params, headers []canonPair) []byte {
	for i := 0; i < len(method); i++ {
		c := method[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	dst = append(dst, '\n')
	dst = append(dst, path[0]...)
	dst = append(dst, path[1]...)
	dst = append(dst, '\n')
	dst = appendPairs(dst, params)
	dst = append(dst, '\n')
	dst = appendPairs(dst, headers)
	return append(dst, '\n')
}

func appendPairs(dst []byte, ps []canonPair) []byte {
	for i, p := range ps {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, p.key...)
		dst = append(dst, '=')
		dst = appendEscape(dst, p.raw, false)
	}
	return dst
}

// appendList writes the keys joined by ';', as q-header-list and
// q-url-param-list carry them.
func appendList(dst []byte, ps []canonPair) []byte {
	for i, p := range ps {
		if i > 0 {
			dst = append(dst, ';')
		}
		dst = append(dst, p.key...)
	}
	return dst
}

// sortCanon orders pairs by encoded key, then by raw value for a repeated
// key, as cos-go-sdk-v5 does.
func sortCanon(ps []canonPair) {
	slices.SortFunc(ps, func(a, b canonPair) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.raw, b.raw)
	})
}
