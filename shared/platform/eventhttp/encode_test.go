package eventhttp

import (
	"net/http"
	"net/url"
	"testing"
)

func FuzzCanonicalKey(f *testing.F) {
	for _, s := range []string{"content-type", "X-COS-META-a", "host", "a b", "x_y", "ÿ", "", "-a--b-", "é-a", "Sec-WebSocket-Key"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if got, want := string(AppendCanonicalKey(nil, key)), http.CanonicalHeaderKey(key); got != want {
			t.Fatalf("%q: ours %q, net/http %q", key, got, want)
		}
	})
}

func FuzzQueryParam(f *testing.F) {
	f.Add("key", "报告 2024+a&b=c/%.jpg")
	f.Add("a b", "")
	f.Fuzz(func(t *testing.T, name, value string) {
		if got, want := string(AppendQueryParam(nil, name, value, false)), url.QueryEscape(name)+"="+url.QueryEscape(value); got != want {
			t.Fatalf("ours %q, net/url %q", got, want)
		}
		if got := string(AppendQueryParam([]byte("x=1"), name, "", true)); got != "x=1&"+url.QueryEscape(name) {
			t.Fatalf("bare: %q", got)
		}
	})
}
