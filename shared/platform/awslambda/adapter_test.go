package awslambda

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type seen struct {
	Method, Path, RawQuery, Host, RemoteAddr string
	Query                                    map[string][]string
	Header                                   http.Header
	Body                                     []byte
}

func echo(got *seen) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		*got = seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Host, r.RemoteAddr, r.URL.Query(), r.Header, body}
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

func invoke(t *testing.T, h http.Handler, event string) []byte {
	t.Helper()
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "aws-1"})
	out, err := Adapter{Handler: h}.Invoke(ctx, []byte(event))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	return out
}

const (
	v1Event = `{"resource":"/{proxy+}","path":"/download/相册/a b.jpg","httpMethod":"GET",
		"headers":{"Host":"abc.execute-api.example","x-mixed":"last"},
		"multiValueHeaders":{"Host":["abc.execute-api.example"],"X-Forwarded-For":["1.1.1.1","2.2.2.2"],"authorization":["Bearer t"]},
		"queryStringParameters":{"key":"b"},"multiValueQueryStringParameters":{"key":["a","b"],"flag":[""]},
		"requestContext":{"requestId":"gw-1","identity":{"sourceIp":"9.9.9.9"}},"body":null,"isBase64Encoded":false}`
	v2Event = `{"version":"2.0","routeKey":"$default","rawPath":"/download/%E7%9B%B8%E5%86%8C/a%20b.jpg","rawQueryString":"key=a&key=b&flag",
		"cookies":["s=1","t=2"],"headers":{"host":"abc.execute-api.example","x-forwarded-for":"1.1.1.1,2.2.2.2","Content-Type":"application/json"},
		"requestContext":{"requestId":"gw-2","domainName":"abc.execute-api.example","http":{"method":"POST","path":"/download","sourceIp":"9.9.9.9"}},
		"body":"` + "AAH/" + `","isBase64Encoded":true}`
	urlEvent = `{"version":"2.0","rawPath":"/x","rawQueryString":"","headers":{"host":"abc.lambda-url.us-east-1.on.aws"},
		"requestContext":{"requestId":"u-1","domainName":"abc.lambda-url.us-east-1.on.aws","http":{"method":"GET","sourceIp":"9.9.9.9"}}}`
)

func TestRESTv1(t *testing.T) {
	var s seen
	out := invoke(t, echo(&s), v1Event)
	var r events.APIGatewayProxyResponse
	if err := json.Unmarshal(out, &r); err != nil || r.StatusCode != 200 || r.Body != "ok" {
		t.Fatalf("%s", out)
	}
	if s.Path != "/download/相册/a b.jpg" || strings.Join(s.Query["key"], ",") != "a,b" || len(s.Query["flag"]) != 1 ||
		strings.Join(s.Header.Values("X-Forwarded-For"), ",") != "1.1.1.1,2.2.2.2" || s.Header.Get("Authorization") != "Bearer t" ||
		s.Host != "abc.execute-api.example" || s.RemoteAddr != "9.9.9.9:0" || s.Method != "GET" {
		t.Errorf("%+v", s)
	}
	ev := strings.Replace(v1Event, `"httpMethod":"GET"`, `"httpMethod":"GET","x":1`, 1)
	ev = strings.Replace(ev, `"path":"/download/相册/a b.jpg"`, `"path":"/cookies"`, 1)
	if err := json.Unmarshal(invoke(t, echo(&s), ev), &r); err != nil || strings.Join(r.MultiValueHeaders["Set-Cookie"], "|") != "a=1|b=2" ||
		strings.Join(r.MultiValueHeaders["X-Multi"], "|") != "one|two" {
		t.Errorf("multi-value reply: %+v", r)
	}
}

func TestHTTPv2(t *testing.T) {
	var s seen
	out := invoke(t, echo(&s), v2Event)
	var r events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &r); err != nil || r.StatusCode != 200 {
		t.Fatalf("%s", out)
	}
	if s.Path != "/download/相册/a b.jpg" || s.RawQuery != "key=a&key=b&flag" || strings.Join(s.Query["key"], ",") != "a,b" ||
		s.Header.Get("Cookie") != "s=1; t=2" || s.Header.Get("Content-Type") != "application/json" || string(s.Body) != "\x00\x01\xff" ||
		s.Method != "POST" || s.RemoteAddr != "9.9.9.9:0" {
		t.Errorf("%+v", s)
	}
	for path, check := range map[string]func(events.APIGatewayV2HTTPResponse) bool{
		"/redirect": func(r events.APIGatewayV2HTTPResponse) bool {
			return r.StatusCode == 302 && r.Headers["Location"] == "https://b.example/x"
		},
		"/cookies": func(r events.APIGatewayV2HTTPResponse) bool {
			return strings.Join(r.Cookies, "|") == "a=1|b=2" && r.Headers["X-Multi"] == "one, two" && r.Headers["Set-Cookie"] == ""
		},
		"/binary": func(r events.APIGatewayV2HTTPResponse) bool {
			b, _ := base64.StdEncoding.DecodeString(r.Body)
			return r.IsBase64Encoded && string(b) == "\x00\xff"
		},
	} {
		ev := strings.Replace(v2Event, `"rawPath":"/download/%E7%9B%B8%E5%86%8C/a%20b.jpg"`, `"rawPath":"`+path+`"`, 1)
		var r events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(invoke(t, echo(&s), ev), &r); err != nil || !check(r) {
			t.Errorf("%s: %+v", path, r)
		}
	}
}

func TestFunctionURL(t *testing.T) {
	var s seen
	out := invoke(t, echo(&s), urlEvent)
	var r events.LambdaFunctionURLResponse
	if err := json.Unmarshal(out, &r); err != nil || r.StatusCode != 200 || r.Body != "ok" || s.Host != "abc.lambda-url.us-east-1.on.aws" {
		t.Fatalf("%s %+v", out, s)
	}
	if k, _, err := ParseEvent([]byte(urlEvent)); err != nil || k != FunctionURL {
		t.Error("function URL not recognised")
	}
}

func TestBadEventsAndDeadline(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("handler ran") })
	for _, ev := range []string{`"hello"`, `{}`, `{"version":"2.0","requestContext":{"http":{"method":"GET"}},"body":"%%","isBase64Encoded":true}`} {
		var r events.APIGatewayV2HTTPResponse
		out := invoke(t, h, ev)
		if json.Unmarshal(out, &r) != nil || r.StatusCode != 400 || !strings.Contains(r.Body, `"code":"InvalidRequest"`) || !strings.Contains(r.Body, `"requestId":"aws-1"`) {
			t.Errorf("%s: %s", ev, out)
		}
	}
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	out, _ := Adapter{Handler: h}.Invoke(ctx, []byte(urlEvent))
	if !strings.Contains(string(out), `"statusCode":504`) || !strings.Contains(string(out), "DeadlineExceeded") {
		t.Errorf("deadline: %s", out)
	}
}
