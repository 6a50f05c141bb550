package cossign

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"net/url"
	"testing"
)

// A guard against a pre-signed URL's cost growing unnoticed. crypto/hmac
// alone allocates 13 times for the two HMACs (the crypto-floor benchmark);
// the budget leaves room for building the strings without sizing buffers
// ahead.
func TestPresignAllocations(t *testing.T) {
	p := Presign{Method: "PUT", Key: "uploads/u1/2026/11/22/abcdef.jpg", Window: Window{1, 2},
		Headers: []Pair{{"Content-Type", "image/jpeg"}, {"Content-Length", "10"}, {"x-cos-forbid-overwrite", "true"}}}
	n := testing.AllocsPerRun(100, func() { _ = PresignURL(Credentials{SecretID: "id", SecretKey: "key"}, vecEndpoint, p) })
	if n > 40 {
		t.Errorf("PresignURL allocates %.0f times; the budget is 40", n)
	}
}

// The strings Sign returns are the ones its signature was computed over:
// the documented formula, applied to them with crypto/hmac here, gives the
// signature back, and they equal what FormatString and StringToSign say.
func TestSignedStrings(t *testing.T) {
	w := Window{1700000000, 1700003600}
	for _, r := range []Request{
		{Method: "GET", Path: "/exampleobject", Headers: []Pair{{"host", vecHost}}},
		{Method: "PUT", Path: "/docs/报告 (1).txt", Params: []Pair{{"versionId", "a b"}, {"acl", ""}},
			Headers: []Pair{{"host", vecHost}, {"Content-Type", "text/plain"}, {"x-cos-meta-A:b", "ü"}}},
	} {
		s := Sign(vecID, vecKey, r, w)
		if s.FormatString != FormatString(r) {
			t.Errorf("FormatString %q, want %q", s.FormatString, FormatString(r))
		}
		if s.StringToSign != StringToSign(w, s.FormatString) {
			t.Errorf("StringToSign %q, want %q", s.StringToSign, StringToSign(w, s.FormatString))
		}
		if want := documentedSignature(vecKey, w.String(), s.StringToSign); s.Signature != want {
			t.Errorf("%s %s: signature %s, want %s", r.Method, r.Path, s.Signature, want)
		}
	}
	// V1's strings, as cos-go-sdk-v5 logs them.
	s := Sign(vecID, vecKey, Request{Method: "GET", Path: "/exampleobject", Headers: []Pair{{"host", vecHost}}}, w)
	if want := "get\n/exampleobject\n\nhost=" + url.QueryEscape(vecHost) + "\n"; s.FormatString != want {
		t.Errorf("V1 FormatString %q, want %q", s.FormatString, want)
	}
	sum := sha1.Sum([]byte(s.FormatString))
	if want := "sha1\n1700000000;1700003600\n" + hex.EncodeToString(sum[:]) + "\n"; s.StringToSign != want {
		t.Errorf("V1 StringToSign %q, want %q", s.StringToSign, want)
	}
}

// SignURL returns the signature its URL carries.
func TestSignURLReturnsItsSignature(t *testing.T) {
	p := Presign{Method: "PUT", Key: "a/b c.jpg", Window: Window{1700000000, 1700000600}, Headers: []Pair{{"Content-Type", "image/jpeg"}}}
	creds := Credentials{SecretID: vecID, SecretKey: vecKey, SessionToken: vecToken}
	raw, s := SignURL(creds, vecEndpoint, p)
	if raw != PresignURL(creds, vecEndpoint, p) {
		t.Fatal("SignURL and PresignURL differ")
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("q-signature") != s.Signature || q.Get("q-header-list") != s.HeaderList || q.Get("q-url-param-list") != s.ParamList {
		t.Errorf("URL %s carries another signature than %+v", raw, s.Authorization)
	}
	want := FormatString(Request{Method: "PUT", Path: "/a/b c.jpg", Params: []Pair{{TokenParam, vecToken}},
		Headers: []Pair{{"host", vecHost}, {"Content-Type", "image/jpeg"}}})
	if s.FormatString != want {
		t.Errorf("FormatString %q, want %q", s.FormatString, want)
	}
}

// documentedSignature is the signature as COS's "Request Signature"
// document states it, written out independently of sign.go.
func documentedSignature(secretKey, keyTime, stringToSign string) string {
	m := hmac.New(sha1.New, []byte(secretKey))
	m.Write([]byte(keyTime))
	signKey := hex.EncodeToString(m.Sum(nil))
	m = hmac.New(sha1.New, []byte(signKey))
	m.Write([]byte(stringToSign))
	return hex.EncodeToString(m.Sum(nil))
}
