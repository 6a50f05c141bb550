package presignapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"cosgate/shared/campolicy"
	"cosgate/shared/contenttype"
	"cosgate/shared/cossign"
	"cosgate/shared/cossign/cossigntest"
	"cosgate/shared/cosverify"
	"cosgate/shared/credcache"
	"cosgate/shared/httpapi"
	"cosgate/shared/identity"
	"cosgate/shared/identity/identitytest"
	"cosgate/shared/logging"
	"cosgate/shared/objkey"
	"cosgate/shared/objkey/objkeytest"
	"cosgate/shared/scopedkey"
	"cosgate/shared/stsclient"
)

const (
	jwtSecret = "presign-test-jwt-secret-0123456789abcdef"
	secretID  = "AKIDpresignTest00001"
	keySecret = "presignTestSecretKey0123456789ab"
	bucket    = "examplebucket-1250000000"
)

// fixedIssuer stands for STS: it issues one key, and records what it was
// asked for.
type fixedIssuer struct {
	mu    sync.Mutex
	calls []stsclient.Request
}

func (f *fixedIssuer) Issue(_ context.Context, r stsclient.Request) (stsclient.Credentials, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, r)
	return stsclient.Credentials{
		TmpSecretID:  secretID,
		TmpSecretKey: keySecret,
		Token:        sessionToken,
		ExpiredTime:  time.Now().Add(time.Hour).Unix(),
	}, nil
}

const sessionToken = "presign-test-session-token+/="

var (
	creds   = cossign.Credentials{SecretID: secretID, SecretKey: keySecret, SessionToken: sessionToken}
	now     = time.Date(2026, 11, 22, 23, 59, 30, 0, time.FixedZone("CST", 8*3600))
	keyRE   = regexp.MustCompile(`^uploads/u1/2026/11/22/[a-z2-7]{26}\.jpg$`)
	lookup  = func(id string) (string, bool) { return keySecret, id == secretID }
	types   = contenttype.Table{"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "mp4": "video/mp4"}
	virtual = cossign.DefaultEndpoint(bucket, "ap-guangzhou")
)

func handler(t testing.TB, mod func(*Handler)) (http.Handler, *bytes.Buffer) {
	t.Helper()
	logs := &bytes.Buffer{}
	logger := logging.New(logs, slog.LevelInfo)
	if _, bench := t.(*testing.B); bench {
		logger = logging.New(io.Discard, slog.LevelInfo) // measure the work, not a growing buffer
	}
	auth, _ := identity.NewJWT(identity.JWTConfig{Secret: []byte(jwtSecret)})
	h := &Handler{
		Auth:     auth,
		Prefix:   "uploads/{uid}/",
		Types:    types,
		MaxBytes: 20 << 20,
		Expires:  600 * time.Second,
		Endpoint: virtual,
		Bucket:   bucket,
		Keys: &UploadKeys{
			STS:    &fixedIssuer{},
			Cache:  credcache.New[stsclient.Credentials](16, nil),
			Bucket: campolicy.Bucket{Region: "ap-guangzhou", Name: bucket, AppID: "1250000000"},
			Life:   time.Hour,
		},
		Now:  func() time.Time { return now },
		Rand: rand.Reader,
	}
	if mod != nil {
		mod(h)
	}
	return httpapi.Middleware(h, httpapi.Options{Function: "presign", Logger: logger, Methods: []string{"POST"}, MaxBodyBytes: 65536}), logs
}

func token(t testing.TB, sub string) string { return identitytest.Token(t, jwtSecret, sub) }

func post(t testing.TB, h http.Handler, body, bearer string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/presign", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		r.Header.Set("Authorization", "Bearer "+bearer)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// The PUT URL verifies exactly as COS would, signed as cos-go-sdk-v5 signs,
// and pins the type, the length and no-overwrite.
func TestPresignPUT(t *testing.T) {
	h, logs := handler(t, nil)
	w := post(t, h, `{"ext":"jpg","size":12345}`, token(t, "u1"))
	var resp PutResponse
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &resp) != nil {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if resp.Method != "PUT" || !keyRE.MatchString(resp.Key) || resp.StartTime != now.Unix() || resp.ExpiredTime != now.Unix()+600 ||
		resp.Headers != (PutHeaders{"image/jpeg", "12345", "true", "private", "private", "attachment"}) ||
		w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("%+v", resp)
	}
	auth, _, err := cossigntest.QueryAuth(resp.URL)
	if err != nil {
		t.Fatal(err)
	}
	if auth.KeyTime != (cossign.Window{Start: now.Unix() - 60, End: now.Unix() + 600}) {
		t.Errorf("the window starts %d s before now and lasts UPLOAD_EXPIRES: %+v", now.Unix()-auth.KeyTime.Start, auth.KeyTime)
	}
	// Same inputs through cos-go-sdk-v5.
	sdk, err := cossigntest.SDKPresignURL(creds, virtual, cossign.Presign{Method: "PUT", Key: resp.Key, Window: auth.KeyTime,
		Headers: []cossign.Pair{
			{Name: "Content-Type", Value: "image/jpeg"},
			{Name: "Content-Length", Value: "12345"},
			{Name: "x-cos-forbid-overwrite", Value: "true"},
			{Name: "x-cos-acl", Value: "private"},
			{Name: "Cache-Control", Value: "private"},
			{Name: "Content-Disposition", Value: "attachment"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	sdkAuth, _, _ := cossigntest.QueryAuth(sdk.String())
	if sdkAuth != auth {
		t.Errorf("differs from cos-go-sdk-v5:\n ours %+v\n sdk  %+v", auth, sdkAuth)
	}
	// Verified as COS would, with the headers the client was told to send.
	send := sendHeaders(resp)
	in := incoming(t, "PUT", resp.URL, send)
	if _, err := cosverify.Verify(in, lookup, now); err != nil {
		t.Fatalf("verify: %v", err)
	}
	for name, bad := range map[string]string{"Content-Type": "text/html", "Content-Length": "12346",
		"X-Cos-Forbid-Overwrite": "false", "X-Cos-Acl": "public-read", "Cache-Control": "public, max-age=31536000",
		"Content-Disposition": "inline"} {
		c := in
		c.Header = send.Clone()
		c.Header.Set(name, bad)
		expectMismatch(t, "changed "+name, c)
	}
	for _, name := range []string{"X-Cos-Forbid-Overwrite", "X-Cos-Acl"} {
		c := in
		c.Header = send.Clone()
		c.Header.Del(name)
		expectMismatch(t, "dropped "+name, c)
		c.Header = send.Clone()
		c.Header.Add(name, "public-read")
		expectMismatch(t, "a second "+name, c)
	}
	c := in
	c = in
	c.Path = strings.Replace(in.Path, "/u1/", "/u2/", 1)
	expectMismatch(t, "another key", c)
	if strings.Contains(logs.String(), auth.Signature) || !strings.Contains(logs.String(), resp.Key) {
		t.Errorf("the log must name the key and never the signature: %s", logs)
	}
}

// sendHeaders are the headers a client sends with a PUT: those it was told to.
func sendHeaders(resp PutResponse) http.Header {
	return http.Header{"Content-Type": {resp.Headers.ContentType}, "Content-Length": {resp.Headers.ContentLength},
		"X-Cos-Forbid-Overwrite": {resp.Headers.ForbidOverwrite}, "X-Cos-Acl": {resp.Headers.ACL},
		"Cache-Control": {resp.Headers.CacheControl}, "Content-Disposition": {resp.Headers.ContentDisposition}}
}

func incoming(t *testing.T, method, raw string, h http.Header) cosverify.Incoming {
	t.Helper()
	r, err := http.NewRequest(method, raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header = h
	in, err := cosverify.IncomingFromHTTP(r)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func expectMismatch(t *testing.T, what string, in cosverify.Incoming) {
	t.Helper()
	_, err := cosverify.Verify(in, lookup, now)
	var ve *cosverify.VerifyError
	if !errors.As(err, &ve) || ve.Reason != cosverify.ReasonMismatch {
		t.Errorf("%s: got %v, want a signature mismatch", what, err)
	}
}

// The POST form: its policy pins bucket, exact key, size range, type,
// success status and no-overwrite, and verifies with the policy checker.
func TestPresignPOST(t *testing.T) {
	h, _ := handler(t, nil)
	for _, c := range []struct {
		body string
		max  int64
	}{{`{"filename":"IMG_1.JPG","method":"POST","size":5000}`, 5000}, {`{"ext":"jpg","method":"post"}`, 20 << 20}} {
		w := post(t, h, c.body, token(t, "u1"))
		var resp PostResponse
		if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &resp) != nil {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		f := resp.FormData
		if resp.Method != "POST" || resp.URL != "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/" || resp.FileField != "file" ||
			!keyRE.MatchString(resp.Key) || f["key"] != resp.Key || f["Content-Type"] != "image/jpeg" || f["success_action_status"] != "200" ||
			f["x-cos-forbid-overwrite"] != "true" || f["q-ak"] != secretID || f["q-sign-algorithm"] != "sha1" {
			t.Fatalf("%+v", resp)
		}
		field := func(n string) (string, bool) { v, ok := f[n]; return v, ok }
		v, err := cosverify.VerifyPostForm(field, lookup, now)
		if err != nil {
			t.Fatal(err)
		}
		if err := cosverify.CheckPolicy(v.Policy, field, bucket, c.max); err != nil {
			t.Errorf("a file of the allowed size: %v", err)
		}
		for _, bad := range []func(){
			func() { f["key"] = strings.Replace(resp.Key, "u1", "u2", 1) },
			func() { f["Content-Type"] = "text/html" },
			func() { delete(f, "x-cos-forbid-overwrite") },
		} {
			saved := map[string]string{}
			for k, v := range f {
				saved[k] = v
			}
			bad()
			if err := cosverify.CheckPolicy(v.Policy, field, bucket, 10); err == nil {
				t.Errorf("a tampered form passed its policy: %v", f)
			}
			for k := range f {
				delete(f, k)
			}
			for k, v := range saved {
				f[k] = v
			}
		}
		if err := cosverify.CheckPolicy(v.Policy, field, bucket, c.max+1); err == nil {
			t.Error("one byte over the size passed")
		}
		if err := cosverify.CheckPolicy(v.Policy, field, "otherbucket-1250000000", 10); err == nil {
			t.Error("another bucket passed")
		}
		if _, err := cosverify.VerifyPostForm(field, lookup, now.Add(601*time.Second)); err == nil {
			t.Error("the form outlived UPLOAD_EXPIRES")
		}
	}
}

// COS_ENDPOINT and path-style reach the URL and the signed path.
func TestEndpoints(t *testing.T) {
	local, _ := cossign.ParseEndpoint("http://127.0.0.1:9000", bucket, true)
	h, _ := handler(t, func(h *Handler) { h.Endpoint = local })
	var put PutResponse
	json.Unmarshal(post(t, h, `{"ext":"png","size":1}`, token(t, "u1")).Body.Bytes(), &put)
	if !strings.HasPrefix(put.URL, "http://127.0.0.1:9000/examplebucket-1250000000/uploads/u1/") {
		t.Errorf("PUT: %s", put.URL)
	}
	in := incoming(t, "PUT", put.URL, sendHeaders(put))
	if _, err := cosverify.Verify(in, lookup, now); err != nil || in.Host != "127.0.0.1:9000" {
		t.Errorf("path-style verify: %v", err)
	}
	var form PostResponse
	json.Unmarshal(post(t, h, `{"ext":"png","method":"POST"}`, token(t, "u1")).Body.Bytes(), &form)
	if form.URL != "http://127.0.0.1:9000/examplebucket-1250000000/" {
		t.Errorf("POST: %s", form.URL)
	}
}

func TestClientChosenKeys(t *testing.T) {
	h, _ := handler(t, func(h *Handler) { h.ClientKeys = true })
	var resp PutResponse
	w := post(t, h, `{"key":"uploads/u1/albums/报告 (1)+x.jpg","size":10}`, token(t, "u1"))
	if json.Unmarshal(w.Body.Bytes(), &resp); w.Code != 200 || resp.Key != "uploads/u1/albums/报告 (1)+x.jpg" || resp.Headers.ContentType != "image/jpeg" {
		t.Errorf("%d %s", w.Code, w.Body)
	}
	if _, err := cosverify.Verify(incoming(t, "PUT", resp.URL, sendHeaders(resp)), lookup, now); err != nil {
		t.Errorf("a key with spaces, '+', parentheses and CJK: %v", err)
	}
	// COS expands ${filename} in a POST's key; a client key may hold no form variable.
	for _, key := range []string{"uploads/u1/a${x}.jpg", "uploads/u1/${filename}.jpg", "uploads/u1/${filename}/x.jpg"} {
		body, _ := json.Marshal(map[string]any{"key": key, "size": 10, "method": "POST"})
		if w := post(t, h, string(body), token(t, "u1")); w.Code != 400 || !strings.Contains(w.Body.String(), "InvalidKey") {
			t.Errorf("%s: %d %s", key, w.Code, w.Body)
		}
	}
	// The table /sts refuses as scopes, refused here as keys, PUT and POST.
	for _, b := range objkeytest.BadLiterals {
		for _, method := range []string{"PUT", "POST"} {
			body, _ := json.Marshal(map[string]any{"key": b.Text, "size": 10, "method": method})
			w := post(t, h, string(body), token(t, "u1"))
			var v *objkey.Violation
			if errors.As(objkey.ValidateKey(b.Text), &v); w.Code != 400 || !strings.Contains(w.Body.String(), `"InvalidKey"`) ||
				v == nil || v.Code != b.Code || !strings.Contains(w.Body.String(), jsonText(t, v.Message)) {
				t.Errorf("%s: %s key %q: %d %s", b.Name, method, b.Text, w.Code, w.Body)
			}
		}
	}
}

// Uploads are signed with a key from STS whose policy confines it to the
// caller's prefix, requires a private ACL and no overwrite, and denies every
// grant header; one key serves a caller's uploads while it is fresh.
func TestUploadKeyPolicy(t *testing.T) {
	issuer := &fixedIssuer{}
	h, _ := handler(t, func(h *Handler) { h.Keys.STS = issuer })
	for range 3 {
		if w := post(t, h, `{"ext":"jpg","size":10}`, token(t, "u1")); w.Code != 200 {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	}
	post(t, h, `{"ext":"jpg","size":10,"method":"POST"}`, token(t, "u2"))
	if len(issuer.calls) != 2 {
		t.Fatalf("%d STS calls for two callers", len(issuer.calls))
	}
	var p struct {
		Statement []struct {
			Effect    string
			Action    []string
			Resource  []string
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal(issuer.calls[0].Policy, &p); err != nil {
		t.Fatal(err)
	}
	allow, denies := p.Statement[0], p.Statement[1:]
	if allow.Effect != "allow" || strings.Join(allow.Action, ",") != "name/cos:PutObject,name/cos:PostObject" ||
		strings.Join(allow.Resource, ",") != "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/uploads/u1/*" ||
		allow.Condition["string_equal"]["cos:x-cos-acl"] != "private" ||
		allow.Condition["string_equal"]["cos:x-cos-forbid-overwrite"] != "true" {
		t.Errorf("allow: %+v", allow)
	}
	var denied []string
	for _, d := range denies {
		if d.Effect == "deny" && d.Condition["string_like"] != nil {
			for k := range d.Condition["string_like"] {
				denied = append(denied, k)
			}
		}
	}
	if strings.Join(denied, ",") != strings.Join(campolicy.GrantKeys, ",") {
		t.Errorf("denied grant keys %v", denied)
	}
	if issuer.calls[0].Duration != time.Hour || issuer.calls[0].SessionName != "cosgate-u1" {
		t.Errorf("%+v", issuer.calls[0])
	}
	for expires, want := range map[time.Duration]time.Duration{time.Minute: 30 * time.Minute, 600 * time.Second: 30 * time.Minute,
		45 * time.Minute: 90 * time.Minute, time.Hour: 2 * time.Hour} {
		if got := scopedkey.KeyLife(expires); got != want {
			t.Errorf("scopedkey.KeyLife(%v) = %v, want %v", expires, got, want)
		}
	}
}

// 100,000 server-chosen keys: all different, all valid.
func TestKeyGeneration(t *testing.T) {
	seen := make(map[string]bool, 100000)
	for i := range 100000 {
		k, err := newKey("uploads/o6_bmjrPTlm6_2sgVt7hMZOPfL2M/", now, "jpeg", rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if seen[k] {
			t.Fatalf("collision after %d keys: %s", i, k)
		}
		seen[k] = true
		if err := objkey.Validate(k); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}
	if _, err := newKey("u/", now, "jpg", strings.NewReader("short")); err == nil {
		t.Error("a short read of randomness was accepted")
	}
}

// Bad input: every case is a 4xx with a stable code, never a 5xx.
func TestBadInput(t *testing.T) {
	h, _ := handler(t, nil)
	hk, _ := handler(t, func(h *Handler) { h.ClientKeys = true })
	u1 := token(t, "u1")
	big := `{"ext":"jpg","size":1,"pad":"` + strings.Repeat("x", 70000) + `"}`
	cases := []struct {
		name, body, bearer string
		h                  http.Handler
		status             int
		code               string
	}{
		{"empty body", ``, u1, h, 400, "InvalidRequest"},
		{"not JSON", `ext=jpg`, u1, h, 400, "InvalidRequest"},
		{"truncated JSON", `{"ext":"jpg"`, u1, h, 400, "InvalidRequest"},
		{"array", `["jpg"]`, u1, h, 400, "InvalidRequest"},
		{"two objects", `{"ext":"jpg","size":1}{}`, u1, h, 400, "InvalidRequest"},
		{"unknown field", `{"ext":"jpg","size":1,"acl":"public-read"}`, u1, h, 400, "InvalidRequest"},
		{"huge body", big, u1, h, 413, "TooLarge"},
		{"no ext or filename", `{"size":1}`, u1, h, 400, "InvalidRequest"},
		{"ext not allowed", `{"ext":"exe","size":1}`, u1, h, 400, "ExtensionNotAllowed"},
		{"ext with a dot and path", `{"ext":"../jpg","size":1}`, u1, h, 400, "ExtensionNotAllowed"},
		{"empty ext from filename", `{"filename":"README","size":1}`, u1, h, 400, "ExtensionNotAllowed"},
		{"filename ext not allowed", `{"filename":"a.html","size":1}`, u1, h, 400, "ExtensionNotAllowed"},
		{"double extension", `{"filename":"a.jpg.exe","size":1}`, u1, h, 400, "ExtensionNotAllowed"},
		{"ext and filename disagree", `{"ext":"png","filename":"a.jpg","size":1}`, u1, h, 400, "InvalidRequest"},
		{"filename with control characters", `{"filename":"a\u0000.jpg","size":1}`, u1, h, 400, "InvalidRequest"},
		{"filename too long", `{"filename":"` + strings.Repeat("a", 300) + `.jpg","size":1}`, u1, h, 400, "InvalidRequest"},
		{"type mismatch", `{"ext":"jpg","size":1,"contentType":"text/html"}`, u1, h, 400, "ContentTypeMismatch"},
		{"type alias", `{"ext":"jpg","size":1,"contentType":"image/jpg"}`, u1, h, 400, "ContentTypeMismatch"},
		{"type not a type", `{"ext":"jpg","size":1,"contentType":"jpeg"}`, u1, h, 400, "ContentTypeMismatch"},
		{"PUT without size", `{"ext":"jpg"}`, u1, h, 400, "InvalidRequest"},
		{"size zero", `{"ext":"jpg","size":0}`, u1, h, 400, "InvalidRequest"},
		{"size negative", `{"ext":"jpg","size":-5}`, u1, h, 400, "InvalidRequest"},
		{"size over the cap", `{"ext":"jpg","size":20971521}`, u1, h, 413, "TooLarge"},
		{"POST size over the cap", `{"ext":"jpg","size":99999999999,"method":"POST"}`, u1, h, 413, "TooLarge"},
		{"size a string", `{"ext":"jpg","size":"12"}`, u1, h, 400, "InvalidRequest"},
		{"size a fraction", `{"ext":"jpg","size":1.5}`, u1, h, 400, "InvalidRequest"},
		{"size huge", `{"ext":"jpg","size":1e400}`, u1, h, 400, "InvalidRequest"},
		{"size a boolean", `{"ext":"jpg","size":true}`, u1, h, 400, "InvalidRequest"},
		{"ext a number", `{"ext":5,"size":1}`, u1, h, 400, "InvalidRequest"},
		{"bad method", `{"ext":"jpg","size":1,"method":"DELETE"}`, u1, h, 400, "InvalidRequest"},
		{"method a number", `{"ext":"jpg","size":1,"method":1}`, u1, h, 400, "InvalidRequest"},
		{"key when disabled", `{"key":"uploads/u1/a.jpg","size":1}`, u1, h, 400, "InvalidRequest"},
		{"key with ..", `{"key":"uploads/u1/../u2/a.jpg","size":1}`, u1, hk, 400, "InvalidKey"},
		{"key with leading slash", `{"key":"/uploads/u1/a.jpg","size":1}`, u1, hk, 400, "InvalidKey"},
		{"key with control characters", `{"key":"uploads/u1/a\u001b.jpg","size":1}`, u1, hk, 400, "InvalidKey"},
		{"key over 850 bytes", `{"key":"uploads/u1/` + strings.Repeat("k", 850) + `.jpg","size":1}`, u1, hk, 400, "InvalidKey"},
		{"key invalid UTF-8", "{\"key\":\"uploads/u1/\xff.jpg\",\"size\":1}", u1, hk, 400, "InvalidRequest"},
		{"key of someone else", `{"key":"uploads/u2/a.jpg","size":1}`, u1, hk, 403, "Forbidden"},
		{"key next to the prefix", `{"key":"uploads/u10/a.jpg","size":1}`, u1, hk, 403, "Forbidden"},
		{"key ext not allowed", `{"key":"uploads/u1/a.php","size":1}`, u1, hk, 400, "ExtensionNotAllowed"},
		{"key and ext disagree", `{"key":"uploads/u1/a.png","ext":"jpg","size":1}`, u1, hk, 400, "InvalidRequest"},
		{"no token", `{"ext":"jpg","size":1}`, "", h, 401, "Unauthorized"},
		{"bad token", `{"ext":"jpg","size":1}`, "not.a.jwt", h, 401, "Unauthorized"},
		{"token for a bad uid", `{"ext":"jpg","size":1}`, token(t, "../u2"), h, 401, "Unauthorized"},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		w := post(t, c.h, c.body, c.bearer)
		var e struct {
			Error struct{ Code, Message string }
		}
		json.Unmarshal(w.Body.Bytes(), &e)
		if w.Code != c.status || e.Error.Code != c.code || e.Error.Message == "" {
			t.Errorf("%s: %d %s, want %d %s", c.name, w.Code, w.Body, c.status, c.code)
		}
	}
	// A wrong method on the function is 405 in the same shape.
	r := httptest.NewRequest("GET", "/presign", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 405 || !strings.Contains(w.Body.String(), `"MethodNotAllowed"`) {
		t.Errorf("GET: %d %s", w.Code, w.Body)
	}
}

// jsonText is s as it appears inside a JSON string.
func jsonText(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b[1 : len(b)-1])
}
