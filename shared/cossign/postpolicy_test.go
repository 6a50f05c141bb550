package cossign

import (
	"encoding/base64"
	"testing"
	"time"
)

// P1: the exact policy bytes and signature, computed independently with
// Python's hmac/hashlib and Node's crypto from the algorithm in the POST
// Object documentation (cloud.tencent.com/document/product/436/14690), whose
// own worked example the next test reproduces.
func TestPostPolicyVectorP1(t *testing.T) {
	form := SignPostUpload(Credentials{SecretID: vecID, SecretKey: vecKey, SessionToken: vecToken}, PostUpload{
		Bucket: "examplebucket-1250000000", KeyPrefix: "uploads/u1/", MinSize: 1, MaxSize: 10485760,
		Expiration: time.Unix(1700000600, 0), Window: Window{1700000000, 1700000600},
	})
	wantPolicy := `{"expiration":"2023-11-14T22:23:20.000Z","conditions":[{"q-sign-algorithm":"sha1"},{"q-ak":"AKIDEXAMPLEsecretid0123456789abcdef"},{"q-sign-time":"1700000000;1700000600"},{"bucket":"examplebucket-1250000000"},["starts-with","$key","uploads/u1/"],["content-length-range",1,10485760],{"x-cos-security-token":"EXAMPLEtoken+/=&:xyz"}]}`
	if string(form.Policy) != wantPolicy {
		t.Fatalf("policy\n got %s\nwant %s", form.Policy, wantPolicy)
	}
	m := form.Fields.Map()
	if got := m["q-signature"]; got != "68a010ee619fd23f1b07a318f70f820aa010551f" {
		t.Errorf("q-signature = %s", got)
	}
	if got := sha1Hex(form.Policy); got != "3e738ed4a9ad8dfc25292363aec1e2aa6cb9e6c6" {
		t.Errorf("StringToSign = %s", got)
	}
	if m["policy"] != base64.StdEncoding.EncodeToString([]byte(wantPolicy)) || m["q-key-time"] != "1700000000;1700000600" ||
		m["key"] != "uploads/u1/${filename}" || m["x-cos-security-token"] != vecToken || m["q-ak"] != vecID {
		t.Errorf("form fields: %v", m)
	}
	if sk := signKeyOf(vecKey, "1700000000;1700000600"); sk != "3608b5526008d4cc7b6f13fcbb9d0752b9cec1e1" {
		t.Errorf("SignKey = %s", sk)
	}
}

// The POST Object documentation's worked example (§4.2): its base64 policy,
// SecretKey and KeyTime give the documented StringToSign and Signature.
const docPolicyB64 = "ewogICAgImV4cGlyYXRpb24iOiAiMjAxOS0wOC0zMFQwOTozODoxMi40MTRaIiwKICAgICJjb25kaXRpb25zIjogWwogICAgICAgIHsgImFjbCI6ICJkZWZhdWx0IiB9LAogICAgICAgIHsgImJ1Y2tldCI6ICJleGFtcGxlYnVja2V0LTEyNTAwMDAwMDAiIH0sCiAgICAgICAgWyAic3RhcnRzLXdpdGgiLCAiJGtleSIsICJmb2xkZXIvc3ViZm9sZGVyLyIgXSwKICAgICAgICBbICJzdGFydHMtd2l0aCIsICIkQ29udGVudC1UeXBlIiwgImltYWdlLyIgXSwKICAgICAgICBbICJzdGFydHMtd2l0aCIsICIkc3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiLCAiaHR0cHM6Ly9teS53ZWJzaXRlLyIgXSwKICAgICAgICBbICJlcSIsICIkeC1jb3Mtc2VydmVyLXNpZGUtZW5jcnlwdGlvbiIsICJBRVMyNTYiIF0sCiAgICAgICAgeyAicS1zaWduLWFsZ29yaXRobSI6ICJzaGExIiB9LAogICAgICAgIHsgInEtYWsiOiAiQUtJRFFqejNsdG9tcFZqQm5pNUxpdGtXSEZsRnB3a245VTVxIiB9LAogICAgICAgIHsgInEtc2lnbi10aW1lIjogIjE1NjcxNTA2OTI7MTU2NzE1Nzg5MiIgfQogICAgXQp9"

func TestPostPolicyDocumentationExample(t *testing.T) {
	doc, err := base64.StdEncoding.DecodeString(docPolicyB64)
	if err != nil {
		t.Fatal(err)
	}
	const secretKey, id = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz", "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q"
	kt := Window{1567150692, 1567157892}
	if sk := signKeyOf(secretKey, kt.String()); sk != "39acc8c9f34ba5b19bce4e965b370cd3f62d2fba" {
		t.Errorf("SignKey = %s", sk)
	}
	if got := sha1Hex(doc); got != "d5d903b8360468bc81c1311f134989bc8c8b5b89" {
		t.Errorf("StringToSign = %s", got)
	}
	if got := PolicySignature(secretKey, kt, doc); got != "7758dc9a832e9d301dca704cacbf9d9f8172fdef" {
		t.Errorf("Signature = %s", got)
	}
}

// W1: the mini-program SDK's postObject signs "post /" with the host only,
// and sends that Authorization as the "Signature" form field.
func TestWXPostObjectSignatureW1(t *testing.T) {
	a := Sign("tmpId", "tmpKey", Request{Method: "POST", Path: "/", Headers: []Pair{{"host", "127.0.0.1:9000"}}}, Window{1795359049, 1795360849})
	if a.Signature != "e0c3ee7b770d46d57762312fa40f21a4371a21e7" {
		t.Errorf("signature = %s", a.Signature)
	}
	if got := FormatString(Request{Method: "POST", Path: "/", Headers: []Pair{{"host", "127.0.0.1:9000"}}}); got != "post\n/\n\nhost=127.0.0.1%3A9000\n" {
		t.Errorf("FormatString = %q", got)
	}
}

// signKeyOf is the SignKey, hex(HMAC-SHA1(secretKey, keyTime)).
func signKeyOf(secretKey, keyTime string) string {
	var d hexDigest
	hmacSHA1Hex(&d, []byte(secretKey), keyTime)
	return string(d[:])
}
