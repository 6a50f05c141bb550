package platform_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"cosgate/shared/platform"
	"cosgate/shared/platform/platformtest"
)

var probe string // the probe binary, built once

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cosgate-probe")
	if err != nil {
		panic(err)
	}
	probe, err = platformtest.Build(dir, "cosgate/shared/platform/internal/probe")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var okEnv = map[string]string{"AUTH_MODE": "none"}

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want platform.Kind
	}{
		{map[string]string{}, platform.HTTP},
		{map[string]string{"PORT": "9000"}, platform.HTTP},
		{map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}, platform.AWSLambda},
		{map[string]string{"TENCENTCLOUD_RUNENV": "SCF", "_LAMBDA_SERVER_PORT": "28902"}, platform.SCFEvent},
		{map[string]string{"SCF_RUNTIME": "Go1", "_LAMBDA_SERVER_PORT": "28902"}, platform.SCFEvent},
		{map[string]string{"TENCENTCLOUD_RUNENV": "SCF"}, platform.SCFWeb},
		{map[string]string{"_LAMBDA_SERVER_PORT": "1"}, platform.HTTP}, // not enough to call it SCF
		// scf_bootstrap says so, whatever else SCF sets (_SCF_SERVER_PORT, USER_CODE_ROOT, …).
		{map[string]string{"COSGATE_PLATFORM": "scf-web", "TENCENTCLOUD_RUNENV": "SCF", "_LAMBDA_SERVER_PORT": "9",
			"_SCF_SERVER_PORT": "28902", "USER_CODE_ROOT": "/var/user/", "SCF_RUNTIME": "Go1"}, platform.SCFWeb},
		{map[string]string{"COSGATE_PLATFORM": "http", "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}, platform.HTTP},
		{map[string]string{"COSGATE_PLATFORM": "bogus", "TENCENTCLOUD_RUNENV": "SCF"}, platform.SCFWeb}, // Runtime refuses it
		// The documented Go1 event environment: the runtime's port for scf-go-lib.
		{map[string]string{"TENCENTCLOUD_RUNENV": "SCF", "SCF_RUNTIME": "Go1", "SCF_FUNCTIONNAME": "cosgate-sts",
			"USER_CODE_ROOT": "/var/user/", "_SCF_SERVER_PORT": "28902", "_LAMBDA_SERVER_PORT": "28902"}, platform.SCFEvent},
	} {
		if got := platform.Detect(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("%v: %s, want %s", c.env, got, c.want)
		}
	}
}

type errBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	RequestID string `json:"requestId"`
}

// codeOf is an error body's error.code, or why there is none.
func codeOf(body string) string {
	var e errBody
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		return "(body is not JSON: " + err.Error() + ")"
	}
	return e.Error.Code
}

// outcome is the part of a reply most cases check: status and error code.
type outcome struct {
	StatusCode int
	Code       string
}

// The events are the adapters' fixtures (scf/testdata, awslambda/testdata;
// their README.md files cite the documented shapes), varied field by field.

// scfEvent is the API Gateway integrated request of scf/testdata/apigw-get.json
// for this method, path, query, headers (nil keeps the fixture's) and body.
func scfEvent(t *testing.T, method, path string, query map[string]any, headers map[string]any, body string, b64 bool) json.RawMessage {
	t.Helper()
	edits := []platformtest.Edit{platformtest.Set("httpMethod", method), platformtest.Set("path", path), platformtest.Set("queryString", query), platformtest.Set("body", body), platformtest.Set("isBase64Encoded", b64)}
	if headers != nil {
		edits = append(edits, platformtest.Set("headers", headers))
	}
	return platformtest.Event(t, "scf/testdata/apigw-get.json", edits...)
}

func scfReply(t *testing.T, s *platformtest.SCF, event any, deadline time.Time) platformtest.SCFReply {
	t.Helper()
	resp := s.Invoke(t, event, deadline, nil)
	if resp.Error != nil {
		t.Fatalf("invoke returned an error, not a response: %+v\n%s", resp.Error, s.Logs)
	}
	var r platformtest.SCFReply
	if err := json.Unmarshal(resp.Payload, &r); err != nil {
		t.Fatalf("payload is not an integrated response: %v\n%s", err, resp.Payload)
	}
	return r
}

func TestSCFEventFunction(t *testing.T) {
	s := platformtest.StartSCF(t, probe, okEnv)
	soon := time.Now().Add(10 * time.Second)

	r := scfReply(t, s, scfEvent(t, "GET", "/echo/相册/a b.jpg", map[string]any{"k": []string{"1", "2"}, "flag": true},
		map[string]any{"HOST": "svc.example", "x-multi": []string{"a", "b"}}, "", false), soon)
	var echo struct {
		Path, RawQuery, Host, RequestID string
		Query                           map[string][]string
		Header                          map[string][]string
	}
	if r.StatusCode != 200 {
		t.Fatalf("echo: status %d, want 200: %+v", r.StatusCode, r)
	}
	if err := json.Unmarshal([]byte(r.Body), &echo); err != nil {
		t.Fatalf("echo: body is not JSON: %v\n%s", err, r.Body)
	}
	type echoed struct {
		Path, RawQuery, Host string
		XMulti               []string
		XRequestID           any
	}
	platformtest.CheckFields(t, "echo", echoed{echo.Path, echo.RawQuery, echo.Host, echo.Header["X-Multi"], r.Headers["X-Request-Id"]},
		echoed{"/echo/相册/a b.jpg", "flag&k=1&k=2", "svc.example", []string{"a", "b"}, echo.RequestID})
	if !strings.HasPrefix(echo.RequestID, "scf-req-") {
		t.Errorf("echo: request id %q is not the invocation's (scf-req-…)", echo.RequestID)
	}

	r = scfReply(t, s, scfEvent(t, "GET", "/redirect", nil, nil, "", false), soon)
	type redirect struct {
		StatusCode             int
		Location, CacheControl any
	}
	platformtest.CheckFields(t, "redirect", redirect{r.StatusCode, r.Headers["Location"], r.Headers["Cache-Control"]}, redirect{
		302, "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/a%20b.jpg?q-sign-algorithm=sha1", "no-store",
	})

	r = scfReply(t, s, scfEvent(t, "GET", "/bad", nil, nil, "", false), soon)
	platformtest.CheckFields(t, "4xx", outcome{r.StatusCode, codeOf(r.Body)}, outcome{400, "InvalidRequest"})

	r = scfReply(t, s, scfEvent(t, "GET", "/panic", nil, nil, "", false), soon)
	platformtest.CheckFields(t, "panic", outcome{r.StatusCode, codeOf(r.Body)}, outcome{500, "InternalError"})
	if strings.Contains(r.Body, "probe panic") {
		t.Errorf("panic: the reply carries the panic's text: %s", r.Body)
	}
	if r2 := scfReply(t, s, scfEvent(t, "GET", "/bad", nil, nil, "", false), soon); r2.StatusCode != 400 {
		t.Errorf("the function did not survive the panic: %+v", r2)
	}

	r = scfReply(t, s, scfEvent(t, "GET", "/echo/x", nil, nil, "", false), time.Now().Add(-time.Second))
	platformtest.CheckFields(t, "expired deadline", outcome{r.StatusCode, codeOf(r.Body)}, outcome{504, "DeadlineExceeded"})
	start := time.Now()
	r = scfReply(t, s, scfEvent(t, "GET", "/slow", nil, nil, "", false), time.Now().Add(300*time.Millisecond))
	if r.StatusCode != 504 {
		t.Errorf("deadline during the handler: status %d, want 504", r.StatusCode)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("deadline during the handler: answered after %v, want under 3s", took)
	}

	payload := []byte{0, 1, 2, 0xfe, 0xff}
	r = scfReply(t, s, scfEvent(t, "PUT", "/echo/bin", nil, nil, base64.StdEncoding.EncodeToString(payload), true), soon)
	var eb struct{ Body string }
	json.Unmarshal([]byte(r.Body), &eb)
	if got, _ := base64.StdEncoding.DecodeString(eb.Body); string(got) != string(payload) {
		t.Errorf("base64 body in: the handler read %q, want %q", got, payload)
	}
	r = scfReply(t, s, scfEvent(t, "GET", "/binary", nil, nil, "", false), soon)
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	type binary struct {
		IsBase64Encoded bool
		Body            string
	}
	platformtest.CheckFields(t, "base64 body out", binary{r.IsBase64Encoded, r.Body}, binary{true, base64.StdEncoding.EncodeToString(all)})

	r = scfReply(t, s, scfEvent(t, "GET", "/cookies", nil, nil, "", false), soon)
	type cookies struct {
		StatusCode int
		SetCookie  any
	}
	platformtest.CheckFields(t, "repeated headers", cookies{r.StatusCode, r.Headers["Set-Cookie"]}, cookies{204, []any{"a=1; Path=/", "b=2; Path=/"}})

	r = scfReply(t, s, scfEvent(t, "HEAD", "/echo/h", nil, nil, "", false), soon)
	type head struct {
		StatusCode int
		Body       string
	}
	platformtest.CheckFields(t, "HEAD", head{r.StatusCode, r.Body}, head{200, ""})

	resp := s.Invoke(t, "not an event", soon, nil)
	if resp.Error != nil {
		t.Fatalf("malformed event: invoke returned an error, not a response: %+v", resp.Error)
	}
	var bad platformtest.SCFReply
	if err := json.Unmarshal(resp.Payload, &bad); err != nil {
		t.Fatalf("malformed event: payload is not an integrated response: %v\n%s", err, resp.Payload)
	}
	platformtest.CheckFields(t, "malformed event", outcome{bad.StatusCode, codeOf(bad.Body)}, outcome{400, "InvalidRequest"})
}

// SCF may deliver the environment with the invocation; the configuration is
// read then, once. A still-bad configuration answers 500 and says why in
// the log, naming variables only.
func TestSCFConfigurationArrivesWithInvocation(t *testing.T) {
	s := platformtest.StartSCF(t, probe, nil) // AUTH_MODE defaults to jwt, which needs a secret
	resp := s.Invoke(t, scfEvent(t, "GET", "/bad", nil, nil, "", false), time.Now().Add(5*time.Second), map[string]string{"AUTH_MODE": "none"})
	var r platformtest.SCFReply
	if err := json.Unmarshal(resp.Payload, &r); err != nil {
		t.Fatalf("payload is not an integrated response: %v\n%s", err, resp.Payload)
	}
	// 400 is the probe's own answer: the configuration from the invocation was used.
	platformtest.CheckFields(t, "configuration from the invocation", outcome{r.StatusCode, codeOf(r.Body)}, outcome{400, "InvalidRequest"})

	s2 := platformtest.StartSCF(t, probe, map[string]string{"AUTH_MODE": "bogus-VALUE-xyz"})
	for range 2 {
		resp = s2.Invoke(t, scfEvent(t, "GET", "/bad", nil, nil, "", false), time.Now().Add(5*time.Second), nil)
		r = platformtest.SCFReply{}
		if err := json.Unmarshal(resp.Payload, &r); err != nil {
			t.Fatalf("payload is not an integrated response: %v\n%s", err, resp.Payload)
		}
		platformtest.CheckFields(t, "misconfigured", outcome{r.StatusCode, codeOf(r.Body)}, outcome{500, "ServiceMisconfigured"})
	}
	logs := s2.Logs.String()
	if n := strings.Count(logs, "AUTH_MODE must be"); n != 1 {
		t.Errorf("logs say %d times why (AUTH_MODE must be…), want once: %s", n, logs)
	}
	if strings.Contains(logs, "bogus-VALUE-xyz") {
		t.Errorf("logs carry the bad value: %s", logs)
	}
}

// lambdaReply is any Lambda HTTP reply: payload 1.0 (multiValueHeaders) or
// 2.0 (headers, cookies).
type lambdaReply struct {
	StatusCode        int                 `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Cookies           []string            `json:"cookies"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

func lambdaInvoke(t *testing.T, l *platformtest.Lambda, event any, deadline time.Time) lambdaReply {
	t.Helper()
	rep := l.Invoke(t, event, deadline)
	if rep.Error {
		t.Fatalf("the function posted an error, not a reply: %s", rep.Body)
	}
	var r lambdaReply
	if err := json.Unmarshal(rep.Body, &r); err != nil {
		t.Fatalf("reply is not JSON: %v\n%s", err, rep.Body)
	}
	return r
}

const (
	restV1Event      = "awslambda/testdata/rest-v1-get.json"
	httpV2Event      = "awslambda/testdata/http-api-v2-post.json"
	functionURLEvent = "awslambda/testdata/function-url-get.json"
)

// v2 is the HTTP API fixture as a bodiless request.
func v2(t *testing.T, file, method, rawPath, query string) json.RawMessage {
	return platformtest.Event(t, file, platformtest.Set("requestContext.http.method", method), platformtest.Set("rawPath", rawPath), platformtest.Set("rawQueryString", query),
		platformtest.Set("body", nil), platformtest.Set("isBase64Encoded", false), platformtest.Set("cookies", nil),
		platformtest.Set("headers.content-length", nil), platformtest.Set("headers.content-type", nil))
}

func TestLambda(t *testing.T) {
	l := platformtest.NewLambda(t)
	platformtest.Start(t, probe, l.Env(okEnv))
	soon := time.Now().Add(10 * time.Second)

	r := lambdaInvoke(t, l, platformtest.Event(t, restV1Event, platformtest.Set("path", "/redirect")), soon)
	type redirect struct {
		StatusCode int
		Location   []string
	}
	platformtest.CheckFields(t, "v1 redirect", redirect{r.StatusCode, r.MultiValueHeaders["Location"]}, redirect{
		302, []string{"https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/a%20b.jpg?q-sign-algorithm=sha1"},
	})

	r = lambdaInvoke(t, l, v2(t, httpV2Event, "GET", "/echo/%E7%9B%B8/a%20b", "k=1&k=2&flag"), soon)
	var echo struct {
		Path  string              `json:"path"`
		Query map[string][]string `json:"query"`
	}
	if r.StatusCode != 200 {
		t.Fatalf("v2 echo: status %d, want 200: %+v", r.StatusCode, r)
	}
	if err := json.Unmarshal([]byte(r.Body), &echo); err != nil {
		t.Fatalf("v2 echo: body is not JSON: %v\n%s", err, r.Body)
	}
	platformtest.CheckFields(t, "v2 echo", echo, struct {
		Path  string              `json:"path"`
		Query map[string][]string `json:"query"`
	}{"/echo/相/a b", map[string][]string{"k": {"1", "2"}, "flag": {""}}})

	r = lambdaInvoke(t, l, v2(t, httpV2Event, "GET", "/cookies", ""), soon)
	type cookies struct {
		StatusCode int
		Cookies    []string
		XMulti     string
	}
	platformtest.CheckFields(t, "v2 cookies", cookies{r.StatusCode, r.Cookies, r.Headers["X-Multi"]}, cookies{204, []string{"a=1; Path=/", "b=2; Path=/"}, "one, two"})

	r = lambdaInvoke(t, l, v2(t, httpV2Event, "GET", "/panic", ""), soon)
	platformtest.CheckFields(t, "v2 panic", outcome{r.StatusCode, codeOf(r.Body)}, outcome{500, "InternalError"})

	r = lambdaInvoke(t, l, v2(t, httpV2Event, "GET", "/binary", ""), soon)
	if !r.IsBase64Encoded {
		t.Errorf("v2 binary: isBase64Encoded false, want true")
	}
	r = lambdaInvoke(t, l, v2(t, httpV2Event, "GET", "/echo/late", ""), time.Now().Add(-time.Second))
	platformtest.CheckFields(t, "v2 deadline", outcome{r.StatusCode, codeOf(r.Body)}, outcome{504, "DeadlineExceeded"})

	r = lambdaInvoke(t, l, v2(t, functionURLEvent, "GET", "/bad", ""), soon)
	platformtest.CheckFields(t, "function URL", outcome{r.StatusCode, codeOf(r.Body)}, outcome{400, "InvalidRequest"})
	var e errBody
	json.Unmarshal([]byte(r.Body), &e)
	if !strings.HasPrefix(e.RequestID, "aws-req-") {
		t.Errorf("function URL: request id %q is not the invocation's (aws-req-…)", e.RequestID)
	}
}

func TestHTTPAndSCFWeb(t *testing.T) {
	p, base := platformtest.StartHTTP(t, probe, okEnv)
	check := func(base string, wantID string) {
		t.Helper()
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		req, _ := http.NewRequest("GET", base+"/redirect", nil)
		req.Header.Set("X-Scf-Request-Id", "scf-web-7")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 302 || resp.Header.Get("Location") == "" || (wantID != "" && resp.Header.Get("X-Request-Id") != wantID) {
			t.Errorf("%s: %d %v", base, resp.StatusCode, resp.Header)
		}
		resp, err = http.Get(base + "/panic")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 500 || !strings.Contains(string(b), "InternalError") {
			t.Errorf("panic over HTTP: %d %s", resp.StatusCode, b)
		}
	}
	check(base, "")
	if !strings.Contains(p.Logs.String(), `"platform":"http"`) {
		t.Errorf("start-up line does not name the platform: %s", p.Logs)
	}

	port := platformtest.FreePort(t)
	web := platformtest.Start(t, probe, map[string]string{"AUTH_MODE": "none", "TENCENTCLOUD_RUNENV": "SCF", "LISTEN_HOST": "127.0.0.1", "PORT": itoa(port)})
	web.WaitTCP(t, "127.0.0.1:"+itoa(port))
	check("http://127.0.0.1:"+itoa(port), "scf-web-7")
	if !strings.Contains(web.Logs.String(), `"platform":"scf-web"`) {
		t.Errorf("web function start-up: %s", web.Logs)
	}
	// SIGTERM drains and exits cleanly.
	web.Cmd.Process.Signal(os.Interrupt)
	if code, ok := web.Wait(5 * time.Second); !ok || code != 0 {
		t.Errorf("shutdown: exited=%v code=%d", ok, code)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// A server writes one start line, naming the function, the platform, Go
// and the address: each line written ahead of the first answer delays it
// (see Process.Run).
func TestOneStartLine(t *testing.T) {
	port := platformtest.FreePort(t)
	p := platformtest.Start(t, probe, map[string]string{"AUTH_MODE": "none", "COSGATE_PLATFORM": "scf-web", "LISTEN_HOST": "127.0.0.1", "PORT": itoa(port)})
	p.WaitTCP(t, "127.0.0.1:"+itoa(port))
	p.Logs.Await("\n", 5*time.Second)
	var line map[string]any
	lines := strings.Split(strings.TrimSpace(p.Logs.String()), "\n")
	if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &line) != nil {
		t.Fatalf("before the first request, want one JSON line:\n%s", p.Logs)
	}
	if line["msg"] != "listening" || line["function"] != "probe" || line["platform"] != "scf-web" ||
		line["go"] != runtime.Version() || line["addr"] != "127.0.0.1:"+itoa(port) {
		t.Errorf("start line: %v", line)
	}
}

// A plain HTTP server or an SCF web function catches SIGTERM and SIGINT once
// it listens: the first drains the requests in flight and exits 0; a second
// one, sent during the drain, ends the process at once.
func TestSignalsDrainThenKill(t *testing.T) {
	for _, second := range []bool{false, true} {
		port := platformtest.FreePort(t)
		p := platformtest.Start(t, probe, map[string]string{"AUTH_MODE": "none", "COSGATE_PLATFORM": "scf-web", "LISTEN_HOST": "127.0.0.1", "PORT": itoa(port)})
		base := "http://127.0.0.1:" + itoa(port)
		p.WaitTCP(t, "127.0.0.1:"+itoa(port))
		// One answered request: the server is past its start-up.
		if resp, err := http.Get(base + "/bad"); err != nil {
			t.Fatal(err)
		} else {
			resp.Body.Close()
		}
		type answer struct {
			status int
			body   string
			err    error
		}
		got := make(chan answer, 1)
		go func() {
			resp, err := http.Get(base + "/pause")
			if err != nil {
				got <- answer{err: err}
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			got <- answer{status: resp.StatusCode, body: string(b)}
		}()
		if !p.Logs.Await(`"msg":"pausing"`, 5*time.Second) {
			t.Fatalf("the request never arrived: %s", p.Logs)
		}
		p.Cmd.Process.Signal(syscall.SIGTERM)
		if second {
			time.Sleep(50 * time.Millisecond)
			p.Cmd.Process.Signal(syscall.SIGTERM)
			code, exited := p.Wait(5 * time.Second)
			a := <-got
			if !exited || code == 0 || a.err == nil || strings.Contains(p.Logs.String(), `"msg":"stopped"`) {
				t.Errorf("second SIGTERM: exited=%v code=%d, request %+v; logs %s", exited, code, a, p.Logs)
			}
			continue
		}
		code, exited := p.Wait(5 * time.Second)
		a := <-got
		if !exited || code != 0 || a.err != nil || a.status != 200 || a.body != "paused" || !strings.Contains(p.Logs.String(), `"msg":"stopped"`) {
			t.Errorf("SIGTERM: exited=%v code=%d, request %+v; logs %s", exited, code, a, p.Logs)
		}
	}
}

// A bad configuration stops start-up with one line naming every bad
// variable and none of their values, on every platform that builds at
// start-up.
func TestMisconfiguredStartup(t *testing.T) {
	bad := map[string]string{"AUTH_MODE": "bogus-VALUE-xyz", "LOG_LEVEL": "loud-VALUE-xyz"}
	l := platformtest.NewLambda(t)
	for name, env := range map[string]map[string]string{
		"http":   bad,
		"lambda": l.Env(bad),
		"web":    {"AUTH_MODE": "bogus-VALUE-xyz", "TENCENTCLOUD_RUNENV": "SCF", "LISTEN_HOST": "127.0.0.1", "PORT": itoa(platformtest.FreePort(t))},
	} {
		p := platformtest.Start(t, probe, env)
		code, exited := p.Wait(5 * time.Second)
		logs := p.Logs.String()
		if !exited || code != 1 || !strings.Contains(logs, "cannot start") || strings.Contains(logs, "VALUE-xyz") {
			t.Errorf("%s: exited=%v code=%d logs=%s", name, exited, code, logs)
		}
		if name == "http" && !strings.Contains(logs, "LOG_LEVEL must be") {
			t.Errorf("runtime variables are not checked: %s", logs)
		}
	}
}

// Requests full of credentials go through every adapter; no log line may
// carry any of them.
func TestLogsNeverCarrySecrets(t *testing.T) {
	secrets := []string{"SECRETbearer1", "SECRETtoken2", "SECRETbodykey3", "SECRETcosheader4", "SECRETcookie5", "SECRETsignature6"}
	query := "x-cos-security-token=" + secrets[1] + "&q-signature=" + secrets[5] + "&sign=" + secrets[5]
	headers := map[string]string{"Authorization": "Bearer " + secrets[0], "X-Cos-Security-Token": secrets[3], "Cookie": "s=" + secrets[4], "Content-Type": "application/json"}
	body := `{"tmpSecretKey":"` + secrets[2] + `"}`
	paths := []string{"/echo/a", "/panic", "/bad", "/slow"}

	var all []*platformtest.Logs
	// HTTP
	p, base := platformtest.StartHTTP(t, probe, okEnv)
	all = append(all, p.Logs)
	for _, path := range paths[:3] {
		req, _ := http.NewRequest("POST", base+path+"?"+query, strings.NewReader(body))
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	// SCF
	s := platformtest.StartSCF(t, probe, okEnv)
	all = append(all, s.Logs)
	hs := map[string]any{}
	for k, v := range headers {
		hs[k] = v
	}
	for _, path := range paths {
		s.Invoke(t, scfEvent(t, "POST", path, map[string]any{"x-cos-security-token": secrets[1], "q-signature": secrets[5]}, hs, body, false),
			time.Now().Add(500*time.Millisecond), map[string]string{"COS_SECRET_KEY": secrets[2]})
	}
	// Lambda v1 and v2
	l := platformtest.NewLambda(t)
	lp := platformtest.Start(t, probe, l.Env(okEnv))
	all = append(all, lp.Logs)
	multi := map[string][]string{}
	for k, v := range headers {
		multi[k] = []string{v}
	}
	for _, path := range paths[:3] {
		l.Invoke(t, platformtest.Event(t, restV1Event, platformtest.Set("path", path), platformtest.Set("httpMethod", "POST"), platformtest.Set("headers", headers), platformtest.Set("multiValueHeaders", multi),
			platformtest.Set("body", body), platformtest.Set("queryStringParameters", map[string]string{"x-cos-security-token": secrets[1]}),
			platformtest.Set("multiValueQueryStringParameters", map[string][]string{"x-cos-security-token": {secrets[1]}})), time.Now().Add(5*time.Second))
		l.Invoke(t, platformtest.Event(t, httpV2Event, platformtest.Set("rawPath", path), platformtest.Set("rawQueryString", query), platformtest.Set("headers", headers), platformtest.Set("cookies", []string{"s=" + secrets[4]}),
			platformtest.Set("body", body), platformtest.Set("isBase64Encoded", false), platformtest.Set("requestContext.http.method", "POST")), time.Now().Add(5*time.Second))
	}
	time.Sleep(100 * time.Millisecond) // let the last access lines land
	for _, logs := range all {
		out := logs.String()
		if !strings.Contains(out, `"msg":"access"`) {
			t.Errorf("no access lines were logged: %s", out)
		}
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s appears in the log:\n%s", s, out)
			}
		}
	}
}
