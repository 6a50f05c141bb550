package cosemu_test

import (
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tencentyun/cos-go-sdk-v5"
)

// TestSeeds403Table reproduces COS's 403 troubleshooting table ("A 403
// Status Code is Returned When You Access COS",
// www.tencentcloud.com/document/product/436/40105) and its error-code page
// (cloud.tencent.com/document/product/436/7730) with requests signed by
// cos-go-sdk-v5: each failure gets COS's exact code and message.
func TestSeeds403Table(t *testing.T) {
	e := start(t, nil)
	if _, err := e.root().Object.Put(t.Context(), "uploads/u1/a.txt", strings.NewReader("hi"), nil); err != nil {
		t.Fatal(err)
	}
	putOnly := e.tempKey(t, policy([]string{"name/cos:PutObject"}, []string{"uploads/u1/*"}, ""), time.Hour)
	now := time.Now()
	window := func(from, to time.Duration) *cos.AuthTime {
		return &cos.AuthTime{SignStartTime: now.Add(from), SignEndTime: now.Add(to), KeyStartTime: now.Add(from), KeyEndTime: now.Add(to)}
	}
	type tableCase struct {
		name                  string
		req                   *http.Request
		status                int
		code, message         string
		wantStringToSign      bool
		wantServerTimeElement bool
	}
	expired := e.tempKey(t, policy([]string{"name/cos:PutObject"}, []string{"uploads/u1/*"}, ""), -time.Minute)
	cases := []tableCase{
		{"missing action", e.signed(t, "GET", "uploads/u1/a.txt", nil, nil, putOnly.SecretID, putOnly.SecretKey, putOnly.Token, nil),
			403, "AccessDenied", "Access Denied.", false, false},
		{"prefix mismatch", e.signed(t, "PUT", "uploads/u2/a.txt", []byte("x"), nil, putOnly.SecretID, putOnly.SecretKey, putOnly.Token, nil),
			403, "AccessDenied", "Access Denied.", false, false},
		{"expired signature", e.signed(t, "GET", "uploads/u1/a.txt", nil, nil, rootID, rootKey, "", window(-2*time.Hour, -time.Hour)),
			403, "AccessDenied", "Request has expired", false, true},
		{"skewed clock", e.signed(t, "GET", "uploads/u1/a.txt", nil, nil, rootID, rootKey, "", window(20*time.Minute, time.Hour)),
			403, "RequestTimeTooSkewed", "The difference between the request time and the server's time is too large.", false, true},
		{"skewed Date header", e.signed(t, "GET", "uploads/u1/a.txt", nil, http.Header{"Date": {now.Add(-20 * time.Minute).UTC().Format(http.TimeFormat)}}, rootID, rootKey, "", nil),
			403, "RequestTimeTooSkewed", "The difference between the request time and the server's time is too large.", false, true},
		{"tampered signature", tamper(e.signed(t, "GET", "uploads/u1/a.txt", nil, nil, rootID, rootKey, "", nil)),
			403, "SignatureDoesNotMatch", "The Signature you specified is invalid.", true, false},
		{"unknown SecretId", e.signed(t, "GET", "uploads/u1/a.txt", nil, nil, "AKIDnobodyHasThisKey000000000000", rootKey, "", nil),
			403, "InvalidAccessKeyId", "SecretID does not exist", false, false},
		{"no signature", mustRequest(t, "GET", e.URL+"/uploads/u1/a.txt"),
			403, "AccessDenied", "Check auth failure because signature empty.", false, true},
		{"temporary key without its token", e.signed(t, "PUT", "uploads/u1/b.txt", []byte("x"), nil, putOnly.SecretID, putOnly.SecretKey, "", nil),
			403, "InvalidAccessKeyId", "A temporary SecretId must come with its x-cos-security-token", false, false},
		{"temporary key with another token", e.signed(t, "PUT", "uploads/u1/b.txt", []byte("x"), nil, putOnly.SecretID, putOnly.SecretKey, "someone-elses-token", nil),
			403, "InvalidAccessKeyId", "The x-cos-security-token does not belong to this SecretId", false, false},
		{"expired temporary key", e.signed(t, "PUT", "uploads/u1/c.txt", []byte("x"), nil, expired.SecretID, expired.SecretKey, expired.Token, nil),
			400, "ExpiredToken", "The provided token has expired.", false, false},
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := do(t, c.req)
			if a.status != c.status || a.err.Code != c.code || a.err.Message != c.message {
				t.Fatalf("got %d %s %q, want %d %s %q", a.status, a.err.Code, a.err.Message, c.status, c.code, c.message)
			}
			if a.header.Get("x-cos-error-code") != c.code {
				t.Errorf("x-cos-error-code = %q", a.header.Get("x-cos-error-code"))
			}
			if (a.err.ServerTime != "") != c.wantServerTimeElement {
				t.Errorf("ServerTime = %q", a.err.ServerTime)
			}
			if !c.wantStringToSign {
				if a.err.StringToSign != "" {
					t.Errorf("unexpected StringToSign")
				}
				return
			}
			// COS's StringToSign is sha1\n<key time>\n<sha1 of FormatString>\n.
			sum := sha1.Sum([]byte(a.err.FormatString))
			parts := strings.Split(a.err.StringToSign, "\n")
			if len(parts) != 4 || parts[0] != "sha1" || parts[2] != hex.EncodeToString(sum[:]) || !strings.HasPrefix(a.err.FormatString, "get\n/uploads/u1/a.txt\n") {
				t.Errorf("StringToSign %q does not match FormatString %q", a.err.StringToSign, a.err.FormatString)
			}
		})
	}
	// Nothing secret reaches the emulator's log.
	for _, secret := range []string{rootKey, putOnly.SecretKey, putOnly.Token, "q-signature"} {
		if strings.Contains(e.logs.String(), secret) {
			t.Errorf("log contains %q", secret)
		}
	}
}

func tamper(r *http.Request) *http.Request {
	a := r.Header.Get("Authorization")
	i := strings.Index(a, "q-signature=") + len("q-signature=")
	c := byte('0')
	if a[i] == '0' {
		c = '1'
	}
	r.Header.Set("Authorization", a[:i]+string(c)+a[i+1:])
	return r
}

func mustRequest(t *testing.T, method, u string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSDKSeesCOSErrors: cos-go-sdk-v5 reads the emulator's errors as it
// reads COS's (code, message, request id).
func TestSDKSeesCOSErrors(t *testing.T) {
	e := start(t, nil)
	_, err := e.root().Object.Get(t.Context(), "no/such/key", nil)
	r := sdkError(t, err)
	if r.Code != "NoSuchKey" || r.Response.StatusCode != 404 || r.RequestID == "" || !cos.IsNotFoundError(err) {
		t.Fatalf("got %+v", r)
	}
	_, err = e.client(rootID, "wrong-secret-key", "").Object.Put(t.Context(), "k", strings.NewReader("x"), nil)
	if r := sdkError(t, err); r.Code != "SignatureDoesNotMatch" || r.Response.StatusCode != 403 {
		t.Fatalf("got %+v", r)
	}
}
