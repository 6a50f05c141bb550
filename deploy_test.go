package cosgate_test

import (
	"archive/zip"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"debug/elf"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/schema"
	"gopkg.in/yaml.v3"

	"cosgate/devstack/wxemu"
	"cosgate/functions/login/loginapi"
	"cosgate/shared/config"
	"cosgate/shared/identity"
	"cosgate/shared/platform"
	"cosgate/shared/platform/platformtest"
	"cosgate/shared/stsclient/ststest"
)

// These tests hold serverless.yml and template.yaml to what the code and
// the Makefile provide: the binaries they name exist, runtimes and triggers
// are right, a 302 can reach the client, variables are ones cosgate reads
// under names the platforms accept, and no secret is written inline.

var (
	functions = []string{"sts", "presign", "download", "login"}
	routes    = map[string]string{"/sts": "sts", "/presign": "presign", "/download": "download", "/login": "login"}
	// configs is what each function reads: the variables it may be given.
	configs = map[string][]string{
		"sts":      append(config.VariablesOf(&config.STSFunction{}), config.VariablesOf(&config.Runtime{})...),
		"presign":  append(config.VariablesOf(&config.PresignFunction{}), config.VariablesOf(&config.Runtime{})...),
		"download": append(config.VariablesOf(&config.DownloadFunction{}), config.VariablesOf(&config.Runtime{})...),
		"login":    append(config.VariablesOf(&config.LoginFunction{}), config.VariablesOf(&config.Runtime{})...),
	}
	legalName  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	secretName = regexp.MustCompile(`SECRET|KEY|TOKEN|PASSWORD`)
	// Values that look like credentials: Tencent SecretIds, AWS keys, long random strings.
	credentialLike = regexp.MustCompile(`AKID[0-9A-Za-z]{8,}|AKIA[0-9A-Z]{12,}|[A-Za-z0-9+/=_-]{32,}`)
)

// packaged holds `make package`'s output, built once for these tests.
var packaged struct {
	once sync.Once
	dir  string
	err  error
	out  []byte
}

func TestMain(m *testing.M) {
	code := m.Run()
	if packaged.dir != "" {
		os.RemoveAll(packaged.dir)
	}
	os.Exit(code)
}

func makePackage(t *testing.T) string {
	t.Helper()
	packaged.once.Do(func() {
		if packaged.dir, packaged.err = os.MkdirTemp("", "cosgate-dist"); packaged.err == nil {
			packaged.out, packaged.err = exec.Command("make", "package", "DIST="+packaged.dir).CombinedOutput()
		}
	})
	if packaged.err != nil {
		t.Fatalf("make package: %v\n%s", packaged.err, packaged.out)
	}
	return packaged.dir
}

func checkVariable(t *testing.T, file, name string) {
	t.Helper()
	if !legalName.MatchString(name) {
		t.Errorf("%s: %q is not a legal variable name", file, name)
	}
	for _, p := range []string{"SCF_", "QCLOUD_", "TENCENTCLOUD_"} {
		if strings.HasPrefix(name, p) {
			t.Errorf("%s: %q uses SCF's reserved prefix %s", file, name, p)
		}
	}
	if !slices.Contains(config.Variables(), name) {
		t.Errorf("%s: cosgate does not read %q", file, name)
	}
}

// multiSCF is what Tencent's multi-scf component accepts, written down as
// data with its sources (serverless-components/tencent-multi-scf at 02cf563,
// component version 0.3.14; tencent-component-toolkit at 4b0b78b):
var multiSCF = struct {
	inputs, function, httpParams, netConfig []string
	runtimes, regions, triggers             []string
	memory                                  func(int) bool
	timeout                                 func(int) bool
}{
	// docs/configure.md, "主要的参数", and src/interface/inputs.ts (Inputs,
	// FaasBaseConfig).
	inputs: []string{"src", "region", "runtime", "namespace", "memorySize", "timeout", "type", "environments",
		"functions", "triggers", "ignoreTriggers", "isAutoPublish", "publishDescription", "tags", "vpc", "description"},
	// docs/configure.md, "FunctionObject".
	function: []string{"handler", "type", "nodeType", "nodeSpec", "name", "src", "role", "description", "memorySize",
		"timeout", "environments", "vpc", "layers", "cls", "tags", "cfs", "publicAccess", "eip", "asyncRunEnable",
		"traceEnable", "installDependency", "image", "msgTTL", "retryNum"},
	// toolkit src/modules/triggers/interface/index.ts, HttpTriggerInputsParams.
	httpParams: []string{"qualifier", "name", "authType", "netConfig", "corsConfig"},
	netConfig:  []string{"enableIntranet", "enableExtranet"},
	// serverless.component.yml, actions.deploy.inputs.
	runtimes: []string{"Python2.7", "Python3.6", "Python3.7", "Nodejs6.10", "Nodejs8.9", "Nodejs10.15", "Nodejs12.16",
		"Nodejs14.18", "Nodejs16.13", "Php5", "Php7", "Php7.4", "Php8.0", "Go1", "Java8", "Java11", "CustomRuntime"},
	regions: []string{"ap-beijing", "ap-chengdu", "ap-chongqing", "ap-guangzhou", "ap-hongkong", "ap-mumbai",
		"ap-seoul", "ap-shanghai", "ap-shanghai-fsi", "ap-shenzhen-fsi", "ap-singapore", "ap-tokyo", "eu-frankfurt",
		"na-siliconvalley", "na-toronto"},
	// toolkit src/modules/triggers/index.ts: the trigger classes by type
	// (http since v2.26.0).
	triggers: []string{"timer", "cos", "apigw", "http", "ckafka", "cmq", "cls", "mps", "clb"},
	memory:   func(mb int) bool { return mb == 64 || mb >= 128 && mb <= 3072 && mb%128 == 0 },
	timeout:  func(s int) bool { return s >= 1 && s <= 900 },
}

// requiredVars are the variables each function cannot start without, as
// make deploy-scf asks for them; every other ${env:X} serverless.yml passes
// is optional. Tokens need one of a pair on each side: AUTH_JWT_PUBLIC_KEY
// or AUTH_JWT_SECRET to verify, LOGIN_JWT_PRIVATE_KEY or AUTH_JWT_SECRET to
// mint.
var requiredVars = map[string][]string{
	"sts":      {"COS_SECRET_ID", "COS_SECRET_KEY", "COS_BUCKET", "COS_REGION"},
	"presign":  {"COS_SECRET_ID", "COS_SECRET_KEY", "COS_BUCKET", "COS_REGION"},
	"download": {"COS_SECRET_ID", "COS_SECRET_KEY", "COS_BUCKET", "COS_REGION"},
	"login":    {"WX_APPID", "WX_APPSECRET", "LOGIN_UID_SECRET"},
}

// serverlessDoc is serverless.yml, as the keys the component reads.
type serverlessDoc struct {
	App, Stage, Component, Name string
	Inputs                      yaml.Node
}

var envRef = regexp.MustCompile(`^\$\{env:([A-Z][A-Z0-9_]*)\}$`)

func TestServerlessYML(t *testing.T) {
	raw, err := os.ReadFile("serverless.yml")
	if err != nil {
		t.Fatal(err)
	}
	if m := credentialLike.FindString(string(raw)); m != "" {
		t.Errorf("serverless.yml holds something credential-like: %q", m)
	}
	if strings.Contains(string(raw), "apigw") {
		t.Error("serverless.yml still mentions apigw: API Gateway is retired")
	}
	var doc serverlessDoc
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Component != "multi-scf" {
		t.Fatalf("component %q", doc.Component)
	}
	keysIn(t, "inputs", &doc.Inputs, multiSCF.inputs)
	var in struct {
		Src struct {
			Src     string
			Exclude []string
		}
		Region, Runtime, Type string
		MemorySize            int `yaml:"memorySize"`
		Timeout               int
		Environments          []struct{ Key, Value string }
		Functions             map[string]yaml.Node
		Triggers              []struct {
			Type, Function string
			Parameters     yaml.Node
		}
	}
	if err := doc.Inputs.Decode(&in); err != nil {
		t.Fatal(err)
	}
	if in.Runtime != "Go1" || !slices.Contains(multiSCF.runtimes, in.Runtime) {
		t.Errorf("runtime %q", in.Runtime)
	}
	if !multiSCF.memory(in.MemorySize) || !multiSCF.timeout(in.Timeout) {
		t.Errorf("memorySize %d or timeout %d outside what the component accepts", in.MemorySize, in.Timeout)
	}
	// The region is its own setting; make deploy-scf checks its value
	// against multiSCF.regions (TestDeployScript).
	if m := envRef.FindStringSubmatch(in.Region); m == nil || m[1] != "FUNCTION_REGION" {
		t.Errorf("region %q, want ${env:FUNCTION_REGION}", in.Region)
	}
	dist := makePackage(t)
	if in.Src.Src != "./dist/scf-web" {
		t.Errorf("src %q is not where `make package` puts web functions", in.Src.Src)
	}
	for _, name := range functions {
		node, ok := in.Functions[name]
		if !ok {
			t.Errorf("function %s is not deployed", name)
			continue
		}
		keysIn(t, "functions."+name, &node, multiSCF.function)
		var fn struct{ Src, Handler, Type, Role string }
		node.Decode(&fn)
		// Web functions pass the function's HTTP response through, 302 included.
		if typ := cmpOr(fn.Type, in.Type); typ != "web" {
			t.Errorf("%s is a %q function, not a web function", name, typ)
		}
		if fn.Handler != "scf_bootstrap" {
			t.Errorf("%s: handler %q; a web function starts from scf_bootstrap", name, fn.Handler)
		}
		if fn.Role != "" && !envRef.MatchString(fn.Role) {
			t.Errorf("%s: role %q should come from the environment", name, fn.Role)
		}
		dir := filepath.Join(dist, "scf-web", filepath.Clean(fn.Src))
		for _, f := range []string{"scf_bootstrap", "main"} {
			st, err := os.Stat(filepath.Join(dir, f))
			if err != nil || st.Mode()&0o111 == 0 {
				t.Errorf("%s: make package does not produce an executable %s/%s (%v)", name, fn.Src, f, err)
			}
		}
	}
	if r := find(&doc.Inputs, "functions", "sts", "role"); r == nil || r.Value != "${env:FUNCTION_ROLE}" {
		t.Error("the sts function has no role for AssumeRole with the execution role's key")
	}
	// One public function URL per function, open (the functions check callers).
	urls := map[string]int{}
	for i, tr := range in.Triggers {
		if !slices.Contains(multiSCF.triggers, tr.Type) {
			t.Errorf("trigger %d: type %q is not one the component knows", i, tr.Type)
		}
		if tr.Type != "http" {
			t.Errorf("trigger %d: type %q; the functions are reached through function URLs", i, tr.Type)
			continue
		}
		keysIn(t, "triggers.parameters", &tr.Parameters, multiSCF.httpParams)
		keysIn(t, "triggers.parameters.netConfig", find(&tr.Parameters, "netConfig"), multiSCF.netConfig)
		var p struct {
			AuthType  string `yaml:"authType"`
			Qualifier string
			NetConfig struct {
				EnableExtranet bool `yaml:"enableExtranet"`
				EnableIntranet bool `yaml:"enableIntranet"`
			} `yaml:"netConfig"`
		}
		tr.Parameters.Decode(&p)
		if p.AuthType != "NONE" || !p.NetConfig.EnableExtranet || p.Qualifier != "$DEFAULT" {
			t.Errorf("%s: function URL %+v; want authType NONE, enableExtranet true, qualifier $DEFAULT", tr.Function, p)
		}
		urls[tr.Function]++
	}
	for _, name := range functions {
		if urls[name] != 1 {
			t.Errorf("%s has %d function URLs, want 1", name, urls[name])
		}
	}
	// Each function is given only secrets it reads, from the environment; every ${env:X} is required or optional, and optional ones
	// survive being deployed as "undefined" (TestWebFunctionsAsSCFRunsThem).
	passed := serverlessEnvironments(t)
	for _, name := range functions {
		for _, e := range passed[name] {
			checkVariable(t, "serverless.yml", e.Key)
			// The shared list carries knobs for sibling functions; a secret
			// goes only where it is read.
			if secretName.MatchString(e.Key) && !slices.Contains(configs[name], e.Key) {
				t.Errorf("serverless.yml gives %s the secret %s, which it does not read", name, e.Key)
			}
			m := envRef.FindStringSubmatch(e.Value)
			if secretName.MatchString(e.Key) && m == nil {
				t.Errorf("serverless.yml: %s must come from ${env:...}, not be written inline", e.Key)
			}
			if m != nil && m[1] != e.Key {
				t.Errorf("serverless.yml: %s is read from ${env:%s}; use the same name", e.Key, m[1])
			}
		}
		for _, v := range append(requiredVars[name], "AUTH_JWT_SECRET") {
			if !slices.ContainsFunc(passed[name], func(e variable) bool { return e.Key == v }) {
				t.Errorf("serverless.yml does not pass %s to %s", v, name)
			}
		}
	}
	for _, v := range []string{"COS_SECRET_ID", "COS_SECRET_KEY"} {
		if slices.ContainsFunc(passed["login"], func(e variable) bool { return e.Key == v }) {
			t.Errorf("the login function is given %s", v)
		}
	}
}

type variable struct{ Key, Value string }

// serverlessEnvironments is the list each function is deployed with, as
// multi-scf computes it: a function's own environments replace
// inputs.environments (src/formatter.ts, formatInputs, a shallow
// Object.assign of the function over the common inputs).
func serverlessEnvironments(t *testing.T) map[string][]variable {
	t.Helper()
	raw, err := os.ReadFile("serverless.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Inputs struct {
			Environments []variable
			Functions    map[string]struct {
				Environments []variable
			}
		}
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string][]variable{}
	for name, fn := range doc.Inputs.Functions {
		out[name] = doc.Inputs.Environments
		if fn.Environments != nil {
			out[name] = fn.Environments
		}
	}
	return out
}

// serverlessEnv returns what serverless.yml passes function fn, resolved
// from env the way the framework does: an unset ${env:X} becomes "undefined".
func serverlessEnv(t *testing.T, fn string, env map[string]string) (resolved map[string]string, optional []string) {
	t.Helper()
	resolved = map[string]string{}
	for _, e := range serverlessEnvironments(t)[fn] {
		m := envRef.FindStringSubmatch(e.Value)
		if m == nil {
			resolved[e.Key] = e.Value
			continue
		}
		if !slices.Contains(requiredVars[fn], m[1]) {
			optional = append(optional, m[1])
		}
		if v, ok := env[m[1]]; ok {
			resolved[e.Key] = v
		} else {
			resolved[e.Key] = "undefined"
		}
	}
	return resolved, optional
}

// keysIn reports keys of the mapping n that the component does not document.
func keysIn(t *testing.T, what string, n *yaml.Node, known []string) {
	t.Helper()
	if n == nil || n.Kind != yaml.MappingNode {
		t.Errorf("%s: not a mapping", what)
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if !slices.Contains(known, n.Content[i].Value) {
			t.Errorf("%s: %q is not a key the component documents", what, n.Content[i].Value)
		}
	}
}

func TestTemplateYAML(t *testing.T) {
	raw, err := os.ReadFile("template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if m := credentialLike.FindString(string(raw)); m != "" {
		t.Errorf("template.yaml holds something credential-like: %q", m)
	}
	tpl, err := goformation.ParseYAML(raw)
	if err != nil {
		t.Fatalf("goformation: %v", err)
	}
	fns := tpl.GetAllServerlessFunctionResources()
	logical := map[string]string{"StsFunction": "sts", "PresignFunction": "presign", "DownloadFunction": "download",
		"LoginFunction": "login"}
	if len(fns) != len(logical) {
		t.Errorf("%d functions, want %d", len(fns), len(logical))
	}
	routed := map[string]string{}
	for id, fn := range fns {
		name, ok := logical[id]
		if !ok {
			t.Errorf("unexpected function %s", id)
			continue
		}
		if fn.AWSCloudFormationMetadata["BuildMethod"] != "makefile" || fn.CodeUri == nil || fn.CodeUri.String == nil || *fn.CodeUri.String != "." {
			t.Errorf("%s: must be built by the Makefile (BuildMethod makefile, CodeUri .)", id)
		}
		// The Makefile target SAM calls must build this function's bootstrap
		// for template.yaml's architecture. Read from make's dry run: the
		// binaries themselves are built once, by TestArchitectures (one
		// target for real) and `make package`, not once per test.
		checkSAMTarget(t, id, name)
		for ev, src := range fn.Events {
			if src.Type != "HttpApi" || src.Properties == nil || src.Properties.HttpApiEvent == nil {
				t.Errorf("%s.%s: want an HttpApi event, got %q", id, ev, src.Type)
				continue
			}
			p := src.Properties.HttpApiEvent
			if p.Path != nil {
				routed[*p.Path] = name
			}
			if p.Method == nil || *p.Method != "ANY" {
				t.Errorf("%s.%s: Method should be ANY so the function answers preflights and 405s itself", id, ev)
			}
		}
	}
	for path, fn := range routes {
		if routed[path] != fn {
			t.Errorf("%s is not routed to %s", path, fn)
		}
	}
	if routed["/download/{key+}"] != "download" {
		t.Error("/download/{key+} is not routed to download")
	}

	// Globals and parameters, read with their tags.
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	globals := find(&root, "Globals", "Function")
	if v := scalar(globals, "Runtime"); v != "provided.al2023" {
		t.Errorf("Runtime %q, want provided.al2023", v)
	}
	if v := scalar(globals, "Handler"); v != "bootstrap" {
		t.Errorf("Handler %q, want bootstrap", v)
	}
	// Each function's variables are Globals' merged with its own (SAM:
	// "Globals" section, maps are merged). Each must be read by the
	// function, and each secret must be a !Ref to a NoEcho parameter with no
	// default but the empty string.
	globalVars := find(globals, "Environment", "Variables")
	if globalVars == nil {
		t.Fatal("no Globals.Function.Environment.Variables")
	}
	for id, name := range logical {
		own := find(&root, "Resources", id, "Properties", "Environment", "Variables")
		given := map[string]*yaml.Node{}
		for _, vars := range []*yaml.Node{globalVars, own} {
			for i := 0; vars != nil && i+1 < len(vars.Content); i += 2 {
				given[vars.Content[i].Value] = vars.Content[i+1]
			}
		}
		for _, v := range requiredVars[name] {
			if given[v] == nil {
				t.Errorf("%s is not given %s", id, v)
			}
		}
		for key, val := range given {
			checkVariable(t, "template.yaml", key)
			if key != "AUTH_MODE" && !slices.Contains(configs[name], key) {
				t.Errorf("%s is given %s, which it does not read", id, key)
			}
			if !secretName.MatchString(key) {
				continue
			}
			if val.Tag != "!Ref" {
				t.Errorf("%s must be a !Ref to a NoEcho parameter, not written inline", key)
				continue
			}
			p, ok := tpl.Parameters[val.Value]
			if !ok || (p.NoEcho == nil || !*p.NoEcho) && key != "AUTH_JWT_PUBLIC_KEY" || p.Default != nil && p.Default != "" {
				t.Errorf("%s refers to %s, which must be a NoEcho parameter without a default", key, val.Value)
			}
		}
	}
	if c := find(&root, "Resources", "LoginFunction", "Condition"); c == nil || c.Value != "HasWeChat" {
		t.Error("the login function is deployed even without a WxAppId")
	}

	// goformation's typed parse misses misspelled keys; the SAM schema knows them.
	var sch struct {
		Definitions map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal([]byte(schema.SamSchema), &sch); err != nil {
		t.Fatal(err)
	}
	var fnDef struct {
		Properties struct {
			Properties struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"Properties"`
		} `json:"properties"`
	}
	fnRaw, _ := json.Marshal(sch.Definitions["AWS::Serverless::Function"])
	json.Unmarshal(fnRaw, &fnDef)
	known := fnDef.Properties.Properties.Properties
	if len(known) < 10 {
		t.Fatalf("could not read AWS::Serverless::Function from the SAM schema")
	}
	for _, f := range []*yaml.Node{globals, find(&root, "Resources", "StsFunction", "Properties"),
		find(&root, "Resources", "PresignFunction", "Properties"), find(&root, "Resources", "DownloadFunction", "Properties"),
		find(&root, "Resources", "LoginFunction", "Properties")} {
		for i := 0; f != nil && i < len(f.Content); i += 2 {
			if _, ok := known[f.Content[i].Value]; !ok {
				t.Errorf("template.yaml: %q is not a property of AWS::Serverless::Function", f.Content[i].Value)
			}
		}
	}
	httpAPI := sch.Definitions["AWS::Serverless::Function.HttpApiEvent"].Properties
	for id := range logical {
		evs := find(&root, "Resources", id, "Properties", "Events")
		for i := 0; evs != nil && i < len(evs.Content); i += 2 {
			props := find(evs.Content[i+1], "Properties")
			for j := 0; props != nil && j < len(props.Content); j += 2 {
				if _, ok := httpAPI[props.Content[j].Value]; !ok {
					t.Errorf("template.yaml: %q is not a property of an HttpApi event", props.Content[j].Value)
				}
			}
		}
	}
}

// find walks mapping nodes by key.
func find(n *yaml.Node, path ...string) *yaml.Node {
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, key := range path {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

func scalar(n *yaml.Node, key string) string {
	if v := find(n, key); v != nil {
		return v.Value
	}
	return ""
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// deployKey is the ES256 pair of deployEnv, as make login-key prints it.
var deployKey = sync.OnceValue(func() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
})

// deployEnv is a complete deployer's shell for serverless.yml, with the
// asymmetric split: login holds the private key, the others the public one.
func deployEnv() map[string]string {
	der, _ := x509.MarshalPKCS8PrivateKey(deployKey())
	pub, _ := x509.MarshalPKIXPublicKey(&deployKey().PublicKey)
	return map[string]string{
		"COS_SECRET_ID":         "AKIDdeployTestSecretId",
		"COS_SECRET_KEY":        "deployTestSecretKey",
		"COS_BUCKET":            "examplebucket-1250000000",
		"COS_REGION":            "ap-guangzhou",
		"AUTH_JWT_PUBLIC_KEY":   base64.StdEncoding.EncodeToString(pub),
		"LOGIN_JWT_PRIVATE_KEY": base64.StdEncoding.EncodeToString(der),
		"WX_APPID":              "wx0123456789abcdef",
		"WX_APPSECRET":          "deploy-test-appsecret-0123456789a",
		"LOGIN_UID_SECRET":      "deploy-test-uid-secret-0123456789abcdef",
	}
}

// Each packaged web function, run as SCF runs one: its zip unpacked into a
// folder standing for /var/user, scf_bootstrap executed with SCF's
// documented environment and the variables serverless.yml passes it, every
// optional one deployed as "undefined" because it is unset. It must start
// and answer: login signs a WeChat user in, /sts refuses a caller without a
// token with 401 JSON, /presign signs and /download redirects with 302 for
// the login function's token.
func TestWebFunctionsAsSCFRunsThem(t *testing.T) {
	dist := makePackage(t)
	// presign signs uploads with keys from STS, login asks WeChat: fakes of
	// both, on loopback.
	sts := ststest.New(t, deployEnv()["COS_SECRET_ID"], deployEnv()["COS_SECRET_KEY"])
	emu, err := wxemu.New(wxemu.Config{AppID: deployEnv()["WX_APPID"], AppSecret: deployEnv()["WX_APPSECRET"]})
	if err != nil {
		t.Fatal(err)
	}
	wx := httptest.NewServer(emu)
	defer wx.Close()
	var token string
	for _, fn := range []string{"login", "sts", "presign", "download"} {
		t.Run(fn, func(t *testing.T) {
			fnEnv, optional := serverlessEnv(t, fn, deployEnv())
			if len(optional) < 3 {
				t.Fatalf("only %d optional variables for %s: %v", len(optional), fn, optional)
			}
			root := t.TempDir() // stands for /var/user
			unzip(t, filepath.Join(dist, "scf-web", fn+".zip"), root)
			port := platformtest.FreePort(t)
			env := maps.Clone(fnEnv)
			// SCF's documented environment of a function (SCF "Environment
			// Variables" page); the port override binds loopback instead of 0.0.0.0:9000.
			maps.Copy(env, map[string]string{
				"TENCENTCLOUD_RUNENV": "SCF", "SCF_RUNTIME": "Go1", "SCF_FUNCTIONNAME": "cosgate-" + fn,
				"SCF_FUNCTIONVERSION": "$LATEST", "TENCENTCLOUD_REGION": "ap-guangzhou",
				"TENCENTCLOUD_APPID": "1250000000", "USER_CODE_ROOT": root + "/", "_SCF_SERVER_PORT": "28902",
				"LISTEN_HOST": "127.0.0.1", "PORT": strconv.Itoa(port), "STS_ENDPOINT": sts.URL,
				"WX_API_ENDPOINT": wx.URL,
			})
			p := platformtest.Start(t, filepath.Join(root, "scf_bootstrap"), env)
			p.WaitTCP(t, "127.0.0.1:"+strconv.Itoa(port))
			base := "http://127.0.0.1:" + strconv.Itoa(port)
			if !strings.Contains(p.Logs.String(), `"platform":"scf-web"`) {
				t.Errorf("not detected as an SCF web function: %s", p.Logs)
			}
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			call := func(method, path, body string) (*http.Response, []byte) {
				req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				return resp, b
			}
			switch fn {
			case "login":
				resp, body := call("POST", "/login", `{"code":"dev-oDeployer"}`)
				var out struct{ Token, UID string }
				if resp.StatusCode != 200 || json.Unmarshal(body, &out) != nil || out.Token == "" {
					t.Fatalf("/login: %d %s", resp.StatusCode, body)
				}
				token = out.Token
			case "sts":
				req, _ := http.NewRequest("POST", base+"/sts", nil)
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 401 || !strings.Contains(string(body), `"code":"Unauthorized"`) ||
					resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
					t.Errorf("/sts: %d %s", resp.StatusCode, body)
				}
			case "download":
				resp, _ := call("GET", "/download/uploads/"+pseudonymOf("oDeployer")+"/a.jpg", "")
				if resp.StatusCode != 302 || !strings.HasPrefix(resp.Header.Get("Location"),
					"https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/uploads/") {
					t.Errorf("/download: %d %v", resp.StatusCode, resp.Header)
				}
			case "presign":
				if resp, body := call("POST", "/presign", `{"ext":"jpg","size":10}`); resp.StatusCode != 200 {
					t.Errorf("/presign: %d %s", resp.StatusCode, body)
				}
			}
			if strings.Contains(p.Logs.String(), "undefined") {
				t.Errorf("a value \"undefined\" reached the logs: %s", p.Logs)
			}
		})
	}
	// A required variable left unset is named at start-up, never its value.
	env, _ := serverlessEnv(t, "sts", map[string]string{"COS_SECRET_ID": "AKIDx", "COS_SECRET_KEY": "VISIBLEkey"})
	env["TENCENTCLOUD_RUNENV"], env["COSGATE_PLATFORM"] = "SCF", "scf-web"
	p := platformtest.Start(t, filepath.Join(dist, "scf-web", "sts", "main"), env)
	if code, exited := p.Wait(5 * time.Second); !exited || code != 1 {
		t.Fatalf("started without COS_BUCKET: exited=%v code=%d", exited, code)
	}
	for _, want := range []string{"COS_BUCKET is not set", "COS_REGION is not set", "AUTH_JWT_SECRET is required"} {
		if logs := p.Logs.String(); !strings.Contains(logs, want) || strings.Contains(logs, "VISIBLE") {
			t.Errorf("start-up log lacks %q (or leaks a value): %s", want, logs)
		}
	}
}

// pseudonymOf is the uid the login function gives openid under deployEnv.
func pseudonymOf(openid string) string {
	return loginapi.Pseudonym([]byte(deployEnv()["LOGIN_UID_SECRET"]), openid)
}

func unzip(t *testing.T, zipPath, dir string) {
	t.Helper()
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if err := os.WriteFile(filepath.Join(dir, f.Name), b, f.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
}

// make deploy-scf stops on what would fail a first deploy, and defaults the
// function region to the bucket's when the component deploys there.
func TestDeployScript(t *testing.T) {
	run := func(env map[string]string, args ...string) (string, error) {
		cmd := exec.Command("scripts/deploy-scf", args...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run(map[string]string{"COS_BUCKET": "b-1", "AUTH_JWT_SECRET": "undefined"}, "--check")
	if err == nil || !strings.Contains(out, "set COS_SECRET_ID COS_SECRET_KEY COS_REGION WX_APPID WX_APPSECRET "+
		"LOGIN_UID_SECRET AUTH_JWT_PUBLIC_KEY (make login-key) or AUTH_JWT_SECRET") {
		t.Errorf("missing variables: %v %s", err, out)
	}
	// The token keys: a private key needs its public half beside it; one
	// HS256 secret serves both sides; openid uids need no pseudonym key.
	for _, tc := range []struct {
		change map[string]string
		want   string // "" = accepted
	}{
		{map[string]string{"AUTH_JWT_PUBLIC_KEY": ""}, "set AUTH_JWT_PUBLIC_KEY (the public half of LOGIN_JWT_PRIVATE_KEY)"},
		{map[string]string{"AUTH_JWT_PUBLIC_KEY": "", "LOGIN_JWT_PRIVATE_KEY": "", "AUTH_JWT_SECRET": "hs256-secret-0123456789abcdef0123"}, ""},
		{map[string]string{"AUTH_JWT_PUBLIC_KEY": "", "LOGIN_JWT_PRIVATE_KEY": "", "AUTH_JWT_SECRET": "short"},
			"AUTH_JWT_SECRET must be at least 32 bytes"},
		{map[string]string{"LOGIN_JWT_PRIVATE_KEY": ""}, "set LOGIN_JWT_PRIVATE_KEY (make login-key) or AUTH_JWT_SECRET"},
		{map[string]string{"LOGIN_UID_SECRET": "", "LOGIN_UID": "openid"}, ""},
		{map[string]string{"LOGIN_UID_SECRET": "short"}, "LOGIN_UID_SECRET must be at least 32 bytes"},
	} {
		env := deployEnv()
		maps.Copy(env, tc.change)
		maps.DeleteFunc(env, func(_, v string) bool { return v == "" })
		out, err := run(env, "--check")
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(out, tc.want)) {
			t.Errorf("%v: %v %s", tc.change, err, out)
		}
	}
	// Without the login function in serverless.yml, its variables are not asked for.
	repo := t.TempDir()
	os.Mkdir(filepath.Join(repo, "scripts"), 0o755)
	script, _ := os.ReadFile("scripts/deploy-scf")
	os.WriteFile(filepath.Join(repo, "scripts", "deploy-scf"), script, 0o755)
	yml, _ := os.ReadFile("serverless.yml")
	withoutLogin := regexp.MustCompile(`(?ms)^    login:\n.*?\n  triggers:`).ReplaceAllString(string(yml), "  triggers:")
	if withoutLogin == string(yml) {
		t.Fatal("could not take the login function out of serverless.yml")
	}
	os.WriteFile(filepath.Join(repo, "serverless.yml"), []byte(withoutLogin), 0o644)
	cmd := exec.Command(filepath.Join(repo, "scripts", "deploy-scf"), "--check")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "COS_SECRET_ID=a", "COS_SECRET_KEY=b", "COS_BUCKET=b-1",
		"COS_REGION=ap-guangzhou", "AUTH_JWT_SECRET=hs256-secret-0123456789abcdef0123"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("without login: %v %s", err, out)
	}
	for _, region := range multiSCF.regions {
		env := deployEnv()
		env["COS_REGION"] = region
		if out, err := run(env, "--check"); err != nil || !strings.Contains(out, "functions in "+region) {
			t.Errorf("%s: %v %s", region, err, out)
		}
	}
	env := deployEnv()
	env["COS_REGION"] = "ap-nanjing" // a COS region the component does not deploy functions to
	if out, err := run(env, "--check"); err == nil || !strings.Contains(out, "set FUNCTION_REGION") {
		t.Errorf("a bucket region outside the list: %v %s", err, out)
	}
	env["FUNCTION_REGION"] = "ap-shanghai"
	if out, err := run(env, "--check"); err != nil || !strings.Contains(out, "functions in ap-shanghai, bucket") {
		t.Errorf("an explicit function region: %v %s", err, out)
	}
	env["FUNCTION_REGION"] = "mars-1"
	if _, err := run(env, "--check"); err == nil {
		t.Error("a region outside the list was accepted")
	}
	// The whole command, with stand-ins for make and scf that record what they got.
	bin := t.TempDir()
	record := filepath.Join(bin, "scf.log")
	os.WriteFile(filepath.Join(bin, "scf"), []byte("#!/bin/sh\necho \"scf $* region=$FUNCTION_REGION\" > "+record+"\n"), 0o755)
	env = deployEnv()
	env["PATH"] = bin + ":" + os.Getenv("PATH")
	env["MAKE"] = "true"
	cmd = exec.Command("scripts/deploy-scf", "--debug")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	if got, _ := os.ReadFile(record); string(got) != "scf deploy --debug region=ap-guangzhou\n" {
		t.Errorf("scf was called as %q", got)
	}
}

// checkSAMTarget reads `make -n build-<id>`: one go build of
// ./functions/<name> into $(ARTIFACTS_DIR)/bootstrap for template.yaml's
// architecture, with the flags `make package` uses.
func checkSAMTarget(t *testing.T, id, name string) {
	t.Helper()
	out, err := exec.Command("make", "-n", "build-"+id, "ARTIFACTS_DIR=/artifacts").CombinedOutput()
	if err != nil {
		t.Errorf("%s: make -n build-%s: %v\n%s", id, id, err, out)
		return
	}
	var builds []string
	for line := range strings.SplitSeq(string(out), "\n") {
		if strings.Contains(line, " go build ") {
			builds = append(builds, line)
		}
	}
	want := "-o /artifacts/bootstrap ./functions/" + name
	if len(builds) != 1 || !strings.HasPrefix(builds[0], "GOARCH=arm64 CGO_ENABLED=0 GOOS=linux ") ||
		!strings.HasSuffix(builds[0], want) || !strings.Contains(builds[0], "-trimpath") {
		t.Errorf("%s: make build-%s should run one arm64 go build ending %q; it runs:\n%s", id, id, want, out)
	}
}

// The Makefile builds AWS binaries for the architecture template.yaml
// declares, and SCF binaries for x86_64; the ELF headers say so.
func TestArchitectures(t *testing.T) {
	machine := map[string]elf.Machine{"arm64": elf.EM_AARCH64, "x86_64": elf.EM_X86_64}
	declared := func(path string) string {
		tpl, err := goformation.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, fn := range tpl.GetAllServerlessFunctionResources() {
			if len(fn.Architectures) == 1 {
				return fn.Architectures[0]
			}
		}
		raw, _ := os.ReadFile(path)
		var root yaml.Node
		yaml.Unmarshal(raw, &root)
		arch := find(&root, "Globals", "Function", "Architectures")
		if arch == nil || len(arch.Content) != 1 {
			t.Fatalf("%s declares no single architecture", path)
		}
		return arch.Content[0].Value
	}
	elfOf := func(path string) elf.Machine {
		f, err := elf.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		return f.Machine
	}
	if arch := declared("template.yaml"); arch != "arm64" {
		t.Errorf("template.yaml declares %s; arm64 is the default", arch)
	}
	raw, _ := os.ReadFile("template.yaml")
	x86 := filepath.Join(t.TempDir(), "template.yaml")
	os.WriteFile(x86, []byte(strings.Replace(string(raw), "Architectures: [arm64]", "Architectures: [x86_64]", 1)), 0o644)
	for _, tpl := range []string{"template.yaml", x86} {
		want := machine[declared(tpl)]
		out := t.TempDir()
		if b, err := exec.Command("make", "build-PresignFunction", "ARTIFACTS_DIR="+out, "TEMPLATE="+tpl).CombinedOutput(); err != nil {
			t.Fatalf("%v %s", err, b)
		}
		if st, err := os.Stat(filepath.Join(out, "bootstrap")); err != nil || st.Mode()&0o111 == 0 {
			t.Errorf("%s: make build-PresignFunction left no executable bootstrap (%v)", tpl, err)
		}
		if got := elfOf(filepath.Join(out, "bootstrap")); got != want {
			t.Errorf("%s declares %v; sam build made %v", tpl, want, got)
		}
	}
	bad := filepath.Join(t.TempDir(), "template.yaml")
	os.WriteFile(bad, []byte(strings.Replace(string(raw), "Architectures: [arm64]", "Architectures: [riscv64]", 1)), 0o644)
	if b, err := exec.Command("make", "build-StsFunction", "ARTIFACTS_DIR="+t.TempDir(), "TEMPLATE="+bad).CombinedOutput(); err == nil ||
		!strings.Contains(string(b), "Architectures must be") {
		t.Errorf("an unknown architecture built: %s", b)
	}
	dist := makePackage(t)
	for _, fn := range functions {
		if got := elfOf(filepath.Join(dist, "aws-bin", fn)); got != elf.EM_AARCH64 {
			t.Errorf("dist/aws-bin/%s is %v, not what template.yaml declares", fn, got)
		}
		if got := elfOf(filepath.Join(dist, "bin", fn)); got != elf.EM_X86_64 {
			t.Errorf("dist/bin/%s (SCF) is %v, not x86_64", fn, got)
		}
	}
}

// make login-key, used as README says: its two export lines, sourced by sh,
// configure a login function that checks the pair and mints tokens the
// public key alone accepts.
func TestLoginKey(t *testing.T) {
	envFile := filepath.Join(t.TempDir(), "login-key.env")
	out, err := exec.Command("make", "-s", "login-key").Output()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(envFile, out, 0o600)
	got, err := exec.Command("sh", "-c", `. "$1" && printf '%s\n%s' "$LOGIN_JWT_PRIVATE_KEY" "$AUTH_JWT_PUBLIC_KEY"`,
		"sh", envFile).Output()
	if err != nil {
		t.Fatal(err)
	}
	private, public, _ := strings.Cut(string(got), "\n")
	if private == "" || public == "" || strings.ContainsAny(private+public, " \n\t") {
		t.Fatalf("not two one-line values:\n%s", out)
	}
	env := map[string]string{"WX_APPID": "wx0123456789abcdef", "WX_APPSECRET": "x", "LOGIN_UID": "openid",
		"LOGIN_JWT_PRIVATE_KEY": private, "AUTH_JWT_PUBLIC_KEY": public}
	if _, err := loginapi.Build(platform.Env{Function: "login", Environ: env}); err != nil {
		t.Fatalf("the pair does not configure the login function: %v", err)
	}
	cfg, _ := config.Load[config.LoginFunction](env)
	h, err := loginapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := h.Minter.Mint("u1", time.Now())
	if err != nil || h.Minter.Algorithm() != "ES256" {
		t.Fatalf("%v %s", err, h.Minter.Algorithm())
	}
	verify, err := identity.NewJWT(identity.JWTConfig{PublicKeyPEM: public})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", "/sts", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if c, err := verify.Authenticate(req); err != nil || c.UID != "u1" {
		t.Errorf("the public key refuses the login function's token: %v %v", c, err)
	}
	// A second run is a different pair.
	again, _ := exec.Command("make", "-s", "login-key").Output()
	if string(again) == string(out) {
		t.Error("make login-key printed the same pair twice")
	}
}
