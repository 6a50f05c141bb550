package wxemu

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestParametersAndCodes(t *testing.T) {
	var logs bytes.Buffer
	emu, err := New(Config{AppID: "wxdevdevdevdevdevde", AppSecret: "emuSECRETvalue", UnionID: true,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	call := func(q url.Values) (status int, reply map[string]any, contentType string) {
		w := httptest.NewRecorder()
		emu.ServeHTTP(w, httptest.NewRequest("GET", "/sns/jscode2session?"+q.Encode(), nil))
		json.Unmarshal(w.Body.Bytes(), &reply)
		return w.Code, reply, w.Header().Get("Content-Type")
	}
	good := func(code string) url.Values {
		return url.Values{"appid": {"wxdevdevdevdevdevde"}, "secret": {"emuSECRETvalue"}, "js_code": {code},
			"grant_type": {"authorization_code"}}
	}
	for _, tc := range []struct {
		drop, key, value string
		errcode          float64
	}{
		{drop: "appid", errcode: 41002},
		{drop: "secret", errcode: 41004},
		{drop: "js_code", errcode: 41008},
		{drop: "grant_type", errcode: 40002},
		{key: "appid", value: "wx0000000000000000", errcode: 40013},
		{key: "secret", value: "wrong", errcode: 40125},
		{key: "js_code", value: "dev-bad/openid", errcode: 40029},
		{key: "js_code", value: "dev-" + strings.Repeat("a", 65), errcode: 40029},
		{key: "js_code", value: "fail-45011", errcode: 45011},
		{key: "js_code", value: "fail-busy", errcode: -1},
	} {
		q := good("dev-oX")
		q.Del(tc.drop)
		if tc.key != "" {
			q.Set(tc.key, tc.value)
		}
		status, reply, ct := call(q)
		if status != 200 || reply["errcode"] != tc.errcode || !strings.Contains(reply["errmsg"].(string), ", rid: ") ||
			ct != "text/plain" {
			t.Errorf("%+v: %d %v %s", tc, status, reply, ct)
		}
	}
	_, reply, _ := call(good("dev-oX"))
	if reply["openid"] != "oX" || reply["unionid"] != "union-oX" || len(reply["session_key"].(string)) != 24 ||
		reply["errcode"] != nil {
		t.Errorf("sign-in: %v", reply)
	}
	if _, again, _ := call(good("dev-oX")); again["errcode"] != 40163.0 {
		t.Errorf("a code worked twice: %v", again)
	}
	if _, other, _ := call(good("dev-oX.2")); other["openid"] != "oX" {
		t.Errorf("another code for the same user: %v", other)
	}
	if _, bad, _ := call(good("dev-oX.")); bad["errcode"] != 40029.0 {
		t.Errorf("an empty suffix: %v", bad)
	}
	if _, first, _ := call(good("busy-once-oY")); first["errcode"] != -1.0 {
		t.Errorf("busy-once, first: %v", first)
	}
	if _, second, _ := call(good("busy-once-oY")); second["openid"] != "oY" {
		t.Errorf("busy-once, second: %v", second)
	}
	if len(emu.SessionKeys()) != 3 {
		t.Errorf("session keys %v", emu.SessionKeys())
	}
	if strings.Contains(logs.String(), "emuSECRETvalue") || strings.Contains(logs.String(), emu.SessionKeys()[0]) {
		t.Errorf("the emulator logged a secret: %s", logs.String())
	}
}
