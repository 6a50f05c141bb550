package loginapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// The request is the one the code2Session page documents, and the answers
// it shows are read as documented: its success example (with errcode 0 and
// a unionid) and an error.
func TestDocumentedExchange(t *testing.T) {
	var got map[string][]string
	answer := `{"openid":"xxxxxx","session_key":"xxxxx","unionid":"xxxxx","errcode":0,"errmsg":"xxxxx"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "GET" || r.URL.Path != "/sns/jscode2session" {
			t.Errorf("%s %s", r.Method, r.URL.Path)
		}
		got = r.URL.Query()
		w.Write([]byte(answer))
	}))
	defer srv.Close()
	c := &WeChat{Endpoint: srv.URL, AppID: appID, AppSecret: appSecret, Client: srv.Client(), Timeout: time.Second}
	s, attempts, err := c.Exchange(context.Background(), "081Ab8Ga1ZKZ8D0Q1pIa1kV8Ga1Ab8G8")
	if err != nil || s != (Session{OpenID: "xxxxxx", UnionID: "xxxxx"}) || attempts != 1 {
		t.Fatalf("%+v %d %v", s, attempts, err)
	}
	want := map[string]string{"appid": appID, "secret": appSecret, "js_code": "081Ab8Ga1ZKZ8D0Q1pIa1kV8Ga1Ab8G8",
		"grant_type": "authorization_code"}
	if len(got) != len(want) {
		t.Errorf("query %v", got)
	}
	for k, v := range want {
		if len(got[k]) != 1 || got[k][0] != v {
			t.Errorf("%s = %v, want %s", k, got[k], v)
		}
	}
	answer = `{"errcode":40029,"errmsg":"invalid code, rid: 6502f2a5-1f1e7a2b-5b3c2d1e"}`
	_, _, err = c.Exchange(context.Background(), "x")
	var wxErr *Error
	if !errors.As(err, &wxErr) || wxErr.Code != 40029 {
		t.Errorf("%v", err)
	}
}
