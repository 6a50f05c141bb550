package cosverify

import (
	"cosgate/shared/cossign"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

// The POST Object documentation's worked example (§4.2 of
// cloud.tencent.com/document/product/436/14690): its base64 policy,
// SecretKey and KeyTime give the documented signature, the form verifies,
// and its conditions are read and enforced.
const docPolicyB64 = "ewogICAgImV4cGlyYXRpb24iOiAiMjAxOS0wOC0zMFQwOTozODoxMi40MTRaIiwKICAgICJjb25kaXRpb25zIjogWwogICAgICAgIHsgImFjbCI6ICJkZWZhdWx0IiB9LAogICAgICAgIHsgImJ1Y2tldCI6ICJleGFtcGxlYnVja2V0LTEyNTAwMDAwMDAiIH0sCiAgICAgICAgWyAic3RhcnRzLXdpdGgiLCAiJGtleSIsICJmb2xkZXIvc3ViZm9sZGVyLyIgXSwKICAgICAgICBbICJzdGFydHMtd2l0aCIsICIkQ29udGVudC1UeXBlIiwgImltYWdlLyIgXSwKICAgICAgICBbICJzdGFydHMtd2l0aCIsICIkc3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiLCAiaHR0cHM6Ly9teS53ZWJzaXRlLyIgXSwKICAgICAgICBbICJlcSIsICIkeC1jb3Mtc2VydmVyLXNpZGUtZW5jcnlwdGlvbiIsICJBRVMyNTYiIF0sCiAgICAgICAgeyAicS1zaWduLWFsZ29yaXRobSI6ICJzaGExIiB9LAogICAgICAgIHsgInEtYWsiOiAiQUtJRFFqejNsdG9tcFZqQm5pNUxpdGtXSEZsRnB3a245VTVxIiB9LAogICAgICAgIHsgInEtc2lnbi10aW1lIjogIjE1NjcxNTA2OTI7MTU2NzE1Nzg5MiIgfQogICAgXQp9"

func TestPostPolicyDocumentationExample(t *testing.T) {
	const secretKey, id = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz", "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q"
	kt := cossign.Window{Start: 1567150692, End: 1567157892}
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
	if err := CheckPolicy(v.Policy, field, "examplebucket-1250000000", 100); err != nil {
		t.Fatalf("Check: %v", err)
	}
	for name, bad := range map[string]string{"key": "other/a.png", "Content-Type": "text/plain", "acl": "public-read", "x-cos-server-side-encryption": "SM4"} {
		saved := form[name]
		form[name] = bad
		err := CheckPolicy(v.Policy, field, "examplebucket-1250000000", 100)
		var pv *PolicyViolation
		if !errors.As(err, &pv) || pv.Code != "AccessDenied" || !strings.Contains(pv.Message, "Condition key "+name) {
			t.Errorf("%s=%q: got %v", name, bad, err)
		}
		form[name] = saved
	}
	if err := CheckPolicy(v.Policy, field, "otherbucket-1250000000", 100); err == nil {
		t.Error("a different bucket passed the bucket condition")
	}
	_, err = VerifyPostForm(field, lookup, time.Date(2019, 8, 30, 9, 38, 13, 0, time.UTC))
	var pv *PolicyViolation
	if !errors.As(err, &pv) || !strings.HasPrefix(pv.Message, "You post object request has been expired, expiration time: 1567157892 but the time now : 1567157893") {
		t.Errorf("expired policy: %v", err)
	}
}

func TestPostPolicySizeRange(t *testing.T) {
	p := cossign.PostPolicy{Expiration: time.Unix(2e9, 0), Conditions: []cossign.Condition{{Op: cossign.OpLengthRange, Min: 1, Max: 10}}}
	none := func(string) (string, bool) { return "", false }
	for size, code := range map[int64]string{0: "EntityTooSmall", 1: "", 10: "", 11: "EntityTooLarge"} {
		err := CheckPolicy(p, none, "b", size)
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
		"q-key-time": "1;2", "q-signature": cossign.PolicySignature(vecKey, cossign.Window{Start: 1, End: 2}, doc)}
	_, err := VerifyPostForm(func(n string) (string, bool) { v, ok := form[n]; return v, ok }, vecLookup, time.Unix(1, 0))
	var pv *PolicyViolation
	if !errors.As(err, &pv) || pv.Code != "InvalidPolicyDocument" || pv.Message != "You must provide condition if you specify a policy in post object request." {
		t.Errorf("got %v", err)
	}
}
