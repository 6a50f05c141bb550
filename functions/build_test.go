package functions_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cosgate/devstack/wxemu"
	"cosgate/functions/download/downloadapi"
	"cosgate/functions/login/loginapi"
	"cosgate/functions/presign/presignapi"
	"cosgate/functions/sign/signapi"
	"cosgate/functions/sts/stsapi"
	"cosgate/shared/config"
	"cosgate/shared/logging"
	"cosgate/shared/platform"
	"cosgate/shared/stsclient/ststest"
)

var builders = map[string]platform.Builder{
	"sts":      stsapi.Build,
	"presign":  presignapi.Build,
	"download": downloadapi.Build,
	"sign":     signapi.Build,
	"login":    loginapi.Build,
}

func build(t *testing.T, fn string, environ map[string]string) (http.Handler, error) {
	t.Helper()
	logger := logging.New(&bytes.Buffer{}, slog.LevelInfo)
	return platform.Handler(platform.Env{Function: fn, Platform: platform.HTTP, Logger: logger, Environ: environ}, builders[fn])
}

// The rules that only the domain packages can check (policy actions and
// patterns, templates, extensions, JWT keys, endpoints) stop a function's
// build with a problem naming the variable, never its value.
func TestBuildRules(t *testing.T) {
	cases := []struct {
		fn, name string
		env      map[string]string
		want     string // "" = valid
	}{
		{"sts", "anonymous with {uid}", map[string]string{"AUTH_MODE": "none"},
			"STS_ALLOW_PREFIX uses {uid}, which AUTH_MODE=none cannot fill"},
		{"sts", "anonymous with a fixed prefix", map[string]string{"AUTH_MODE": "none", "STS_ALLOW_PREFIX": "public/*"}, ""},
		{"sts", "wildcard action", map[string]string{"STS_ALLOW_ACTIONS": "name/cos:*"},
			"STS_ALLOW_ACTIONS entry 1 is neither a group"},
		{"sts", "bucket action", map[string]string{"STS_ALLOW_ACTIONS": "name/cos:PutObject,name/cos:DeleteBucket"},
			"STS_ALLOW_ACTIONS entry 2 is neither a group"},
		{"sts", "an unknown group", map[string]string{"STS_ALLOW_ACTIONS": "upload,everything"},
			"STS_ALLOW_ACTIONS entry 2 is neither a group"},
		{"sts", "groups and actions", map[string]string{"STS_ALLOW_ACTIONS": "upload,read,name/cos:DeleteObject"}, ""},
		{"sts", "a size cap with the default (multipart) grant", map[string]string{"STS_CONDITION_MAX_BYTES": "10"},
			"cannot be enforced on multipart"},
		{"sts", "a size cap with uploads alone", map[string]string{"STS_CONDITION_MAX_BYTES": "10", "STS_ALLOW_ACTIONS": "upload"}, ""},
		{"sts", "multipart with a size cap",
			map[string]string{"STS_ALLOW_ACTIONS": "name/cos:PutObject,name/cos:UploadPart", "STS_CONDITION_MAX_BYTES": "10"},
			"cannot be enforced on multipart"},
		{"sts", "multipart alone", map[string]string{
			"STS_ALLOW_ACTIONS": "name/cos:InitiateMultipartUpload,name/cos:UploadPart,name/cos:CompleteMultipartUpload"}, ""},
		{"sts", "bucket-wide by accident", map[string]string{"STS_ALLOW_PREFIX": "*"}, "STS_ALLOW_PREFIX covers the whole bucket"},
		{"sts", "bucket-wide on purpose", map[string]string{"STS_ALLOW_PREFIX": "*", "STS_ALLOW_BUCKET_WIDE": "true"}, ""},
		{"sts", "inner wildcard", map[string]string{"STS_ALLOW_PREFIX": "uploads/*/{uid}/*"}, "'*' may only end a prefix"},
		{"sts", "unknown placeholder", map[string]string{"STS_ALLOW_PREFIX": "uploads/{user}/*"},
			"STS_ALLOW_PREFIX is not a valid template"},
		{"sts", "uid not ending a segment", map[string]string{"STS_ALLOW_PREFIX": "uploads/{uid}*"}, "must follow {uid} with '/'"},
		{"sts", "short JWT secret", map[string]string{"AUTH_JWT_SECRET": "short"}, "at least 32 bytes"},
		{"sts", "role instead of a key",
			map[string]string{"COS_SECRET_ID": "", "COS_SECRET_KEY": "", "STS_ROLE_ARN": "qcs::cam::uin/1:roleName/r"}, ""},
		{"sts", "no key and no role", map[string]string{"COS_SECRET_ID": "", "COS_SECRET_KEY": ""}, "COS_SECRET_ID is not set"},
		{"sts", "bad public key",
			map[string]string{"AUTH_JWT_SECRET": "", "AUTH_JWT_PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"},
			"AUTH_JWT_PUBLIC_KEY is not usable"},
		{"sts", "bad STS endpoint", map[string]string{"STS_ENDPOINT": "ftp://x/y"}, "STS_ENDPOINT must be"},
		{"presign", "anonymous with {uid}", map[string]string{"AUTH_MODE": "none"}, "UPLOAD_PREFIX uses {uid}"},
		{"presign", "uid not ending a segment", map[string]string{"UPLOAD_PREFIX": "uploads/{uid}"}, "UPLOAD_PREFIX must follow {uid}"},
		{"presign", "a type given", map[string]string{"UPLOAD_ALLOWED_EXT": "jpg,dwg:application/acad"}, ""},
		{"presign", "an extension without a known type", map[string]string{"UPLOAD_ALLOWED_EXT": "jpg,xyz"},
			"UPLOAD_ALLOWED_EXT entry 2 has no known content type"},
		{"presign", "not an extension", map[string]string{"UPLOAD_ALLOWED_EXT": "j.pg"}, "UPLOAD_ALLOWED_EXT entry 1 is not"},
		{"presign", "endpoint with a path", map[string]string{"COS_ENDPOINT": "https://cdn.example.com/x"}, "COS_ENDPOINT must be"},
		{"presign", "endpoint of another scheme", map[string]string{"COS_ENDPOINT": "ftp://cdn.example.com"}, "COS_ENDPOINT must be"},
		{"download", "anonymous with one {uid} prefix",
			map[string]string{"AUTH_MODE": "none", "DOWNLOAD_ALLOW_PREFIXES": "public/,uploads/{uid}/"},
			"DOWNLOAD_ALLOW_PREFIXES uses {uid}"},
		{"download", "image processing", map[string]string{
			"DOWNLOAD_IMAGE_PROCESS": "imageMogr2/thumbnail/200x/,imageMogr2/thumbnail/400x/"}, ""},
		{"download", "custom endpoint", map[string]string{"COS_ENDPOINT": "http://127.0.0.1:9000", "COS_PATH_STYLE": "true"}, ""},
		{"sign", "anonymous with {uid}", map[string]string{"AUTH_MODE": "none"}, "STS_ALLOW_PREFIX uses {uid}"},
		{"sign", "a prefix without its *", map[string]string{"STS_ALLOW_PREFIX": "uploads/{uid}/"},
			"STS_ALLOW_PREFIX must end in *"},
		{"sign", "an unknown group", map[string]string{"STS_ALLOW_ACTIONS": "upload,everything"}, "STS_ALLOW_ACTIONS"},
		{"sign", "reads too", map[string]string{"STS_ALLOW_ACTIONS": "upload,multipart,read"}, ""},
		{"sign", "signatures too long", map[string]string{"SIGN_EXPIRES": "1h"}, "SIGN_EXPIRES must be between"},
		{"sign", "multipart records too short", map[string]string{"SIGN_MULTIPART_LIFE": "10m"},
			"SIGN_MULTIPART_LIFE must be between"},
		{"login", "HS256", nil, ""},
		{"login", "a private key that is not one", map[string]string{"AUTH_JWT_SECRET": "", "LOGIN_JWT_PRIVATE_KEY": "c2VjcmV0LXZhbHVlLW9m"},
			"LOGIN_JWT_PRIVATE_KEY is not usable"},
	}
	for _, c := range cases {
		e := env()
		maps.Copy(e, c.env)
		_, err := build(t, c.fn, e)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s, %s: %v", c.fn, c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s, %s: got %v, want %q", c.fn, c.name, err, c.want)
		case err != nil:
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Errorf("%s, %s: %T is not a *config.Error", c.fn, c.name, err)
			}
			for _, v := range c.env {
				if len(v) > 4 && strings.Contains(err.Error(), v) {
					t.Errorf("%s, %s: the value %q leaked: %v", c.fn, c.name, v, err)
				}
			}
		}
	}
}

// One decoder serves every function: the same body gets the same answer,
// with the same code, from /sts, /presign, /sign and /login (and /download, which
// takes no body, refuses one it cannot use the same way).
func TestStrictDecoderOnEveryFunction(t *testing.T) {
	fake := ststest.New(t, "AKIDfunctionsTest", "functionsTestSecretKey")
	emu, _ := wxemu.New(wxemu.Config{AppID: env()["WX_APPID"], AppSecret: env()["WX_APPSECRET"]})
	wx := httptest.NewServer(emu)
	defer wx.Close()
	e := env()
	e["STS_ENDPOINT"], e["WX_API_ENDPOINT"] = fake.URL, wx.URL
	hs := map[string]http.Handler{}
	for fn := range builders {
		h, err := build(t, fn, maps.Clone(e))
		if err != nil {
			t.Fatal(err)
		}
		hs[fn] = h
	}
	bearer := "Bearer " + signJWT(t, "u1")
	call := func(fn, method, ctype, body string) (int, string) {
		r := httptest.NewRequest(method, "/"+fn, strings.NewReader(body))
		r.Header.Set("Authorization", bearer)
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		w := httptest.NewRecorder()
		hs[fn].ServeHTTP(w, r)
		var eb struct {
			Error struct{ Code string } `json:"error"`
		}
		json.Unmarshal(w.Body.Bytes(), &eb)
		return w.Code, eb.Error.Code
	}
	// Bodies each function would accept, then broken the same ways.
	valid := map[string]string{"sts": `{"scope":[]}`, "presign": `{"ext":"jpg","size":10}`, "login": `{"code":"dev-u1"}`,
		"sign": `{"Method":"put","Key":"uploads/u1/a.jpg","Headers":{"Content-Type":"image/jpeg","Content-Length":10}}`}
	broken := []struct {
		name string
		mod  func(string) string
		code string
	}{
		{"trailing brace", func(b string) string { return b + "}" }, "InvalidRequest"},
		{"trailing bracket", func(b string) string { return b + "]" }, "InvalidRequest"},
		{"trailing brackets", func(b string) string { return b + "]]" }, "InvalidRequest"},
		{"second object", func(b string) string { return b + "{}" }, "InvalidRequest"},
		{"unknown field", func(b string) string { return b[:len(b)-1] + `,"bogus":1}` }, "InvalidRequest"},
		{"invalid UTF-8", func(b string) string { return b[:len(b)-1] + ",\"\xff\":1}" }, "InvalidRequest"},
		{"truncated", func(b string) string { return b[:len(b)-1] }, "InvalidRequest"},
		{"not an object", func(string) string { return `[1]` }, "InvalidRequest"},
		{"overflow", func(b string) string { return `{"size":99999999999999999999}` }, "InvalidRequest"},
	}
	for fn, body := range valid {
		if fn == "login" {
			body = `{"code":"dev-u1.0"}` // a code works once: its broken copies must fail for their shape alone
		}
		if status, code := call(fn, "POST", "application/json", body); status != 200 {
			t.Fatalf("%s: the valid body got %d %s", fn, status, code)
		}
		for _, b := range broken {
			status, code := call(fn, "POST", "application/json", b.mod(body))
			if status != 400 || code != b.code {
				t.Errorf("%s, %s: %d %s", fn, b.name, status, code)
			}
		}
		if status, code := call(fn, "POST", "text/plain", body); status != 415 || code != "UnsupportedMediaType" {
			t.Errorf("%s, text/plain: %d %s", fn, status, code)
		}
		if status, code := call(fn, "POST", "application/json", strings.Repeat(" ", 70000)); status != 413 || code != "TooLarge" {
			t.Errorf("%s, over the body limit: %d %s", fn, status, code)
		}
	}
	// An empty body: /sts grants the default scope; /presign and /sign need one.
	if status, _ := call("sts", "POST", "application/json", ""); status != 200 {
		t.Errorf("sts, empty body: %d", status)
	}
	if status, code := call("presign", "POST", "application/json", ""); status != 400 || code != "InvalidRequest" {
		t.Errorf("presign, empty body: %d %s", status, code)
	}
	if status, code := call("sign", "POST", "application/json", ""); status != 400 || code != "InvalidRequest" {
		t.Errorf("sign, empty body: %d %s", status, code)
	}
	// /download reads no body; a POST is refused before any is read.
	if status, code := call("download", "POST", "application/json", `{}}`); status != 405 || code != "MethodNotAllowed" {
		t.Errorf("download, POST: %d %s", status, code)
	}
}
