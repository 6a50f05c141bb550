package cosgate_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/schema"
	"gopkg.in/yaml.v3"

	"cosgate/shared/config"
)

// These tests hold serverless.yml and template.yaml to what the code and
// the Makefile provide: the binaries they name exist, runtimes and triggers
// are right, a 302 can reach the client, variables are ones cosgate reads
// under names the platforms accept, and no secret is written inline.

var (
	functions  = []string{"sts", "presign", "download"}
	routes     = map[string]string{"/sts": "sts", "/presign": "presign", "/download": "download"}
	legalName  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	secretName = regexp.MustCompile(`SECRET|KEY|TOKEN|PASSWORD`)
	// Values that look like credentials: Tencent SecretIds, AWS keys, long random strings.
	credentialLike = regexp.MustCompile(`AKID[0-9A-Za-z]{8,}|AKIA[0-9A-Z]{12,}|[A-Za-z0-9+/=_-]{32,}`)
)

// makePackage builds the deployable artefacts once for these tests.
var packaged string

func makePackage(t *testing.T) string {
	t.Helper()
	if packaged != "" {
		return packaged
	}
	dist := t.TempDir()
	if out, err := exec.Command("make", "package", "DIST="+dist).CombinedOutput(); err != nil {
		t.Fatalf("make package: %v\n%s", err, out)
	}
	packaged = dist
	return dist
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

func TestServerlessYML(t *testing.T) {
	raw, err := os.ReadFile("serverless.yml")
	if err != nil {
		t.Fatal(err)
	}
	if m := credentialLike.FindString(string(raw)); m != "" {
		t.Errorf("serverless.yml holds something credential-like: %q", m)
	}
	var doc struct {
		Component string
		Inputs    struct {
			Src          struct{ Src string }
			Runtime      string
			Type         string
			Environments []struct{ Key, Value string }
			Functions    map[string]struct{ Src, Handler, Type string }
			Triggers     []struct {
				Type       string
				Parameters struct {
					Apis []struct{ Path, Method, Function string }
				}
			}
		}
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	in := doc.Inputs
	if doc.Component != "multi-scf" || in.Runtime != "Go1" {
		t.Errorf("component %q runtime %q", doc.Component, in.Runtime)
	}
	// Web functions pass the function's HTTP response through, 302 included.
	for name, fn := range in.Functions {
		if typ := cmpOr(fn.Type, in.Type); typ != "web" {
			t.Errorf("%s is a %q function; only web functions carry a 302 under multi-scf", name, typ)
		}
	}
	dist := makePackage(t)
	if in.Src.Src != "./dist/scf-web" {
		t.Errorf("src %q is not where `make package` puts web functions", in.Src.Src)
	}
	for _, name := range functions {
		fn, ok := in.Functions[name]
		if !ok {
			t.Errorf("function %s is not deployed", name)
			continue
		}
		if fn.Handler != "scf_bootstrap" {
			t.Errorf("%s: handler %q; a web function starts from scf_bootstrap", name, fn.Handler)
		}
		dir := filepath.Join(dist, "scf-web", filepath.Clean(fn.Src))
		for _, f := range []string{"scf_bootstrap", "main"} {
			st, err := os.Stat(filepath.Join(dir, f))
			if err != nil || st.Mode()&0o111 == 0 {
				t.Errorf("%s: make package does not produce an executable %s/%s (%v)", name, fn.Src, f, err)
			}
		}
		boot, _ := os.ReadFile(filepath.Join(dir, "scf_bootstrap"))
		if !strings.HasPrefix(string(boot), "#!/bin/bash\n") || !strings.Contains(string(boot), "/main") || strings.Contains(string(boot), "\r") {
			t.Errorf("%s: scf_bootstrap must be a bash script with LF endings that runs main", name)
		}
	}
	served := map[string]string{}
	for _, tr := range in.Triggers {
		if tr.Type != "apigw" {
			continue
		}
		for _, api := range tr.Parameters.Apis {
			served[api.Path] = api.Function
			if api.Method != "ANY" && api.Method != "GET" && api.Method != "POST" {
				t.Errorf("%s: method %q", api.Path, api.Method)
			}
		}
	}
	for path, fn := range routes {
		if served[path] != fn {
			t.Errorf("API Gateway does not route %s to %s (got %q)", path, fn, served[path])
		}
	}
	for _, e := range in.Environments {
		checkVariable(t, "serverless.yml", e.Key)
		if secretName.MatchString(e.Key) && !regexp.MustCompile(`^\$\{env:[A-Z_]+\}$`).MatchString(e.Value) {
			t.Errorf("serverless.yml: %s must come from ${env:...}, not be written inline", e.Key)
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
	logical := map[string]string{"StsFunction": "sts", "PresignFunction": "presign", "DownloadFunction": "download"}
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
		// The Makefile target SAM calls must produce the bootstrap binary.
		artifacts := t.TempDir()
		if out, err := exec.Command("make", "build-"+id, "ARTIFACTS_DIR="+artifacts).CombinedOutput(); err != nil {
			t.Errorf("%s: make build-%s: %v\n%s", id, id, err, out)
		} else if st, err := os.Stat(filepath.Join(artifacts, "bootstrap")); err != nil || st.Mode()&0o111 == 0 {
			t.Errorf("%s: no executable bootstrap (%v)", id, err)
		}
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
	vars := find(globals, "Environment", "Variables")
	if vars == nil {
		t.Fatal("no Globals.Function.Environment.Variables")
	}
	for i := 0; i+1 < len(vars.Content); i += 2 {
		name, val := vars.Content[i].Value, vars.Content[i+1]
		checkVariable(t, "template.yaml", name)
		if secretName.MatchString(name) {
			if val.Tag != "!Ref" {
				t.Errorf("%s must be a !Ref to a NoEcho parameter, not written inline", name)
				continue
			}
			p, ok := tpl.Parameters[val.Value]
			if !ok || p.NoEcho == nil || !*p.NoEcho || p.Default != nil {
				t.Errorf("%s refers to %s, which must be a NoEcho parameter without a default", name, val.Value)
			}
		}
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
	for _, f := range []*yaml.Node{globals, find(&root, "Resources", "StsFunction", "Properties"), find(&root, "Resources", "PresignFunction", "Properties"), find(&root, "Resources", "DownloadFunction", "Properties")} {
		for i := 0; f != nil && i < len(f.Content); i += 2 {
			if _, ok := known[f.Content[i].Value]; !ok {
				t.Errorf("template.yaml: %q is not a property of AWS::Serverless::Function", f.Content[i].Value)
			}
		}
	}
	httpAPI := sch.Definitions["AWS::Serverless::Function.HttpApiEvent"].Properties
	for _, id := range []string{"StsFunction", "PresignFunction", "DownloadFunction"} {
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
