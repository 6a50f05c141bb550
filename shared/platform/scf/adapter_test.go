package scf

import (
	"context"
	"cosgate/shared/httpapi"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tencentyun/scf-go-lib/functioncontext"
)

// seen is what the echo handler observed.
type seen struct {
	Method, Path, EscapedPath, RawQuery, Host, RemoteAddr string
	Query                                                 map[string][]string
	Header                                                http.Header
	Body                                                  []byte
}

func echo(got *seen) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		*got = seen{r.Method, r.URL.Path, r.URL.EscapedPath(), r.URL.RawQuery, r.Host, r.RemoteAddr, r.URL.Query(), r.Header, body}
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

func invoke(t *testing.T, h http.Handler, event string) reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ctx = functioncontext.NewContext(ctx, &functioncontext.FunctionContext{RequestID: "rid-1"})
	out, err := Adapter{Handler: h}.Invoke(ctx, []byte(event))
	if err != nil {
		t.Fatalf("Invoke returned an error instead of a response: %v", err)
	}
	var r reply
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("reply is not an integrated response: %v\n%s", err, out)
	}
	return r
}

func TestEventTranslation(t *testing.T) {
	cases := []struct {
		name  string
		event string
		check func(t *testing.T, s seen)
	}{
		{"repeated keys and a bare flag", `{"httpMethod":"GET","path":"/download","queryString":{"key":["a","b"],"flag":true,"n":5},"headers":{"host":"svc.apigw.example"}}`,
			func(t *testing.T, s seen) {
				if strings.Join(s.Query["key"], ",") != "a,b" || s.RawQuery != "key=a&key=b&flag&n=5" || len(s.Query["flag"]) != 1 || s.Query["n"][0] != "5" {
					t.Errorf("query %q %v", s.RawQuery, s.Query)
				}
			}},
		{"values that need escaping", `{"httpMethod":"GET","path":"/d","queryString":{"key":"报告 2024+a&b=c/%.jpg"}}`,
			func(t *testing.T, s seen) {
				if s.Query["key"][0] != "报告 2024+a&b=c/%.jpg" {
					t.Errorf("query %v", s.Query)
				}
			}},
		{"mixed-case and multi-value headers", `{"httpMethod":"POST","path":"/sts","headers":{"Content-TYPE":"application/json","x-forwarded-for":["1.1.1.1","2.2.2.2"],"AUTHORIZATION":"Bearer t","Host":"h.example"}}`,
			func(t *testing.T, s seen) {
				if s.Header.Get("Content-Type") != "application/json" || strings.Join(s.Header.Values("X-Forwarded-For"), ",") != "1.1.1.1,2.2.2.2" ||
					s.Header.Get("Authorization") != "Bearer t" || s.Host != "h.example" || s.Method != "POST" {
					t.Errorf("headers %v host %q", s.Header, s.Host)
				}
			}},
		{"base64 body in", `{"httpMethod":"PUT","path":"/p","isBase64Encoded":true,"body":"` + base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 255}) + `"}`,
			func(t *testing.T, s seen) {
				if string(s.Body) != "\x00\x01\x02\xff" {
					t.Errorf("body %x", s.Body)
				}
			}},
		{"plain body in", `{"httpMethod":"POST","path":"/p","body":"{\"ext\":\"jpg\"}"}`,
			func(t *testing.T, s seen) {
				if string(s.Body) != `{"ext":"jpg"}` {
					t.Errorf("body %q", s.Body)
				}
			}},
		{"non-ASCII path", `{"httpMethod":"GET","path":"/download/相册/😀 a+b.jpg"}`,
			func(t *testing.T, s seen) {
				if s.Path != "/download/相册/😀 a+b.jpg" || !strings.HasPrefix(s.EscapedPath, "/download/%E7%9B%B8") {
					t.Errorf("path %q escaped %q", s.Path, s.EscapedPath)
				}
			}},
		{"method from the request context when the event says ANY", `{"httpMethod":"ANY","requestContext":{"httpMethod":"GET","path":"/x","sourceIp":"9.9.9.9"}}`,
			func(t *testing.T, s seen) {
				if s.Method != "GET" || s.Path != "/x" || s.RemoteAddr != "9.9.9.9:0" {
					t.Errorf("%+v", s)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s seen
			r := invoke(t, echo(&s), c.event)
			if r.StatusCode != 200 || r.Body != "ok" {
				t.Fatalf("reply %+v", r)
			}
			c.check(t, s)
		})
	}
}

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
	r := invoke(t, h, `{"httpMethod":"GET","path":"/redirect"}`)
	if r.StatusCode != 302 || r.Headers["Location"][0] != "https://b.example/a%20b?x=1" || r.Body != "" || r.IsBase64Encoded {
		t.Errorf("redirect: %+v", r)
	}
	r = invoke(t, h, `{"httpMethod":"GET","path":"/binary"}`)
	if b, _ := base64.StdEncoding.DecodeString(r.Body); !r.IsBase64Encoded || string(b) != "\x89PNG\x00\xff" {
		t.Errorf("binary: %+v", r)
	}
	out, _ := Adapter{Handler: h}.Invoke(context.Background(), []byte(`{"httpMethod":"GET","path":"/cookies"}`))
	if !strings.Contains(string(out), `"Set-Cookie":["a=1","b=2"]`) || !strings.Contains(string(out), `"Content-Type":"application/json"`) ||
		!strings.Contains(string(out), `"body":"{\"中文\":\"✓\"}"`) {
		t.Errorf("multi-value headers and UTF-8 text: %s", out)
	}
}

func TestBadEvents(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("handler ran for a bad event") })
	for _, ev := range []string{`not json`, `[1,2]`, `{"httpMethod":"GET","path":"/","isBase64Encoded":true,"body":"%%%"}`,
		`{"httpMethod":"GET","queryString":{"a":{"b":1}}}`, `{"headers":{"a":{"b":1}}}`} {
		r := invoke(t, h, ev)
		var body struct {
			Error     struct{ Code string } `json:"error"`
			RequestID string                `json:"requestId"`
		}
		if r.StatusCode != 400 || json.Unmarshal([]byte(r.Body), &body) != nil || body.Error.Code != "InvalidRequest" || body.RequestID != "rid-1" {
			t.Errorf("%s: %+v", ev, r)
		}
	}
}

func TestExpiredDeadline(t *testing.T) {
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(1, 0))
	defer cancel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("handler ran past its deadline") })
	out, _ := Adapter{Handler: h}.Invoke(ctx, []byte(`{"httpMethod":"GET","path":"/"}`))
	var r reply
	json.Unmarshal(out, &r)
	if r.StatusCode != 504 || !strings.Contains(r.Body, "DeadlineExceeded") {
		t.Errorf("%s", out)
	}
}

// A function URL invoking an event function sends the API Gateway shape
// without requestContext, isBase64Encoded and the *Parameters maps; this is
// the documented example ("函数 URL 概述", cloud.tencent.com/document/product/583/96099).
const functionURLEvent = `{
"body":"{\"test\":\"hello world\"}",
"headers":{
"accept":"*/*",
"accept-encoding":"gzip, deflate, br",
"cache-control":"no-cache",
"connection":"keep-alive",
"content-length":"17"
},
"httpMethod":"POST",
"path":"/",
"queryString":{
"a":"1",
"b":"2"
}
}`

func TestFunctionURLEvent(t *testing.T) {
	var s seen
	r := invoke(t, echo(&s), functionURLEvent)
	if r.StatusCode != 200 || r.Body != "ok" || r.Headers["Content-Type"][0] != "text/plain" {
		t.Fatalf("reply %+v", r)
	}
	if s.Method != "POST" || s.Path != "/" || s.RawQuery != "a=1&b=2" || string(s.Body) != `{"test":"hello world"}` ||
		s.Header.Get("Content-Length") != "17" || s.Header.Get("Accept") != "*/*" || s.RemoteAddr != "" {
		t.Errorf("%+v", s)
	}
	// The request id comes from the invocation, as the event has none.
	var id string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { id = httpapi.RequestID(r.Context()) })
	if r := invoke(t, h, functionURLEvent); r.StatusCode != 200 || id != "rid-1" {
		t.Errorf("%+v, request id %q", r, id)
	}
}
