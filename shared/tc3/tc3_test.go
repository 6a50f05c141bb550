package tc3

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The official API 3.0 signature example (DescribeInstances on CVM).
const (
	docID      = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
	docKey     = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
	docTS      = 1551113065
	docPayload = `{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`
	docAuth    = "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
)

func docRequest() Request {
	return Request{
		Method:    "POST",
		Headers:   http.Header{"Content-Type": {"application/json; charset=utf-8"}, "Host": {"cvm.tencentcloudapi.com"}},
		Payload:   []byte(docPayload),
		Service:   "cvm",
		Timestamp: docTS,
	}
}

func TestOfficialVector(t *testing.T) {
	_, canonical := canonicalRequest(docRequest())
	if !strings.HasSuffix(canonical, "\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064") {
		t.Errorf("payload hash: %q", canonical)
	}
	if sts := stringToSign(docTS, "2019-02-25/cvm/tc3_request", canonical); !strings.HasSuffix(sts, "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031") {
		t.Errorf("canonical request hash: %q", sts)
	}
	if got := Sign(docID, docKey, docRequest()); got != docAuth {
		t.Errorf("Sign\n got %s\nwant %s", got, docAuth)
	}
}

func docIncoming() Incoming {
	return Incoming{
		Method: "POST",
		Header: http.Header{"Authorization": {docAuth}, "Content-Type": {"application/json; charset=utf-8"}, "X-Tc-Timestamp": {"1551113065"}},
		Host:   "cvm.tencentcloudapi.com",
		Body:   []byte(docPayload),
	}
}

func docLookup(id string) (string, bool) { return docKey, id == docID }

func TestVerify(t *testing.T) {
	now := time.Unix(docTS+30, 0)
	v, err := Verify(docIncoming(), docLookup, "cvm", now)
	if err != nil || v.SecretID != docID {
		t.Fatalf("official request refused: %v", err)
	}
	cases := []struct {
		name   string
		mutate func(*Incoming)
		now    time.Time
		code   string
	}{
		{"no authorization", func(in *Incoming) { in.Header.Del("Authorization") }, now, CodeInvalidAuthorization},
		{"v1 style", func(in *Incoming) { in.Header.Set("Authorization", "HmacSHA256 x") }, now, CodeInvalidAuthorization},
		{"bad credential", func(in *Incoming) {
			in.Header.Set("Authorization", strings.Replace(docAuth, "/tc3_request", "/aws4_request", 1))
		}, now, CodeInvalidAuthorization},
		{"unknown id", func(in *Incoming) { in.Header.Set("Authorization", strings.Replace(docAuth, docID, "AKIDother", 1)) }, now, CodeSecretIDNotFound},
		{"timestamp old", func(in *Incoming) {}, time.Unix(docTS+301, 0), CodeSignatureExpire},
		{"timestamp ahead", func(in *Incoming) {}, time.Unix(docTS-301, 0), CodeSignatureExpire},
		{"no timestamp", func(in *Incoming) { in.Header.Del("X-TC-Timestamp") }, now, CodeInvalidAuthorization},
		{"body changed", func(in *Incoming) { in.Body = []byte(strings.Replace(docPayload, "1", "2", 1)) }, now, CodeSignatureFailure},
		{"host changed", func(in *Incoming) { in.Host = "sts.tencentcloudapi.com" }, now, CodeSignatureFailure},
		{"content type changed", func(in *Incoming) { in.Header.Set("Content-Type", "application/json") }, now, CodeSignatureFailure},
		{"signature changed", func(in *Incoming) { in.Header.Set("Authorization", docAuth[:len(docAuth)-1]+"9") }, now, CodeSignatureFailure},
		{"host not signed", func(in *Incoming) {
			in.Header.Set("Authorization", strings.Replace(docAuth, "content-type;host", "content-type", 1))
		}, now, CodeSignatureFailure},
	}
	for _, c := range cases {
		in := docIncoming()
		c.mutate(&in)
		_, err := Verify(in, docLookup, "cvm", c.now)
		var e *Error
		if !errors.As(err, &e) || e.Code != c.code {
			t.Errorf("%s: got %v, want %s", c.name, err, c.code)
		}
	}
	if _, err := Verify(docIncoming(), docLookup, "sts", now); err == nil {
		t.Error("a cvm signature passed as sts")
	}
	// The scope date must be the UTC date of the timestamp.
	r := docRequest()
	r.Timestamp = docTS + 86400
	in := docIncoming()
	in.Header.Set("X-TC-Timestamp", "1551199465")
	in.Header.Set("Authorization", strings.Replace(Sign(docID, docKey, r), "2019-02-26", "2019-02-25", 1))
	if _, err := Verify(in, docLookup, "cvm", time.Unix(docTS+86400, 0)); err == nil {
		t.Error("scope date mismatch accepted")
	}
}

func FuzzVerify(f *testing.F) {
	f.Add(docAuth, "1551113065", []byte(docPayload))
	f.Add("TC3-HMAC-SHA256 Credential=a/b/c/tc3_request, SignedHeaders=;;, Signature=", "x", []byte{})
	f.Add("TC3-HMAC-SHA256 ,,,==", "-1", []byte("{}"))
	f.Fuzz(func(t *testing.T, authz, ts string, body []byte) {
		in := Incoming{Method: "POST", Header: http.Header{"Authorization": {authz}, "Content-Type": {"application/json"}, "X-Tc-Timestamp": {ts}}, Host: "h", Body: body}
		_, err := Verify(in, docLookup, "cvm", time.Unix(docTS, 0))
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("untyped error %v", err)
		}
	})
}
