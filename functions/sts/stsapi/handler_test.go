package stsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"cosgate/shared/apierr"
	"cosgate/shared/campolicy"
	"cosgate/shared/credcache"
	"cosgate/shared/httpapi"
	"cosgate/shared/identity"
	"cosgate/shared/identity/identitytest"
	"cosgate/shared/limits"
	"cosgate/shared/logging"
	"cosgate/shared/objkey/objkeytest"
	"cosgate/shared/stsclient"
	"cosgate/shared/stsclient/ststest"
)

const (
	keyID, keySecret = "AKIDstsapiTest000", "stsapiTestSecretKey0123456789abcd"
	jwtSecret        = "stsapi-test-jwt-secret-0123456789abcdef"
)

var bucket = campolicy.Bucket{Region: "ap-guangzhou", Name: "examplebucket-1250000000", AppID: "1250000000"}

type fixture struct {
	h    http.Handler
	hd   *Handler
	sts  *ststest.Server
	logs *bytes.Buffer
	now  time.Time
}

func newFixture(t *testing.T, cacheSize int) *fixture {
	t.Helper()
	f := &fixture{sts: ststest.New(t, keyID, keySecret), logs: &bytes.Buffer{}, now: time.Now().Truncate(time.Second)}
	logger := logging.New(f.logs, slog.LevelDebug)
	client, err := stsclient.New(stsclient.Options{Endpoint: f.sts.URL, Region: "ap-guangzhou", Timeout: 300 * time.Millisecond,
		Key:     func() (stsclient.Key, error) { return stsclient.Key{SecretID: keyID, SecretKey: keySecret}, nil },
		Backoff: func(int) time.Duration { return 5 * time.Millisecond }, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	auth, _ := identity.NewJWT(identity.JWTConfig{Secret: []byte(jwtSecret)})
	h := &Handler{Auth: auth, Prefix: "uploads/{uid}/*", Actions: []string{"name/cos:PutObject", "name/cos:PostObject"},
		Bucket: bucket, Cond: campolicy.Conditions{MaxBytes: 20971520}, STS: client, Cache: credcache.New[stsclient.Credentials](cacheSize, nil),
		Scopes:   &ScopeLimiter{Max: 1 << 20, Window: time.Minute},
		Duration: 1800 * time.Second, Now: func() time.Time { return f.now }}
	f.hd = h
	f.h = httpapi.Middleware(h, httpapi.Options{Function: "sts", Logger: logger, Methods: []string{"GET", "POST"}, MaxBodyBytes: 65536})
	return f
}

func token(t testing.TB, sub string) string { return identitytest.Token(t, jwtSecret, sub) }

func (f *fixture) do(t testing.TB, method, body, bearer string) *httptest.ResponseRecorder {
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, "/sts", nil)
	} else {
		r = httptest.NewRequest(method, "/sts", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		r.Header.Set("Authorization", "Bearer "+bearer)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

func errorCode(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("not an error body: %s", w.Body)
	}
	return e.Error.Code
}

func TestIssueForCaller(t *testing.T) {
	f := newFixture(t, 0)
	for _, method := range []string{"POST", "GET"} {
		w := f.do(t, method, "", token(t, "u1"))
		if w.Code != 200 {
			t.Fatalf("%s: %d %s", method, w.Code, w.Body)
		}
		var resp Response
		json.Unmarshal(w.Body.Bytes(), &resp)
		if resp.Credentials.TmpSecretID == "" || resp.Credentials.TmpSecretKey == "" || resp.Credentials.SessionToken == "" ||
			resp.StartTime != f.now.Unix() || resp.ExpiredTime < f.now.Unix()+1790 || resp.Expiration == "" ||
			resp.RequestID != w.Header().Get("X-Request-Id") || resp.Bucket != "examplebucket-1250000000" || resp.Region != "ap-guangzhou" ||
			strings.Join(resp.AllowPrefix, ",") != "uploads/u1/*" || strings.Join(resp.AllowActions, ",") != "name/cos:PutObject,name/cos:PostObject" {
			t.Errorf("%s: %+v", method, resp)
		}
		if w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("credentials may be cached: %v", w.Header())
		}
	}
	var pol campolicy.Policy
	calls := f.sts.Calls()
	if err := json.Unmarshal([]byte(calls[0].Policy), &pol); err != nil {
		t.Fatal(err)
	}
	// One allow statement, then one deny per grant header (campolicy's golden files show them).
	if len(pol.Statement) != 1+len(campolicy.GrantKeys) || pol.Statement[4].Effect != "deny" || pol.Statement[0].Resource[0] != "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/uploads/u1/*" ||
		pol.Statement[0].Condition["numeric_less_than_equal"]["cos:content-length"] != float64(20971520) || calls[0].Body["DurationSeconds"] != float64(1800) {
		t.Errorf("policy sent to STS: %s", calls[0].Policy)
	}
}

// The field names are what the mini-program and browser SDK demos read,
// and the types are what their getAuthorization validation demands.
func TestResponseFeedsTheSDKCallback(t *testing.T) {
	f := newFixture(t, 0)
	w := f.do(t, "POST", "", token(t, "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"))
	var data map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &data); err != nil {
		t.Fatal(err)
	}
	creds, _ := data["credentials"].(map[string]any)
	// cos-wx-sdk-v5 demo/tools.js (and cos-js-sdk-v5's demo) call back with:
	callback := map[string]any{
		"TmpSecretId": creds["tmpSecretId"], "TmpSecretKey": creds["tmpSecretKey"], "SecurityToken": creds["sessionToken"],
		"StartTime": data["startTime"], "ExpiredTime": data["expiredTime"],
	}
	for _, k := range []string{"TmpSecretId", "TmpSecretKey", "SecurityToken"} {
		if s, ok := callback[k].(string); !ok || s == "" {
			t.Errorf("%s must be a non-empty string, got %#v", k, callback[k])
		}
	}
	var start, exp float64
	for k, dst := range map[string]*float64{"StartTime": &start, "ExpiredTime": &exp} {
		n, ok := callback[k].(float64)
		if !ok || n != float64(int64(n)) || len(strconv.FormatInt(int64(n), 10)) != 10 {
			t.Errorf("%s must be a 10-digit Unix time (a JSON number), got %#v", k, callback[k])
		}
		*dst = n
	}
	if !(start < exp) || exp-start < 60 {
		t.Errorf("StartTime %v, ExpiredTime %v: the SDK drops keys with under 60 s left", start, exp)
	}
}

func TestScope(t *testing.T) {
	f := newFixture(t, 0)
	bearer := token(t, "u1")
	w := f.do(t, "POST", `{"scope":[{"action":"name/cos:PutObject","prefix":"uploads/u1/2026/a.jpg","bucket":"examplebucket-1250000000","region":"ap-guangzhou"}]}`, bearer)
	var resp Response
	json.Unmarshal(w.Body.Bytes(), &resp)
	if w.Code != 200 || strings.Join(resp.AllowPrefix, ",") != "uploads/u1/2026/a.jpg" || strings.Join(resp.AllowActions, ",") != "name/cos:PutObject" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if p := f.sts.Calls()[0].Policy; !strings.Contains(p, `examplebucket-1250000000/uploads/u1/2026/a.jpg"]`) || strings.Contains(p, "PostObject") {
		t.Errorf("narrowed policy: %s", p)
	}
	for _, c := range []struct{ body, code string }{
		{`{"scope":[{"action":"name/cos:PutObject","prefix":"uploads/u2/a.jpg"}]}`, apierr.Forbidden},
		{`{"scope":[{"action":"name/cos:GetObject","prefix":"uploads/u1/a.jpg"}]}`, apierr.Forbidden},
		{`{"scope":[{"action":"name/cos:*","prefix":"uploads/u1/a.jpg"}]}`, apierr.Forbidden},
		{`{"scope":[{"action":"name/cos:PutObject","prefix":"uploads/u1*"}]}`, apierr.Forbidden},
		{`{"scope":[{"action":"name/cos:PutObject","prefix":"uploads/u1/a.jpg","bucket":"other-1250000000"}]}`, apierr.Forbidden},
		{`{"scope":[{"action":"name/cos:PutObject","prefix":"uploads/u1/../u2/a.jpg"}]}`, apierr.InvalidKey},
		{`{"scope":[{"action":"name/cos:PutObject","prefix":"uploads/u1/*/x"}]}`, apierr.InvalidKey},
		{`{"scope":[{"action":"name/cos:PutObject"}]}`, apierr.InvalidRequest},
		{`{"scope":[{"action":"name/cos:PutObject","prefix":"uploads/u1/a","extra":1}]}`, apierr.InvalidRequest},
		{`{"scope":"everything"}`, apierr.InvalidRequest},
		{`{"scope":[` + strings.Repeat(`{"action":"name/cos:PutObject","prefix":"uploads/u1/a"},`, 20) + `{"action":"name/cos:PutObject","prefix":"uploads/u1/a"}]}`, apierr.InvalidRequest},
	} {
		w := f.do(t, "POST", c.body, bearer)
		if w.Code >= 500 || errorCode(t, w) != c.code {
			t.Errorf("%s: %d %s", c.body, w.Code, w.Body)
		}
	}
	// The key rules presign holds client keys to (objkey.ValidateKey),
	// from the same table: as an exact key, as a prefix, and as a
	// directory prefix.
	for _, b := range objkeytest.BadLiterals {
		for _, p := range []string{b.Text, b.Text + "*", b.Text + "/*"} {
			body, _ := json.Marshal(map[string]any{"scope": []ScopeItem{{Action: "name/cos:PutObject", Prefix: p}}})
			w := f.do(t, "POST", string(body), bearer)
			if w.Code != 400 || errorCode(t, w) != apierr.InvalidKey || !strings.Contains(w.Body.String(), b.Code) {
				t.Errorf("%s: scope %q: %d %s", b.Name, p, w.Code, w.Body)
			}
		}
	}
	if len(f.sts.Calls()) != 1 {
		t.Errorf("refused scopes reached STS: %d calls", len(f.sts.Calls()))
	}
	if w := f.do(t, "POST", "", ""); w.Code != 401 || errorCode(t, w) != apierr.Unauthorized {
		t.Errorf("no token: %d %s", w.Code, w.Body)
	}
}

func TestUpstreamFailures(t *testing.T) {
	f := newFixture(t, 0)
	bearer := token(t, "u1")
	f.sts.Script = func(int, ststest.Call) ststest.Reply {
		return ststest.Reply{ErrorCode: "InvalidParameter.GrantOtherResource"}
	}
	w := f.do(t, "POST", "", bearer)
	if w.Code != 502 || errorCode(t, w) != apierr.UpstreamError || len(f.sts.Calls()) != 1 {
		t.Errorf("refusal: %d %s (%d calls)", w.Code, w.Body, len(f.sts.Calls()))
	}
	if !strings.Contains(f.logs.String(), "InvalidParameter.GrantOtherResource") || !strings.Contains(f.logs.String(), "RequestId fake-") {
		t.Errorf("the STS code and RequestId must reach the log: %s", f.logs)
	}

	f.sts.Script = func(int, ststest.Call) ststest.Reply { return ststest.Reply{ErrorCode: "RequestLimitExceeded"} }
	before := len(f.sts.Calls())
	if w := f.do(t, "POST", "", bearer); w.Code != 502 || len(f.sts.Calls())-before != 3 {
		t.Errorf("throttling: %d, %d calls", w.Code, len(f.sts.Calls())-before)
	}

	// A slow STS and a platform deadline: the function answers 504 before it.
	f.sts.Script = func(int, ststest.Call) ststest.Reply { return ststest.Reply{Delay: 5 * time.Second} }
	r := httptest.NewRequest("POST", "/sts", nil)
	r.Header.Set("Authorization", "Bearer "+bearer)
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	defer cancel()
	start := time.Now()
	w = httptest.NewRecorder()
	f.h.ServeHTTP(w, r.WithContext(ctx))
	if w.Code != 504 || errorCode(t, w) != apierr.UpstreamTimeout || time.Since(start) > 800*time.Millisecond {
		t.Errorf("slow STS: %d after %v: %s", w.Code, time.Since(start), w.Body)
	}
	if strings.Contains(w.Body.String(), keySecret) || strings.Contains(f.logs.String(), keySecret) {
		t.Error("the permanent key leaked")
	}
}

func TestCacheReusesPerSubject(t *testing.T) {
	f := newFixture(t, 100)
	a1 := f.do(t, "POST", "", token(t, "u1"))
	f.now = f.now.Add(time.Minute)
	a2 := f.do(t, "POST", "", token(t, "u1"))
	b1 := f.do(t, "POST", "", token(t, "u2"))
	var r1, r2, r3 Response
	json.Unmarshal(a1.Body.Bytes(), &r1)
	json.Unmarshal(a2.Body.Bytes(), &r2)
	json.Unmarshal(b1.Body.Bytes(), &r3)
	if len(f.sts.Calls()) != 2 || r1.Credentials != r2.Credentials || r1.Credentials == r3.Credentials {
		t.Errorf("%d STS calls; u1 reused: %v; u2 separate: %v", len(f.sts.Calls()), r1.Credentials == r2.Credentials, r1.Credentials != r3.Credentials)
	}
	if r2.StartTime != r1.StartTime+60 || r2.ExpiredTime != r1.ExpiredTime {
		t.Errorf("a reused key reports the server's now and its true expiry: %d/%d vs %d/%d", r1.StartTime, r1.ExpiredTime, r2.StartTime, r2.ExpiredTime)
	}
	if !strings.Contains(f.logs.String(), `"cached":true`) {
		t.Errorf("the grant log should say it was cached")
	}
}

// No credential of any kind appears in the log: not the caller's JWT, not
// the issued key, not the permanent key.
func TestLogsCarryNoSecrets(t *testing.T) {
	f := newFixture(t, 10)
	bearer := token(t, "u1")
	w := f.do(t, "POST", `{"scope":[{"action":"name/cos:PutObject","prefix":"uploads/u1/x.jpg"}]}`, bearer)
	var resp Response
	json.Unmarshal(w.Body.Bytes(), &resp)
	for _, s := range []string{bearer, resp.Credentials.TmpSecretKey, resp.Credentials.SessionToken, keySecret, jwtSecret} {
		if s == "" || strings.Contains(f.logs.String(), s) {
			t.Errorf("%q in the log (or missing from the response)", s)
		}
	}
	if !strings.Contains(f.logs.String(), `"prefixes":["uploads/u1/x.jpg"]`) || !strings.Contains(f.logs.String(), `"subject":"u1"`) {
		t.Errorf("the grant was not logged: %s", f.logs)
	}
}

// Each caller may ask for a bounded number of distinct scopes a minute (each
// is an STS call); asking again for one already granted is free, and other
// callers are unaffected.
func TestDistinctScopesAreBounded(t *testing.T) {
	f := newFixture(t, 1024)
	f.hd.Scopes = &ScopeLimiter{Max: 3, Window: time.Minute}
	scopeOf := func(uid string, i int) string {
		return fmt.Sprintf(`{"scope":[{"action":"name/cos:PutObject","prefix":"uploads/%s/%d.jpg"}]}`, uid, i)
	}
	scope := func(i int) string { return scopeOf("u1", i) }
	for i := range 3 {
		if w := f.do(t, "POST", scope(i), token(t, "u1")); w.Code != 200 {
			t.Fatalf("scope %d: %d %s", i, w.Code, w.Body)
		}
	}
	f.logs.Reset()
	w := f.do(t, "POST", scope(3), token(t, "u1"))
	if w.Code != 429 || errorCode(t, w) != "RateLimited" || w.Header().Get("Retry-After") != "61" {
		t.Errorf("a fourth scope: %d %v %s", w.Code, w.Header(), w.Body)
	}
	// The refusal is a decision about the caller, audited as the others are.
	audit := auditLines(t, f.logs)
	if len(audit) != 1 || audit[0]["uid"] != "u1" || audit[0]["action"] != "sts" || audit[0]["decision"] != "deny" ||
		audit[0]["reason"] != "RateLimited" || fmt.Sprint(audit[0]["prefixes"]) != "[uploads/u1/3.jpg]" ||
		fmt.Sprint(audit[0]["actions"]) != "[name/cos:PutObject]" {
		t.Errorf("audit of the refusal: %v\n%s", audit, f.logs)
	}
	if w := f.do(t, "POST", scope(1), token(t, "u1")); w.Code != 200 {
		t.Errorf("a scope already granted: %d", w.Code)
	}
	if w := f.do(t, "POST", scopeOf("u2", 3), token(t, "u2")); w.Code != 200 {
		t.Errorf("another caller: %d", w.Code)
	}
	if calls := len(f.sts.Calls()); calls != 4 {
		t.Errorf("%d STS calls, want 4", calls)
	}
	f.now = f.now.Add(time.Minute)
	if w := f.do(t, "POST", scope(3), token(t, "u1")); w.Code != 200 {
		t.Errorf("the next minute: %d", w.Code)
	}
}

// The limits: every grant counts against LIMIT_STS_PER_HOUR before STS is
// asked; the upload quota is charged only for a key handed out, so an STS
// failure costs the caller none of it.
func TestLimits(t *testing.T) {
	f := newFixture(t, 0)
	f.hd.Guard = &limits.Guard{Store: limits.NewMemory(nil), Limits: limits.Limits{UploadsPerDay: 2, STSPerHour: 3},
		FailClosed: limits.FailPolicy(nil), Timeout: time.Second, Now: func() time.Time { return f.now }}
	f.hd.GrantBytes = 1024
	bearer := token(t, "u1")
	f.sts.Script = func(int, ststest.Call) ststest.Reply {
		return ststest.Reply{ErrorCode: "InvalidParameter.GrantOtherResource"}
	}
	if w := f.do(t, "POST", "", bearer); w.Code != 502 {
		t.Fatalf("failing STS: %d", w.Code)
	}
	f.sts.Script = nil
	for i := range 2 {
		if w := f.do(t, "POST", "", bearer); w.Code != 200 {
			t.Fatalf("grant %d: %d %s (the failed call used the upload quota?)", i, w.Code, w.Body)
		}
	}
	w := f.do(t, "POST", "", bearer) // the fourth grant: over the hourly count of 3
	if w.Code != 429 || errorCode(t, w) != apierr.RateLimited || w.Header().Get("Retry-After") == "" {
		t.Errorf("over LIMIT_STS_PER_HOUR: %d %s", w.Code, w.Body)
	}
	if n := len(f.sts.Calls()); n != 3 {
		t.Errorf("%d STS calls; the refused grant must not reach STS", n)
	}
	if !strings.Contains(f.logs.String(), `"msg":"audit"`) || !strings.Contains(f.logs.String(), `"reason":"RateLimited"`) {
		t.Errorf("no audit lines: %s", f.logs)
	}
}

// auditLines are the audit lines in logs, decoded.
func auditLines(t *testing.T, logs *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range bytes.Split(logs.Bytes(), []byte("\n")) {
		var m map[string]any
		if json.Unmarshal(line, &m) == nil && m["msg"] == "audit" {
			out = append(out, m)
		}
	}
	return out
}
