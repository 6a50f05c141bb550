package platform_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cosgate/shared/config"
	"cosgate/shared/httpapi"
	"cosgate/shared/platform"
	"cosgate/shared/platform/awslambda"
	"cosgate/shared/platform/scf"
)

// addrHandler is a function answering httpapi.ClientAddr, behind the
// shared middleware as platform.Handler builds it for kind.
func addrHandler(t *testing.T, kind platform.Kind, proxies ...string) http.Handler {
	t.Helper()
	h, err := platform.Handler(platform.Env{Function: "t", Platform: kind, Logger: slog.New(slog.DiscardHandler)},
		func(platform.Env) (platform.Service, error) {
			return platform.Service{
				Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/plain")
					w.Write([]byte(httpapi.ClientAddr(r)))
				}),
				Methods: []string{http.MethodGet},
				HTTP:    config.HTTP{MaxBodyBytes: 65536, TrustedProxies: proxies},
			}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestClientAddrPerPlatform (issue 22, item 4): the address each platform
// vouches for; a client's own X-Forwarded-For entry never wins.
func TestClientAddrPerPlatform(t *testing.T) {
	const forged = "6.6.6.6"
	direct := func(h http.Handler, remote string, xff ...string) string {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		for _, v := range xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Body.String()
	}
	for _, c := range []struct{ name, got, want string }{
		{"http, no TRUSTED_PROXIES", direct(addrHandler(t, platform.HTTP), "203.0.113.9:1", forged), "203.0.113.9"},
		{"http, peer in TRUSTED_PROXIES", direct(addrHandler(t, platform.HTTP, "10.0.0.0/8"), "10.0.0.5:1", forged+", 198.51.100.1"), "198.51.100.1"},
		{"http, peer not in TRUSTED_PROXIES", direct(addrHandler(t, platform.HTTP, "10.0.0.0/8"), "192.0.2.8:1", "198.51.100.1"), "192.0.2.8"},
		{"scf-web: the gateway's entry", direct(addrHandler(t, platform.SCFWeb), "127.0.0.1:9", forged+", 198.51.100.1"), "198.51.100.1"},
		{"scf-web: an internal hop in TRUSTED_PROXIES", direct(addrHandler(t, platform.SCFWeb, "9.0.0.0/8"), "127.0.0.1:9", forged+", 198.51.100.1", "9.1.2.3"), "198.51.100.1"},
	} {
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.name, c.got, c.want)
		}
	}

	scfEvent := `{"requestContext":{"requestId":"r1","sourceIp":"198.51.100.1","path":"/","httpMethod":"GET"},` +
		`"headers":{"x-forwarded-for":"` + forged + `"},"path":"/","httpMethod":"GET","body":""}`
	out, _ := scf.Adapter{Handler: addrHandler(t, platform.SCFEvent)}.Invoke(context.Background(), []byte(scfEvent))
	var sr struct{ Body string }
	json.Unmarshal(out, &sr)
	if sr.Body != "198.51.100.1" {
		t.Errorf("scf-event: %s", out)
	}

	lambdaEvent := `{"version":"2.0","rawPath":"/","headers":{"x-forwarded-for":"` + forged + `"},` +
		`"requestContext":{"requestId":"r1","domainName":"x.lambda-url.us-east-1.on.aws","http":{"method":"GET","sourceIp":"198.51.100.1"}}}`
	out, _ = awslambda.Adapter{Handler: addrHandler(t, platform.AWSLambda)}.Invoke(context.Background(), []byte(lambdaEvent))
	var lr struct{ Body string }
	json.Unmarshal(out, &lr)
	if lr.Body != "198.51.100.1" {
		t.Errorf("aws-lambda: %s", out)
	}
}

// TestEventsRefuseRepeatedKeys (finding b): a repeated header, in any case,
// or a repeated sourceIp is a 400, never a request with one of the values.
func TestEventsRefuseRepeatedKeys(t *testing.T) {
	for _, ev := range []string{
		`{"requestContext":{"sourceIp":"1.2.3.4"},"headers":{"X-WX-OPENID":"u1","X-WX-OPENID":"u2"},"path":"/","httpMethod":"GET"}`,
		`{"requestContext":{"sourceIp":"1.2.3.4"},"headers":{"x-wx-openid":"u1","X-WX-OPENID":"u2"},"path":"/","httpMethod":"GET"}`,
		`{"requestContext":{"sourceIp":"1.2.3.4","sourceIp":"5.6.7.8"},"path":"/","httpMethod":"GET"}`,
		`{"path":"/","httpMethod":"GET","body":"a","Body":"b"}`,
	} {
		out, _ := scf.Adapter{Handler: addrHandler(t, platform.SCFEvent)}.Invoke(context.Background(), []byte(ev))
		if !strings.Contains(string(out), `"statusCode":400`) || !strings.Contains(string(out), "repeats") {
			t.Errorf("scf %s: %s", ev, out)
		}
	}
	for _, ev := range []string{
		`{"version":"2.0","rawPath":"/","headers":{"x-wx-openid":"u1","x-wx-openid":"u2"},"requestContext":{"http":{"method":"GET"}}}`,
		`{"httpMethod":"GET","path":"/","multiValueHeaders":{"X-WX-OPENID":["u1"],"x-wx-openid":["u2"]}}`,
	} {
		out, _ := awslambda.Adapter{Handler: addrHandler(t, platform.AWSLambda)}.Invoke(context.Background(), []byte(ev))
		if !strings.Contains(string(out), `"statusCode":400`) || !strings.Contains(string(out), "repeats") {
			t.Errorf("lambda %s: %s", ev, out)
		}
	}
	// A query string may hold "a" and "A": they are different parameters.
	ok := `{"requestContext":{"sourceIp":"1.2.3.4"},"queryString":{"a":"1","A":"2"},"path":"/","httpMethod":"GET"}`
	out, _ := scf.Adapter{Handler: addrHandler(t, platform.SCFEvent)}.Invoke(context.Background(), []byte(ok))
	if !strings.Contains(string(out), `"statusCode":200`) {
		t.Errorf("query a/A: %s", out)
	}
}
