package awslambda

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"cosgate/shared/platform/platformtest"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// The events are in testdata (rest-v1-get.json, http-api-v2-post.json,
// function-url-get.json; testdata/README.md cites the documented shapes).
// Each test compares what the handler saw and what the adapter answered
// field by field against a want value, so a failure names the field.

// seen is what the echo handler observed.
type seen struct {
	Method, Path, RawQuery, Host, RemoteAddr string
	Query                                    map[string][]string
	Header                                   http.Header
	Body                                     string
}

func echo(got *seen) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		*got = seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Host, r.RemoteAddr, r.URL.Query(), r.Header, string(body)}
		switch r.URL.Path {
		case "/redirect":
			w.Header().Set("Location", "https://b.example/x")
			w.WriteHeader(http.StatusFound)
		case "/cookies":
			w.Header().Add("Set-Cookie", "a=1")
			w.Header().Add("Set-Cookie", "b=2")
			w.Header().Add("X-Multi", "one")
			w.Header().Add("X-Multi", "two")
		case "/binary":
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write([]byte{0, 0xff})
		default:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write([]byte("ok"))
		}
	})
}

const awsRequestID = "aws-1"

func invoke(t *testing.T, h http.Handler, event []byte) []byte {
	t.Helper()
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: awsRequestID})
	out, err := Adapter{Handler: h}.Invoke(ctx, event)
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	return out
}

// decode reads the adapter's reply into the response type of its kind.
func decode[R any](t *testing.T, out []byte) R {
	t.Helper()
	var r R
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("reply is not a %T: %v\n%s", r, err, out)
	}
	return r
}

const (
	restHost = "k7q2m9x4ab.execute-api.us-east-1.amazonaws.com"
	httpHost = "r4t8w2n6cd.execute-api.eu-west-1.amazonaws.com"
	urlHost  = "m3n5p7q9r1s3t5v7w9x1y3z5a7b9c1d3.lambda-url.us-east-1.on.aws"
	textType = "text/plain; charset=utf-8"
)

func TestRESTv1(t *testing.T) {
	var s seen
	out := invoke(t, echo(&s), platformtest.Event(t, "testdata/rest-v1-get.json"))
	platformtest.CheckFields(t, "reply", decode[events.APIGatewayProxyResponse](t, out), events.APIGatewayProxyResponse{
		StatusCode:        200,
		MultiValueHeaders: map[string][]string{"Content-Type": {textType}},
		Body:              "ok",
	})
	// Payload 1.0: the multi-value forms are complete and win; the path is
	// kept as sent.
	platformtest.CheckFields(t, "request", s, seen{
		Method:     "GET",
		Path:       "/download/相册/a b.jpg",
		RawQuery:   "flag=&key=a&key=b",
		Host:       restHost,
		RemoteAddr: "203.0.113.9:0",
		Query:      map[string][]string{"key": {"a", "b"}, "flag": {""}},
		Header: http.Header{
			"Accept":            {"image/avif,image/webp,*/*"},
			"Authorization":     {"Bearer t"},
			"Host":              {restHost},
			"User-Agent":        {"curl/8.5.0"},
			"X-Amzn-Trace-Id":   {"Root=1-67a0c3d1-0e5b8a2f4c6d7e8f9a0b1c2d"},
			"X-Forwarded-For":   {"198.51.100.7", "203.0.113.9"},
			"X-Forwarded-Port":  {"443"},
			"X-Forwarded-Proto": {"https"},
		},
	})

	// Repeated reply headers travel as multiValueHeaders; a field the
	// event type does not know is ignored.
	out = invoke(t, echo(&s), platformtest.Event(t, "testdata/rest-v1-get.json", platformtest.Set("path", "/cookies"), platformtest.Set("x", 1)))
	platformtest.CheckFields(t, "multi-value reply", decode[events.APIGatewayProxyResponse](t, out), events.APIGatewayProxyResponse{
		StatusCode:        200,
		MultiValueHeaders: map[string][]string{"Set-Cookie": {"a=1", "b=2"}, "X-Multi": {"one", "two"}},
	})
}

func TestHTTPv2(t *testing.T) {
	var s seen
	out := invoke(t, echo(&s), platformtest.Event(t, "testdata/http-api-v2-post.json"))
	platformtest.CheckFields(t, "reply", decode[events.APIGatewayV2HTTPResponse](t, out), events.APIGatewayV2HTTPResponse{
		StatusCode: 200,
		Headers:    map[string]string{"Content-Type": textType},
		Body:       "ok",
	})
	// Payload 2.0: cookies become the Cookie header, the raw path is
	// decoded, the query is kept as sent and the body is base64-decoded.
	platformtest.CheckFields(t, "request", s, seen{
		Method:     "POST",
		Path:       "/download/相册/a b.jpg",
		RawQuery:   "key=a&key=b&flag",
		Host:       httpHost,
		RemoteAddr: "203.0.113.9:0",
		Query:      map[string][]string{"key": {"a", "b"}, "flag": {""}},
		Header: http.Header{
			"Accept":            {"*/*"},
			"Content-Length":    {"3"},
			"Content-Type":      {"application/octet-stream"},
			"Cookie":            {"s=1; t=2"},
			"Host":              {httpHost},
			"User-Agent":        {"okhttp/4.12.0"},
			"X-Amzn-Trace-Id":   {"Root=1-67a0c3d2-1f2e3d4c5b6a79880a1b2c3d"},
			"X-Forwarded-For":   {"198.51.100.7,203.0.113.9"},
			"X-Forwarded-Port":  {"443"},
			"X-Forwarded-Proto": {"https"},
		},
		Body: "\x00\x01\xff",
	})

	for _, c := range []struct {
		path string
		want events.APIGatewayV2HTTPResponse
	}{
		{"/redirect", events.APIGatewayV2HTTPResponse{StatusCode: 302, Headers: map[string]string{"Location": "https://b.example/x"}}},
		// Repeated headers are joined; Set-Cookie travels as cookies only.
		{"/cookies", events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"X-Multi": "one, two"}, Cookies: []string{"a=1", "b=2"}}},
		{"/binary", events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/octet-stream"},
			Body: "AP8=", IsBase64Encoded: true}}, // base64 of 00 ff
	} {
		out := invoke(t, echo(&s), platformtest.Event(t, "testdata/http-api-v2-post.json", platformtest.Set("rawPath", c.path)))
		platformtest.CheckFields(t, c.path, decode[events.APIGatewayV2HTTPResponse](t, out), c.want)
	}
}

func TestFunctionURL(t *testing.T) {
	var s seen
	out := invoke(t, echo(&s), platformtest.Event(t, "testdata/function-url-get.json"))
	platformtest.CheckFields(t, "reply", decode[events.LambdaFunctionURLResponse](t, out), events.LambdaFunctionURLResponse{
		StatusCode: 200,
		Headers:    map[string]string{"Content-Type": textType},
		Body:       "ok",
	})
	platformtest.CheckFields(t, "request", s, seen{
		Method:     "GET",
		Path:       "/status",
		Host:       urlHost,
		RemoteAddr: "192.0.2.44:0",
		Query:      map[string][]string{},
		Header: http.Header{
			"Accept":                  {"application/json"},
			"Host":                    {urlHost},
			"User-Agent":              {"Mozilla/5.0 (X11; Linux x86_64)"},
			"X-Amzn-Tls-Cipher-Suite": {"TLS_AES_128_GCM_SHA256"},
			"X-Amzn-Tls-Version":      {"TLSv1.3"},
			"X-Amzn-Trace-Id":         {"Root=1-67a0c3d3-2a3b4c5d6e7f80912a3b4c5d"},
			"X-Forwarded-For":         {"192.0.2.44"},
			"X-Forwarded-Port":        {"443"},
			"X-Forwarded-Proto":       {"https"},
		},
	})
}

// ParseEvent tells the three kinds apart (which decides the reply's shape)
// and takes the gateway's request id.
func TestParseEventKinds(t *testing.T) {
	for _, c := range []struct {
		file      string
		kind      Kind
		requestID string
	}{
		{"rest-v1-get.json", RESTv1, "5e0c1d2f-8a7b-4c3d-9e1f-2a3b4c5d6e7f"},
		{"http-api-v2-post.json", HTTPv2, "Fq3kQgUjIAMEa5Q="},
		{"function-url-get.json", FunctionURL, "0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e"},
	} {
		kind, x, err := ParseEvent(platformtest.Event(t, "testdata/"+c.file))
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if kind != c.kind {
			t.Errorf("%s: kind %d, want %d", c.file, kind, c.kind)
		}
		if x.RequestID != c.requestID {
			t.Errorf("%s: request id %q, want %q", c.file, x.RequestID, c.requestID)
		}
	}
}

// errorReply is what a caller reads from an error reply of any kind.
type errorReply struct {
	StatusCode      int
	Code, RequestID string // the JSON error body's error.code and requestId
	XRequestID      string // the X-Request-Id header
	BodyIsBase64    bool
}

func readError(t *testing.T, out []byte) errorReply {
	t.Helper()
	// Payload 1.0 replies carry multiValueHeaders, 2.0 replies headers;
	// APIGatewayProxyResponse reads both.
	r := decode[events.APIGatewayProxyResponse](t, out)
	var body struct {
		Error     struct{ Code string } `json:"error"`
		RequestID string                `json:"requestId"`
	}
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
		t.Errorf("error body is not JSON: %v\n%s", err, out)
	}
	e := errorReply{StatusCode: r.StatusCode, Code: body.Error.Code, RequestID: body.RequestID, BodyIsBase64: r.IsBase64Encoded}
	e.XRequestID = r.Headers["X-Request-Id"]
	if v := r.MultiValueHeaders["X-Request-Id"]; len(v) > 0 {
		e.XRequestID = v[0]
	}
	return e
}

func TestBadEvents(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("handler ran") })
	for _, c := range []struct {
		name  string
		event []byte
	}{
		{"a JSON string", []byte(`"hello"`)},
		{"an empty object", []byte(`{}`)},
		{"a body marked base64 that is not", platformtest.Event(t, "testdata/http-api-v2-post.json", platformtest.Set("body", "%%"))},
	} {
		platformtest.CheckFields(t, c.name, readError(t, invoke(t, h, c.event)), errorReply{
			StatusCode: 400, Code: "InvalidRequest", RequestID: awsRequestID, XRequestID: awsRequestID,
		})
	}
}

func TestExpiredDeadline(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("handler ran past its deadline") })
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	out, err := Adapter{Handler: h}.Invoke(ctx, platformtest.Event(t, "testdata/function-url-get.json"))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	// Without a Lambda context the event's own request id is used.
	const id = "0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e"
	platformtest.CheckFields(t, "deadline", readError(t, out), errorReply{StatusCode: 504, Code: "DeadlineExceeded", RequestID: id, XRequestID: id})
}
