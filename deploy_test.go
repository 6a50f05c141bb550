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
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/schema"
	"gopkg.in/yaml.v3"

	"cosgate/deploy/scfdeploy"
	"cosgate/deploy/scfweb"
	"cosgate/deploy/scfweb/scfwebtest"
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
	functions = []string{"sts", "presign", "download", "sign", "login"}
	routes    = map[string]string{"/sts": "sts", "/presign": "presign", "/download": "download", "/sign": "sign", "/login": "login"}
	// configs is what each function reads: the variables it may be given.
	configs = map[string][]string{
		"sts":      append(config.VariablesOf(&config.STSFunction{}), config.VariablesOf(&config.Runtime{})...),
		"presign":  append(config.VariablesOf(&config.PresignFunction{}), config.VariablesOf(&config.Runtime{})...),
		"download": append(config.VariablesOf(&config.DownloadFunction{}), config.VariablesOf(&config.Runtime{})...),
		"sign":     append(config.VariablesOf(&config.SignFunction{}), config.VariablesOf(&config.Runtime{})...),
		"login":    append(config.VariablesOf(&config.LoginFunction{}), config.VariablesOf(&config.Runtime{})...),
	}
	legalName  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	secretName = regexp.MustCompile(`SECRET|KEY|TOKEN|PASSWORD`)
	// Values that look like credentials: Tencent SecretIds, AWS keys, long random strings.
	credentialLike = regexp.MustCompile(`AKID[0-9A-Za-z]{8,}|AKIA[0-9A-Z]{12,}|[A-Za-z0-9+/=_-]{32,}`)
)

// packaged holds `make package`'s output, built once for these tests.
var packaged = &scfwebtest.Dist{Root: ".", Target: "package"}

func TestMain(m *testing.M) {
	code := m.Run()
	packaged.Remove()
	os.Exit(code)
}

func makePackage(t *testing.T) string { return packaged.Dir(t) }

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
// component version 0.3.14; tencent-component-toolkit at 4b0b78b). Which
// regions it deploys to is left to the framework and SCF to answer
// (scripts/deploy-sls).
var multiSCF = struct {
	inputs, function, httpParams, netConfig []string
	runtimes, triggers                      []string
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
	// toolkit src/modules/triggers/index.ts: the trigger classes by type
	// (http since v2.26.0).
	triggers: []string{"timer", "cos", "apigw", "http", "ckafka", "cmq", "cls", "mps", "clb"},
	memory:   func(mb int) bool { return mb == 64 || mb >= 128 && mb <= 3072 && mb%128 == 0 },
	timeout:  func(s int) bool { return s >= 1 && s <= 900 },
}

// requiredVars are the variables each function cannot start without, as
// make deploy-sls asks for them; every other ${env:X} serverless.yml passes
// is optional. Tokens need one of a pair on each side: AUTH_JWT_PUBLIC_KEY
// or AUTH_JWT_SECRET to verify, LOGIN_JWT_PRIVATE_KEY or AUTH_JWT_SECRET to
// mint.
var requiredVars = map[string][]string{
	"sts":      {"COS_SECRET_ID", "COS_SECRET_KEY", "COS_BUCKET", "COS_REGION"},
	"presign":  {"COS_SECRET_ID", "COS_SECRET_KEY", "COS_BUCKET", "COS_REGION"},
	"download": {"COS_SECRET_ID", "COS_SECRET_KEY", "COS_BUCKET", "COS_REGION"},
	"sign":     {"COS_SECRET_ID", "COS_SECRET_KEY", "COS_BUCKET", "COS_REGION"},
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
	// The region is its own setting; make deploy-sls defaults it to the
	// bucket's (TestDeployScript).
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
		"SignFunction": "sign", "LoginFunction": "login"}
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
		find(&root, "Resources", "SignFunction", "Properties"), find(&root, "Resources", "LoginFunction", "Properties")} {
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
// token with 401 JSON, /presign signs, /download redirects with 302 and
// /sign signs an SDK's upload for the login function's token.
func TestWebFunctionsAsSCFRunsThem(t *testing.T) {
	dist := makePackage(t)
	// presign and sign sign with keys from STS, login asks WeChat: fakes of
	// both, on loopback.
	sts := ststest.New(t, deployEnv()["COS_SECRET_ID"], deployEnv()["COS_SECRET_KEY"])
	emu, err := wxemu.New(wxemu.Config{AppID: deployEnv()["WX_APPID"], AppSecret: deployEnv()["WX_APPSECRET"]})
	if err != nil {
		t.Fatal(err)
	}
	wx := httptest.NewServer(emu)
	defer wx.Close()
	var token string
	for _, fn := range []string{"login", "sts", "presign", "download", "sign"} {
		t.Run(fn, func(t *testing.T) {
			fnEnv, optional := serverlessEnv(t, fn, deployEnv())
			if len(optional) < 3 {
				t.Fatalf("only %d optional variables for %s: %v", len(optional), fn, optional)
			}
			zipData, err := os.ReadFile(filepath.Join(dist, "scf-web", fn+".zip"))
			if err != nil {
				t.Fatal(err)
			}
			env := maps.Clone(fnEnv)
			env["STS_ENDPOINT"], env["WX_API_ENDPOINT"] = sts.URL, wx.URL
			p, base := scfwebtest.Run(t, zipData,
				scfweb.Function{Name: "cosgate-" + fn, Region: "ap-guangzhou", AppID: "1250000000"}, env)
			if !p.Logs.Await(`"platform":"scf-web"`, 5*time.Second) {
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
			case "sign":
				key := "uploads/" + pseudonymOf("oDeployer") + "/a.jpg"
				resp, body := call("POST", "/sign", `{"Method":"put","Key":"`+key+`","Pathname":"/`+key+`",`+
					`"Headers":{"Content-Type":"image/jpeg","Content-Length":10}}`)
				var out struct{ Authorization, SecurityToken string }
				if resp.StatusCode != 200 || json.Unmarshal(body, &out) != nil || out.Authorization == "" || out.SecurityToken == "" {
					t.Errorf("/sign: %d %s", resp.StatusCode, body)
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

// make deploy-sls stops on what would fail a first deploy, defaults the
// function region to the bucket's, and deploys only when told that the
// component's re-zip is accepted (TestMultiSCFReplay).
func TestDeployScript(t *testing.T) {
	run := func(env map[string]string, args ...string) (string, error) {
		cmd := exec.Command("scripts/deploy-sls", args...)
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
		// One kind of token key, as make deploy-scf and the functions hold
		// it, unless AUTH_JWT_ALLOW_HS256=true says both are meant.
		{map[string]string{"AUTH_JWT_SECRET": "hs256-secret-VALUE-0123456789abcdef"},
			"AUTH_JWT_SECRET is set together with AUTH_JWT_PUBLIC_KEY and LOGIN_JWT_PRIVATE_KEY: "},
		{map[string]string{"AUTH_JWT_SECRET": "hs256-secret-VALUE-0123456789abcdef", "AUTH_JWT_ALLOW_HS256": "false"},
			"or set AUTH_JWT_ALLOW_HS256=true if both are meant"},
		{map[string]string{"AUTH_JWT_SECRET": "hs256-secret-VALUE-0123456789abcdef", "AUTH_JWT_ALLOW_HS256": "true"}, ""},
		{map[string]string{"AUTH_JWT_SECRET": "hs256-secret-VALUE-0123456789abcdef", "AUTH_JWT_ALLOW_HS256": "yes"},
			"AUTH_JWT_ALLOW_HS256 must be true or false"},
		{map[string]string{"AUTH_JWT_SECRET": "undefined"}, ""},
	} {
		env := deployEnv()
		maps.Copy(env, tc.change)
		maps.DeleteFunc(env, func(_, v string) bool { return v == "" })
		out, err := run(env, "--check")
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(out, tc.want)) ||
			strings.Contains(out, "VALUE") {
			t.Errorf("%v: %v %s", tc.change, err, out)
		}
	}
	// Without the login function in serverless.yml, its variables are not asked for.
	repo := t.TempDir()
	os.Mkdir(filepath.Join(repo, "scripts"), 0o755)
	script, _ := os.ReadFile("scripts/deploy-sls")
	os.WriteFile(filepath.Join(repo, "scripts", "deploy-sls"), script, 0o755)
	yml, _ := os.ReadFile("serverless.yml")
	withoutLogin := regexp.MustCompile(`(?ms)^    login:\n.*?\n  triggers:`).ReplaceAllString(string(yml), "  triggers:")
	if withoutLogin == string(yml) {
		t.Fatal("could not take the login function out of serverless.yml")
	}
	os.WriteFile(filepath.Join(repo, "serverless.yml"), []byte(withoutLogin), 0o644)
	cmd := exec.Command(filepath.Join(repo, "scripts", "deploy-sls"), "--check")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "COS_SECRET_ID=a", "COS_SECRET_KEY=b", "COS_BUCKET=b-1",
		"COS_REGION=ap-guangzhou", "AUTH_JWT_SECRET=hs256-secret-0123456789abcdef0123"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("without login: %v %s", err, out)
	}
	// The function region is the bucket's unless set; which regions exist is
	// for the framework and SCF to say, so any region ID passes, and only
	// what cannot be one is refused.
	env := deployEnv()
	for _, region := range []string{"ap-guangzhou", "ap-nanjing", "ap-shanghai-fsi", "na-siliconvalley", "sa-saopaulo"} {
		env["COS_REGION"] = region
		if out, err := run(env, "--check"); err != nil || !strings.Contains(out, "functions in "+region+", bucket") {
			t.Errorf("%s: %v %s", region, err, out)
		}
	}
	env["FUNCTION_REGION"] = "ap-shanghai"
	if out, err := run(env, "--check"); err != nil || !strings.Contains(out, "functions in ap-shanghai, bucket") {
		t.Errorf("an explicit function region: %v %s", err, out)
	}
	env["FUNCTION_REGION"] = "undefined" // the framework's word for unset
	if out, err := run(env, "--check"); err != nil || !strings.Contains(out, "functions in sa-saopaulo, bucket") {
		t.Errorf("FUNCTION_REGION=undefined: %v %s", err, out)
	}
	for _, bad := range []string{"mars-1", "guangzhou", "ap_guangzhou", "AP-GUANGZHOU", "ap-guangzhou "} {
		env["FUNCTION_REGION"] = bad
		if out, err := run(env, "--check"); err == nil || !strings.Contains(out, "is not a region ID") {
			t.Errorf("FUNCTION_REGION %q was accepted: %s", bad, out)
		}
	}
	// The whole command, with stand-ins for make and scf that record what
	// they got: refused without SLS_ACCEPT_MODE_LOSS=yes, before make runs.
	bin := t.TempDir()
	record := filepath.Join(bin, "calls.log")
	os.WriteFile(filepath.Join(bin, "scf"), []byte("#!/bin/sh\necho \"scf $* region=$FUNCTION_REGION\" >> "+record+"\n"), 0o755)
	os.WriteFile(filepath.Join(bin, "make"), []byte("#!/bin/sh\necho \"make $*\" >> "+record+"\n"), 0o755)
	deploy := func(accept string) (string, string, error) {
		os.Remove(record)
		env := deployEnv()
		env["PATH"] = bin + ":" + os.Getenv("PATH")
		env["MAKE"] = filepath.Join(bin, "make")
		if accept != "" {
			env["SLS_ACCEPT_MODE_LOSS"] = accept
		}
		out, err := run(env, "--debug")
		calls, _ := os.ReadFile(record)
		return out, string(calls), err
	}
	for _, accept := range []string{"", "1", "no"} {
		out, calls, err := deploy(accept)
		if err == nil || calls != "" || !strings.Contains(out, "make deploy-scf") || !strings.Contains(out, "SLS_ACCEPT_MODE_LOSS=yes") {
			t.Errorf("SLS_ACCEPT_MODE_LOSS=%q: deployed (%v), or did not point to make deploy-scf: %s%s", accept, err, out, calls)
		}
	}
	if out, calls, err := deploy("yes"); err != nil || calls != "make package\nscf deploy --debug region=ap-guangzhou\n" {
		t.Errorf("with SLS_ACCEPT_MODE_LOSS=yes: %v %s; calls:\n%s", err, out, calls)
	}
}

// TestMultiSCFReplay replays, on serverless.yml and what `make package`
// builds, what the multi-scf component does between the framework's upload
// and the toolkit's API calls: which function names it deploys, and what
// becomes of the files' modes (replayMultiSCF). It fails when a function
// would not be named cosgate-<key>, as make deploy-scf names it, or when the
// code would reach SCF unable to start while scripts/deploy-sls deploys it
// without being told to.
func TestMultiSCFReplay(t *testing.T) {
	dist := makePackage(t)
	raw, err := os.ReadFile("serverless.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Inputs struct {
			Src      struct{ Exclude []string }
			Triggers []struct{ Function string }
		}
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	// The package the framework uploads: inputs.src.src (./dist/scf-web,
	// TestServerlessYML) without inputs.src.exclude. Its modes are kept here,
	// the best case: the framework's own zipper was not read.
	work := t.TempDir()
	pkg := filepath.Join(work, "src.zip")
	zipTree(t, filepath.Join(dist, "scf-web"), pkg, doc.Inputs.Src.Exclude, nil)
	deployed := replayMultiSCF(t, raw, pkg, filepath.Join(work, "replay"))

	// Names: the ones make deploy-scf gives, and ones SCF accepts.
	names := map[string]string{}
	for _, fn := range deployed {
		names[fn.Key] = fn.Name
		if fn.Name != "cosgate-"+fn.Key {
			t.Errorf("multi-scf deploys function %s as %q; make deploy-scf names it %q (set its name)", fn.Key, fn.Name, "cosgate-"+fn.Key)
		}
		if !scfFunctionName.MatchString(fn.Name) {
			t.Errorf("%q is not a name SCF accepts", fn.Name)
		}
	}
	for _, fn := range functions {
		if names[fn] == "" {
			t.Errorf("function %s is not deployed", fn)
		}
	}
	// formatTriggerInputs looks a trigger's function up by key, and throws
	// "Function <key> not in deploy list" when there is none.
	for _, tr := range doc.Inputs.Triggers {
		if names[tr.Function] == "" {
			t.Errorf("a trigger names function %q, which is not in the deploy list", tr.Function)
		}
	}

	// Modes: SCF runs a web function through scf_bootstrap only when its mode
	// is 755 or 777 (cloud.tencent.com/document/product/583/56126), and
	// scf_bootstrap execs main.
	var lost []string
	for _, fn := range deployed {
		if bad := unstartable(t, fn.Code); bad != "" {
			lost = append(lost, fn.Name+": "+bad)
		}
	}
	// The rule, both ways: the zip make package builds (and make deploy-scf
	// deploys) starts; so does a package the component uploads unchanged,
	// the case of a function without its own src.
	for _, fn := range functions {
		if bad := unstartable(t, filepath.Join(dist, "scf-web", fn+".zip")); bad != "" {
			t.Errorf("make package's %s.zip: %s", fn, bad)
		}
	}
	one := filepath.Join(work, "sts.zip")
	zipTree(t, filepath.Join(dist, "scf-web", "sts"), one, nil, nil)
	whole := regexp.MustCompile(`(?m)^      src: .*\n`).ReplaceAll(raw, nil)
	for _, fn := range replayMultiSCF(t, whole, one, filepath.Join(work, "whole")) {
		if fn.Rezipped || fn.Code != one {
			t.Errorf("%s has no src of its own, and was not given the package as it is", fn.Key)
		}
		if bad := unstartable(t, fn.Code); bad != "" {
			t.Errorf("the package uploaded as it is: %s", bad)
		}
	}

	// What serverless.yml deploys either starts, or scripts/deploy-sls
	// refuses it without SLS_ACCEPT_MODE_LOSS=yes and names make deploy-scf.
	bin := t.TempDir()
	os.WriteFile(filepath.Join(bin, "scf"), []byte("#!/bin/sh\necho scf ran\n"), 0o755)
	env := deployEnv()
	cmd := exec.Command("scripts/deploy-sls")
	cmd.Env = []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "MAKE=true"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	refused := err != nil && !strings.Contains(string(out), "scf ran") && strings.Contains(string(out), "make deploy-scf")
	switch {
	case len(lost) > 0 && !refused:
		t.Errorf("scripts/deploy-sls deploys functions that cannot start:\n  %s\n%s", strings.Join(lost, "\n  "), out)
	case len(lost) > 0:
		t.Logf("as the component's source does it, the code reaches SCF unable to start, and scripts/deploy-sls refuses it:\n  %s",
			strings.Join(lost, "\n  "))
	case refused:
		t.Errorf("the code would reach SCF intact, yet scripts/deploy-sls refuses it: %s", out)
	}
}

// scfFunctionName is SCF's rule for a function name, as multi-scf's
// docs/configure.md gives it: letters, digits, underscores and hyphens,
// starting with a letter, ending with a letter or digit, 2 to 60 characters.
var scfFunctionName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$`)

// multiSCFFunction is a function as multi-scf hands it to the toolkit.
type multiSCFFunction struct {
	Key, Name string // Name becomes CreateFunction's FunctionName
	Code      string // the zip uploaded to COS, from which SCF takes the code
	Rezipped  bool
}

// replayMultiSCF does what multi-scf does with serverless.yml's functions,
// from its source (serverless-components/tencent-multi-scf 02cf563, version
// 0.3.14) and adm-zip's (cthackers/adm-zip), without running either. pkg is
// the package the framework uploaded for inputs.src; work a scratch folder.
func replayMultiSCF(t *testing.T, yml []byte, pkg, work string) []multiSCFFunction {
	t.Helper()
	var doc struct {
		App, Stage, Name string
		Inputs           struct{ Functions yaml.Node }
	}
	if err := yaml.Unmarshal(yml, &doc); err != nil {
		t.Fatal(err)
	}
	var out []multiSCFFunction
	fns := &doc.Inputs.Functions
	for i := 0; i+1 < len(fns.Content); i += 2 {
		key := fns.Content[i].Value
		var fn struct{ Name, Src string }
		if err := fns.Content[i+1].Decode(&fn); err != nil {
			t.Fatal(err)
		}
		// src/formatter.ts, formatInputs: curInputs.name = curInputs.name ||
		// formatScfName(...), which is `${instance.name}-${instance.stage}-
		// ${instance.app}-${functionKey}`; the toolkit sends it as
		// FunctionName (tencent-component-toolkit src/modules/scf/utils.ts,
		// formatInputs).
		f := multiSCFFunction{Key: key, Name: cmpOr(fn.Name, doc.Name+"-"+doc.Stage+"-"+doc.App+"-"+key), Code: pkg}
		// uploadCodeToCos, uploadFaasCode: a function whose src (with its
		// first "./" removed) is empty gets the whole package, uploaded as it
		// is; any other is unzipped and zipped again. The upload then
		// replaces the function's code (faasInputsList[i].code = code).
		if src := strings.Replace(fn.Src, "./", "", 1); src != "" {
			f.Code, f.Rezipped = rezipLikeMultiSCF(t, pkg, filepath.Join(work, f.Name), src, fn.Src), true
		}
		out = append(out, f)
	}
	return out
}

// rezipLikeMultiSCF is uploadFaasCode's unzip and zip (multi-scf
// src/formatter.ts and src/zipper.ts) of one function's folder.
func rezipLikeMultiSCF(t *testing.T, pkg, scfPath, entryName, src string) string {
	t.Helper()
	zr, err := zip.OpenReader(pkg)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	code := filepath.Join(scfPath, "code")
	// zipper.ts unzip: every entry whose name contains entryName, through
	// adm-zip's extractEntryTo(item, target, true, overwrite). multi-scf
	// does not pass keepOriginalPermission, which defaults to false since
	// adm-zip 0.5.7 (commit 2b2a1d7, 2021-09-26; multi-scf asks for
	// ^0.5.5), so writeFileTo is given no mode and chmods the file 0o666
	// (util/utils.js: chmodSync(path, attr || 0o666)).
	for _, f := range zr.File {
		if !strings.Contains(f.Name, entryName) || f.FileInfo().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		path := filepath.Join(code, filepath.FromSlash(f.Name))
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, b, 0o666); err != nil {
			t.Fatal(err)
		}
		os.Chmod(path, 0o666)
	}
	// zipper.ts zip({src: pathJoin(`${scfPath}/code`, src)}): every file
	// under it (fast-glob '**/*', dot files too), added with adm-zip's
	// addFile(file, content, '', mode), mode = stat.mode & 0o100 ? 0o755 :
	// 0o644.
	out := filepath.Join(scfPath, "code.zip")
	zipTree(t, filepath.Join(code, filepath.FromSlash(src)), out, nil, func(m fs.FileMode) fs.FileMode {
		if m&0o100 != 0 {
			return 0o755
		}
		return 0o644
	})
	return out
}

// zipTree zips dir's files, leaving out names matching one of exclude,
// each with the mode mode gives for its own (nil: its own).
func zipTree(t *testing.T, dir, out string, exclude []string, mode func(fs.FileMode) fs.FileMode) {
	t.Helper()
	w, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	zw := zip.NewWriter(w)
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		for _, pattern := range exclude {
			if ok, _ := filepath.Match(pattern, d.Name()); ok {
				return nil
			}
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		h, err := zip.FileInfoHeader(info)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		h.Name, h.Method = filepath.ToSlash(rel), zip.Deflate
		if mode != nil {
			h.SetMode(mode(info.Mode()))
		}
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		_, err = fw.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

// unstartable says why SCF could not start the web function in this code
// zip, or "" when it can: scf_bootstrap at the root with mode 755 or 777,
// and main beside it, executable.
func unstartable(t *testing.T, code string) string {
	t.Helper()
	zr, err := zip.OpenReader(code)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	modes := map[string]fs.FileMode{}
	for _, f := range zr.File {
		modes[f.Name] = f.Mode()
	}
	var bad []string
	if m, ok := modes["scf_bootstrap"]; !ok {
		bad = append(bad, "no scf_bootstrap at the root")
	} else if p := m.Perm(); p != 0o755 && p != 0o777 {
		bad = append(bad, fmt.Sprintf("scf_bootstrap is %v", m))
	}
	if m, ok := modes["main"]; !ok {
		bad = append(bad, "no main at the root")
	} else if m.Perm()&0o111 == 0 {
		bad = append(bad, fmt.Sprintf("main is %v", m))
	}
	return strings.Join(bad, ", ")
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
		for _, dir := range []string{"bin", "bin-event"} {
			if got := elfOf(filepath.Join(dist, dir, fn)); got != elf.EM_X86_64 {
				t.Errorf("dist/%s/%s (SCF) is %v, not x86_64", dir, fn, got)
			}
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

// Every function name a README command uses is one that make deploy-scf
// (and serverless.yml) creates.
func TestREADMENamesDeployedFunctions(t *testing.T) {
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	created := map[string]bool{}
	for _, fn := range functions {
		created[scfdeploy.FunctionName(scfdeploy.DefaultPrefix, fn)] = true
	}
	named := regexp.MustCompile(`"FunctionName"\s*:\s*"([^"]+)"|--FunctionName\s+"?([^"\s]+)"?`)
	found := 0
	for _, m := range named.FindAllStringSubmatch(string(raw), -1) {
		name := m[1] + m[2]
		found++
		if !created[name] {
			t.Errorf("README.md names the function %q; the deploy creates %v", name, slices.Sorted(maps.Keys(created)))
		}
	}
	if found == 0 {
		t.Error("README.md names no function: the custom-domain example is gone?")
	}
}

// loadAs loads env as function fn's configuration, as its binary does.
func loadAs(fn string, env map[string]string) error {
	var err error
	switch fn {
	case "sts":
		_, err = config.Load[config.STSFunction](env)
	case "presign":
		_, err = config.Load[config.PresignFunction](env)
	case "download":
		_, err = config.Load[config.DownloadFunction](env)
	case "sign":
		_, err = config.Load[config.SignFunction](env)
	case "login":
		_, err = config.Load[config.LoginFunction](env)
	default:
		err = fmt.Errorf("no function %s", fn)
	}
	return err
}

// serverless.yml passes ${env:X} for both kinds of token key, and the
// framework deploys an unset one as "undefined", which reads as unset: one
// kind set, every function starts. Both set, make deploy-sls refuses
// (TestDeployScript) and, were it bypassed, every function would refuse to
// start, naming both variables, unless AUTH_JWT_ALLOW_HS256=true, which
// serverless.yml passes to each function holding AUTH_JWT_SECRET.
func TestServerlessYMLOneKindOfTokenKey(t *testing.T) {
	const secret = "hs256-secret-VALUE-0123456789abcdef"
	hs256 := deployEnv()
	delete(hs256, "AUTH_JWT_PUBLIC_KEY")
	delete(hs256, "LOGIN_JWT_PRIVATE_KEY")
	hs256["AUTH_JWT_SECRET"] = secret
	mixed := deployEnv()
	mixed["AUTH_JWT_SECRET"] = secret
	allowed := maps.Clone(mixed)
	allowed["AUTH_JWT_ALLOW_HS256"] = "true"
	for _, fn := range functions {
		resolved, _ := serverlessEnv(t, fn, nil)
		if _, ok := resolved["AUTH_JWT_SECRET"]; ok && resolved["AUTH_JWT_ALLOW_HS256"] != "undefined" {
			t.Errorf("serverless.yml does not pass ${env:AUTH_JWT_ALLOW_HS256} to %s beside AUTH_JWT_SECRET", fn)
		}
		want := "AUTH_JWT_SECRET and AUTH_JWT_PUBLIC_KEY are both set"
		if fn == "login" {
			want = "AUTH_JWT_SECRET and LOGIN_JWT_PRIVATE_KEY are both set"
		}
		for _, tc := range []struct {
			name string
			env  map[string]string
			want string
		}{{"key pair", deployEnv(), ""}, {"HS256", hs256, ""}, {"both", mixed, want}, {"both, allowed", allowed, ""}} {
			env, _ := serverlessEnv(t, fn, tc.env)
			err := loadAs(fn, env)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("%s with %s: %v", fn, tc.name, err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) ||
				!strings.Contains(err.Error(), "AUTH_JWT_ALLOW_HS256=true")):
				t.Errorf("%s with %s: got %v, want %q", fn, tc.name, err, tc.want)
			case err != nil && strings.Contains(err.Error(), "VALUE"):
				t.Errorf("a value leaked: %v", err)
			}
		}
	}
}

// template.yaml cannot be deployed with AuthJwtSecret beside the key pair:
// its rule OneKindOfTokenKey, evaluated here for every combination of the
// parameters, refuses exactly the mix unless AuthJwtAllowHs256 is true,
// which can only be "false" or "true" and reaches every function as
// AUTH_JWT_ALLOW_HS256.
func TestTemplateYAMLOneKindOfTokenKey(t *testing.T) {
	raw, err := os.ReadFile("template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	if v := find(&root, "Globals", "Function", "Environment", "Variables", "AUTH_JWT_ALLOW_HS256"); v == nil ||
		v.Tag != "!Ref" || v.Value != "AuthJwtAllowHs256" {
		t.Error("Globals does not pass AUTH_JWT_ALLOW_HS256: !Ref AuthJwtAllowHs256")
	}
	allowed := find(&root, "Parameters", "AuthJwtAllowHs256", "AllowedValues")
	if allowed == nil || len(allowed.Content) != 2 || allowed.Content[0].Value != "false" || allowed.Content[1].Value != "true" ||
		scalar(find(&root, "Parameters", "AuthJwtAllowHs256"), "Default") != "false" {
		t.Error(`AuthJwtAllowHs256 must allow only "false" and "true", and default to "false"`)
	}
	rule := find(&root, "Rules", "OneKindOfTokenKey")
	asserts := find(rule, "Assertions")
	if rule == nil || asserts == nil || asserts.Kind != yaml.SequenceNode || len(asserts.Content) == 0 {
		t.Fatal("template.yaml has no rule OneKindOfTokenKey with assertions")
	}
	desc := scalar(asserts.Content[0], "AssertDescription")
	for _, v := range []string{"AuthJwtSecret", "AuthJwtPublicKey", "LoginJwtPrivateKey", "AuthJwtAllowHs256"} {
		if !strings.Contains(desc, v) {
			t.Errorf("the rule's description does not name %s: %q", v, desc)
		}
	}
	for mask := range 16 {
		params := map[string]string{"AuthJwtSecret": "", "AuthJwtPublicKey": "", "LoginJwtPrivateKey": "",
			"AuthJwtAllowHs256": "false"}
		if mask&1 != 0 {
			params["AuthJwtSecret"] = "s"
		}
		if mask&2 != 0 {
			params["AuthJwtPublicKey"] = "p"
		}
		if mask&4 != 0 {
			params["LoginJwtPrivateKey"] = "k"
		}
		if mask&8 != 0 {
			params["AuthJwtAllowHs256"] = "true"
		}
		refused := false
		if c := find(rule, "RuleCondition"); c == nil || evalRule(t, c, params) {
			for _, a := range asserts.Content {
				if !evalRule(t, find(a, "Assert"), params) {
					refused = true
				}
			}
		}
		mix := mask&1 != 0 && mask&6 != 0 && mask&8 == 0
		if refused != mix {
			t.Errorf("%v: refused %v, want %v", params, refused, mix)
		}
	}
}

// evalRule evaluates the rule functions template.yaml uses (Equals, And,
// Or, Not and Ref of a parameter, short or long form) for params.
func evalRule(t *testing.T, n *yaml.Node, params map[string]string) bool {
	t.Helper()
	fn, args := ruleFunc(n)
	switch fn {
	case "Equals":
		if len(args) != 2 {
			t.Fatalf("Equals takes two values, got %d", len(args))
		}
		return ruleValue(t, args[0], params) == ruleValue(t, args[1], params)
	case "And", "Or":
		for _, a := range args {
			if v := evalRule(t, a, params); v == (fn == "Or") {
				return v
			}
		}
		return fn == "And"
	case "Not":
		if len(args) != 1 {
			t.Fatalf("Not takes one condition, got %d", len(args))
		}
		return !evalRule(t, args[0], params)
	}
	t.Fatalf("template.yaml: a rule uses %q, which this test cannot evaluate", fn)
	return false
}

// ruleFunc reads !Fn [args] or {Fn::Fn: [args]}.
func ruleFunc(n *yaml.Node) (string, []*yaml.Node) {
	switch {
	case n == nil:
		return "", nil
	case strings.HasPrefix(n.Tag, "!") && n.Kind == yaml.SequenceNode:
		return strings.TrimPrefix(n.Tag, "!"), n.Content
	case n.Kind == yaml.MappingNode && len(n.Content) == 2 && strings.HasPrefix(n.Content[0].Value, "Fn::") &&
		n.Content[1].Kind == yaml.SequenceNode:
		return strings.TrimPrefix(n.Content[0].Value, "Fn::"), n.Content[1].Content
	}
	return n.Tag + n.Value, nil
}

func ruleValue(t *testing.T, n *yaml.Node, params map[string]string) string {
	t.Helper()
	switch {
	case n.Tag == "!Ref":
		v, ok := params[n.Value]
		if !ok {
			t.Fatalf("the rule refers to %s, which this test does not vary", n.Value)
		}
		return v
	case n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "Ref":
		return ruleValue(t, &yaml.Node{Tag: "!Ref", Value: n.Content[1].Value}, params)
	case n.Kind == yaml.ScalarNode:
		return n.Value
	}
	t.Fatalf("template.yaml: a rule compares %v, which this test cannot evaluate", n.Tag)
	return ""
}
