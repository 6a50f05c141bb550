package platform_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
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

func scfEvent(method, path string, query map[string]any, headers map[string]any, body string, b64 bool) map[string]any {
	return map[string]any{
		"requestContext": map[string]any{"serviceId": "service-1", "path": path, "httpMethod": method, "requestId": "gw-req", "sourceIp": "10.0.0.1", "stage": "release"},
		"headers":        headers, "path": path, "queryString": query, "httpMethod": method, "body": body, "isBase64Encoded": b64,
	}
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

	r := scfReply(t, s, scfEvent("GET", "/echo/相册/a b.jpg", map[string]any{"k": []string{"1", "2"}, "flag": true},
		map[string]any{"HOST": "svc.example", "x-multi": []string{"a", "b"}}, "", false), soon)
	var echo struct {
		Path, RawQuery, Host, RequestID string
		Query                           map[string][]string
		Header                          map[string][]string
	}
	if r.StatusCode != 200 || json.Unmarshal([]byte(r.Body), &echo) != nil {
		t.Fatalf("echo: %+v", r)
	}
	if echo.Path != "/echo/相册/a b.jpg" || echo.RawQuery != "flag&k=1&k=2" || echo.Host != "svc.example" ||
		strings.Join(echo.Header["X-Multi"], ",") != "a,b" || !strings.HasPrefix(echo.RequestID, "scf-req-") {
		t.Errorf("echo: %+v", echo)
	}
	if r.Headers["X-Request-Id"] != echo.RequestID {
		t.Errorf("X-Request-Id %v", r.Headers["X-Request-Id"])
	}

	r = scfReply(t, s, scfEvent("GET", "/redirect", nil, nil, "", false), soon)
	if r.StatusCode != 302 || !strings.HasPrefix(r.Headers["Location"].(string), "https://examplebucket") || r.Headers["Cache-Control"] != "no-store" {
		t.Errorf("redirect: %+v", r)
	}

	r = scfReply(t, s, scfEvent("GET", "/bad", nil, nil, "", false), soon)
	var e errBody
	if r.StatusCode != 400 || json.Unmarshal([]byte(r.Body), &e) != nil || e.Error.Code != "InvalidRequest" {
		t.Errorf("4xx: %+v", r)
	}

	r = scfReply(t, s, scfEvent("GET", "/panic", nil, nil, "", false), soon)
	if r.StatusCode != 500 || json.Unmarshal([]byte(r.Body), &e) != nil || e.Error.Code != "InternalError" || strings.Contains(r.Body, "probe panic") {
		t.Errorf("panic: %+v", r)
	}
	if r2 := scfReply(t, s, scfEvent("GET", "/bad", nil, nil, "", false), soon); r2.StatusCode != 400 {
		t.Errorf("the function did not survive the panic: %+v", r2)
	}

	r = scfReply(t, s, scfEvent("GET", "/echo/x", nil, nil, "", false), time.Now().Add(-time.Second))
	if r.StatusCode != 504 || json.Unmarshal([]byte(r.Body), &e) != nil || e.Error.Code != "DeadlineExceeded" {
		t.Errorf("expired deadline: %+v", r)
	}
	start := time.Now()
	r = scfReply(t, s, scfEvent("GET", "/slow", nil, nil, "", false), time.Now().Add(300*time.Millisecond))
	if r.StatusCode != 504 || time.Since(start) > 3*time.Second {
		t.Errorf("deadline during the handler: %+v after %v", r, time.Since(start))
	}

	payload := []byte{0, 1, 2, 0xfe, 0xff}
	r = scfReply(t, s, scfEvent("PUT", "/echo/bin", nil, nil, base64.StdEncoding.EncodeToString(payload), true), soon)
	var eb struct{ Body string }
	json.Unmarshal([]byte(r.Body), &eb)
	if got, _ := base64.StdEncoding.DecodeString(eb.Body); string(got) != string(payload) {
		t.Errorf("base64 body in: %+v", r)
	}
	r = scfReply(t, s, scfEvent("GET", "/binary", nil, nil, "", false), soon)
	if got, _ := base64.StdEncoding.DecodeString(r.Body); !r.IsBase64Encoded || len(got) != 256 || got[255] != 255 {
		t.Errorf("base64 body out: %+v", r)
	}
	r = scfReply(t, s, scfEvent("GET", "/cookies", nil, nil, "", false), soon)
	if c, ok := r.Headers["Set-Cookie"].([]any); !ok || len(c) != 2 || r.StatusCode != 204 {
		t.Errorf("repeated headers: %+v", r)
	}
	r = scfReply(t, s, scfEvent("HEAD", "/echo/h", nil, nil, "", false), soon)
	if r.StatusCode != 200 || r.Body != "" {
		t.Errorf("HEAD: %+v", r)
	}
	resp := s.Invoke(t, "not an event", soon, nil)
	var bad platformtest.SCFReply
	if resp.Error != nil || json.Unmarshal(resp.Payload, &bad) != nil || bad.StatusCode != 400 {
		t.Errorf("malformed event: %+v %s", resp.Error, resp.Payload)
	}
}

// SCF may deliver the environment with the invocation; the configuration is
// read then, once. A still-bad configuration answers 500 and says why in
// the log, naming variables only.
func TestSCFConfigurationArrivesWithInvocation(t *testing.T) {
	s := platformtest.StartSCF(t, probe, nil) // AUTH_MODE defaults to jwt, which needs a secret
	resp := s.Invoke(t, scfEvent("GET", "/bad", nil, nil, "", false), time.Now().Add(5*time.Second), map[string]string{"AUTH_MODE": "none"})
	var r platformtest.SCFReply
	if json.Unmarshal(resp.Payload, &r) != nil || r.StatusCode != 400 {
		t.Errorf("configuration from the invocation was not used: %s\n%s", resp.Payload, s.Logs)
	}

	s2 := platformtest.StartSCF(t, probe, map[string]string{"AUTH_MODE": "bogus-VALUE-xyz"})
	for range 2 {
		resp = s2.Invoke(t, scfEvent("GET", "/bad", nil, nil, "", false), time.Now().Add(5*time.Second), nil)
		var e errBody
		if json.Unmarshal(resp.Payload, &r) != nil || r.StatusCode != 500 || json.Unmarshal([]byte(r.Body), &e) != nil || e.Error.Code != "ServiceMisconfigured" {
			t.Errorf("misconfigured: %s", resp.Payload)
		}
	}
	logs := s2.Logs.String()
	if strings.Count(logs, "AUTH_MODE must be") != 1 || strings.Contains(logs, "bogus-VALUE-xyz") {
		t.Errorf("logs: %s", logs)
	}
}

func TestLambda(t *testing.T) {
	l := platformtest.NewLambda(t)
	p := platformtest.Start(t, probe, l.Env(okEnv))
	soon := time.Now().Add(10 * time.Second)

	v1 := map[string]any{"resource": "/{proxy+}", "path": "/redirect", "httpMethod": "GET", "headers": map[string]string{"Host": "h"},
		"requestContext": map[string]any{"requestId": "gw"}}
	var r1 struct {
		StatusCode        int                 `json:"statusCode"`
		MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	}
	if rep := l.Invoke(t, v1, soon); rep.Error || json.Unmarshal(rep.Body, &r1) != nil || r1.StatusCode != 302 || r1.MultiValueHeaders["Location"] == nil {
		t.Errorf("v1 redirect: %s\n%s", rep.Body, p.Logs)
	}

	v2 := func(method, rawPath, query string) map[string]any {
		return map[string]any{"version": "2.0", "rawPath": rawPath, "rawQueryString": query, "headers": map[string]string{"host": "abc.execute-api.example"},
			"requestContext": map[string]any{"requestId": "gw2", "domainName": "abc.execute-api.example", "http": map[string]any{"method": method, "sourceIp": "1.2.3.4"}}}
	}
	type v2reply struct {
		StatusCode      int               `json:"statusCode"`
		Headers         map[string]string `json:"headers"`
		Cookies         []string          `json:"cookies"`
		Body            string            `json:"body"`
		IsBase64Encoded bool              `json:"isBase64Encoded"`
	}
	var r2 v2reply
	rep := l.Invoke(t, v2("GET", "/echo/%E7%9B%B8/a%20b", "k=1&k=2&flag"), soon)
	if json.Unmarshal(rep.Body, &r2) != nil || r2.StatusCode != 200 || !strings.Contains(r2.Body, `"path":"/echo/相/a b"`) || !strings.Contains(r2.Body, `"k":["1","2"]`) {
		t.Errorf("v2 echo: %s", rep.Body)
	}
	rep = l.Invoke(t, v2("GET", "/cookies", ""), soon)
	if json.Unmarshal(rep.Body, &r2) != nil || len(r2.Cookies) != 2 || r2.Headers["X-Multi"] != "one, two" {
		t.Errorf("v2 cookies: %s", rep.Body)
	}
	rep = l.Invoke(t, v2("GET", "/panic", ""), soon)
	if json.Unmarshal(rep.Body, &r2) != nil || r2.StatusCode != 500 || !strings.Contains(r2.Body, "InternalError") {
		t.Errorf("v2 panic: %s", rep.Body)
	}
	rep = l.Invoke(t, v2("GET", "/binary", ""), soon)
	if json.Unmarshal(rep.Body, &r2) != nil || !r2.IsBase64Encoded {
		t.Errorf("v2 binary: %s", rep.Body)
	}
	rep = l.Invoke(t, v2("GET", "/echo/late", ""), time.Now().Add(-time.Second))
	if json.Unmarshal(rep.Body, &r2) != nil || r2.StatusCode != 504 {
		t.Errorf("v2 deadline: %s", rep.Body)
	}

	fu := v2("GET", "/bad", "")
	fu["requestContext"].(map[string]any)["domainName"] = "abc.lambda-url.us-east-1.on.aws"
	rep = l.Invoke(t, fu, soon)
	if json.Unmarshal(rep.Body, &r2) != nil || r2.StatusCode != 400 || !strings.Contains(r2.Body, "InvalidRequest") || !strings.Contains(r2.Body, `"requestId":"aws-req-`) {
		t.Errorf("function URL: %s", rep.Body)
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
		s.Invoke(t, scfEvent("POST", path, map[string]any{"x-cos-security-token": secrets[1], "q-signature": secrets[5]}, hs, body, false),
			time.Now().Add(500*time.Millisecond), map[string]string{"COS_SECRET_KEY": secrets[2]})
	}
	// Lambda v1 and v2
	l := platformtest.NewLambda(t)
	lp := platformtest.Start(t, probe, l.Env(okEnv))
	all = append(all, lp.Logs)
	for _, path := range paths[:3] {
		l.Invoke(t, map[string]any{"path": path, "httpMethod": "POST", "headers": headers, "body": body,
			"queryStringParameters": map[string]string{"x-cos-security-token": secrets[1]}, "requestContext": map[string]any{"requestId": "r"}}, time.Now().Add(5*time.Second))
		l.Invoke(t, map[string]any{"version": "2.0", "rawPath": path, "rawQueryString": query, "headers": headers, "cookies": []string{"s=" + secrets[4]}, "body": body,
			"requestContext": map[string]any{"requestId": "r", "http": map[string]any{"method": "POST"}}}, time.Now().Add(5*time.Second))
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
