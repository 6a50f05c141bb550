package e2e_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tencentyun/cos-go-sdk-v5"

	"cosgate/devstack/stack"
	"cosgate/shared/platform/platformtest"
)

// env is a stack whose logs are kept for inspection.
type env struct {
	*stack.Stack
	logs  *platformtest.Logs
	token string // a JWT for uid u1; empty when the stack has no AUTH_JWT_SECRET to mint it with
}

func startStack(t testing.TB, overrides map[string]string) *env {
	t.Helper()
	return start(t, stack.Options{Env: overrides})
}

// startStackWith keeps objects in dataDir, as make dev does.
func startStackWith(t testing.TB, dataDir string) *env {
	t.Helper()
	return start(t, stack.Options{DataDir: dataDir})
}

func start(t testing.TB, o stack.Options) *env {
	t.Helper()
	logs := &platformtest.Logs{}
	o.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	st, err := stack.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tok, _ := st.Token("u1", time.Hour)
	return &env{Stack: st, logs: logs, token: tok}
}

// call sends a JSON request to a function as the caller with token and
// decodes the JSON answer into out.
func (e *env) call(t testing.TB, method, path, token string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.FunctionsURL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// stsAnswer is what POST /sts returns.
type stsAnswer struct {
	Credentials struct {
		TmpSecretID  string `json:"tmpSecretId"`
		TmpSecretKey string `json:"tmpSecretKey"`
		SessionToken string `json:"sessionToken"`
	} `json:"credentials"`
	StartTime, ExpiredTime int64
	Bucket, Region         string
}

// tempKey asks /sts for a key as the caller with token.
func (e *env) tempKey(t testing.TB, token string) stsAnswer {
	t.Helper()
	var a stsAnswer
	if s := e.call(t, "POST", "/sts", token, nil, &a); s != 200 || a.Credentials.SessionToken == "" {
		t.Fatalf("/sts: %d %+v", s, a)
	}
	return a
}

// cosClient is cos-go-sdk-v5 pointed at the COS emulator.
func (e *env) cosClient(id, key, token string) *cos.Client {
	u, _ := url.Parse(e.COSURL)
	return cos.NewClient(&cos.BaseURL{BucketURL: u}, &http.Client{Transport: &cos.AuthorizationTransport{SecretID: id, SecretKey: key, SessionToken: token}})
}

func (e *env) root() *cos.Client {
	return e.cosClient(e.Env["COS_SECRET_ID"], e.Env["COS_SECRET_KEY"], "")
}

// cosError reads a COS XML error body.
type cosError struct{ Code, Message string }

func readCOSError(t testing.TB, resp *http.Response) cosError {
	t.Helper()
	var ce cosError
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		if err := xml.Unmarshal(raw, &ce); err != nil {
			t.Fatalf("not COS XML: %s", raw)
		}
	}
	return ce
}

// noSecrets fails if any secret reached the logs.
func (e *env) noSecrets(t testing.TB, extra ...string) {
	t.Helper()
	logs := e.logs.String()
	for _, s := range append(extra, e.Env["COS_SECRET_KEY"], e.Env["AUTH_JWT_SECRET"], e.token, "q-signature", "sessionToken") {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("a secret (%.12s…) reached the logs", s)
		}
	}
}
