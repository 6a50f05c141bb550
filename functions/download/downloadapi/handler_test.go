package downloadapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
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
	"cosgate/shared/scopedkey"
	"cosgate/shared/stsclient"
)

const (
	jwtSecret = "download-test-jwt-secret-0123456789abcdef"
	secretID  = "AKIDdownloadTest0001"
	secretKey = "downloadTestSecretKey0123456789a"
	bucket    = "examplebucket-1250000000"
)

// fakeSTS stands for STS: it issues one key per call, valid for an hour
// from now, and records what it was asked for.
type fakeSTS struct {
	mu    sync.Mutex
	calls []stsclient.Request
	err   error
}

func (f *fakeSTS) Issue(_ context.Context, r stsclient.Request) (stsclient.Credentials, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return stsclient.Credentials{}, f.err
	}
	f.calls = append(f.calls, r)
	return stsclient.Credentials{TmpSecretID: secretID, TmpSecretKey: secretKey, Token: sessionToken,
		ExpiredTime: now.Add(time.Hour).Unix()}, nil
}

func (f *fakeSTS) Calls() []stsclient.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]stsclient.Request(nil), f.calls...)
}

const sessionToken = "download-test-session-token+/="

var (
	creds   = cossign.Credentials{SecretID: secretID, SecretKey: secretKey, SessionToken: sessionToken}
	now     = time.Unix(1795353600, 0)
	lookup  = func(id string) (string, bool) { return secretKey, id == secretID }
	virtual = cossign.DefaultEndpoint(bucket, "ap-guangzhou")
)

func handler(t testing.TB) (http.Handler, *bytes.Buffer) {
	h, logs, _ := handlerSTS(t)
	return h, logs
}

func handlerSTS(t testing.TB) (http.Handler, *bytes.Buffer, *fakeSTS) {
	logs := &bytes.Buffer{}
	logger := logging.New(logs, slog.LevelInfo)
	if _, bench := t.(*testing.B); bench {
		logger = logging.New(io.Discard, slog.LevelInfo)
	}
	auth, _ := identity.NewJWT(identity.JWTConfig{Secret: []byte(jwtSecret)})
	sts := &fakeSTS{}
	h := &Handler{
		Auth:     auth,
		Prefixes: []identity.Template{"uploads/{uid}/", "public/"},
		Expires:  300 * time.Second,
		Process:  []string{"imageMogr2/thumbnail/200x/"},
		Types:    contenttype.Table{"jpg": "image/jpeg", "pdf": "application/pdf", "svg": "image/svg+xml"},
		Endpoint: virtual,
		Keys: &ReadKeys{
			STS:    sts,
			Cache:  credcache.New[stsclient.Credentials](16, func() time.Time { return now }),
			Bucket: campolicy.Bucket{Region: "ap-guangzhou", Name: bucket, AppID: "1250000000"},
			Life:   scopedkey.KeyLife(300 * time.Second),
		},
		Now: func() time.Time { return now },
	}
	return httpapi.Middleware(h, httpapi.Options{Function: "download", Logger: logger, Methods: []string{"GET"}, MaxBodyBytes: 65536}), logs, sts
}

func token(t testing.TB, sub string) string { return identitytest.Token(t, jwtSecret, sub) }

func get(t testing.TB, h http.Handler, method, target, bearer string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	if bearer != "" {
		r.Header.Set("Authorization", "Bearer "+bearer)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func verify(t *testing.T, method, raw string) (cosverify.Verified, error) {
	t.Helper()
	r, err := http.NewRequest(method, raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	in, err := cosverify.IncomingFromHTTP(r)
	if err != nil {
		t.Fatal(err)
	}
	return cosverify.Verify(in, lookup, now)
}

func TestAuthorisation(t *testing.T) {
	h, _ := handler(t)
	u1 := token(t, "u1")
	for _, c := range []struct {
		target string
		status int
		code   string
	}{
		{"/download?key=uploads/u1/2026/11/22/a.jpg", 302, ""},
		{"/download/uploads/u1/2026/11/22/a.jpg", 302, ""},
		{"/release/download/uploads/u1/a.jpg", 302, ""}, // behind an API Gateway stage prefix
		{"/download?key=public/banner.png", 302, ""},
		{"/download?key=uploads/u2/a.jpg", 403, "Forbidden"},
		{"/download?key=uploads/u10/a.jpg", 403, "Forbidden"},
		{"/download?key=uploads/u1", 403, "Forbidden"},
		{"/download?key=uploads/a.jpg", 403, "Forbidden"},
		{"/download?key=other/uploads/u1/a.jpg", 403, "Forbidden"},
		{"/download?key=uploads/u1/../u2/a.jpg", 400, "InvalidKey"},
		{"/download/uploads/u1/..%2Fu2%2Fa.jpg", 400, "InvalidKey"},
		{"/download?key=uploads/u1/./a.jpg", 400, "InvalidKey"},
		{"/download?key=%2Fuploads%2Fu1%2Fa.jpg", 400, "InvalidKey"},
		{"/download?key=uploads/u1/%00.jpg", 400, "InvalidKey"},
		{"/download?key=uploads/u1/%1B.jpg", 400, "InvalidKey"},
		{"/download?key=uploads/u1/%FF.jpg", 400, "InvalidKey"},
		{"/download?key=uploads/u1/" + strings.Repeat("k", 850), 400, "InvalidKey"},
		{"/download", 400, "InvalidRequest"},
		{"/download?key=", 400, "InvalidRequest"},
		{"/download?key=uploads/u1/a.jpg&acl", 400, "InvalidRequest"},
		{"/download?key=uploads/u1/a.jpg&key=uploads/u2/b.jpg", 400, "InvalidRequest"},
		{"/download?key=uploads/u1/a.jpg&format=xml", 400, "InvalidRequest"},
		{"/download?key=uploads/u1/a.jpg&process=imageMogr2/thumbnail/9999x/", 400, "InvalidRequest"},
		{"/download?key=uploads/u1/a.jpg&filename=", 400, "InvalidRequest"},
		{"/download?key=uploads/u1/a.jpg&filename=a%2Fb.jpg", 400, "InvalidRequest"},
		{"/download?key=uploads/u1/a.jpg&filename=a%0Ab.jpg", 400, "InvalidRequest"},
		{"/download?key=uploads/u1/a.jpg&x-cos-security-token=x", 400, "InvalidRequest"},
		{"/download?key=a;b", 400, "InvalidRequest"},
	} {
		w := get(t, h, "GET", c.target, u1)
		var e struct{ Error struct{ Code string } }
		json.Unmarshal(w.Body.Bytes(), &e)
		if w.Code != c.status || e.Error.Code != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.target, w.Code, w.Body, c.status, c.code)
		}
	}
	for _, bearer := range []string{"", "garbage", token(t, "a/b")} {
		if w := get(t, h, "GET", "/download?key=uploads/u1/a.jpg", bearer); w.Code != 401 {
			t.Errorf("bearer %q: %d", bearer, w.Code)
		}
	}
}

// The redirect: a signed GET URL that verifies, equals cos-go-sdk-v5's for
// the same inputs, and cannot be stretched to another key or parameters.
func TestRedirect(t *testing.T) {
	h, logs := handler(t)
	key := "uploads/u1/相册/a b+c&d=e (1).jpg"
	w := get(t, h, "GET", "/download?key="+url.QueryEscape(key), token(t, "u1"))
	loc := w.Header().Get("Location")
	if w.Code != 302 || loc == "" || w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Referrer-Policy") != "no-referrer" || w.Body.Len() != 0 {
		t.Fatalf("%d %v %s", w.Code, w.Header(), w.Body)
	}
	v, err := verify(t, "GET", loc)
	if err != nil {
		t.Fatal(err)
	}
	if v.Auth.KeyTime != (cossign.Window{Start: now.Unix() - 60, End: now.Unix() + 300}) {
		t.Errorf("window %+v", v.Auth.KeyTime)
	}
	sdk, err := cossigntest.SDKPresignURL(creds, virtual, cossign.Presign{Method: "GET", Key: key, Window: v.Auth.KeyTime,
		Params: []cossign.Pair{
			{Name: "response-content-type", Value: "image/jpeg"},
			{Name: "response-content-disposition", Value: "inline"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if a, _, _ := cossigntest.QueryAuth(sdk.String()); a != v.Auth {
		t.Errorf("differs from cos-go-sdk-v5:\n ours %+v\n sdk  %+v", v.Auth, a)
	}
	u, _ := url.Parse(loc)
	if u.Path != "/"+key {
		t.Errorf("path %q", u.Path)
	}
	u.Path = "/uploads/u2/a.jpg"
	if _, err := verify(t, "GET", u.String()); !mismatch(err) {
		t.Errorf("another key: %v", err)
	}
	if _, err := verify(t, "PUT", loc); !mismatch(err) {
		t.Errorf("a GET URL used to PUT: %v", err)
	}
	if strings.Contains(logs.String(), v.Auth.Signature) {
		t.Error("the signature is in the log")
	}

	// HEAD is signed as HEAD, so a client that follows it gets through.
	w = get(t, h, "HEAD", "/download?key=uploads/u1/a.jpg", token(t, "u1"))
	if _, err := verify(t, "HEAD", w.Header().Get("Location")); w.Code != 302 || err != nil {
		t.Errorf("HEAD: %d %v", w.Code, err)
	}
}

func mismatch(err error) bool {
	var ve *cosverify.VerifyError
	return errors.As(err, &ve) && ve.Reason == cosverify.ReasonMismatch
}

func TestJSONMode(t *testing.T) {
	h, _ := handler(t)
	for _, w := range []*httptest.ResponseRecorder{
		get(t, h, "GET", "/download?key=uploads/u1/a.jpg&format=json", token(t, "u1")),
		get(t, h, "GET", "/download?key=uploads/u1/a.jpg", token(t, "u1"), "Accept", "application/json, text/plain;q=0.5"),
	} {
		var resp JSONResponse
		if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &resp) != nil || resp.Key != "uploads/u1/a.jpg" || resp.ExpiredTime != now.Unix()+300 ||
			w.Header().Get("Location") != "" || w.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		if _, err := verify(t, "GET", resp.URL); err != nil {
			t.Error(err)
		}
	}
	if w := get(t, h, "GET", "/download?key=uploads/u1/a.jpg", token(t, "u1"), "Accept", "text/html,*/*"); w.Code != 302 {
		t.Errorf("a browser's Accept is a redirect: %d", w.Code)
	}
}

func TestDisposition(t *testing.T) {
	for name, want := range map[string]string{
		"report.pdf":   `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`,
		"报告 2024.pdf":  `attachment; filename="__ 2024.pdf"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%202024.pdf`,
		`say "hi".txt`: `attachment; filename="say _hi_.txt"; filename*=UTF-8''say%20%22hi%22.txt`,
		"100%;a=b.txt": `attachment; filename="100_;a=b.txt"; filename*=UTF-8''100%25%3Ba%3Db.txt`,
		"😀'.png":       `attachment; filename="_'.png"; filename*=UTF-8''%F0%9F%98%80%27.png`,
	} {
		got, err := Disposition(name)
		if err != nil || got != want {
			t.Errorf("%q:\n got %s\nwant %s (%v)", name, got, want, err)
		}
	}
	h, _ := handler(t)
	w := get(t, h, "GET", "/download?key=uploads/u1/x.pdf&filename="+url.QueryEscape(`报告 "终稿".pdf`), token(t, "u1"))
	loc := w.Header().Get("Location")
	v, err := verify(t, "GET", loc)
	if err != nil || v.Auth.ParamList != "response-content-disposition;response-content-type;x-cos-security-token" {
		t.Fatalf("%v %+v", err, v.Auth)
	}
	q, _ := cosverify.ParseQuery(strings.SplitN(loc, "?", 2)[1])
	if d := q.Get("response-content-disposition"); d != `attachment; filename="__ ____.pdf"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%20%22%E7%BB%88%E7%A8%BF%22.pdf` {
		t.Errorf("disposition in the URL: %s", d)
	}
	tampered := strings.Replace(loc, "attachment", "inline", 1)
	if _, err := verify(t, "GET", tampered); !mismatch(err) {
		t.Errorf("a changed disposition: %v", err)
	}
}

func TestImageProcessing(t *testing.T) {
	h, _ := handler(t)
	w := get(t, h, "GET", "/download?key=uploads/u1/a.jpg&process=imageMogr2/thumbnail/200x/", token(t, "u1"))
	loc := w.Header().Get("Location")
	if v, err := verify(t, "GET", loc); err != nil ||
		v.Auth.ParamList != "imagemogr2%2fthumbnail%2f200x%2f;response-content-disposition;response-content-type;x-cos-security-token" {
		t.Fatalf("%v %+v", err, v)
	}
	if !strings.Contains(loc, "imageMogr2%2Fthumbnail%2F200x%2F=&") {
		t.Errorf("the operation is not in the URL: %s", loc)
	}
	for _, bad := range []string{
		strings.Replace(loc, "200x", "2000x", 1),                          // another operation
		strings.Replace(loc, "imageMogr2%2Fthumbnail%2F200x%2F=&", "", 1), // dropped
	} {
		if _, err := verify(t, "GET", bad); !mismatch(err) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

// Every signed GET pins the type its extension implies and a disposition:
// inline only for images and videos a browser shows as media. A response-*
// parameter added to the URL makes a second value, which the signature
// does not cover.
func TestTypeAndDispositionAreSigned(t *testing.T) {
	h, _ := handler(t)
	for key, want := range map[string][2]string{
		"uploads/u1/a.jpg":     {"image/jpeg", "inline"},
		"uploads/u1/a.JPG":     {"image/jpeg", "inline"},
		"uploads/u1/doc.pdf":   {"application/pdf", "attachment"},
		"uploads/u1/x.svg":     {"image/svg+xml", "attachment"},
		"uploads/u1/page.html": {"application/octet-stream", "attachment"},
		"uploads/u1/no-ext":    {"application/octet-stream", "attachment"},
	} {
		loc := get(t, h, "GET", "/download?key="+url.QueryEscape(key), token(t, "u1")).Header().Get("Location")
		q, _ := cosverify.ParseQuery(strings.SplitN(loc, "?", 2)[1])
		if q.Get("response-content-type") != want[0] || q.Get("response-content-disposition") != want[1] {
			t.Errorf("%s: %q %q", key, q.Get("response-content-type"), q.Get("response-content-disposition"))
		}
		if _, err := verify(t, "GET", loc); err != nil {
			t.Errorf("%s: %v", key, err)
		}
		for _, extra := range []string{"&response-content-type=text%2Fhtml", "&response-content-disposition=inline",
			"&response-content-type=image%2Fsvg%2Bxml"} {
			if _, err := verify(t, "GET", loc+extra); !mismatch(err) {
				t.Errorf("%s%s: %v", key, extra, err)
			}
		}
	}
}

// Downloads are signed with a temporary key from STS whose policy allows
// GetObject and HeadObject under the caller's prefixes and nothing else;
// one key per caller, reused from the cache.
func TestSignedWithAReadOnlyTemporaryKey(t *testing.T) {
	h, _, sts := handlerSTS(t)
	for _, key := range []string{"uploads/u1/a.jpg", "uploads/u1/b.pdf", "public/c.png"} {
		loc := get(t, h, "GET", "/download?key="+url.QueryEscape(key), token(t, "u1")).Header().Get("Location")
		v, err := verify(t, "GET", loc)
		if err != nil || v.Auth.SecretID != secretID {
			t.Fatalf("%s: %v %+v", key, err, v)
		}
		q, _ := cosverify.ParseQuery(strings.SplitN(loc, "?", 2)[1])
		if q.Get("x-cos-security-token") != sessionToken {
			t.Errorf("%s: no session token in %s", key, loc)
		}
	}
	get(t, h, "GET", "/download?key=uploads/u2/a.jpg", token(t, "u2"))
	calls := sts.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d STS calls for two callers, want 2", len(calls))
	}
	b := campolicy.Bucket{Region: "ap-guangzhou", Name: bucket, AppID: "1250000000"}
	want, _ := campolicy.ReadOnly(b, []string{"uploads/u1/", "public/"}, false)
	if string(calls[0].Policy) != string(want.JSON()) || calls[0].Duration != 30*time.Minute ||
		calls[0].SessionName != "cosgate-u1" {
		t.Errorf("u1's key: %s %v %s", calls[0].Policy, calls[0].Duration, calls[0].SessionName)
	}
	for _, action := range []string{"GetObjectACL", "PutObject", "cos:*", "ci:"} {
		if strings.Contains(string(calls[1].Policy), action) {
			t.Errorf("u2's key grants %s: %s", action, calls[1].Policy)
		}
	}
	if !strings.Contains(string(calls[1].Policy), "/uploads/u2/*") || strings.Contains(string(calls[1].Policy), "/u1/") {
		t.Errorf("u2's key is not limited to u2: %s", calls[1].Policy)
	}
}

// A refusal from STS is answered as an upstream error, and nothing is signed.
func TestSTSFailure(t *testing.T) {
	h, _, sts := handlerSTS(t)
	sts.err = &stsclient.Error{Code: "InternalError", Message: "boom"}
	w := get(t, h, "GET", "/download?key=uploads/u1/a.jpg", token(t, "u1"))
	if w.Code != http.StatusBadGateway || w.Header().Get("Location") != "" {
		t.Errorf("%d %s", w.Code, w.Body)
	}
}

// A URL never outlives its key: with DOWNLOAD_EXPIRES above the key's
// remaining life, the window ends with the key.
func TestWindowEndsWithTheKey(t *testing.T) {
	dh := &Handler{Auth: mustJWT(t), Prefixes: []identity.Template{"uploads/{uid}/"}, Expires: 3 * time.Hour,
		Endpoint: virtual, Now: func() time.Time { return now },
		Keys: &ReadKeys{STS: &fakeSTS{}, Cache: credcache.New[stsclient.Credentials](4, func() time.Time { return now }),
			Bucket: campolicy.Bucket{Region: "ap-guangzhou", Name: bucket, AppID: "1250000000"}, Life: scopedkey.KeyLife(3 * time.Hour)}}
	w := get(t, dh, "GET", "/download?key=uploads/u1/a.jpg&format=json", token(t, "u1"))
	var out JSONResponse
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || out.ExpiredTime != now.Add(time.Hour).Unix() {
		t.Errorf("%d %s", w.Code, w.Body)
	}
	if scopedkey.KeyLife(3*time.Hour) != 2*time.Hour || scopedkey.KeyLife(time.Minute) != 30*time.Minute {
		t.Error("KeyLife")
	}
}

func mustJWT(t testing.TB) identity.Authenticator {
	auth, err := identity.NewJWT(identity.JWTConfig{Secret: []byte(jwtSecret)})
	if err != nil {
		t.Fatal(err)
	}
	return auth
}
