// Package cossigntest generates awkward, reproducible COS requests for
// differential tests: keys, query parameters and headers drawn from the
// characters that break signers (space, '+', '&', '=', "!*'()~", '%', CJK,
// emoji). It is imported by tests only.
package cossigntest

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"

	"cosgate/shared/cossign"
	"cosgate/shared/objkey"
)

// Alphabet holds the pieces keys and values are built from.
var Alphabet = []string{
	"a", "b", "Z", "0", "9", "-", "_", ".", "~", " ", "+", "&", "=", "!", "*", "'", "(", ")", "%", "%2B", "#", "?",
	";", ":", "@", ",", "$", "[", "]", "报", "告", "腾讯云", "😀", "🚀", "é", "ß", "/",
}

// Gen draws cases from a seeded source, so a failure names its seed and index.
type Gen struct {
	r *rand.Rand
}

// New returns a generator for seed.
func New(seed uint64) *Gen { return &Gen{r: rand.New(rand.NewPCG(seed, 0x636f73676174))} }

// Intn returns a number in [0, n).
func (g *Gen) Intn(n int) int { return g.r.IntN(n) }

// Text returns 0..maxParts pieces of the alphabet (without '/').
func (g *Gen) Text(maxParts int) string {
	var b strings.Builder
	for range g.r.IntN(maxParts + 1) {
		p := Alphabet[g.r.IntN(len(Alphabet))]
		if p == "/" {
			p = "s"
		}
		b.WriteString(p)
	}
	return b.String()
}

// Key returns a key that passes objkey.Validate, made of 1–4 segments.
func (g *Gen) Key() string {
	for {
		n := 1 + g.r.IntN(4)
		segs := make([]string, n)
		for i := range segs {
			segs[i] = g.Text(6)
			if segs[i] == "" {
				segs[i] = "k"
			}
		}
		k := strings.Join(segs, "/")
		if objkey.Validate(k) == nil {
			return k
		}
	}
}

var paramNames = []string{
	"response-content-disposition", "response-content-type", "versionId", "acl", "uploads", "partNumber",
	"imageMogr2/thumbnail/200x/", "x-cos-traffic-limit", "A", "a", "a:b", "a0", "名字", "sp ace", "plus+", "Mixed-Case",
}

// Params returns up to max query parameters, some repeated, some bare.
func (g *Gen) Params(max int) []cossign.Pair {
	var ps []cossign.Pair
	for range g.r.IntN(max + 1) {
		name := paramNames[g.r.IntN(len(paramNames))]
		if g.r.IntN(4) == 0 {
			name = "p" + g.Text(3)
		}
		value := ""
		if g.r.IntN(5) > 0 {
			value = g.Text(8)
		}
		ps = append(ps, cossign.Pair{Name: name, Value: value})
	}
	return ps
}

// header names: signed by every signer, signed by the Go SDK only, and never signed.
var headerNames = []string{
	"Content-Type", "Content-Length", "Content-MD5", "X-Cos-Meta-Owner", "x-cos-meta-note", "X-Cos-Forbid-Overwrite",
	"X-Cos-Storage-Class", "x-cos-acl", "X-Cos-Meta-A", "x-cos-meta-a",
	"Cache-Control", "Range", "Content-Disposition", "If-Match", "Origin",
	"User-Agent", "Date", "X-Trace-Id", "Accept",
}

// Headers returns up to max headers. Values have no leading or trailing
// space (HTTP trims those in transit) and no line breaks.
func (g *Gen) Headers(max int) http.Header {
	h := http.Header{}
	for range g.r.IntN(max + 1) {
		name := headerNames[g.r.IntN(len(headerNames))]
		var v string
		switch strings.ToLower(name) {
		case "content-length":
			v = strconv.Itoa(g.r.IntN(1 << 30))
		case "date":
			v = "Thu, 16 May 2019 06:45:51 GMT"
		default:
			v = strings.TrimSpace(g.Text(6))
			if v == "" {
				v = "v"
			}
		}
		h.Add(name, v)
	}
	return h
}

// Method returns one of the methods COS objects are used with.
func (g *Gen) Method() string {
	return []string{"GET", "PUT", "POST", "DELETE", "HEAD"}[g.r.IntN(5)]
}

// Window returns a window between 2001 and 2033, 1 s to 2 days long.
func (g *Gen) Window() cossign.Window {
	start := int64(1e9 + g.r.IntN(1e9))
	return cossign.Window{Start: start, End: start + 1 + int64(g.r.IntN(172800))}
}

// Token returns "" or a session token with characters a URL must escape.
func (g *Gen) Token() string {
	if g.r.IntN(3) > 0 {
		return ""
	}
	return "tok" + g.Text(10) + "+/=&:"
}
