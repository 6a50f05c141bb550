package scfdeploy_test

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"cosgate/deploy/scfapi"
	"cosgate/deploy/scfdeploy"
)

func TestVariables(t *testing.T) {
	for fn, never := range map[string][]string{
		"sts": {"WX_APPSECRET", "LOGIN_JWT_PRIVATE_KEY"}, "presign": {"WX_APPSECRET", "LOGIN_JWT_PRIVATE_KEY"},
		"download": {"WX_APPSECRET", "LOGIN_JWT_PRIVATE_KEY"}, "sign": {"WX_APPSECRET", "LOGIN_JWT_PRIVATE_KEY"},
		"login": {"COS_SECRET_ID", "COS_SECRET_KEY"},
	} {
		vars := scfdeploy.Variables(fn)
		for _, v := range append(never, "PORT", "LISTEN_HOST", "COSGATE_PLATFORM") {
			if slices.Contains(vars, v) {
				t.Errorf("%s may be given %s", fn, v)
			}
		}
		if !slices.Contains(vars, "LOG_LEVEL") || !slices.Contains(vars, "AUTH_JWT_SECRET") {
			t.Errorf("%s: %v", fn, vars)
		}
	}
	if !slices.Contains(scfdeploy.Variables("login"), "WX_APPSECRET") || !slices.Contains(scfdeploy.Variables("sts"), "COS_SECRET_KEY") {
		t.Error("a function lost a variable it reads")
	}
}

func TestRead(t *testing.T) {
	base := deployEnv("")
	read := func(change map[string]string) (scfdeploy.Settings, error) {
		env := maps.Clone(base)
		maps.Copy(env, change)
		return scfdeploy.Read(func(k string) string { return env[k] })
	}
	s, err := read(nil)
	if err != nil || !slices.Equal(s.Functions, []string{"sts", "presign", "download", "sign", "login"}) ||
		s.Region != "ap-guangzhou" || s.Memory != 128 || s.Timeout != 10 || s.Prefix != "cosgate-" {
		t.Fatalf("%+v %v", s, err)
	}
	for _, tc := range []struct {
		change map[string]string
		want   string // "" = accepted
	}{
		{map[string]string{"COS_BUCKET": "", "COS_REGION": "undefined", "TENCENTCLOUD_SECRET_KEY": ""},
			`set COS_BUCKET COS_REGION TENCENTCLOUD_SECRET_KEY (see README, "Tencent SCF")`},
		{map[string]string{"AUTH_JWT_PUBLIC_KEY": ""}, "set AUTH_JWT_PUBLIC_KEY (the public half of LOGIN_JWT_PRIVATE_KEY)"},
		{map[string]string{"AUTH_JWT_PUBLIC_KEY": "", "LOGIN_JWT_PRIVATE_KEY": "", "AUTH_JWT_SECRET": "hs256-secret-0123456789abcdef0123"}, ""},
		{map[string]string{"AUTH_JWT_PUBLIC_KEY": "", "LOGIN_JWT_PRIVATE_KEY": "", "AUTH_JWT_SECRET": "short"}, "AUTH_JWT_SECRET must be at least 32 bytes"},
		{map[string]string{"LOGIN_JWT_PRIVATE_KEY": ""}, "set LOGIN_JWT_PRIVATE_KEY (make login-key) or AUTH_JWT_SECRET"},
		{map[string]string{"LOGIN_UID_SECRET": "", "LOGIN_UID": "openid"}, ""},
		// One kind of token key, unless AUTH_JWT_ALLOW_HS256=true.
		{map[string]string{"AUTH_JWT_SECRET": "hs256-secret-0123456789abcdef0123"},
			"AUTH_JWT_SECRET is set together with AUTH_JWT_PUBLIC_KEY and LOGIN_JWT_PRIVATE_KEY"},
		{map[string]string{"AUTH_JWT_SECRET": "hs256-secret-0123456789abcdef0123", "LOGIN_JWT_PRIVATE_KEY": "", "WX_APPID": ""},
			"AUTH_JWT_SECRET is set together with AUTH_JWT_PUBLIC_KEY:"},
		{map[string]string{"AUTH_JWT_SECRET": "hs256-secret-0123456789abcdef0123", "AUTH_JWT_ALLOW_HS256": "false"},
			"or set AUTH_JWT_ALLOW_HS256=true if both are meant"},
		{map[string]string{"AUTH_JWT_SECRET": "hs256-secret-0123456789abcdef0123", "AUTH_JWT_ALLOW_HS256": "true"}, ""},
		{map[string]string{"AUTH_JWT_SECRET": "hs256-secret-0123456789abcdef0123", "AUTH_JWT_ALLOW_HS256": "yes"},
			"AUTH_JWT_ALLOW_HS256 must be true or false"},
		{map[string]string{"AUTH_JWT_SECRET": "undefined"}, ""},
		{map[string]string{"LOGIN_UID_SECRET": "short"}, "LOGIN_UID_SECRET must be at least 32 bytes"},
		{map[string]string{"WX_APPSECRET": ""}, "set WX_APPSECRET"},
		{map[string]string{"FUNCTION_MEMORY": "100"}, "FUNCTION_MEMORY must be 64, or 128 to 3072"},
		{map[string]string{"FUNCTION_TIMEOUT": "901"}, "FUNCTION_TIMEOUT must be 1 to 900"},
		{map[string]string{"FUNCTION_PREFIX": "9x-"}, `FUNCTION_PREFIX makes the name "9x-sts"`},
		{map[string]string{"LOG_LEVEL": strings.Repeat("x", 4000)}, "the variables take"},
	} {
		_, err := read(tc.change)
		var p *scfdeploy.Problem
		if tc.want == "" && err != nil || tc.want != "" && (!errors.As(err, &p) || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%v: %v", slices.Sorted(maps.Keys(tc.change)), err)
		}
	}
	// Without WX_APPID, login is not deployed and its variables are not asked for.
	s, err = read(map[string]string{"WX_APPID": "", "WX_APPSECRET": "", "LOGIN_UID_SECRET": "", "LOGIN_JWT_PRIVATE_KEY": "",
		"FUNCTION_REGION": "ap-shanghai", "FUNCTION_PREFIX": "shop_", "FUNCTION_MEMORY": "256", "FUNCTION_ROLE": "cosgateRole"})
	if err != nil || len(s.Functions) != 4 || s.Region != "ap-shanghai" || s.Memory != 256 || s.Role != "cosgateRole" ||
		scfdeploy.FunctionName(s.Prefix, "sts") != "shop_sts" {
		t.Errorf("%+v %v", s, err)
	}
}

func TestCheckEnv(t *testing.T) {
	for _, tc := range []struct {
		v    scfapi.Variable
		want string
	}{
		{scfapi.Variable{Key: "SCF_X", Value: "1"}, "reserved prefix SCF_"},
		{scfapi.Variable{Key: "TENCENTCLOUD_SECRET_ID", Value: "1"}, "reserved prefix TENCENTCLOUD_"},
		{scfapi.Variable{Key: "1X", Value: "1"}, "not a variable name"},
		{scfapi.Variable{Key: "X", Value: ""}, "empty"},
	} {
		if err := scfdeploy.CheckEnv([]scfapi.Variable{tc.v}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.v.Key, err)
		}
	}
}

func TestFunctionName(t *testing.T) {
	for name, ok := range map[string]bool{"cosgate-sts": true, "a": false, "-ab": false, "ab_": false, "a" + strings.Repeat("b", 59): true,
		"a" + strings.Repeat("b", 60): false, "a.b": false} {
		if scfdeploy.ValidName(name) != ok {
			t.Errorf("%q: want %v", name, ok)
		}
	}
}
