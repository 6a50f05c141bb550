package cossign_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	cos "github.com/tencentyun/cos-go-sdk-v5"

	"cosgate/shared/cossign"
	"cosgate/shared/cossign/cossigntest"
	"cosgate/shared/cosverify"
)

// Differential tests against cos-go-sdk-v5 v0.7.70 (a test-only import): the
// same inputs must give byte-for-byte the same signature, and our verifier
// must accept every signature the SDK makes and reject every tamper.

const (
	diffCases = 2000
	diffSeed  = 20261122
	diffID    = "AKIDdiffSecretId0123456789abcdefXY"
	diffKey   = "diffSecretKey0123456789abcdefXYZ"
	diffHost  = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"
	bucket    = "examplebucket-1250000000"
)

// sdkSigns is the Go SDK's header choice: its NeedSignHeaders list plus every
// x-cos-* and x-ci-* header.
func sdkSigns(name string) bool {
	n := strings.ToLower(name)
	return cos.NeedSignHeaders[n] || strings.HasPrefix(n, "x-cos-") || strings.HasPrefix(n, "x-ci-")
}

func lookup(id string) (string, bool) { return diffKey, id == diffID }

func authTime(w cossign.Window) *cos.AuthTime {
	s, e := time.Unix(w.Start, 0), time.Unix(w.End, 0)
	return &cos.AuthTime{SignStartTime: s, SignEndTime: e, KeyStartTime: s, KeyEndTime: e}
}

func values(ps []cossign.Pair) url.Values {
	q := url.Values{}
	for _, p := range ps {
		q.Add(p.Name, p.Value)
	}
	return q
}

// TestDifferentialHeaderSignature: AddAuthorizationHeader vs AuthorizeRequest.
func TestDifferentialHeaderSignature(t *testing.T) {
	g := cossigntest.New(diffSeed)
	for i := range diffCases {
		method, key, params, headers, token, w := g.Method(), g.Key(), g.Params(4), g.Headers(5), g.Token(), g.Window()
		signAll := i%2 == 1 // alternate our default header choice and the SDK's
		if headers.Get("Date") != "" {
			headers.Set("Date", time.Unix(w.Start, 0).UTC().Format(http.TimeFormat))
		}

		raw := "https://" + diffHost + "/" + cossign.EscapePath(key)
		if q := values(params).Encode(); q != "" {
			raw += "?" + q
		}
		sdkReq, _ := http.NewRequest(method, raw, nil)
		ourReq, _ := http.NewRequest(method, raw, nil)
		for name, vs := range headers {
			for _, v := range vs {
				sdkReq.Header.Add(name, v)
				ourReq.Header.Add(name, v)
			}
		}
		if !signAll {
			// Our default signs fewer headers than the SDK; give both only
			// headers both sign, or never sign.
			for name := range headers {
				if sdkSigns(name) != cossign.DefaultSignedHeader(name) {
					sdkReq.Header.Del(name)
					ourReq.Header.Del(name)
				}
			}
		}
		cos.AddAuthorizationHeader(diffID, diffKey, token, sdkReq, authTime(w))
		choice := cossign.DefaultSignedHeader
		if signAll {
			choice = sdkSigns
		}
		cossign.AuthorizeRequest(ourReq, cossign.Credentials{SecretID: diffID, SecretKey: diffKey, SessionToken: token}, w, choice)

		want, got := sdkReq.Header.Get("Authorization"), ourReq.Header.Get("Authorization")
		if got != want {
			t.Fatalf("case %d (seed %d): %s %q\n got %s\nwant %s", i, diffSeed, method, key, got, want)
		}
		in, err := cosverify.IncomingFromHTTP(sdkReq)
		if err != nil {
			t.Fatal(err)
		}
		in.Header.Del("Host") // the SDK copied Host into the header map; servers see it in r.Host
		now := time.Unix(w.Start, 0)
		if _, err := cosverify.Verify(in, lookup, now); err != nil {
			t.Fatalf("case %d: verifier refused the SDK's signature: %v", i, err)
		}
		if i < 300 {
			assertTampersFail(t, fmt.Sprintf("header case %d", i), in, now)
		}
	}
}

// TestDifferentialPresignedURL: GetPresignedURL vs PresignURL, including
// signed query parameters, signed headers, tokens, sign= and path-style.
func TestDifferentialPresignedURL(t *testing.T) {
	g := cossigntest.New(diffSeed + 1)
	for i := range diffCases {
		method, key, params, headers, token, w := g.Method(), g.Key(), g.Params(4), g.Headers(4), g.Token(), g.Window()
		merged, pathStyle, unsignedHost := g.Intn(4) == 0, g.Intn(4) == 0, g.Intn(10) == 0

		h := http.Header{} // the headers the SDK would sign, which the client sends
		var signed []cossign.Pair
		for name, vs := range headers {
			if !sdkSigns(name) {
				continue
			}
			for _, v := range vs {
				h.Add(name, v)
				signed = append(signed, cossign.Pair{Name: name, Value: v})
			}
		}
		e := cossign.Endpoint{Scheme: "https", Host: diffHost}
		if pathStyle {
			e = cossign.Endpoint{Scheme: "http", Host: "127.0.0.1:9000", Bucket: bucket}
		}
		creds := cossign.Credentials{SecretID: diffID, SecretKey: diffKey, SessionToken: token}
		p := cossign.Presign{Method: method, Key: key, Params: params, Headers: signed, Window: w, Merged: merged, UnsignedHost: unsignedHost}
		sdkURL, err := cossigntest.SDKPresignURL(creds, e, p)
		if err != nil {
			t.Fatalf("case %d: SDK: %v", i, err)
		}
		ours := cossign.PresignURL(creds, e, p)

		sdkAuth, sdkQuery := urlAuth(t, sdkURL.String())
		ourAuth, ourQuery := urlAuth(t, ours)
		if ourAuth != sdkAuth {
			t.Fatalf("case %d (seed %d): %s %q\n got %+v\nwant %+v\nours %s\nsdk  %s", i, diffSeed+1, method, key, ourAuth, sdkAuth, ours, sdkURL)
		}
		ou, _ := url.Parse(ours)
		if ou.Path != sdkURL.Path || ou.Host != sdkURL.Host || ourQuery.Encode() != sdkQuery.Encode() {
			t.Fatalf("case %d: URLs address different requests\nours %s\nsdk  %s", i, ours, sdkURL)
		}

		// The client sends the signed headers along with the URL.
		in := cosverify.Incoming{Method: method, Path: sdkURL.Path, Query: sdkURL.Query(), Header: h, Host: sdkURL.Host}
		now := time.Unix(w.End, 0)
		if _, err := cosverify.Verify(in, lookup, now); err != nil {
			t.Fatalf("case %d: verifier refused the SDK's URL %s: %v", i, sdkURL, err)
		}
		if i < 300 {
			assertTampersFail(t, fmt.Sprintf("url case %d", i), in, now)
		}
	}
}

// urlAuth extracts the signature fields and the other query parameters.
func urlAuth(t *testing.T, raw string) (cossign.Authorization, url.Values) {
	t.Helper()
	a, q, err := cossigntest.QueryAuth(raw)
	if err != nil {
		t.Fatal(err)
	}
	return a, q
}

// assertTampersFail changes one byte at a time in the method, the path, each
// signed query value, each signed header value and the signature; each
// change must be refused as a mismatch.
func assertTampersFail(t *testing.T, label string, in cosverify.Incoming, now time.Time) {
	t.Helper()
	v, err := cosverify.Verify(in, lookup, now)
	if err != nil {
		t.Fatalf("%s: untampered request refused: %v", label, err)
	}
	expectMismatch := func(what string, tampered cosverify.Incoming) {
		t.Helper()
		_, err := cosverify.Verify(tampered, lookup, now)
		var ve *cosverify.VerifyError
		if !errors.As(err, &ve) || ve.Reason != cosverify.ReasonMismatch {
			t.Fatalf("%s: tampered %s: got %v, want a mismatch", label, what, err)
		}
	}
	for i := range len(in.Method) {
		c := in
		c.Method = flip(in.Method, i)
		expectMismatch("method", c)
	}
	for i := range len(in.Path) {
		c := in
		c.Path = flip(in.Path, i)
		expectMismatch("path", c)
	}
	for name := range strings.SplitSeq(v.Auth.ParamList, ";") {
		for qn, vs := range in.Query {
			if name == "" || !strings.EqualFold(cossign.Escape(qn), name) {
				continue
			}
			for j, val := range vs {
				for i := range len(val) {
					c := in
					c.Query = cloneValues(in.Query)
					c.Query[qn][j] = flip(val, i)
					expectMismatch("query "+qn, c)
				}
			}
		}
	}
	for name := range strings.SplitSeq(v.Auth.HeaderList, ";") {
		if name == "host" {
			for i := range len(in.Host) {
				c := in
				c.Host = flip(in.Host, i)
				expectMismatch("host", c)
			}
			continue
		}
		for hn, vs := range in.Header {
			if name == "" || !strings.EqualFold(hn, name) {
				continue
			}
			for j, val := range vs {
				for i := range len(val) {
					c := in
					c.Header = in.Header.Clone()
					c.Header[hn][j] = flip(val, i)
					expectMismatch("header "+hn, c)
				}
			}
		}
	}
	for i := range len(v.Auth.Signature) {
		a := v.Auth
		a.Signature = flip(a.Signature, i)
		c := in
		switch v.Source {
		case cosverify.SourceHeader:
			c.Header = in.Header.Clone()
			c.Header.Set("Authorization", a.String())
		case cosverify.SourceMerged:
			c.Query = cloneValues(in.Query)
			c.Query.Set("sign", a.String())
		default:
			c.Query = cloneValues(in.Query)
			c.Query.Set("q-signature", a.Signature)
		}
		expectMismatch("signature", c)
	}
}

// flip replaces byte i of s with a byte that differs even after lower-casing.
func flip(s string, i int) string {
	b := []byte(s)
	if lower(b[i]) == '0' {
		b[i] = 'q'
	} else {
		b[i] = '0'
	}
	return string(b)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 32
	}
	return c
}

func cloneValues(q url.Values) url.Values {
	c := url.Values{}
	for k, vs := range q {
		c[k] = append([]string(nil), vs...)
	}
	return c
}
