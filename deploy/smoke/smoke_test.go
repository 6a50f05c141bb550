package smoke_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"cosgate/deploy/smoke"
	"cosgate/devstack/stack"
)

// startStack is the local stack make dev runs, in memory on free ports,
// with a token for uid u1 signed with its development secret.
func startStack(t *testing.T, env map[string]string) (*stack.Stack, string) {
	t.Helper()
	st, err := stack.Start(stack.Options{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tok, err := st.Token("u1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return st, tok
}

// check runs the smoke check and returns its report and output.
func check(t *testing.T, c smoke.Config) (smoke.Report, string) {
	t.Helper()
	var out bytes.Buffer
	c.Out = &out
	if c.Timeout == 0 {
		c.Timeout = 5 * time.Second
	}
	rep := smoke.Run(context.Background(), c)
	t.Logf("output:\n%s", out.String())
	return rep, out.String()
}

// statuses maps each check to its status.
func statuses(rep smoke.Report) map[string]smoke.Status {
	m := map[string]smoke.Status{}
	for _, r := range rep {
		m[r.Check] = r.Status
	}
	return m
}

func want(t *testing.T, rep smoke.Report, expected map[string]smoke.Status) {
	t.Helper()
	got := statuses(rep)
	for check, s := range expected {
		if got[check] != s {
			t.Errorf("check %q: %q, want %q", check, got[check], s)
		}
	}
	if len(got) != len(expected) {
		t.Errorf("checks %v, want %v", got, expected)
	}
}

// recorder keeps every secret the deployment answered: the temporary
// credentials in /sts's body and the query values of every signed URL, so
// a test can check that none reached the output.
type recorder struct {
	mu      sync.Mutex
	secrets []string
}

func (rec *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var m struct {
		Credentials map[string]string `json:"credentials"`
		URL         string            `json:"url"`
	}
	json.Unmarshal(body, &m)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, v := range m.Credentials {
		rec.secrets = append(rec.secrets, v)
	}
	for _, raw := range []string{m.URL, resp.Header.Get("Location")} {
		if u, err := url.Parse(raw); err == nil {
			for k, vs := range u.Query() {
				if k == "q-signature" || k == "q-ak" || k == "x-cos-security-token" {
					rec.secrets = append(rec.secrets, vs...)
				}
			}
		}
	}
	return resp, nil
}

// noSecrets fails when the output holds the token, a temporary key's
// parts, a signature or the development keys.
func noSecrets(t *testing.T, st *stack.Stack, rec *recorder, out string, extra ...string) {
	t.Helper()
	secrets := append(extra, st.Env["COS_SECRET_KEY"], st.Env["COS_SECRET_ID"], st.Env["AUTH_JWT_SECRET"],
		"q-signature", "q-ak=", "x-cos-security-token", "Bearer ey")
	rec.mu.Lock()
	secrets = append(secrets, rec.secrets...)
	n := len(rec.secrets)
	rec.mu.Unlock()
	for _, s := range secrets {
		if s != "" && strings.Contains(out, s) {
			t.Errorf("the output shows a secret: %.12s…", s)
		}
	}
	t.Logf("%d secrets the deployment answered, none in the output", n)
}

var allOK = map[string]smoke.Status{
	"cors sts": smoke.OK, "cors presign": smoke.OK, "cors download": smoke.OK, "cors sign": smoke.OK, "cors login": smoke.OK,
	"sts without token": smoke.OK, "login reaches WeChat": smoke.OK,
	"sts with token": smoke.OK, "presign": smoke.OK, "upload": smoke.OK, "download": smoke.OK, "download object": smoke.OK,
}

func TestBaseWithToken(t *testing.T) {
	st, tok := startStack(t, nil)
	targets, err := smoke.FromBase(st.FunctionsURL)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	rep, out := check(t, smoke.Config{Targets: targets, Token: tok, Origin: smoke.DefaultOrigin, Transport: rec})
	want(t, rep, allOK)
	noSecrets(t, st, rec, out, tok)
	for _, line := range []string{
		"ok    sts without token     POST /sts {} (no Authorization) → 401",
		"ok    login reaches WeChat  POST /login",
		"accepted WX_APPID and WX_APPSECRET",
		"ok    download object       GET ",
		"the same as uploaded (Content-Type image/png)",
		"12 ok, 0 FAIL, 0 skipped",
		"smoke check passed",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("output lacks %q", line)
		}
	}
}

// sameBase gives every function its own -urls entry, all on the stack's
// one address, as five function URLs would be.
func sameBase(base string, names ...string) string {
	var entries []string
	for _, n := range names {
		entries = append(entries, n+"="+base)
	}
	return strings.Join(entries, " ")
}

func TestURLsWithToken(t *testing.T) {
	st, tok := startStack(t, nil)
	targets, err := smoke.ParseURLs(sameBase(st.FunctionsURL, "sts", "presign", "download", "sign", "login"))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	rep, out := check(t, smoke.Config{Targets: targets, Token: tok, Origin: smoke.DefaultOrigin, Transport: rec})
	want(t, rep, allOK)
	noSecrets(t, st, rec, out, tok)
}

func TestWithoutToken(t *testing.T) {
	st, _ := startStack(t, nil)
	for _, mode := range []string{"base", "urls"} {
		t.Run(mode, func(t *testing.T) {
			targets, err := smoke.FromBase(st.FunctionsURL)
			if mode == "urls" {
				targets, err = smoke.ParseURLs(sameBase(st.FunctionsURL, "sts", "presign", "download", "sign", "login"))
			}
			if err != nil {
				t.Fatal(err)
			}
			rep, out := check(t, smoke.Config{Targets: targets, Origin: smoke.DefaultOrigin})
			want(t, rep, map[string]smoke.Status{
				"cors sts": smoke.OK, "cors presign": smoke.OK, "cors download": smoke.OK, "cors sign": smoke.OK,
				"cors login": smoke.OK, "sts without token": smoke.OK, "login reaches WeChat": smoke.OK,
				"token checks": smoke.Skip,
			})
			if !strings.Contains(out, "7 ok, 0 FAIL, 1 skipped") || !strings.Contains(out, "skip  token checks          no -token") {
				t.Error("the summary or the skip line is missing")
			}
		})
	}
}

// Without a sign or login URL their checks are skipped, not failed; without
// an origin the preflights are.
func TestURLsWithoutLoginOrOrigin(t *testing.T) {
	st, tok := startStack(t, nil)
	targets, err := smoke.ParseURLs(sameBase(st.FunctionsURL, "sts", "presign", "download"))
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := check(t, smoke.Config{Targets: targets, Token: tok, Origin: smoke.DefaultOrigin})
	expected := map[string]smoke.Status{}
	for k, v := range allOK {
		expected[k] = v
	}
	delete(expected, "login reaches WeChat")
	expected["cors sign"], expected["cors login"], expected["login"] = smoke.Skip, smoke.Skip, smoke.Skip
	want(t, rep, expected)

	rep, out := check(t, smoke.Config{Targets: targets, Token: tok})
	if got := statuses(rep); got["cors"] != smoke.Skip || got["cors sts"] != "" || rep.Count(smoke.Fail) != 0 {
		t.Errorf("without an origin: %v", got)
	}
	if !strings.Contains(out, "mini programs send no Origin") {
		t.Error("the skipped preflights are not explained")
	}
}

func TestWrongToken(t *testing.T) {
	st, _ := startStack(t, nil)
	// Well formed, signed with another secret.
	other := map[string]string{"AUTH_JWT_SECRET": "another-secret-of-at-least-32-bytes-0000"}
	wrong, err := stack.Token(other, "u1", time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	targets, _ := smoke.FromBase(st.FunctionsURL)
	rep, out := check(t, smoke.Config{Targets: targets, Token: wrong, Origin: smoke.DefaultOrigin})
	expected := map[string]smoke.Status{}
	for k, v := range allOK {
		expected[k] = v
	}
	expected["sts with token"], expected["presign"] = smoke.Fail, smoke.Fail
	expected["upload"], expected["download"] = smoke.Skip, smoke.Skip
	delete(expected, "download object")
	want(t, rep, expected)
	for _, line := range []string{
		`FAIL  sts with token        POST /sts {} (Authorization: Bearer ***) → 401 Unauthorized: {"error":{"code":"Unauthorized"`,
		"the token was refused",
		"FAIL  presign ",
		"skip  upload                needs the presign check above",
		"7 ok, 2 FAIL, 2 skipped",
		"smoke check FAILED",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("output lacks %q", line)
		}
	}
	if strings.Contains(out, wrong) {
		t.Error("the output shows the token")
	}
}

// An entry pointing at a closed port fails every check of that function,
// each on its own line, and the others still run.
func TestClosedPort(t *testing.T) {
	st, tok := startStack(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	targets, err := smoke.ParseURLs("sts=" + closed + " " + sameBase(st.FunctionsURL, "presign", "download", "sign", "login"))
	if err != nil {
		t.Fatal(err)
	}
	rep, out := check(t, smoke.Config{Targets: targets, Token: tok, Origin: smoke.DefaultOrigin})
	expected := map[string]smoke.Status{}
	for k, v := range allOK {
		expected[k] = v
	}
	expected["cors sts"], expected["sts without token"], expected["sts with token"] = smoke.Fail, smoke.Fail, smoke.Fail
	want(t, rep, expected)
	if n := strings.Count(out, "connection refused; nothing answers there: check the URL"); n != 3 {
		t.Errorf("%d lines say connection refused, want 3", n)
	}
	if strings.Contains(out, `Post "`) {
		t.Error("a line quotes Go's URL error, which may hold a signed URL")
	}
}

// A request that gets no answer fails within the timeout.
func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer slow.Close()
	defer close(release)
	targets, _ := smoke.FromBase(slow.URL)
	start := time.Now()
	rep, out := check(t, smoke.Config{Targets: targets, Origin: smoke.DefaultOrigin, Timeout: 100 * time.Millisecond})
	if rep.Count(smoke.Fail) != 7 || strings.Count(out, "no answer within the timeout") != 7 {
		t.Errorf("want 7 timeouts: %v", statuses(rep))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

// Browsers from an origin CORS_ALLOW_ORIGINS does not list are refused;
// the line says what to do.
func TestOriginNotAllowed(t *testing.T) {
	st, _ := startStack(t, map[string]string{"CORS_ALLOW_ORIGINS": "https://app.example"})
	targets, _ := smoke.FromBase(st.FunctionsURL)
	rep, out := check(t, smoke.Config{Targets: targets, Origin: smoke.DefaultOrigin})
	if got := statuses(rep); got["cors sts"] != smoke.Fail || got["cors login"] != smoke.Fail {
		t.Errorf("statuses %v", got)
	}
	if !strings.Contains(out, "403 Forbidden") || !strings.Contains(out, "not in CORS_ALLOW_ORIGINS") {
		t.Error("the refusal is not explained")
	}
	rep, _ = check(t, smoke.Config{Targets: targets, Origin: "https://app.example"})
	if got := statuses(rep); got["cors sts"] != smoke.OK || rep.Count(smoke.Fail) != 0 {
		t.Errorf("listed origin: %v", got)
	}
}

// The production default of UPLOAD_ALLOWED_EXT lacks txt: the check says
// so; each built-in sample uploads where its type is allowed.
func TestExt(t *testing.T) {
	prod, tok := startStack(t, map[string]string{"UPLOAD_ALLOWED_EXT": "jpg,jpeg,png,gif,webp,heic,heif,bmp,mp4,mov,m4v,webm"})
	targets, _ := smoke.FromBase(prod.FunctionsURL)
	rep, out := check(t, smoke.Config{Targets: targets, Token: tok, Ext: "txt"})
	if statuses(rep)["presign"] != smoke.Fail || !strings.Contains(out, "ExtensionNotAllowed") ||
		!strings.Contains(out, "rerun with -ext") {
		t.Error("a refused extension is not explained")
	}
	for _, ext := range []string{"png", "jpg", ".gif", "webp"} {
		rep, _ := check(t, smoke.Config{Targets: targets, Token: tok, Ext: ext})
		if rep.Count(smoke.Fail) != 0 {
			t.Errorf("-ext %s: %v", ext, statuses(rep))
		}
	}
}

func TestParseURLs(t *testing.T) {
	got, err := smoke.ParseURLs("sts=https://a.example presign=https://b.example/presign/,download=https://c.example/x " +
		"sign=https://e.example/sign login=https://d.example")
	if err != nil {
		t.Fatal(err)
	}
	if want := (smoke.Targets{STS: "https://a.example/sts", Presign: "https://b.example/presign",
		Download: "https://c.example/x/download", Sign: "https://e.example/sign", Login: "https://d.example/login"}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	for _, bad := range []string{
		"", "sts=https://a presign=https://b", "sts=https://a presign=https://b download=https://c upload=https://d",
		"sts=https://a sts=https://a presign=https://b download=https://c", "https://a",
		"sts=ftp://a presign=https://b download=https://c", "sts=https://a?x=1 presign=https://b download=https://c",
	} {
		if _, err := smoke.ParseURLs(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if _, err := smoke.FromBase("api.example.com"); err == nil {
		t.Error("a base without a scheme is accepted")
	}
}
