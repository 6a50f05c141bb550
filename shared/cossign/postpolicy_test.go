package cossign

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

// P1 from cos-signing.md: the exact policy bytes and signature.
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
	if got := hexSHA1(form.Policy); got != "3e738ed4a9ad8dfc25292363aec1e2aa6cb9e6c6" {
		t.Errorf("StringToSign = %s", got)
	}
	if m["policy"] != base64.StdEncoding.EncodeToString([]byte(wantPolicy)) || m["q-key-time"] != "1700000000;1700000600" ||
		m["key"] != "uploads/u1/${filename}" || m["x-cos-security-token"] != vecToken || m["q-ak"] != vecID {
		t.Errorf("form fields: %v", m)
	}
	var sk [40]byte
	hmacHex(&sk, []byte(vecKey), []byte("1700000000;1700000600"))
	if string(sk[:]) != "3608b5526008d4cc7b6f13fcbb9d0752b9cec1e1" {
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
	var sk [40]byte
	hmacHex(&sk, []byte(secretKey), []byte(kt.String()))
	if string(sk[:]) != "39acc8c9f34ba5b19bce4e965b370cd3f62d2fba" {
		t.Errorf("SignKey = %s", sk)
	}
	if got := hexSHA1(doc); got != "d5d903b8360468bc81c1311f134989bc8c8b5b89" {
		t.Errorf("StringToSign = %s", got)
	}
	if got := PolicySignature(secretKey, kt, doc); got != "7758dc9a832e9d301dca704cacbf9d9f8172fdef" {
		t.Errorf("Signature = %s", got)
	}

	// The same form verifies, and its conditions are read and enforced.
	form := map[string]string{
		"policy": docPolicyB64, "q-sign-algorithm": "sha1", "q-ak": id, "q-key-time": kt.String(),
		"q-signature": "7758dc9a832e9d301dca704cacbf9d9f8172fdef", "acl": "default", "key": "folder/subfolder/a.png",
		"Content-Type": "image/png", "success_action_redirect": "https://my.website/done", "x-cos-server-side-encryption": "AES256",
	}
	field := func(n string) (string, bool) { v, ok := form[n]; return v, ok }
	lookup := func(s string) (string, bool) { return secretKey, s == id }
	v, err := VerifyPostForm(field, lookup, time.Date(2019, 8, 30, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatalf("VerifyPostForm: %v", err)
	}
	if len(v.Policy.Conditions) != 9 || !v.Policy.Expiration.Equal(time.Date(2019, 8, 30, 9, 38, 12, 414e6, time.UTC)) {
		t.Fatalf("parsed policy: %+v", v.Policy)
	}
	if err := v.Policy.Check(field, "examplebucket-1250000000", 100); err != nil {
		t.Fatalf("Check: %v", err)
	}
	for name, bad := range map[string]string{"key": "other/a.png", "Content-Type": "text/plain", "acl": "public-read", "x-cos-server-side-encryption": "SM4"} {
		saved := form[name]
		form[name] = bad
		err := v.Policy.Check(field, "examplebucket-1250000000", 100)
		var pv *PolicyViolation
		if !errors.As(err, &pv) || pv.Code != "AccessDenied" || !strings.Contains(pv.Message, "Condition key "+name) {
			t.Errorf("%s=%q: got %v", name, bad, err)
		}
		form[name] = saved
	}
	if err := v.Policy.Check(field, "otherbucket-1250000000", 100); err == nil {
		t.Error("a different bucket passed the bucket condition")
	}
	_, err = VerifyPostForm(field, lookup, time.Date(2019, 8, 30, 9, 38, 13, 0, time.UTC))
	var pv *PolicyViolation
	if !errors.As(err, &pv) || !strings.HasPrefix(pv.Message, "You post object request has been expired, expiration time: 1567157892 but the time now : 1567157893") {
		t.Errorf("expired policy: %v", err)
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

func TestPostPolicySizeRange(t *testing.T) {
	p := PostPolicy{Expiration: time.Unix(2e9, 0), Conditions: []Condition{{Op: OpLengthRange, Min: 1, Max: 10}}}
	none := func(string) (string, bool) { return "", false }
	for size, code := range map[int64]string{0: "EntityTooSmall", 1: "", 10: "", 11: "EntityTooLarge"} {
		err := p.Check(none, "b", size)
		var pv *PolicyViolation
		switch {
		case code == "" && err != nil:
			t.Errorf("size %d: %v", size, err)
		case code != "" && (!errors.As(err, &pv) || pv.Code != code || pv.Status != 400):
			t.Errorf("size %d: got %v, want %s", size, err, code)
		}
	}
}

func TestParsePostPolicyRejects(t *testing.T) {
	for _, doc := range []string{
		``, `{}`, `{"expiration":"2030-01-01T00:00:00Z"}`, `{"expiration":"2030-01-01T00:00:00Z","conditions":[]}`,
		`{"expiration":"soon","conditions":[{"a":"b"}]}`, `{"expiration":"2030-01-01T00:00:00Z","conditions":[["eq","key","x"]]}`,
		`{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",10,1]]}`,
		`{"expiration":"2030-01-01T00:00:00Z","conditions":[["between","$key","a"]]}`,
		`{"expiration":"2030-01-01T00:00:00Z","conditions":[{"key":["a"]}]}`,
	} {
		if _, err := ParsePostPolicy([]byte(doc)); err == nil {
			t.Errorf("accepted %s", doc)
		}
	}
}

func TestPostFormWithoutConditions(t *testing.T) {
	doc := []byte(`{"expiration":"2030-01-01T00:00:00.000Z","conditions":[]}`)
	form := map[string]string{"policy": base64.StdEncoding.EncodeToString(doc), "q-sign-algorithm": "sha1", "q-ak": vecID,
		"q-key-time": "1;2", "q-signature": PolicySignature(vecKey, Window{1, 2}, doc)}
	_, err := VerifyPostForm(func(n string) (string, bool) { v, ok := form[n]; return v, ok }, vecLookup, time.Unix(1, 0))
	var pv *PolicyViolation
	if !errors.As(err, &pv) || pv.Code != "InvalidPolicyDocument" || pv.Message != "You must provide condition if you specify a policy in post object request." {
		t.Errorf("got %v", err)
	}
}
