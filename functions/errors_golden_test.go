// Package functions_test pins every error answer of the five functions in
// golden files, so that a change to how handlers fail (who writes the
// answer, in which order) cannot change what a caller or an auditor sees.
// Run with -update to rewrite testdata/golden after a deliberate change.
package functions_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"cosgate/devstack/wxemu"
	"cosgate/functions/download/downloadapi"
	"cosgate/functions/login/loginapi"
	"cosgate/functions/presign/presignapi"
	"cosgate/functions/sign/signapi"
	"cosgate/functions/sts/stsapi"
	"cosgate/shared/campolicy"
	"cosgate/shared/contenttype"
	"cosgate/shared/cossign"
	"cosgate/shared/credcache"
	"cosgate/shared/httpapi"
	"cosgate/shared/identity"
	"cosgate/shared/limits"
	"cosgate/shared/logging"
	"cosgate/shared/platform"
	"cosgate/shared/stsclient"
	"cosgate/shared/stsclient/ststest"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current code")

const (
	jwtSecret        = "golden-test-jwt-secret-0123456789abcdef"
	keyID, keySecret = "AKIDgoldenTest00001", "goldenTestSecretKey0123456789abc"
	bucketName       = "examplebucket-1250000000"
)

var (
	// now is the functions' clock: fixed, so that every Retry-After is too.
	now    = time.Date(2026, 11, 22, 12, 0, 30, 0, time.UTC)
	bucket = campolicy.Bucket{Region: "ap-guangzhou", Name: bucketName, AppID: "1250000000"}
)

// syncBuffer collects the log; the WeChat emulator writes from its own
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

func (s *syncBuffer) From(n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()[n:]
}

// answer is what the golden file holds for one request.
type answer struct {
	Name   string            `json:"name"`
	Status int               `json:"status"`
	Header map[string]string `json:"header"`
	Body   string            `json:"body"`
	Log    []map[string]any  `json:"log"`
}

// goldenHeaders are the headers an error answer is judged by.
var goldenHeaders = []string{"Content-Type", "Retry-After", "WWW-Authenticate", "Allow", "Cache-Control", "X-Request-Id"}

// goldenLogs are the lines recorded: the audit and access lines and the
// handlers' own warnings and errors; clients' and emulators' chatter is not
// the contract.
var goldenLogs = map[string]bool{
	"audit": true, "access": true, "request failed": true,
	"the limits store did not answer; the request was let through": true,
}

// volatile log fields vary run to run (clock, random ids, loopback ports in
// error text), and on the successes between refusals, what STS's fake
// hands out.
var volatile = []string{"time", "request_id", "latency_ms", "error", "stack", "expires", "expired_time", "sts_request_id"}

func record(t *testing.T, name string, h http.Handler, r *http.Request, logs *syncBuffer) answer {
	t.Helper()
	before := logs.Len()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	id := w.Header().Get("X-Request-Id")
	a := answer{Name: name, Status: w.Code, Header: map[string]string{}, Body: w.Body.String()}
	if w.Code < 400 {
		// A success only sets the stage for the refusal after it.
		a.Body = "<success>"
	}
	if id != "" {
		a.Body = strings.ReplaceAll(a.Body, id, "<request-id>")
	}
	for _, k := range goldenHeaders {
		if v := w.Header().Values(k); len(v) > 0 {
			s := strings.Join(v, " | ")
			if k == "X-Request-Id" {
				s = "<request-id>"
			}
			a.Header[k] = s
		}
	}
	for line := range strings.SplitSeq(logs.From(before), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil || !goldenLogs[m["msg"].(string)] {
			continue
		}
		for _, k := range volatile {
			if _, ok := m[k]; ok {
				m[k] = "<" + k + ">"
			}
		}
		a.Log = append(a.Log, m)
	}
	return a
}

func compare(t *testing.T, function string, got []answer) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	file := filepath.Join("testdata", "golden", function+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(want, b) {
		var w []answer
		json.Unmarshal(want, &w)
		for i := range max(len(w), len(got)) {
			var wi, gi []byte
			if i < len(w) {
				wi, _ = json.MarshalIndent(w[i], "", "  ")
			}
			if i < len(got) {
				gi, _ = json.MarshalIndent(got[i], "", "  ")
			}
			if !bytes.Equal(wi, gi) {
				t.Errorf("answer %d differs:\n got %s\nwant %s", i, gi, wi)
			}
		}
		t.Errorf("%s differs from the code's answers; run go test -update if the change is deliberate", file)
	}
}

func bearer(sub string, exp time.Time) string {
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": sub, "exp": exp.Unix()}).
		SignedString([]byte(jwtSecret))
	if err != nil {
		panic(err)
	}
	return s
}

// req builds a request; header holds name, value pairs.
func req(method, target, body string, header ...string) *http.Request {
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, target, nil)
	} else {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return r
}

func auth(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// downStore is a limits store that never answers.
type downStore struct{}

var errDown = errors.New("limits store down")

func (downStore) Charge(context.Context, []limits.Counter) (int, error) { return 0, errDown }
func (downStore) Value(context.Context, string) (string, error)         { return "", errDown }
func (downStore) Mark(context.Context, string, string) error            { return errDown }
func (downStore) Unmark(context.Context, string) error                  { return errDown }
func (downStore) Close() error                                          { return nil }

// guard is a Guard on a memory store holding one revoked user ("revoked")
// and one withdrawn object.
func guard(t *testing.T, l limits.Limits) *limits.Guard {
	t.Helper()
	store := limits.NewMemory(func() time.Time { return now })
	ctx := context.Background()
	if err := limits.RevokeUser(ctx, store, "revoked", now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := limits.RevokeObject(ctx, store, "uploads/u1/withdrawn.jpg", now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	return &limits.Guard{Store: store, Limits: l, FailClosed: limits.FailPolicy(nil), Timeout: time.Second,
		Now: func() time.Time { return now }}
}

func downGuard() *limits.Guard {
	return &limits.Guard{Store: downStore{}, Limits: limits.Limits{RequestsPerMinute: 10, UploadsPerDay: 10, STSPerHour: 10},
		FailClosed: limits.FailPolicy(nil), Timeout: time.Second, Now: func() time.Time { return now }}
}

func authenticator() identity.Authenticator {
	a, err := identity.NewJWT(identity.JWTConfig{Secret: []byte(jwtSecret)})
	if err != nil {
		panic(err)
	}
	return a
}

func stsClient(t *testing.T, fake *ststest.Server, logger *slog.Logger) *stsclient.Client {
	t.Helper()
	c, err := stsclient.New(stsclient.Options{Endpoint: fake.URL, Region: "ap-guangzhou", Timeout: 300 * time.Millisecond,
		Key:     func() (stsclient.Key, error) { return stsclient.Key{SecretID: keyID, SecretKey: keySecret}, nil },
		Backoff: func(int) time.Duration { return time.Millisecond }, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// common are the refusals every authenticated function shares, against a
// request that would otherwise succeed (method, target, body).
func common(t *testing.T, name string, h func(*limits.Guard) http.Handler, logs *syncBuffer,
	method, target, body string) []answer {
	t.Helper()
	ok := bearer("u1", time.Now().Add(time.Hour))
	plain := h(nil)
	var out []answer
	add := func(what string, h http.Handler, r *http.Request) {
		out = append(out, record(t, name+": "+what, h, r, logs))
	}
	add("no token", plain, req(method, target, body))
	add("not a bearer token", plain, req(method, target, body, "Authorization", "Basic dTE6cA=="))
	add("malformed token", plain, req(method, target, body, auth("not.a.jwt")...))
	add("expired token", plain, req(method, target, body, auth(bearer("u1", time.Now().Add(-time.Hour)))...))
	add("wrong signature", plain, req(method, target, body, auth(ok[:len(ok)-4]+"AAAA")...))
	add("token for a bad uid", plain, req(method, target, body, auth(bearer("../u2", time.Now().Add(time.Hour)))...))
	add("wrong method", plain, req(http.MethodDelete, target, body, auth(ok)...))
	big := req(method, target, body, auth(ok)...)
	big.ContentLength = 1 << 20
	add("declared body too large", plain, big)
	add("preflight from an unknown origin", plain, req(http.MethodOptions, target, "",
		"Origin", "https://evil.example", "Access-Control-Request-Method", method))

	add("revoked user", h(guard(t, limits.Limits{})), req(method, target, body, auth(bearer("revoked", time.Now().Add(time.Hour)))...))
	limited := h(guard(t, limits.Limits{RequestsPerMinute: 1}))
	add("first request under the rate limit", limited, req(method, target, body, auth(ok)...))
	add("rate limited", limited, req(method, target, body, auth(ok)...))
	add("limits store down", h(downGuard()), req(method, target, body, auth(ok)...))
	return out
}

func TestGoldenSTS(t *testing.T) {
	logs := &syncBuffer{}
	logger := logging.New(logs, slog.LevelDebug)
	fake := ststest.New(t, keyID, keySecret)
	build := func(g *limits.Guard, scopes int) http.Handler {
		h := &stsapi.Handler{Auth: authenticator(), Prefix: "uploads/{uid}/*",
			Actions: []string{"name/cos:PutObject", "name/cos:PostObject"},
			Bucket:  bucket, Cond: campolicy.Conditions{MaxBytes: 20971520}, STS: stsClient(t, fake, logger),
			Cache:    credcache.New[stsclient.Credentials](0, nil),
			Scopes:   &stsapi.ScopeLimiter{Max: scopes, Window: time.Minute},
			Duration: 1800 * time.Second, Guard: g, GrantBytes: 1024, Now: func() time.Time { return now }}
		return httpapi.Middleware(h, httpapi.Options{Function: "sts", Logger: logger, Methods: []string{"GET", "POST"},
			MaxBodyBytes: 65536})
	}
	h := build(nil, 1<<20)
	out := common(t, "sts", func(g *limits.Guard) http.Handler { return build(g, 1<<20) }, logs, "POST", "/sts", "")
	u1 := auth(bearer("u1", time.Now().Add(time.Hour)))
	scope := func(items string) string { return `{"scope":[` + items + `]}` }
	item := `{"action":"name/cos:PutObject","prefix":"uploads/u1/a/*"}`
	for _, c := range []struct{ name, body, ct string }{
		{"not JSON", `scope`, ""},
		{"truncated JSON", `{"scope":[`, ""},
		{"unknown field", `{"scope":[],"policy":"*"}`, ""},
		{"wrong type", `{"scope":"all"}`, ""},
		{"two objects", `{}{}`, ""},
		{"wrong content type", `{}`, "text/plain"},
		{"body too large", `{"scope":[],"pad":"` + strings.Repeat("x", 70000) + `"}`, ""},
		{"scope too long", scope(strings.Repeat(item+",", 20) + item), ""},
		{"scope entry without prefix", scope(`{"action":"name/cos:PutObject"}`), ""},
		{"scope in another bucket", scope(`{"action":"name/cos:PutObject","prefix":"uploads/u1/*","bucket":"other-1250000000"}`), ""},
		{"scope pattern invalid", scope(`{"action":"name/cos:PutObject","prefix":"uploads/u1/../*"}`), ""},
		{"scope wider than allowed", scope(`{"action":"name/cos:PutObject","prefix":"uploads/*"}`), ""},
		{"scope action not allowed", scope(`{"action":"name/cos:DeleteObject","prefix":"uploads/u1/*"}`), ""},
	} {
		r := req("POST", "/sts", c.body, u1...)
		if c.ct != "" {
			r.Header.Set("Content-Type", c.ct)
		}
		out = append(out, record(t, "sts: "+c.name, h, r, logs))
	}

	few := build(nil, 1)
	out = append(out, record(t, "sts: first scope", few, req("POST", "/sts", scope(item), u1...), logs))
	out = append(out, record(t, "sts: too many scopes", few,
		req("POST", "/sts", scope(`{"action":"name/cos:PutObject","prefix":"uploads/u1/b/*"}`), u1...), logs))

	grants := build(guard(t, limits.Limits{STSPerHour: 1}), 1<<20)
	out = append(out, record(t, "sts: first grant", grants, req("POST", "/sts", "", u1...), logs))
	out = append(out, record(t, "sts: grants per hour used up", grants, req("POST", "/sts", "", u1...), logs))
	quota := build(guard(t, limits.Limits{UploadsPerDay: 1}), 1<<20)
	out = append(out, record(t, "sts: first upload grant", quota, req("POST", "/sts", "", u1...), logs))
	out = append(out, record(t, "sts: upload quota used up", quota, req("POST", "/sts", "", u1...), logs))

	fake.SetScript(func(int, ststest.Call) ststest.Reply {
		return ststest.Reply{ErrorCode: "InvalidParameter.GrantOtherResource"}
	})
	out = append(out, record(t, "sts: STS refuses", h, req("POST", "/sts", "", u1...), logs))
	fake.SetScript(func(int, ststest.Call) ststest.Reply { return ststest.Reply{ErrorCode: "RequestLimitExceeded"} })
	out = append(out, record(t, "sts: STS throttles", h, req("POST", "/sts", "", u1...), logs))
	fake.SetScript(func(int, ststest.Call) ststest.Reply { return ststest.Reply{Status: 500, Raw: "<html>"} })
	out = append(out, record(t, "sts: STS answers garbage", h, req("POST", "/sts", "", u1...), logs))
	fake.SetScript(func(int, ststest.Call) ststest.Reply { return ststest.Reply{Delay: 5 * time.Second} })
	out = append(out, record(t, "sts: STS times out", h, req("POST", "/sts", "", u1...), logs))
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	out = append(out, record(t, "sts: platform deadline", h, req("POST", "/sts", "", u1...).WithContext(ctx), logs))
	fake.SetScript(nil)
	gone, cancelGone := context.WithCancel(context.Background())
	cancelGone()
	out = append(out, record(t, "sts: caller gone", h, req("POST", "/sts", "", u1...).WithContext(gone), logs))
	compare(t, "sts", out)
}

// fixedIssuer stands for STS in presign: one key, or a scripted failure.
type fixedIssuer struct{ err error }

func (f *fixedIssuer) Issue(context.Context, stsclient.Request) (stsclient.Credentials, error) {
	if f.err != nil {
		return stsclient.Credentials{}, f.err
	}
	return stsclient.Credentials{TmpSecretID: keyID, TmpSecretKey: keySecret, Token: "token",
		ExpiredTime: time.Now().Add(time.Hour).Unix()}, nil
}

// zeros is presign's randomness here: every generated key is the same, so
// that successful answers are too.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestGoldenPresign(t *testing.T) {
	logs := &syncBuffer{}
	logger := logging.New(logs, slog.LevelDebug)
	types := contenttype.Table{"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "mp4": "video/mp4"}
	build := func(g *limits.Guard, mod func(*presignapi.Handler)) http.Handler {
		h := &presignapi.Handler{Auth: authenticator(), Prefix: "uploads/{uid}/", Types: types, MaxBytes: 20 << 20,
			Expires: 600 * time.Second, Endpoint: cossign.DefaultEndpoint(bucketName, "ap-guangzhou"), Bucket: bucketName,
			Keys: &presignapi.UploadKeys{STS: &fixedIssuer{}, Cache: credcache.New[stsclient.Credentials](16, nil),
				Bucket: bucket, Life: time.Hour},
			Guard: g, Now: func() time.Time { return now }, Rand: zeros{}}
		if mod != nil {
			mod(h)
		}
		return httpapi.Middleware(h, httpapi.Options{Function: "presign", Logger: logger, Methods: []string{"POST"},
			MaxBodyBytes: 65536})
	}
	ok := `{"ext":"jpg","size":1}`
	out := common(t, "presign", func(g *limits.Guard) http.Handler { return build(g, nil) }, logs, "POST", "/presign", ok)
	h := build(nil, nil)
	hk := build(nil, func(h *presignapi.Handler) { h.ClientKeys = true })
	u1 := auth(bearer("u1", time.Now().Add(time.Hour)))
	for _, c := range []struct {
		name, body string
		h          http.Handler
	}{
		{"empty body", ``, h},
		{"not JSON", `ext=jpg`, h},
		{"truncated JSON", `{"ext":"jpg"`, h},
		{"array", `["jpg"]`, h},
		{"two objects", `{"ext":"jpg","size":1}{}`, h},
		{"unknown field", `{"ext":"jpg","size":1,"acl":"public-read"}`, h},
		{"invalid UTF-8", "{\"ext\":\"jpg\xff\",\"size\":1}", h},
		{"body too large", `{"ext":"jpg","size":1,"pad":"` + strings.Repeat("x", 70000) + `"}`, h},
		{"no ext or filename", `{"size":1}`, h},
		{"ext not allowed", `{"ext":"exe","size":1}`, h},
		{"empty ext from filename", `{"filename":"README","size":1}`, h},
		{"ext and filename disagree", `{"ext":"png","filename":"a.jpg","size":1}`, h},
		{"filename with control characters", `{"filename":"a\u0000.jpg","size":1}`, h},
		{"type mismatch", `{"ext":"jpg","size":1,"contentType":"text/html"}`, h},
		{"PUT without size", `{"ext":"jpg"}`, h},
		{"size zero", `{"ext":"jpg","size":0}`, h},
		{"size over the cap", `{"ext":"jpg","size":20971521}`, h},
		{"size a string", `{"ext":"jpg","size":"12"}`, h},
		{"size huge", `{"ext":"jpg","size":1e400}`, h},
		{"bad method", `{"ext":"jpg","size":1,"method":"DELETE"}`, h},
		{"key when disabled", `{"key":"uploads/u1/a.jpg","size":1}`, h},
		{"key with ..", `{"key":"uploads/u1/../u2/a.jpg","size":1}`, hk},
		{"key with a form variable", `{"key":"uploads/u1/${filename}.jpg","size":1}`, hk},
		{"key of someone else", `{"key":"uploads/u2/a.jpg","size":1}`, hk},
		{"key ext not allowed", `{"key":"uploads/u1/a.php","size":1}`, hk},
	} {
		out = append(out, record(t, "presign: "+c.name, c.h, req("POST", "/presign", c.body, u1...), logs))
	}
	r := req("POST", "/presign", ok, u1...)
	r.Header.Set("Content-Type", "text/plain")
	out = append(out, record(t, "presign: wrong content type", h, r, logs))

	quota := build(guard(t, limits.Limits{UploadsPerDay: 1}), nil)
	out = append(out, record(t, "presign: first upload", quota, req("POST", "/presign", ok, u1...), logs))
	out = append(out, record(t, "presign: upload quota used up", quota, req("POST", "/presign", ok, u1...), logs))
	out = append(out, record(t, "presign: POST over the byte quota", build(guard(t, limits.Limits{UploadBytesPerDay: 1 << 20}), nil),
		req("POST", "/presign", `{"ext":"jpg","method":"POST"}`, u1...), logs))

	failing := func(err error) http.Handler {
		return build(nil, func(h *presignapi.Handler) { h.Keys.STS = &fixedIssuer{err: err} })
	}
	out = append(out, record(t, "presign: STS refuses", failing(&stsclient.Error{Code: "InternalError", Message: "boom"}),
		req("POST", "/presign", ok, u1...), logs))
	out = append(out, record(t, "presign: STS times out", failing(&stsclient.Error{Timeout: true}),
		req("POST", "/presign", ok, u1...), logs))
	out = append(out, record(t, "presign: STS deadline", failing(context.DeadlineExceeded),
		req("POST", "/presign", ok, u1...), logs))
	compare(t, "presign", out)
}

// signBody is what the SDKs' getAuthorization hands /sign for a request:
// method, key, query and headers (JSON.stringify(options)).
func signBody(method, key, query, headers string) string {
	return `{"Bucket":"` + bucketName + `","Region":"ap-guangzhou","Method":"` + method + `","Key":"` + key +
		`","Pathname":"/` + key + `","Query":{` + query + `},"Headers":{` + headers + `}}`
}

func TestGoldenSign(t *testing.T) {
	logs := &syncBuffer{}
	logger := logging.New(logs, slog.LevelDebug)
	types := contenttype.Table{"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "mp4": "video/mp4"}
	actions, err := campolicy.ExpandActions([]string{"upload", "multipart"})
	if err != nil {
		t.Fatal(err)
	}
	build := func(g *limits.Guard, mod func(*signapi.Handler)) http.Handler {
		h := &signapi.Handler{Auth: authenticator(), Prefix: "uploads/{uid}/", Reads: []identity.Template{"uploads/{uid}/"},
			Actions: actions, Types: types, MaxBytes: 20 << 20, Expires: 120 * time.Second,
			MultipartLife: 24 * time.Hour, Bucket: bucketName, Region: "ap-guangzhou",
			Keys: &signapi.SignKeys{STS: &fixedIssuer{}, Cache: credcache.New[stsclient.Credentials](16, nil),
				Bucket: bucket, Life: time.Hour},
			Guard: g, Now: func() time.Time { return now }}
		if mod != nil {
			mod(h)
		}
		return httpapi.Middleware(h, httpapi.Options{Function: "sign", Logger: logger, Methods: []string{"POST"},
			MaxBodyBytes: 65536})
	}
	const jpeg = `"Content-Type":"image/jpeg","Content-Length":1`
	ok := signBody("PUT", "uploads/u1/a.jpg", "", jpeg)
	out := common(t, "sign", func(g *limits.Guard) http.Handler { return build(g, nil) }, logs, "POST", "/sign", ok)
	h := build(nil, nil)
	u1 := auth(bearer("u1", time.Now().Add(time.Hour)))
	for _, c := range []struct{ name, body string }{
		{"empty body", ``},
		{"not JSON", `Method=PUT`},
		{"truncated JSON", `{"Method":"PUT"`},
		{"array", `["PUT"]`},
		{"two objects", ok + `{}`},
		{"unknown field", `{"Method":"PUT","Key":"uploads/u1/a.jpg","Acl":"public-read"}`},
		{"query not an object", `{"Method":"PUT","Key":"uploads/u1/a.jpg","Query":"acl"}`},
		{"header an object", signBody("PUT", "uploads/u1/a.jpg", "", `"Content-Length":{"n":1}`)},
		{"body too large", `{"Method":"PUT","Key":"` + strings.Repeat("x", 70000) + `"}`},
		{"another bucket", `{"Bucket":"other-1250000000","Method":"PUT","Key":"uploads/u1/a.jpg"}`},
		{"Pathname not the key", `{"Method":"PUT","Key":"uploads/u1/a.jpg","Pathname":"/uploads/u2/a.jpg"}`},
		{"bucket request", signBody("PUT", "", "", "")},
		{"method not signed", signBody("PATCH", "uploads/u1/a.jpg", "", jpeg)},
		{"action not in the grant", signBody("DELETE", "uploads/u1/a.jpg", "", "")},
		{"read not in the grant", signBody("GET", "uploads/u1/a.jpg", "", "")},
		{"sub-resource", signBody("PUT", "uploads/u1/a.jpg", `"acl":""`, jpeg)},
		{"key outside the prefix", signBody("PUT", "uploads/u2/a.jpg", "", jpeg)},
		{"key with ..", signBody("PUT", "uploads/u1/../u2/a.jpg", "", jpeg)},
		{"public-read x-cos-acl", signBody("PUT", "uploads/u1/a.jpg", "", jpeg+`,"x-cos-acl":"public-read"`)},
		{"a grant header", signBody("PUT", "uploads/u1/a.jpg", "", jpeg+`,"x-cos-grant-read":"id=\"100000000001\""`)},
		{"ext not allowed", signBody("PUT", "uploads/u1/a.php", "", `"Content-Type":"image/jpeg","Content-Length":1`)},
		{"type mismatch", signBody("PUT", "uploads/u1/a.jpg", "", `"Content-Type":"text/html","Content-Length":1`)},
		{"PUT without Content-Length", signBody("PUT", "uploads/u1/a.jpg", "", `"Content-Type":"image/jpeg"`)},
		{"Content-Length not a number", signBody("PUT", "uploads/u1/a.jpg", "", `"Content-Type":"image/jpeg","Content-Length":"x"`)},
		{"size over the cap", signBody("PUT", "uploads/u1/a.jpg", "", `"Content-Type":"image/jpeg","Content-Length":20971521`)},
		{"copy from another bucket", signBody("PUT", "uploads/u1/a.jpg", "",
			`"x-cos-copy-source":"other-1250000000.cos.ap-guangzhou.myqcloud.com/uploads/u1/b.jpg"`)},
		{"list another's uploads", signBody("GET", "", `"uploads":"","prefix":"uploads/u2/"`, "")},
		{"part without Content-Length", signBody("PUT", "uploads/u1/a.jpg", `"uploadId":"u-1","partNumber":1`, "")},
	} {
		out = append(out, record(t, "sign: "+c.name, h, req("POST", "/sign", c.body, u1...), logs))
	}
	r := req("POST", "/sign", ok, u1...)
	r.Header.Set("Content-Type", "text/plain")
	out = append(out, record(t, "sign: wrong content type", h, r, logs))

	// Multipart uploads are bound to the caller who began them.
	mp := build(guard(t, limits.Limits{}), nil)
	part := signBody("PUT", "uploads/u1/b.jpg", `"uploadId":"u-1","partNumber":1`, `"Content-Length":1`)
	out = append(out, record(t, "sign: part of an upload never begun", mp, req("POST", "/sign", part, u1...), logs))

	quota := build(guard(t, limits.Limits{UploadsPerDay: 1}), nil)
	out = append(out, record(t, "sign: first upload", quota, req("POST", "/sign", ok, u1...), logs))
	out = append(out, record(t, "sign: upload quota used up", quota, req("POST", "/sign", ok, u1...), logs))
	out = append(out, record(t, "sign: upload over the byte quota", build(guard(t, limits.Limits{UploadBytesPerDay: 1 << 20}), nil),
		req("POST", "/sign", signBody("PUT", "uploads/u1/a.jpg", "", `"Content-Type":"image/jpeg","Content-Length":2097152`),
			u1...), logs))

	failing := func(err error) http.Handler {
		return build(nil, func(h *signapi.Handler) { h.Keys.STS = &fixedIssuer{err: err} })
	}
	out = append(out, record(t, "sign: STS refuses", failing(&stsclient.Error{Code: "InternalError", Message: "boom"}),
		req("POST", "/sign", ok, u1...), logs))
	out = append(out, record(t, "sign: STS times out", failing(&stsclient.Error{Timeout: true}),
		req("POST", "/sign", ok, u1...), logs))
	out = append(out, record(t, "sign: STS deadline", failing(context.DeadlineExceeded),
		req("POST", "/sign", ok, u1...), logs))
	compare(t, "sign", out)
}

func TestGoldenDownload(t *testing.T) {
	logs := &syncBuffer{}
	logger := logging.New(logs, slog.LevelDebug)
	build := func(g *limits.Guard) http.Handler {
		h := &downloadapi.Handler{Auth: authenticator(), Prefixes: []identity.Template{"uploads/{uid}/", "public/"},
			Expires: 300 * time.Second, Process: []string{"imageMogr2/thumbnail/200x/"},
			Types:    contenttype.Table{"jpg": "image/jpeg", "pdf": "application/pdf"},
			Endpoint: cossign.DefaultEndpoint(bucketName, "ap-guangzhou"),
			Creds:    cossign.Credentials{SecretID: keyID, SecretKey: keySecret}, Guard: g, Now: func() time.Time { return now }}
		return httpapi.Middleware(h, httpapi.Options{Function: "download", Logger: logger, Methods: []string{"GET"},
			MaxBodyBytes: 65536})
	}
	out := common(t, "download", build, logs, "GET", "/download?key=uploads/u1/a.jpg", "")
	h := build(nil)
	u1 := auth(bearer("u1", time.Now().Add(time.Hour)))
	for _, target := range []string{
		"/download",
		"/download?key=",
		"/download?key=uploads/u2/a.jpg",
		"/download?key=uploads/u1/../u2/a.jpg",
		"/download?key=%2Fuploads%2Fu1%2Fa.jpg",
		"/download?key=uploads/u1/%FF.jpg",
		"/download?key=uploads/u1/a.jpg&acl",
		"/download?key=uploads/u1/a.jpg&key=uploads/u2/b.jpg",
		"/download?key=uploads/u1/a.jpg&format=xml",
		"/download?key=uploads/u1/a.jpg&process=imageMogr2/thumbnail/9999x/",
		"/download?key=uploads/u1/a.jpg&filename=",
		"/download?key=uploads/u1/a.jpg&filename=a%2Fb.jpg",
		"/download?key=a;b",
	} {
		out = append(out, record(t, "download: "+target, h, req("GET", target, "", u1...), logs))
	}
	out = append(out, record(t, "download: HEAD of a key not yours", h, req("HEAD", "/download?key=uploads/u2/a.jpg", "", u1...), logs))
	out = append(out, record(t, "download: withdrawn object", build(guard(t, limits.Limits{})),
		req("GET", "/download?key=uploads/u1/withdrawn.jpg", "", u1...), logs))
	compare(t, "download", out)
}

func TestGoldenLogin(t *testing.T) {
	logs := &syncBuffer{}
	logger := logging.New(logs, slog.LevelDebug)
	emu, err := wxemu.New(wxemu.Config{AppID: "wx0123456789abcdef", AppSecret: "0123456789abcdef0123456789SECRET", Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	pub, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	build := func(change ...string) http.Handler {
		env := map[string]string{
			"WX_APPID": "wx0123456789abcdef", "WX_APPSECRET": "0123456789abcdef0123456789SECRET", "WX_API_ENDPOINT": srv.URL,
			"WX_TIMEOUT":            "300ms",
			"LOGIN_JWT_PRIVATE_KEY": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
			"AUTH_JWT_PUBLIC_KEY":   base64.StdEncoding.EncodeToString(pub),
			"LOGIN_UID_SECRET":      "golden-test-uid-secret-0123456789abcdef",
			"AUTH_JWT_ISSUER":       "cosgate-login", "AUTH_JWT_AUDIENCE": "cosgate", "LOGIN_TOKEN_TTL": "2h",
		}
		for i := 0; i+1 < len(change); i += 2 {
			env[change[i]] = change[i+1]
		}
		h, err := platform.Handler(platform.Env{Function: "login", Platform: platform.HTTP, Logger: logger, Environ: env},
			loginapi.Build)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	h := build()
	var out []answer
	for _, c := range []struct{ name, body string }{
		{"empty body", ``},
		{"no code", `{}`},
		{"code null", `{"code":null}`},
		{"code a number", `{"code":12}`},
		{"code too long", `{"code":"` + strings.Repeat("a", 129) + `"}`},
		{"code with a space", `{"code":"a b"}`},
		{"unknown field", `{"code":"dev-a","extra":1}`},
		{"array", `[]`},
		{"two objects", `{"code":"dev-a"} {"code":"dev-b"}`},
		{"body too large", `{"code":"` + strings.Repeat("a", 70000) + `"}`},
		{"invalid code", `{"code":"fail-40029"}`},
		{"code WeChat does not know", `{"code":"not-a-code-WeChat-knows"}`},
		{"used code", `{"code":"fail-40163"}`},
		{"WeChat rate limit", `{"code":"fail-45011"}`},
		{"high-risk user", `{"code":"fail-40226"}`},
		{"WeChat busy", `{"code":"fail-busy"}`},
		{"WeChat slow", `{"code":"fail-slow"}`},
		{"WeChat garbage", `{"code":"fail-garbage"}`},
		{"WeChat HTTP 502", `{"code":"fail-http-502"}`},
		{"WeChat unexpected errcode", `{"code":"fail-41008"}`},
	} {
		out = append(out, record(t, "login: "+c.name, h, req("POST", "/login", c.body), logs))
	}
	r := req("POST", "/login", `{"code":"dev-a"}`)
	r.Header.Set("Content-Type", "text/plain")
	out = append(out, record(t, "login: wrong content type", h, r, logs))
	out = append(out, record(t, "login: wrong method", h, req("GET", "/login", ""), logs))
	out = append(out, record(t, "login: refused AppSecret", build("WX_APPSECRET", "ffffffffffffffffffffffffWRONGKEY"),
		req("POST", "/login", `{"code":"dev-oCarol"}`), logs))
	out = append(out, record(t, "login: refused AppID", build("WX_APPID", "wxffffffffffffffff"),
		req("POST", "/login", `{"code":"dev-oCarol"}`), logs))
	out = append(out, record(t, "login: WeChat unreachable", build("WX_API_ENDPOINT", "http://"+closed),
		req("POST", "/login", `{"code":"dev-oCarol"}`), logs))
	compare(t, "login", out)
}
