package signapi_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"cosgate/devstack/explain"
	"cosgate/devstack/stack"
	"cosgate/functions/sign/signapi"
)

// signer is a caller of /sign and COS on a local stack: it asks /sign for
// each request's signature, as the SDKs' getAuthorization does, and sends
// the request to the COS emulator with it.
type signer struct {
	t     *testing.T
	st    *stack.Stack
	token string
}

func startStack(t *testing.T, env map[string]string) *stack.Stack {
	t.Helper()
	st, err := stack.Start(stack.Options{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func (st signer) as(uid string) signer {
	tok, err := st.st.Token(uid, time.Hour)
	if err != nil {
		st.t.Fatal(err)
	}
	st.token = tok
	return st
}

// sign posts options to /sign: the answer's status and body.
func (s signer) sign(opts signapi.Request) (int, signapi.Response, string) {
	s.t.Helper()
	b, _ := json.Marshal(opts)
	req, _ := http.NewRequest("POST", s.st.FunctionsURL+"/sign", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out signapi.Response
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out, string(raw)
}

// do signs and sends one COS request: method, key, query and headers as
// the SDK would hand them to getAuthorization. It answers /sign's status
// when /sign refused, else COS's status and body.
func (s signer) do(method, key string, query map[string]any, headers map[string]any, body []byte) (int, int, []byte) {
	s.t.Helper()
	host := strings.TrimPrefix(s.st.COSURL, "http://")
	if headers == nil {
		headers = map[string]any{}
	}
	headers["Host"] = host
	status, auth, raw := s.sign(signapi.Request{Bucket: s.st.Env["COS_BUCKET"], Region: s.st.Env["COS_REGION"],
		Method: method, Key: key, Pathname: "/" + key, Query: query, Headers: headers})
	if status != 200 {
		return status, 0, []byte(raw)
	}
	if strings.Contains(raw, "Secret") || auth.Authorization == "" || auth.SecurityToken == "" ||
		auth.XCosSecurityToken != auth.SecurityToken || auth.ExpiredTime-auth.StartTime > 180 {
		s.t.Fatalf("/sign answered %s", raw)
	}
	u := &url.URL{Scheme: "http", Host: host, Path: "/" + key}
	q := url.Values{}
	for k, v := range query {
		q.Set(k, toString(v))
	}
	u.RawQuery = strings.ReplaceAll(q.Encode(), "uploads=", "uploads")
	req, _ := http.NewRequest(method, u.String(), bytes.NewReader(body))
	for k, v := range headers {
		if strings.EqualFold(k, "content-length") {
			req.ContentLength, _ = strconv.ParseInt(toString(v), 10, 64)
			continue
		}
		req.Header.Set(k, toString(v))
	}
	req.Header.Set("Authorization", auth.Authorization)
	req.Header.Set("x-cos-security-token", auth.SecurityToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	return 200, resp.StatusCode, got
}

func toString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// TestSignOnStack: every acceptance point of /sign, each signed request
// sent to the COS emulator, which verifies the signature and enforces the
// signing key's policy as COS does.
func TestSignOnStack(t *testing.T) {
	st := startStack(t, map[string]string{"STS_ALLOW_ACTIONS": "upload,multipart,read", "UPLOAD_MAX_BYTES": "3000000"})
	u1 := signer{t: t, st: st}.as("u1")
	u2 := signer{t: t, st: st}.as("u2")
	text := []byte("hello, /sign")
	hdrs := func(typ string, n int) map[string]any {
		return map[string]any{"Content-Type": typ, "Content-Length": n}
	}

	// A single upload, then reads.
	if s, c, b := u1.do("PUT", "uploads/u1/a.txt", nil, hdrs("text/plain", len(text)), text); s != 200 || c != 200 {
		t.Fatalf("putObject: /sign %d, COS %d %s", s, c, b)
	}
	if s, c, b := u1.do("GET", "uploads/u1/a.txt", nil, nil, nil); s != 200 || c != 200 || !bytes.Equal(b, text) {
		t.Fatalf("getObject: /sign %d, COS %d %s", s, c, b)
	}
	if s, c, _ := u1.do("HEAD", "uploads/u1/a.txt", nil, nil, nil); s != 200 || c != 200 {
		t.Fatalf("headObject: /sign %d, COS %d", s, c)
	}

	// Refused by /sign, before anything reaches COS.
	refused := []struct {
		name          string
		s             signer
		method, key   string
		query, header map[string]any
		want          int
	}{
		{"outside the prefix", u1, "PUT", "uploads/u2/a.txt", nil, hdrs("text/plain", 5), 403},
		{"public-read", u1, "PUT", "uploads/u1/p.txt", nil,
			map[string]any{"Content-Type": "text/plain", "Content-Length": 5, "x-cos-acl": "public-read"}, 403},
		{"a grant header", u1, "PUT", "uploads/u1/g.txt", nil,
			map[string]any{"Content-Type": "text/plain", "Content-Length": 5,
				"x-cos-grant-read": `uri="http://cam.qcloud.com/groups/global/AllUsers"`}, 403},
		{"too large", u1, "PUT", "uploads/u1/big.txt", nil, hdrs("text/plain", 3000001), 413},
		{"no Content-Length", u1, "PUT", "uploads/u1/n.txt", nil, map[string]any{"Content-Type": "text/plain"}, 400},
		{"wrong type", u1, "PUT", "uploads/u1/x.txt", nil, hdrs("text/html", 5), 400},
		{"extension not allowed", u1, "PUT", "uploads/u1/x.html", nil, hdrs("text/html", 5), 400},
		{"an ACL change", u1, "PUT", "uploads/u1/a.txt", map[string]any{"acl": ""}, nil, 403},
		{"a read of another's key", u1, "GET", "uploads/u2/a.txt", nil, nil, 403},
		{"a page type on read", u1, "GET", "uploads/u1/a.txt", map[string]any{"response-content-type": "text/html"}, nil, 403},
		{"a delete outside the grant", u1, "DELETE", "uploads/u1/a.txt", nil, nil, 403},
		{"a copy from another's prefix", u1, "PUT", "uploads/u1/stolen.txt", nil,
			map[string]any{"x-cos-copy-source": st.Env["COS_BUCKET"] + ".cos." + st.Env["COS_REGION"] + ".myqcloud.com/uploads/u2/secret.txt"}, 403},
		{"list another's uploads", u1, "GET", "", map[string]any{"uploads": "", "prefix": "uploads/u2/"}, nil, 403},
		{"list objects (GET Bucket), even under the prefix", u1, "GET", "", map[string]any{"prefix": "uploads/u1/"}, nil, 403},
		{"a POST form (its key is not signed)", u1, "POST", "", nil, map[string]any{"Content-Type": "multipart/form-data"}, 403},
		{"Upload Part - Copy", u1, "PUT", "uploads/u1/big.jpg", map[string]any{"partNumber": 1, "uploadId": "x"},
			map[string]any{"x-cos-copy-source": st.Env["COS_BUCKET"] + ".cos." + st.Env["COS_REGION"] + ".myqcloud.com/uploads/u1/a.txt"}, 403},
	}
	for _, c := range refused {
		s, _, b := c.s.do(c.method, c.key, c.query, c.header, []byte("12345"))
		if s != c.want {
			t.Errorf("%s: /sign answered %d %s, want %d", c.name, s, b, c.want)
		}
	}
	if s, _, b := u1.sign(signapi.Request{Bucket: "other-1250000000", Region: st.Env["COS_REGION"], Method: "GET",
		Key: "uploads/u1/a.txt"}); s != 403 {
		t.Errorf("another bucket: /sign answered %d %s", s, b)
	}
	for _, k := range []string{"uploads/u2/a.txt", "uploads/u1/p.txt", "uploads/u1/stolen.txt", "uploads/u1/big.txt"} {
		if st.Store.Exists(k) {
			t.Errorf("%s was stored", k)
		}
	}

	// Multipart: initiate, parts bound to caller, key and size.
	key := "uploads/u1/big.jpg"
	s, c, b := u1.do("POST", key, map[string]any{"uploads": ""}, map[string]any{"Content-Type": "image/jpeg"}, nil)
	if s != 200 || c != 200 {
		t.Fatalf("initiate: /sign %d, COS %d %s", s, c, b)
	}
	var init struct{ UploadId string }
	xml.Unmarshal(b, &init)
	part := bytes.Repeat([]byte("p"), 1<<20)
	q := func(n int) map[string]any { return map[string]any{"partNumber": n, "uploadId": init.UploadId} }
	for n := 1; n <= 2; n++ {
		if s, c, b := u1.do("PUT", key, q(n), map[string]any{"Content-Length": len(part)}, part); s != 200 || c != 200 {
			t.Fatalf("part %d: /sign %d, COS %d %s", n, s, c, b)
		}
	}
	// A third MiB would pass UPLOAD_MAX_BYTES (3,000,000) in all.
	if s, _, b := u1.do("PUT", key, q(3), map[string]any{"Content-Length": len(part)}, part); s != 413 {
		t.Fatalf("the part past the cap: /sign %d %s", s, b)
	}
	// Another caller with this uploadId: not their key, nor theirs to continue.
	if s, _, _ := u2.do("PUT", key, q(3), map[string]any{"Content-Length": 10}, nil); s != 403 {
		t.Errorf("u2 signing a part of u1's upload: %d", s)
	}
	if s, _, _ := u2.do("PUT", "uploads/u2/big.jpg", q(3), map[string]any{"Content-Length": 10}, nil); s == 200 {
		t.Errorf("u2 signing a part of u1's uploadId for its own key: %d", s)
	}
	if s, _, _ := u2.do("GET", "uploads/u2/big.jpg", map[string]any{"uploadId": init.UploadId}, nil, nil); s == 200 {
		t.Errorf("u2 listing the parts of u1's uploadId: %d", s)
	}
	// List parts and complete.
	if s, c, _ := u1.do("GET", key, map[string]any{"uploadId": init.UploadId}, nil, nil); s != 200 || c != 200 {
		t.Fatalf("list parts: /sign %d, COS %d", s, c)
	}
	var done bytes.Buffer
	done.WriteString("<CompleteMultipartUpload>")
	for n := 1; n <= 2; n++ {
		done.WriteString("<Part><PartNumber>" + strconv.Itoa(n) + "</PartNumber><ETag>\"" + md5hex(part) + "\"</ETag></Part>")
	}
	done.WriteString("</CompleteMultipartUpload>")
	if s, c, b := u1.do("POST", key, map[string]any{"uploadId": init.UploadId},
		map[string]any{"Content-Type": "application/xml", "Content-Length": done.Len()}, done.Bytes()); s != 200 || c != 200 {
		t.Fatalf("complete: /sign %d, COS %d %s", s, c, b)
	}
	if !st.Store.Exists(key) {
		t.Fatal("the multipart object was not stored")
	}
	// The console links each COS request to the /sign call that minted its
	// signature (the trace the console reads).
	linked := 0
	for _, ex := range st.Trace.Snapshot() {
		if m, ok := ex.Minted(); ok && ex.Service == "cos" {
			if m.Function != "sign" || m.URL != "" || m.Method != "" {
				t.Errorf("COS request %s %s linked to %+v", ex.Method, ex.Path, m)
			}
			if d := explain.CompareMint(explain.Minted{Function: m.Function, Method: m.Method, URL: m.URL}, "put\n/x\n\n\n"); d != nil {
				t.Errorf("a /sign mint was compared with a request it holds nothing of: %+v", d)
			}
			linked++
		}
	}
	if linked < 6 {
		t.Errorf("%d COS requests were linked to their /sign call, want every one of the 6 or more sent", linked)
	}

	// A part of an upload never started through /sign is not signed.
	if s, _, _ := u1.do("PUT", "uploads/u1/other.jpg", map[string]any{"partNumber": 1, "uploadId": "made-up"},
		map[string]any{"Content-Length": 10}, nil); s != 403 {
		t.Errorf("a part of an upload not begun here: %d", s)
	}
}

func md5hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}
