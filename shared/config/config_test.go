package config

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caarlos0/env/v10"
)

func base() map[string]string {
	return map[string]string{
		"COS_SECRET_ID": "AKIDexample", "COS_SECRET_KEY": "sekrit-VALUE-123", "COS_BUCKET": "examplebucket-1250000000",
		"COS_REGION": "ap-guangzhou", "AUTH_JWT_SECRET": "jwt-secret-VALUE-456-0123456789abcdef",
	}
}

func TestDefaults(t *testing.T) {
	c, err := Load[PresignFunction](base())
	if err != nil {
		t.Fatal(err)
	}
	if c.Upload.Prefix != "uploads/{uid}/" || c.Upload.MaxBytes != 20971520 || c.Upload.Expires.D() != 600*time.Second ||
		c.Auth.Mode != "jwt" || c.HTTP.MaxBodyBytes != 65536 || len(c.Upload.AllowedExt) < 5 {
		t.Errorf("defaults: %+v", c)
	}
	if c.COS.AppID() != "1250000000" {
		t.Errorf("derived: %s", c.COS.AppID())
	}
	s, err := Load[STSFunction](base())
	if err != nil || s.STS.Duration.D() != 1800*time.Second || s.STS.Endpoint != "sts.tencentcloudapi.com" ||
		strings.Join(s.STS.AllowActions, ",") != "upload,multipart" || s.STS.AllowPrefix != "uploads/{uid}/*" {
		t.Errorf("sts defaults: %+v %v", s, err)
	}
	d, err := Load[DownloadFunction](base())
	if err != nil || d.Download.Expires.D() != 300*time.Second || d.Download.AllowPrefixes[0] != "uploads/{uid}/" {
		t.Errorf("download defaults: %+v %v", d, err)
	}
}

// Every bad variable is named in one message; no value ever appears.
func TestOneMessageNamesEveryProblemWithoutValues(t *testing.T) {
	env := map[string]string{
		"COS_SECRET_KEY": "", "COS_BUCKET": "no_appid_SECRETISH", "UPLOAD_MAX_BYTES": "lots-SECRETISH",
		"UPLOAD_EXPIRES": "soon-SECRETISH", "COS_PATH_STYLE": "maybe-SECRETISH", "AUTH_MODE": "magic-SECRETISH",
		"COS_ENDPOINT": "ftp://SECRETISH/x", "CORS_ALLOW_ORIGINS": "SECRETISH",
	}
	_, err := Load[PresignFunction](env)
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"COS_SECRET_ID is not set", "COS_SECRET_KEY is not set", "COS_REGION is not set", "COS_BUCKET must be",
		"UPLOAD_MAX_BYTES is not a whole number", "UPLOAD_EXPIRES is not a duration", "COS_PATH_STYLE is not true or false",
		"AUTH_MODE must be", "CORS_ALLOW_ORIGINS entries must be",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "SECRETISH") {
		t.Errorf("a value leaked: %s", msg)
	}
}

func TestDurationForms(t *testing.T) {
	for in, want := range map[string]time.Duration{"600": 600 * time.Second, "600s": 600 * time.Second, "10m": 10 * time.Minute, "1h": time.Hour} {
		env := base()
		env["UPLOAD_EXPIRES"] = in
		c, err := Load[PresignFunction](env)
		if err != nil || c.Upload.Expires.D() != want {
			t.Errorf("%q: %v %v", in, c.Upload.Expires.D(), err)
		}
	}
	for _, bad := range []string{"0", "-5s", "8d", "9999999h", "61m"} {
		env := base()
		env["UPLOAD_EXPIRES"] = bad
		if _, err := Load[PresignFunction](env); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// SCF reserves SCF_, QCLOUD_ and TENCENTCLOUD_; its console wants
// [A-Za-z][A-Za-z0-9_]*. No variable of ours may break either rule.
func TestVariableNamesAreLegalOnSCF(t *testing.T) {
	legal := regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	names := Variables()
	for _, key := range names {
		if !legal.MatchString(key) {
			t.Errorf("%q is not a legal name", key)
		}
		for _, p := range []string{"SCF_", "QCLOUD_", "TENCENTCLOUD_"} {
			if strings.HasPrefix(key, p) {
				t.Errorf("%q uses the reserved prefix %s", key, p)
			}
		}
	}
	if len(names) < 25 {
		t.Errorf("only %d variables found: %v", len(names), names)
	}
}

// No two fields of one function's configuration can share a variable: the
// names are caarlos0/env's own, and each appears once per function.
func TestNoTwoFieldsShareAVariable(t *testing.T) {
	for _, cfg := range Configurations() {
		params, err := env.GetFieldParams(cfg)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, p := range params {
			if seen[p.Key] {
				t.Errorf("%T: %s is read by two fields", cfg, p.Key)
			}
			seen[p.Key] = true
		}
		if len(params) < 3 {
			t.Errorf("%T: only %d variables; GetFieldParams is not walking the struct", cfg, len(params))
		}
	}
}

// A value that does not parse is reported once, under its own variable, even
// where two pieces have fields of the same name (COS.Region and STS.Region,
// COS.Endpoint and STS.Endpoint), and is not validated as well.
func TestParseProblemsNameTheirVariableOnce(t *testing.T) {
	for variable, bad := range map[string]string{
		"STS_DURATION": "abc", "STS_TIMEOUT": "soon", "STS_CACHE_SIZE": "many", "STS_ALLOW_BUCKET_WIDE": "perhaps",
		"COS_PATH_STYLE": "maybe", "HTTP_MAX_BODY_BYTES": "big", "STS_CONDITION_MAX_BYTES": "1e9",
	} {
		e := base()
		e[variable] = bad + "-VALUE"
		_, err := Load[STSFunction](e)
		var ce *Error
		if !errors.As(err, &ce) || len(ce.Problems) != 1 || ce.Problems[0].Var != variable ||
			!strings.HasPrefix(ce.Problems[0].Msg, "is not ") ||
			strings.Contains(err.Error(), "VALUE") {
			t.Errorf("%s=%s: %v", variable, bad, err)
		}
	}
}

// Lists are read by the List type: entries trimmed, empty ones dropped, so
// no validator has anything to tidy.
func TestListsAreTrimmed(t *testing.T) {
	e := base()
	e["CORS_ALLOW_ORIGINS"] = " https://a.example , ,http://b.example:8080 "
	e["STS_ALLOW_ACTIONS"] = "name/cos:PutObject , name/cos:PostObject,"
	c, err := Load[STSFunction](e)
	if err != nil || fmt.Sprint(c.HTTP.AllowOrigins) != "[https://a.example http://b.example:8080]" ||
		fmt.Sprint(c.STS.AllowActions) != "[name/cos:PutObject name/cos:PostObject]" {
		t.Errorf("%q %q %v", c.HTTP.AllowOrigins, c.STS.AllowActions, err)
	}
}

func TestSecretsDoNotPrint(t *testing.T) {
	c, err := Load[STSFunction](base())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
		if strings.Contains(s, "sekrit-VALUE-123") || strings.Contains(s, "jwt-secret-VALUE-456") || strings.Contains(s, "AKIDexample") {
			t.Errorf("leak: %s", s)
		}
	}
	if c.Key.SecretKey.Reveal() != "sekrit-VALUE-123" {
		t.Error("Reveal must give the key to the signer")
	}
}

// Tencent's framework deploys an unset ${env:X} as the string "undefined":
// an optional variable then keeps its default, a required one is named as
// not set, and the caller's map is left as it was.
func TestUndefinedIsUnset(t *testing.T) {
	e := base()
	e["CORS_ALLOW_ORIGINS"] = "undefined"
	e["STS_ROLE_ARN"] = "undefined"
	e["STS_DURATION"] = "undefined"
	c, err := Load[STSFunction](e)
	if err != nil || len(c.HTTP.AllowOrigins) != 0 || c.STS.RoleARN != "" || c.STS.Duration.D() != 1800*time.Second {
		t.Errorf("%+v %v", c, err)
	}
	if e["CORS_ALLOW_ORIGINS"] != "undefined" {
		t.Error("Load changed the caller's map")
	}
	e["COS_BUCKET"] = "undefined"
	if _, err := Load[STSFunction](e); err == nil || !strings.Contains(err.Error(), "COS_BUCKET is not set") {
		t.Errorf("a required variable set to undefined: %v", err)
	}
}

// The login function's configuration: defaults, one signing key required,
// a keyed pseudonym unless uids are openids, and AppIDs of WeChat's form.
func TestLoginFunction(t *testing.T) {
	e := map[string]string{
		"WX_APPID": "wx0123456789abcdef", "WX_APPSECRET": "appsecret-VALUE-789",
		"AUTH_JWT_SECRET": "jwt-secret-VALUE-456-0123456789abcdef", "LOGIN_UID_SECRET": "uid-secret-VALUE-0123456789abcdef0",
	}
	c, err := Load[LoginFunction](e)
	if err != nil || c.Login.UID != "pseudonym" || c.Login.TokenTTL.D() != 24*time.Hour ||
		c.WeChat.Endpoint != "https://api.weixin.qq.com" || c.WeChat.Timeout.D() != 5*time.Second {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	for _, tc := range []struct {
		change map[string]string
		want   string // "" when valid
	}{
		{map[string]string{"AUTH_JWT_SECRET": ""}, "LOGIN_JWT_PRIVATE_KEY or AUTH_JWT_SECRET is required"},
		{map[string]string{"AUTH_JWT_SECRET": "", "LOGIN_JWT_PRIVATE_KEY": "k"}, ""},
		{map[string]string{"AUTH_JWT_SECRET": "short"}, "AUTH_JWT_SECRET must be at least 32 bytes"},
		{map[string]string{"LOGIN_UID_SECRET": ""}, "LOGIN_UID_SECRET must be at least 32 bytes when LOGIN_UID is pseudonym"},
		{map[string]string{"LOGIN_UID_SECRET": "", "LOGIN_UID": "unionid"}, "LOGIN_UID is unionid"},
		{map[string]string{"LOGIN_UID_SECRET": "", "LOGIN_UID": "openid"}, ""},
		{map[string]string{"LOGIN_UID": "email"}, "LOGIN_UID must be pseudonym, openid or unionid"},
		{map[string]string{"LOGIN_TOKEN_TTL": "8d"}, "LOGIN_TOKEN_TTL is not a duration"},
		{map[string]string{"LOGIN_TOKEN_TTL": "169h"}, "LOGIN_TOKEN_TTL must be between 1m and 7 days"},
		{map[string]string{"LOGIN_TOKEN_TTL": "168h"}, ""},
		{map[string]string{"WX_APPID": "wx123"}, "WX_APPID must be the mini program's AppID"},
		{map[string]string{"WX_APPSECRET": ""}, "WX_APPSECRET is empty"},
		{map[string]string{"WX_API_ENDPOINT": "https://api.weixin.qq.com/sns"}, "WX_API_ENDPOINT must be scheme://host"},
		{map[string]string{"WX_API_ENDPOINT": "http://127.0.0.1:9200"}, ""},
		{map[string]string{"WX_TIMEOUT": "1m"}, "WX_TIMEOUT must be between 100ms and 30s"},
	} {
		env := maps.Clone(e)
		maps.Copy(env, tc.change)
		_, err := Load[LoginFunction](env)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.change, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: got %v, want %q", tc.change, err, tc.want)
		case err != nil && strings.Contains(err.Error(), "VALUE"):
			t.Errorf("a value leaked: %v", err)
		}
	}
}

// AUTH_JWT_SECRET during a rotation: a comma-separated list, newest first,
// each secret at least 32 bytes, none twice, at most MaxJWTKeys; one secret
// is read exactly as written, spaces and all, as before lists existed.
func TestJWTSecretLists(t *testing.T) {
	const a, b = "first-VALUE-secret-0123456789abcdef", "second-VALUE-secret-0123456789abcde"
	for _, tc := range []struct {
		value string
		want  []string // the secrets, when valid
		err   string
	}{
		{value: " " + a + " ", want: []string{" " + a + " "}},
		{value: a + "," + b, want: []string{a, b}},
		{value: " " + b + " , " + a + ",", want: []string{b, a}},
		{value: a + ",short-VALUE", err: "AUTH_JWT_SECRET secret 2 is shorter than 32 bytes"},
		{value: "short-VALUE", err: "AUTH_JWT_SECRET must be at least 32 bytes"},
		{value: a + "," + a, err: "AUTH_JWT_SECRET lists secret 2 twice"},
		{value: strings.Repeat(a+"x,", 2) + a + "," + b + "," + a + "y", err: "AUTH_JWT_SECRET lists 5 secrets; at most 4"},
		{value: ",", err: "AUTH_JWT_SECRET is required"},
	} {
		for _, load := range []func(map[string]string) ([]string, error){loadAuth, loadLogin} {
			env := base()
			env["AUTH_JWT_SECRET"] = tc.value
			got, err := load(env)
			switch {
			case tc.err == "" && (err != nil || strings.Join(got, "|") != strings.Join(tc.want, "|")):
				t.Errorf("%q: %q %v", tc.value, got, err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("%q: got %v, want %q", tc.value, err, tc.err)
			case err != nil && strings.Contains(err.Error(), "VALUE"):
				t.Errorf("a value leaked: %v", err)
			}
		}
	}
}

// loadAuth and loadLogin read AUTH_JWT_SECRET as a verifier and as login.
func loadAuth(env map[string]string) ([]string, error) {
	c, err := Load[STSFunction](env)
	return c.Auth.JWTSecrets(), err
}

func loadLogin(env map[string]string) ([]string, error) {
	env["WX_APPID"], env["WX_APPSECRET"], env["LOGIN_UID"] = "wx0123456789abcdef", "appsecret-VALUE-789", "openid"
	c, err := Load[LoginFunction](env)
	return c.Login.Secrets(), err
}

// badSTS is wrong in every way Load reports: not set, empty, values that do
// not parse (two pairs of them in fields that share a Go name, Timeout and
// MaxBytes) and values Validate refuses. STS_DURATION does not parse, so it
// is not validated as well.
func badSTS() map[string]string {
	e := base()
	delete(e, "COS_BUCKET")
	maps.Copy(e, map[string]string{
		"COS_REGION": "", "COS_PATH_STYLE": "maybe-VALUE", "STS_TIMEOUT": "soon-VALUE", "LIMITS_TIMEOUT": "later-VALUE",
		"STS_CONDITION_MAX_BYTES": "1e9", "UPLOAD_MAX_BYTES": "big-VALUE", "STS_CACHE_SIZE": "many-VALUE",
		"STS_DURATION": "abc-VALUE", "AUTH_MODE": "magic-VALUE", "STS_SCOPES_PER_MINUTE": "0", "HTTP_MAX_BODY_BYTES": "1",
	})
	return e
}

// Each problem reaches the caller as the *Problem that found it, its
// variable a field: nothing is read back out of a message.
func TestLoadKeepsEachProblemTyped(t *testing.T) {
	_, err := Load[STSFunction](badSTS())
	var first *Problem
	if !errors.As(err, &first) || first.Var != "AUTH_MODE" {
		t.Fatalf("errors.As found %+v in %v", first, err)
	}
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("got %T", err)
	}
	got := map[string]string{}
	for _, e := range ce.Unwrap() {
		var p *Problem
		if !errors.As(e, &p) {
			t.Fatalf("%T is not a *Problem", e)
		}
		got[p.Var] = p.Msg
	}
	want := map[string]string{
		"AUTH_MODE":               "must be jwt, wxcloud or none",
		"COS_BUCKET":              "is not set",
		"COS_PATH_STYLE":          "is not true or false",
		"COS_REGION":              "is empty",
		"HTTP_MAX_BODY_BYTES":     "must be between 1024 and 6291456",
		"LIMITS_TIMEOUT":          "is not a duration (e.g. 600s, 10m or 600)",
		"STS_CACHE_SIZE":          "is not a whole number",
		"STS_CONDITION_MAX_BYTES": "is not a whole number",
		"STS_DURATION":            "is not a duration (e.g. 600s, 10m or 600)",
		"STS_SCOPES_PER_MINUTE":   "must be at least 1",
		"STS_TIMEOUT":             "is not a duration (e.g. 600s, 10m or 600)",
		"UPLOAD_MAX_BYTES":        "is not a whole number",
	}
	if !maps.Equal(got, want) || len(ce.Problems) != len(want) {
		t.Errorf("got %d problems %v\nwant %v", len(ce.Problems), got, want)
	}
}

// The message a function prints at start-up: sorted, "; "-separated, each
// once, no value.
func TestLoadMessageGolden(t *testing.T) {
	const want = "configuration is invalid: " +
		"AUTH_MODE must be jwt, wxcloud or none; " +
		"COS_BUCKET is not set; " +
		"COS_PATH_STYLE is not true or false; " +
		"COS_REGION is empty; " +
		"HTTP_MAX_BODY_BYTES must be between 1024 and 6291456; " +
		"LIMITS_TIMEOUT is not a duration (e.g. 600s, 10m or 600); " +
		"STS_CACHE_SIZE is not a whole number; " +
		"STS_CONDITION_MAX_BYTES is not a whole number; " +
		"STS_DURATION is not a duration (e.g. 600s, 10m or 600); " +
		"STS_SCOPES_PER_MINUTE must be at least 1; " +
		"STS_TIMEOUT is not a duration (e.g. 600s, 10m or 600); " +
		"UPLOAD_MAX_BYTES is not a whole number"
	for range 3 { // map order must not show
		if _, err := Load[STSFunction](badSTS()); err == nil || err.Error() != want {
			t.Fatalf("got  %v\nwant %s", err, want)
		}
	}
}

// Join keeps the *Problems it is given, sorts and dedupes by message, and
// keeps any other error reachable.
func TestJoinKeepsTypes(t *testing.T) {
	a, b := &Problem{Var: "A", Msg: "x"}, &Problem{Var: "B", Msg: "y"}
	errOther := errors.New("other")
	inner := Join(b, a)
	err := Join(errors.Join(inner, nil, &Problem{Var: "A", Msg: "x"}), fmt.Errorf("wrapped: %w", errOther), nil)
	var ce *Error
	if !errors.As(err, &ce) || len(ce.Problems) != 3 || ce.Problems[0] != a || ce.Problems[1] != b ||
		ce.Problems[2].Var != "" {
		t.Fatalf("%#v", err)
	}
	if !errors.Is(err, errOther) {
		t.Error("the other error is lost")
	}
	if got := err.Error(); got != "configuration is invalid: A x; B y; wrapped: other" {
		t.Errorf("got %q", got)
	}
	if Join() != nil || Join(nil, errors.Join()) != nil {
		t.Error("no problems must join to nil")
	}
}

// Every variable's value that does not parse is named by its variable,
// whatever its type: a field type parse has no parser for would show up
// here as "the configuration could not be read".
func TestEveryParseProblemNamesItsVariable(t *testing.T) {
	for _, cfg := range Configurations() {
		load := loaderFor(cfg)
		if load == nil {
			t.Fatalf("no loader for %T", cfg)
		}
		vars := VariablesOf(cfg)
		for _, v := range vars {
			err := load(map[string]string{v: "x-VALUE"})
			if err == nil {
				continue
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("%T %s: %T", cfg, v, err)
			}
			for _, p := range ce.Problems {
				if !slices.Contains(vars, p.Var) {
					t.Errorf("%T %s: problem %q names no variable", cfg, v, p)
				}
			}
		}
	}
}

func loaderFor(cfg any) func(map[string]string) error {
	switch cfg.(type) {
	case *STSFunction:
		return loadErr[STSFunction]
	case *PresignFunction:
		return loadErr[PresignFunction]
	case *DownloadFunction:
		return loadErr[DownloadFunction]
	case *SignFunction:
		return loadErr[SignFunction]
	case *LoginFunction:
		return loadErr[LoginFunction]
	case *Runtime:
		return loadErr[Runtime]
	}
	return nil
}

func loadErr[T Validator](e map[string]string) error {
	_, err := Load[T](e)
	return err
}

// One kind of token key: AUTH_JWT_SECRET beside AUTH_JWT_PUBLIC_KEY (for a
// verifier) or beside LOGIN_JWT_PRIVATE_KEY or AUTH_JWT_PUBLIC_KEY (for
// login) stops the function with a Problem naming both variables, unless
// AUTH_JWT_ALLOW_HS256=true says both are meant. "undefined", the framework's
// unset, is no key; the modes without tokens ignore the variables.
func TestOneKindOfTokenKey(t *testing.T) {
	const pub, priv = "public-VALUE-key", "private-VALUE-key"
	for _, tc := range []struct {
		login  bool
		change map[string]string
		want   string // "" when valid
	}{
		{false, map[string]string{"AUTH_JWT_PUBLIC_KEY": pub}, "AUTH_JWT_SECRET and AUTH_JWT_PUBLIC_KEY are both set"},
		{false, map[string]string{"AUTH_JWT_PUBLIC_KEY": pub, "AUTH_JWT_ALLOW_HS256": "true"}, ""},
		{false, map[string]string{"AUTH_JWT_PUBLIC_KEY": pub, "AUTH_JWT_ALLOW_HS256": "false"}, "are both set"},
		{false, map[string]string{"AUTH_JWT_PUBLIC_KEY": pub, "AUTH_JWT_ALLOW_HS256": "yes"}, "AUTH_JWT_ALLOW_HS256 is not true or false"},
		{false, map[string]string{"AUTH_JWT_PUBLIC_KEY": pub, "AUTH_JWT_SECRET": ""}, ""},
		{false, map[string]string{"AUTH_JWT_PUBLIC_KEY": pub, "AUTH_JWT_SECRET": "undefined"}, ""},
		{false, map[string]string{"AUTH_JWT_PUBLIC_KEY": "undefined"}, ""},
		{false, map[string]string{"AUTH_JWT_PUBLIC_KEY": pub, "AUTH_MODE": "wxcloud"}, ""},
		{false, map[string]string{}, ""},
		{true, map[string]string{"LOGIN_JWT_PRIVATE_KEY": priv}, "AUTH_JWT_SECRET and LOGIN_JWT_PRIVATE_KEY are both set"},
		{true, map[string]string{"LOGIN_JWT_PRIVATE_KEY": priv, "AUTH_JWT_PUBLIC_KEY": pub},
			"AUTH_JWT_SECRET and LOGIN_JWT_PRIVATE_KEY are both set"},
		{true, map[string]string{"AUTH_JWT_PUBLIC_KEY": pub}, "AUTH_JWT_SECRET and AUTH_JWT_PUBLIC_KEY are both set"},
		{true, map[string]string{"LOGIN_JWT_PRIVATE_KEY": priv, "AUTH_JWT_ALLOW_HS256": "true"}, ""},
		{true, map[string]string{"LOGIN_JWT_PRIVATE_KEY": priv, "AUTH_JWT_SECRET": "undefined"}, ""},
		{true, map[string]string{}, ""},
	} {
		env := base()
		maps.Copy(env, tc.change)
		var err error
		if tc.login {
			_, err = loadLogin(env)
		} else {
			_, err = loadAuth(env)
		}
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("login %v %v: %v", tc.login, tc.change, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("login %v %v: got %v, want %q", tc.login, tc.change, err, tc.want)
		case err != nil && strings.Contains(err.Error(), "VALUE"):
			t.Errorf("a value leaked: %v", err)
		}
		// The refusal is a *Problem of AUTH_JWT_SECRET that says how to
		// mean both, so it is part of the start-up message.
		var p *Problem
		if tc.want != "" && strings.Contains(tc.want, "both set") &&
			(!errors.As(err, &p) || p.Var != "AUTH_JWT_SECRET" || !strings.Contains(p.Msg, "AUTH_JWT_ALLOW_HS256=true")) {
			t.Errorf("login %v %v: not a Problem of AUTH_JWT_SECRET naming the flag: %#v", tc.login, tc.change, p)
		}
	}
}
