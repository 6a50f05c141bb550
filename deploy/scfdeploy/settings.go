package scfdeploy

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"cosgate/deploy/scfapi"
	"cosgate/shared/config"
)

// DefaultPrefix starts every function name unless FUNCTION_PREFIX says otherwise.
const DefaultPrefix = "cosgate-"

// FunctionName is the SCF name of cosgate function fn ("sts", "presign",
// "download", "sign", "login") under prefix: cosgate-sts by default. serverless.yml
// and this deploy must agree on it, so it is decided here only.
func FunctionName(prefix, fn string) string { return prefix + fn }

// nameRule is SCF's FunctionName rule (CreateFunction): 2-60 characters of
// letters, digits, - and _, starting with a letter, not ending in - or _.
var nameRule = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$`)

// ValidName reports whether SCF accepts name as a function name.
func ValidName(name string) bool { return nameRule.MatchString(name) }

// configs is what each function reads: its configuration struct, the
// one its binary loads (functions/<fn>/<fn>api), and the process's own
// settings.
var configs = map[string]any{
	"sts":      &config.STSFunction{},
	"presign":  &config.PresignFunction{},
	"download": &config.DownloadFunction{},
	"sign":     &config.SignFunction{},
	"login":    &config.LoginFunction{},
}

// platformOwned are variables of config.Runtime that a web function must
// not be given: scf_bootstrap sets COSGATE_PLATFORM, and SCF needs the
// server on 0.0.0.0:9000, which PORT or LISTEN_HOST would move.
var platformOwned = []string{"COSGATE_PLATFORM", "PORT", "LISTEN_HOST"}

// forbidden are secrets a function must never hold, whatever its
// configuration struct grows: login talks only to WeChat, the others never
// mint tokens or see the AppSecret.
var forbidden = map[string][]string{
	"sts":      {"WX_APPSECRET", "LOGIN_JWT_PRIVATE_KEY"},
	"presign":  {"WX_APPSECRET", "LOGIN_JWT_PRIVATE_KEY"},
	"download": {"WX_APPSECRET", "LOGIN_JWT_PRIVATE_KEY"},
	"sign":     {"WX_APPSECRET", "LOGIN_JWT_PRIVATE_KEY"},
	"login":    {"COS_SECRET_ID", "COS_SECRET_KEY"},
}

// Variables returns the variables function fn may be given, sorted: those
// its configuration reads, less the platform's own and the forbidden.
func Variables(fn string) []string {
	cfg, ok := configs[fn]
	if !ok {
		return nil
	}
	names := append(config.VariablesOf(cfg), config.VariablesOf(&config.Runtime{})...)
	names = slices.DeleteFunc(names, func(n string) bool {
		return slices.Contains(platformOwned, n) || slices.Contains(forbidden[fn], n) || !config.LimitApplies(fn, n)
	})
	slices.Sort(names)
	return slices.Compact(names)
}

// set reports a variable as set the way scripts/deploy-scf does: neither
// empty nor the Serverless Framework's "undefined".
func set(getenv func(string) string, name string) bool {
	v := getenv(name)
	return v != "" && v != config.Unset
}

// EnvFor returns what function fn is deployed with: each of Variables(fn)
// the deployer's environment sets, sorted by name. Unset ones are left out,
// so the function keeps its defaults.
func EnvFor(fn string, getenv func(string) string) []scfapi.Variable {
	var out []scfapi.Variable
	for _, name := range Variables(fn) {
		if set(getenv, name) {
			out = append(out, scfapi.Variable{Key: name, Value: getenv(name)})
		}
	}
	return out
}

// MaxEnvBytes is SCF's limit on a function's variables (4 KB; "环境变量大小超限，
// 请保持在 4KB 以内"). How SCF counts is not documented; keys plus values
// is the reading used here.
const MaxEnvBytes = 4096

var envKeyRule = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// ReservedPrefixes are SCF's own variables' prefixes, which a function's
// variables may not use (SCF "Environment Variables").
var ReservedPrefixes = []string{"SCF_", "QCLOUD_", "TENCENTCLOUD_"}

// CheckEnv holds variables to SCF's rules: legal keys outside the reserved
// prefixes, non-empty values, 4 KB in all. Messages name keys, never values.
func CheckEnv(vars []scfapi.Variable) error {
	size := 0
	for _, v := range vars {
		if !envKeyRule.MatchString(v.Key) {
			return fmt.Errorf("%q is not a variable name SCF accepts (a letter, then letters, digits and _)", v.Key)
		}
		for _, p := range ReservedPrefixes {
			if strings.HasPrefix(v.Key, p) {
				return fmt.Errorf("%s uses SCF's reserved prefix %s", v.Key, p)
			}
		}
		if v.Value == "" {
			return fmt.Errorf("%s is empty; SCF takes no empty values", v.Key)
		}
		size += len(v.Key) + len(v.Value)
	}
	if size > MaxEnvBytes {
		return fmt.Errorf("the variables take %d bytes; SCF allows %d per function", size, MaxEnvBytes)
	}
	return nil
}

// Settings are a deploy's inputs, read from the environment.
type Settings struct {
	Functions      []string // in deploy order: sts, presign, download, sign[, login]
	Prefix         string
	Region         string // FUNCTION_REGION, else COS_REGION
	Memory         int64  // MB
	Timeout        int64  // seconds
	Role           string // FUNCTION_ROLE, optional
	Endpoint       string // SCF_ENDPOINT, optional
	RegionEndpoint string // REGION_ENDPOINT, optional
	Key            scfapi.Key
	Env            map[string][]scfapi.Variable // by function
}

// Problem is a refusal to deploy; its message never holds a value.
type Problem struct{ Msg string }

func (p *Problem) Error() string { return p.Msg }

// Read reads and checks a deploy's settings as scripts/deploy-scf checks
// the variables: the COS ones always, login's when WX_APPID is set (then
// login is deployed too), a token key on each side, 32-byte secrets; then
// the deploy key, the function settings and each function's variables.
func Read(getenv func(string) string) (Settings, error) {
	login := set(getenv, "WX_APPID")
	var missing []string
	need := func(names ...string) {
		for _, n := range names {
			if !set(getenv, n) {
				missing = append(missing, n)
			}
		}
	}
	need("COS_SECRET_ID", "COS_SECRET_KEY", "COS_BUCKET", "COS_REGION")
	if login {
		need("WX_APPSECRET")
		if getenv("LOGIN_UID") != "openid" {
			need("LOGIN_UID_SECRET")
		}
	}
	// Tokens are verified with the login function's public key or an HS256
	// secret, and minted with its private key or the same secret.
	switch {
	case login && set(getenv, "LOGIN_JWT_PRIVATE_KEY") && !set(getenv, "AUTH_JWT_PUBLIC_KEY"):
		missing = append(missing, "AUTH_JWT_PUBLIC_KEY (the public half of LOGIN_JWT_PRIVATE_KEY)")
	case !set(getenv, "AUTH_JWT_PUBLIC_KEY") && !set(getenv, "AUTH_JWT_SECRET"):
		missing = append(missing, "AUTH_JWT_PUBLIC_KEY (make login-key) or AUTH_JWT_SECRET")
	case login && !set(getenv, "LOGIN_JWT_PRIVATE_KEY") && !set(getenv, "AUTH_JWT_SECRET"):
		missing = append(missing, "LOGIN_JWT_PRIVATE_KEY (make login-key) or AUTH_JWT_SECRET")
	}
	need("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY")
	if missing != nil {
		return Settings{}, &Problem{"set " + strings.Join(missing, " ") + ` (see README, "Tencent SCF")`}
	}
	if err := oneKind(getenv, login); err != nil {
		return Settings{}, err
	}
	for _, v := range []string{"AUTH_JWT_SECRET", "LOGIN_UID_SECRET"} {
		if set(getenv, v) && len(getenv(v)) < 32 {
			return Settings{}, &Problem{v + " must be at least 32 bytes"}
		}
	}
	s := Settings{
		Functions:      []string{"sts", "presign", "download", "sign"},
		Prefix:         DefaultPrefix,
		Region:         getenv("COS_REGION"),
		Role:           getenv("FUNCTION_ROLE"),
		Endpoint:       getenv("SCF_ENDPOINT"),
		RegionEndpoint: getenv("REGION_ENDPOINT"),
		Key: scfapi.Key{
			SecretID:  getenv("TENCENTCLOUD_SECRET_ID"),
			SecretKey: getenv("TENCENTCLOUD_SECRET_KEY"),
			Token:     getenv("TENCENTCLOUD_SESSION_TOKEN"),
		},
		Env: map[string][]scfapi.Variable{},
	}
	if login {
		s.Functions = append(s.Functions, "login")
	}
	if set(getenv, "FUNCTION_PREFIX") {
		s.Prefix = getenv("FUNCTION_PREFIX")
	}
	if set(getenv, "FUNCTION_REGION") {
		s.Region = getenv("FUNCTION_REGION")
	}
	var err error
	if s.Memory, err = number(getenv, "FUNCTION_MEMORY", 128,
		func(mb int64) bool { return mb == 64 || mb >= 128 && mb <= 3072 && mb%128 == 0 },
		"64, or 128 to 3072 in steps of 128 (MB)"); err != nil {
		return Settings{}, err
	}
	if s.Timeout, err = number(getenv, "FUNCTION_TIMEOUT", 10,
		func(sec int64) bool { return sec >= 1 && sec <= 900 }, "1 to 900 (seconds)"); err != nil {
		return Settings{}, err
	}
	for _, fn := range s.Functions {
		if name := FunctionName(s.Prefix, fn); !ValidName(name) {
			return Settings{}, &Problem{fmt.Sprintf("FUNCTION_PREFIX makes the name %q, which SCF refuses: "+
				"2 to 60 letters, digits, - and _, starting with a letter, not ending in - or _", name)}
		}
		s.Env[fn] = EnvFor(fn, getenv)
		if err := CheckEnv(s.Env[fn]); err != nil {
			return Settings{}, &Problem{fn + ": " + err.Error()}
		}
	}
	return s, nil
}

// oneKind refuses AUTH_JWT_SECRET beside a key pair, as the functions do
// at start-up (config's oneKind), but before anything is deployed: every
// function holding the secret could mint a token for any uid that the
// others accept. AUTH_JWT_ALLOW_HS256=true says both are meant.
func oneKind(getenv func(string) string, login bool) error {
	allow := false
	if set(getenv, "AUTH_JWT_ALLOW_HS256") {
		var err error
		if allow, err = strconv.ParseBool(getenv("AUTH_JWT_ALLOW_HS256")); err != nil {
			return &Problem{"AUTH_JWT_ALLOW_HS256 must be true or false"}
		}
	}
	if allow || !set(getenv, "AUTH_JWT_SECRET") {
		return nil
	}
	var keys []string
	if set(getenv, "AUTH_JWT_PUBLIC_KEY") {
		keys = append(keys, "AUTH_JWT_PUBLIC_KEY")
	}
	if login && set(getenv, "LOGIN_JWT_PRIVATE_KEY") {
		keys = append(keys, "LOGIN_JWT_PRIVATE_KEY")
	}
	if keys == nil {
		return nil
	}
	return &Problem{"AUTH_JWT_SECRET is set together with " + strings.Join(keys, " and ") + ": the functions would accept " +
		"HS256 tokens, which any holder of the secret can mint for any uid, beside the key pair's; unset one, " +
		"or set AUTH_JWT_ALLOW_HS256=true if both are meant"}
}

func number(getenv func(string) string, name string, def int64, ok func(int64) bool, want string) (int64, error) {
	if !set(getenv, name) {
		return def, nil
	}
	n, err := strconv.ParseInt(getenv(name), 10, 64)
	if err != nil || !ok(n) {
		return 0, &Problem{name + " must be " + want}
	}
	return n, nil
}
