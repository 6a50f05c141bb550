package scf

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"cosgate/shared/httpapi"
	"cosgate/shared/platform/platformtest"

	"github.com/tencentyun/scf-go-lib/functioncontext"
)

// The events are in testdata: API Gateway integrated requests
// (apigw-*.json) and a function URL's event (function-url-post.json);
// testdata/README.md cites the documented shapes. Each test compares what
// the handler saw and what the adapter answered field by field against a
// want value, so a failure names the field.

// seen is what the echo handler observed.
type seen struct {
	Method, Path, EscapedPath, RawQuery, Host, RemoteAddr string
	Query                                                 map[string][]string
	Header                                                http.Header
	Body                                                  string
}

func echo(got *seen) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		*got = seen{r.Method, r.URL.Path, r.URL.EscapedPath(), r.URL.RawQuery, r.Host, r.RemoteAddr, r.URL.Query(), r.Header, string(body)}
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("ok"))
	})
}

// reply is the integrated response as a gateway reads it.
type reply struct {
	IsBase64Encoded bool                `json:"isBase64Encoded"`
	StatusCode      int                 `json:"statusCode"`
	Headers         map[string]stringOr `json:"headers"`
	Body            string              `json:"body"`
}

// stringOr reads a header value given as a string or an array.
type stringOr []string

func (s *stringOr) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '[' {
		return json.Unmarshal(b, (*[]string)(s))
	}
	var one string
	err := json.Unmarshal(b, &one)
	*s = stringOr{one}
	return err
}

// okReply is what echo answers.
var okReply = reply{StatusCode: 200, Headers: map[string]stringOr{"Content-Type": {"text/plain"}}, Body: "ok"}

const invocationID = "rid-1"

// invokeRaw runs the adapter with an invocation context carrying
// invocationID and returns its payload.
func invokeRaw(t *testing.T, h http.Handler, event []byte) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ctx = functioncontext.NewContext(ctx, &functioncontext.FunctionContext{RequestID: invocationID})
	out, err := Adapter{Handler: h}.Invoke(ctx, event)
	if err != nil {
		t.Fatalf("Invoke returned an error instead of a response: %v", err)
	}
	return out
}

func invoke(t *testing.T, h http.Handler, event []byte) reply {
	t.Helper()
	out := invokeRaw(t, h, event)
	var r reply
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("reply is not an integrated response: %v\n%s", err, out)
	}
	return r
}

func TestEventTranslation(t *testing.T) {
	const gwHost = "service-7h3k9m2p-1250000000.gz.apigw.tencentcs.com"
	cases := []struct {
		name, file string
		want       seen
	}{
		{"repeated keys and a bare flag", "apigw-query-repeated.json", seen{
			Method: "GET", Path: "/download", EscapedPath: "/download", RawQuery: "key=a&key=b&flag&n=5",
			Host: gwHost, RemoteAddr: "198.51.100.23:0",
			Query:  map[string][]string{"key": {"a", "b"}, "flag": {""}, "n": {"5"}},
			Header: http.Header{"Host": {gwHost}, "User-Agent": {"curl/8.5.0"}},
		}},
		{"values that need escaping", "apigw-query-escaping.json", seen{
			Method: "GET", Path: "/d", EscapedPath: "/d", RawQuery: "key=%E6%8A%A5%E5%91%8A+2024%2Ba%26b%3Dc%2F%25.jpg",
			Host: gwHost, RemoteAddr: "198.51.100.23:0",
			Query:  map[string][]string{"key": {"报告 2024+a&b=c/%.jpg"}},
			Header: http.Header{"Host": {gwHost}},
		}},
		{"mixed-case and multi-value headers", "apigw-headers-mixed-case.json", seen{
			Method: "POST", Path: "/sts", EscapedPath: "/sts", Host: "sts.example.cn", RemoteAddr: "198.51.100.23:0",
			Query: map[string][]string{},
			Header: http.Header{
				"Content-Type":    {"application/json"},
				"X-Forwarded-For": {"198.51.100.23", "203.0.113.5"},
				"Authorization":   {"Bearer t"},
				"Host":            {"sts.example.cn"},
			},
		}},
		{"base64 body in", "apigw-body-base64.json", seen{
			Method: "PUT", Path: "/p", EscapedPath: "/p", Host: gwHost, RemoteAddr: "198.51.100.23:0",
			Query:  map[string][]string{},
			Header: http.Header{"Content-Type": {"application/octet-stream"}, "Host": {gwHost}},
			Body:   "\x00\x01\x02\xff",
		}},
		{"plain body in", "apigw-body-text.json", seen{
			Method: "POST", Path: "/p", EscapedPath: "/p", Host: gwHost, RemoteAddr: "198.51.100.23:0",
			Query:  map[string][]string{},
			Header: http.Header{"Content-Type": {"application/json"}, "Host": {gwHost}},
			Body:   `{"ext":"jpg"}`,
		}},
		{"non-ASCII path", "apigw-path-non-ascii.json", seen{
			Method: "GET", Path: "/download/相册/😀 a+b.jpg", EscapedPath: "/download/%E7%9B%B8%E5%86%8C/%F0%9F%98%80%20a+b.jpg",
			Host: gwHost, RemoteAddr: "198.51.100.23:0",
			Query:  map[string][]string{},
			Header: http.Header{"Host": {gwHost}},
		}},
		{"method and path from the request context when the event says ANY", "apigw-method-from-context.json", seen{
			Method: "GET", Path: "/x", EscapedPath: "/x", RemoteAddr: "9.9.9.9:0",
			Query: map[string][]string{}, Header: http.Header{},
		}},
		// The documented way round: the context's method is the API's
		// configured ANY, the event's the request's.
		{"a configured ANY in the request context", "apigw-get.json", seen{
			Method: "GET", Path: "/status", EscapedPath: "/status", Host: gwHost, RemoteAddr: "198.51.100.23:0",
			Query: map[string][]string{},
			Header: http.Header{
				"Accept":               {"application/json"},
				"Host":                 {gwHost},
				"User-Agent":           {"Mozilla/5.0 MicroMessenger/8.0.50"},
				"X-Anonymous-Consumer": {"true"},
				"X-Qualifier":          {"$LATEST"},
			},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s seen
			platformtest.CheckFields(t, "reply", invoke(t, echo(&s), platformtest.Event(t, "testdata/"+c.file)), okReply)
			platformtest.CheckFields(t, "request", s, c.want)
		})
	}
}

// wireReply keeps each header value and the body as the JSON the gateway
// receives, to tell a string from a one-element array and to see that
// UTF-8 text is not escaped.
type wireReply struct {
	IsBase64Encoded bool                       `json:"isBase64Encoded"`
	StatusCode      int                        `json:"statusCode"`
	Headers         map[string]json.RawMessage `json:"headers"`
	Body            json.RawMessage            `json:"body"`
}

type raw = json.RawMessage

func TestResponseTranslation(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			w.Header().Set("Location", "https://b.example/a%20b?x=1")
			w.WriteHeader(http.StatusFound)
		case "/binary":
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte{0x89, 'P', 'N', 'G', 0, 0xff})
		case "/cookies":
			w.Header().Add("Set-Cookie", "a=1")
			w.Header().Add("Set-Cookie", "b=2")
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"中文":"✓"}`))
		}
	})
	for _, c := range []struct {
		path string
		want wireReply
	}{
		{"/redirect", wireReply{StatusCode: 302, Headers: map[string]raw{"Location": raw(`"https://b.example/a%20b?x=1"`)}, Body: raw(`""`)}},
		{"/binary", wireReply{StatusCode: 200, Headers: map[string]raw{"Content-Type": raw(`"image/png"`)},
			Body: raw(`"iVBORwD/"`), IsBase64Encoded: true}}, // base64 of 89 'P' 'N' 'G' 00 ff
		// A repeated header is an array, a single one a string; UTF-8 text as is.
		{"/cookies", wireReply{StatusCode: 200, Headers: map[string]raw{"Set-Cookie": raw(`["a=1","b=2"]`), "Content-Type": raw(`"application/json"`)},
			Body: raw(`"{\"中文\":\"✓\"}"`)}},
	} {
		out := invokeRaw(t, h, platformtest.Event(t, "testdata/apigw-get.json", platformtest.Set("path", c.path)))
		var r wireReply
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("%s: reply is not an integrated response: %v\n%s", c.path, err, out)
		}
		platformtest.CheckFields(t, c.path, r, c.want)
	}
}

// errorReply is what a caller reads from an error reply.
type errorReply struct {
	StatusCode      int
	Code, RequestID string   // the JSON error body's error.code and requestId
	XRequestID      []string // the X-Request-Id header
}

func readError(t *testing.T, r reply) errorReply {
	t.Helper()
	var body struct {
		Error     struct{ Code string } `json:"error"`
		RequestID string                `json:"requestId"`
	}
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
		t.Errorf("error body is not JSON: %v\n%+v", err, r)
	}
	return errorReply{StatusCode: r.StatusCode, Code: body.Error.Code, RequestID: body.RequestID, XRequestID: r.Headers["X-Request-Id"]}
}

func TestBadEvents(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("handler ran for a bad event") })
	for _, c := range []struct {
		name  string
		event []byte
	}{
		{"not JSON", []byte(`not json`)},
		{"a JSON array", []byte(`[1,2]`)},
		{"a body marked base64 that is not", platformtest.Event(t, "testdata/apigw-get.json", platformtest.Set("isBase64Encoded", true), platformtest.Set("body", "%%%"))},
		{"a queryString value that is an object", platformtest.Event(t, "testdata/apigw-get.json", platformtest.Set("queryString", map[string]any{"a": map[string]any{"b": 1}}))},
		{"a header value that is an object", platformtest.Event(t, "testdata/apigw-get.json", platformtest.Set("headers", map[string]any{"a": map[string]any{"b": 1}}))},
	} {
		platformtest.CheckFields(t, c.name, readError(t, invoke(t, h, c.event)), errorReply{
			StatusCode: 400, Code: "InvalidRequest", RequestID: invocationID, XRequestID: []string{invocationID},
		})
	}
}

func TestExpiredDeadline(t *testing.T) {
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(1, 0))
	defer cancel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("handler ran past its deadline") })
	out, err := Adapter{Handler: h}.Invoke(ctx, platformtest.Event(t, "testdata/apigw-get.json"))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var r reply
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("reply is not an integrated response: %v\n%s", err, out)
	}
	// Without an invocation context the gateway's request id is used.
	const id = "3f6e2a1c-9b8d-4e7f-a6c5-1d2e3f4a5b6c"
	platformtest.CheckFields(t, "deadline", readError(t, r), errorReply{StatusCode: 504, Code: "DeadlineExceeded", RequestID: id, XRequestID: []string{id}})
}

// A function URL invoking an event function sends the API Gateway shape
// without requestContext, isBase64Encoded and the *Parameters maps
// ("函数 URL 概述", cloud.tencent.com/document/product/583/96099).
func TestFunctionURLEvent(t *testing.T) {
	var s seen
	platformtest.CheckFields(t, "reply", invoke(t, echo(&s), platformtest.Event(t, "testdata/function-url-post.json")), okReply)
	platformtest.CheckFields(t, "request", s, seen{
		Method: "POST", Path: "/presign", EscapedPath: "/presign",
		RawQuery: "prefix=photos%2F&max=20", // in the event's order
		Query:    map[string][]string{"prefix": {"photos/"}, "max": {"20"}},
		Header: http.Header{
			"Accept":          {"application/json"},
			"Accept-Encoding": {"gzip"},
			"Content-Length":  {"25"},
			"Content-Type":    {"application/json"},
			"User-Agent":      {"okhttp/4.12.0"},
		},
		Body: `{"ext":"png","size":2048}`,
	})
	// The request id comes from the invocation, as the event has none.
	var id string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { id = httpapi.RequestID(r.Context()) })
	r := invoke(t, h, platformtest.Event(t, "testdata/function-url-post.json"))
	if r.StatusCode != 200 {
		t.Errorf("status %d, want 200", r.StatusCode)
	}
	if id != invocationID {
		t.Errorf("request id %q, want %q", id, invocationID)
	}
}
