package cosemu_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tencentyun/cos-go-sdk-v5"

	"cosgate/devstack/cam"
	"cosgate/devstack/cosemu"
	"cosgate/devstack/tempkeys"
	"cosgate/shared/platform/platformtest"
)

const (
	bucket  = "examplebucket-1250000000"
	region  = "ap-guangzhou"
	rootID  = "AKIDrootEXAMPLE0123456789abcdef"
	rootKey = "rootSecretKeyEXAMPLE0123456789ab"
)

// emu is an emulator on loopback with its registry and a log buffer.
type emu struct {
	*httptest.Server
	keys  *tempkeys.Registry
	store cosemu.Store
	logs  *platformtest.Logs
}

func start(t *testing.T, store cosemu.Store) *emu {
	t.Helper()
	if store == nil {
		store = cosemu.NewMemoryStore()
	}
	e := &emu{keys: tempkeys.New(), store: store, logs: &platformtest.Logs{}}
	srv, err := cosemu.New(cosemu.Config{Bucket: bucket, Region: region, RootID: rootID, RootKey: rootKey,
		Keys: e.keys, Store: store, Logger: slog.New(slog.NewJSONHandler(e.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e.Server = httptest.NewServer(srv)
	t.Cleanup(e.Close)
	return e
}

// tempKey registers a temporary key with policy (JSON).
func (e *emu) tempKey(t *testing.T, policy string, ttl time.Duration) tempkeys.Key {
	t.Helper()
	p, err := cam.Parse([]byte(policy))
	if err != nil {
		t.Fatal(err)
	}
	k := tempkeys.Key{SecretID: "AKIDtmp" + strings.Repeat("x", 20) + time.Now().Format("150405.000000000"),
		SecretKey: "tmpSecretKey0123456789", Token: "tok_" + time.Now().Format("150405.000000000"), Policy: p, Expires: time.Now().Add(ttl)}
	e.keys.Add(k)
	return k
}

// client is a cos-go-sdk-v5 client signing with id/key/token.
func (e *emu) client(id, key, token string) *cos.Client {
	u, _ := url.Parse(e.URL)
	return cos.NewClient(&cos.BaseURL{BucketURL: u}, &http.Client{Transport: &cos.AuthorizationTransport{SecretID: id, SecretKey: key, SessionToken: token}})
}

func (e *emu) root() *cos.Client { return e.client(rootID, rootKey, "") }

// policy grants actions on resource patterns (keys in this bucket).
func policy(actions []string, patterns []string, condition string) string {
	var res []string
	for _, p := range patterns {
		res = append(res, `"qcs::cos:`+region+`:uid/1250000000:`+bucket+`/`+p+`"`)
	}
	cond := ""
	if condition != "" {
		cond = `,"condition":` + condition
	}
	return `{"version":"2.0","statement":[{"effect":"allow","action":["` + strings.Join(actions, `","`) + `"],"resource":[` + strings.Join(res, ",") + `]` + cond + `}]}`
}

// cosError is the XML error body.
type cosError struct {
	Code, Message, Resource, RequestId, TraceId, ServerTime, StringToSign, FormatString string
}

// answer is a response read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
	err    cosError
}

func do(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, body: body}
	if resp.StatusCode >= 300 && len(body) > 0 {
		if err := xml.Unmarshal(body, &a.err); err != nil {
			t.Fatalf("error body is not XML: %v\n%s", err, body)
		}
	}
	checkCommonHeaders(t, a)
	return a
}

// checkCommonHeaders: every answer carries a correct Date, a request id
// (equal to the body's), and COS's Server header.
func checkCommonHeaders(t *testing.T, a answer) {
	t.Helper()
	d, err := http.ParseTime(a.header.Get("Date"))
	if err != nil || time.Since(d).Abs() > 3*time.Second {
		t.Errorf("Date header %q is not the current time", a.header.Get("Date"))
	}
	id := a.header.Get("x-cos-request-id")
	if id == "" || a.header.Get("Server") != "tencent-cos" {
		t.Errorf("missing x-cos-request-id or Server: %v", a.header)
	}
	if len(a.body) > 0 && a.status >= 300 {
		if !bytes.HasPrefix(a.body, []byte("<?xml version='1.0' encoding='utf-8' ?>")) || a.header.Get("Content-Type") != "application/xml" {
			t.Errorf("error body is not COS XML: %s", a.body)
		}
		if a.err.RequestId != id || a.err.TraceId == "" {
			t.Errorf("RequestId %q != header %q (TraceId %q)", a.err.RequestId, id, a.err.TraceId)
		}
	}
}

// sdkError unwraps a cos-go-sdk-v5 error.
func sdkError(t *testing.T, err error) *cos.ErrorResponse {
	t.Helper()
	var e *cos.ErrorResponse
	if !errors.As(err, &e) {
		t.Fatalf("want a COS error response, got %v", err)
	}
	return e
}

// signed builds a request signed by cos-go-sdk-v5 (header form); key may
// end in a raw ?query.
func (e *emu) signed(t *testing.T, method, key string, body []byte, h http.Header, id, sk, token string, at *cos.AuthTime) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	key, query, _ := strings.Cut(key, "?")
	req, err := http.NewRequestWithContext(context.Background(), method, e.URL+(&url.URL{Path: "/" + key, RawQuery: query}).String(), rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if at == nil {
		at = cos.NewAuthTime(time.Hour)
	}
	cos.AddAuthorizationHeader(id, sk, token, req, at)
	return req
}
