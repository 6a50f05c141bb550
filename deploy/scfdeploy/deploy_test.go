package scfdeploy_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"cosgate/deploy/scfapi"
	"cosgate/deploy/scfdeploy"
	"cosgate/deploy/scffake"
	"cosgate/deploy/scfweb"
	"cosgate/deploy/scfweb/scfwebtest"
)

// packaged is `make package-scf`'s output, built once for these tests.
var packaged = &scfwebtest.Dist{Root: "../..", Target: "package-scf"}

func TestMain(m *testing.M) {
	code := m.Run()
	packaged.Remove()
	os.Exit(code)
}

func dist(t *testing.T) string { return packaged.Dir(t) }

const (
	deployID  = "AKIDdeployKeyForTheFake0001"
	deployKey = "deploy-secret-key-for-the-fake-0001"
)

var regions = []scfapi.RegionInfo{
	{Region: "ap-guangzhou", RegionName: "华南地区(广州)", RegionState: "AVAILABLE"},
	{Region: "ap-shanghai", RegionName: "华东地区(上海)", RegionState: "AVAILABLE"},
}

// fake is an SCF fake on loopback.
func fake(t *testing.T, polls int) (*scffake.Server, string) {
	t.Helper()
	f := scffake.New(scffake.Config{Keys: map[string]string{deployID: deployKey}, Polls: polls, Regions: regions})
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

var loginKey = sync.OnceValue(func() *ecdsa.PrivateKey {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	return k
})

// deployEnv is a complete deployer's shell, pointed at the fake.
func deployEnv(endpoint string) map[string]string {
	der, _ := x509.MarshalPKCS8PrivateKey(loginKey())
	pub, _ := x509.MarshalPKIXPublicKey(&loginKey().PublicKey)
	return map[string]string{
		"COS_SECRET_ID": "AKIDcosKeyOfTheFunctions", "COS_SECRET_KEY": "cos-secret-key-of-the-functions",
		"COS_BUCKET": "examplebucket-1250000000", "COS_REGION": "ap-guangzhou",
		"AUTH_JWT_PUBLIC_KEY":   base64.StdEncoding.EncodeToString(pub),
		"LOGIN_JWT_PRIVATE_KEY": base64.StdEncoding.EncodeToString(der),
		"WX_APPID":              "wx0123456789abcdef", "WX_APPSECRET": "deploy-test-appsecret-0123456789a",
		"LOGIN_UID_SECRET":       "deploy-test-uid-secret-0123456789abcdef",
		"UPLOAD_MAX_BYTES":       "1048576",
		"DOWNLOAD_EXPIRES":       "undefined", // the Serverless Framework's unset: not sent
		"LOG_LEVEL":              "debug",
		"PORT":                   "8081", // the deployer's own shell: never sent
		"TENCENTCLOUD_SECRET_ID": deployID, "TENCENTCLOUD_SECRET_KEY": deployKey,
		"SCF_ENDPOINT": endpoint, "REGION_ENDPOINT": endpoint,
	}
}

func run(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	args = append([]string{"-dist", dist(t), "-poll", "1ms", "-wait", "5s"}, args...)
	code = scfdeploy.Main(args, func(k string) string { return env[k] }, &out, &errb)
	return out.String(), errb.String(), code
}

func count(calls []scffake.Call, action string) map[string]int {
	n := map[string]int{}
	for _, c := range calls {
		if c.Action == action && c.Error == "" {
			n[c.Function]++
		}
	}
	return n
}

var names = []string{"cosgate-sts", "cosgate-presign", "cosgate-download", "cosgate-sign", "cosgate-login"}

func urlLines(out string) []string {
	var lines []string
	for l := range strings.SplitSeq(out, "\n") {
		if strings.Contains(l, ".tencentscf.com") {
			lines = append(lines, l)
		}
	}
	return lines
}

// A first deploy creates five web functions with their own variables and
// one function URL each; a second updates them and creates nothing.
func TestDeployThenRedeploy(t *testing.T) {
	f, url := fake(t, 2)
	env := deployEnv(url)
	out, errs, code := run(t, env)
	if code != 0 {
		t.Fatalf("first deploy: %d\n%s%s", code, out, errs)
	}
	for _, action := range []string{"CreateFunction", "CreateTrigger"} {
		if got := count(f.Calls(), action); len(got) != 5 || slices.ContainsFunc(names, func(n string) bool { return got[n] != 1 }) {
			t.Errorf("%s: %v", action, got)
		}
	}
	first := urlLines(out)
	if len(first) != 6 || !strings.HasPrefix(first[5], "make smoke URLS='sts=https://") ||
		!strings.Contains(first[5], " sign=https://") || !strings.Contains(first[5], " login=https://") {
		t.Fatalf("want 5 URL lines and the smoke line:\n%s", out)
	}
	for _, secret := range []string{deployKey, env["COS_SECRET_KEY"], env["WX_APPSECRET"], env["LOGIN_JWT_PRIVATE_KEY"]} {
		if strings.Contains(out+errs, secret) {
			t.Errorf("a secret was printed:\n%s%s", out, errs)
		}
	}
	getenv := func(k string) string { return env[k] }
	for _, fn := range []string{"sts", "presign", "download", "sign", "login"} {
		p, status, ok := f.Function("cosgate-" + fn)
		if !ok || status != scfapi.StatusActive || p.Type != "HTTP" || p.Runtime != "Go1" || p.MemorySize != 128 ||
			p.Timeout != 10 || p.Namespace != "default" {
			t.Errorf("%s: %s %+v", fn, status, p)
		}
		got := map[string]string{}
		for _, v := range p.Environment.Variables {
			got[v.Key] = v.Value
		}
		want := map[string]string{}
		for _, k := range scfdeploy.Variables(fn) {
			if v := env[k]; v != "" && v != "undefined" {
				want[k] = v
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s's variables: %v, want %v", fn, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		}
		if !slices.Equal(p.Environment.Variables, scfdeploy.EnvFor(fn, getenv)) {
			t.Errorf("%s: not EnvFor", fn)
		}
		for _, never := range []string{"PORT", "DOWNLOAD_EXPIRES", "TENCENTCLOUD_SECRET_KEY", "SCF_ENDPOINT"} {
			if _, ok := got[never]; ok {
				t.Errorf("%s was given %s", fn, never)
			}
		}
		files, err := f.Files("cosgate-" + fn)
		if err != nil || files["scf_bootstrap"].Mode.Perm() != 0o755 || files["main"].Mode.Perm() != 0o755 {
			t.Errorf("%s's upload: %v %v", fn, err, files["scf_bootstrap"].Mode)
		}
		made, _ := os.ReadFile(filepath.Join(dist(t), "scf-web", fn+".zip"))
		if !bytes.Equal(f.Zip("cosgate-"+fn), made) {
			t.Errorf("%s: the upload is not make package's zip", fn)
		}
	}
	login, _, _ := f.Function("cosgate-login")
	for _, v := range login.Environment.Variables {
		if strings.HasPrefix(v.Key, "COS_SECRET") {
			t.Errorf("login holds %s", v.Key)
		}
	}

	f.Reset()
	out, errs, code = run(t, env)
	if code != 0 {
		t.Fatalf("second deploy: %d\n%s%s", code, out, errs)
	}
	for _, c := range f.Calls() {
		if strings.HasPrefix(c.Action, "Create") {
			t.Errorf("the second deploy called %s for %s", c.Action, c.Function)
		}
	}
	for _, action := range []string{"UpdateFunctionCode", "UpdateFunctionConfiguration"} {
		if got := count(f.Calls(), action); len(got) != 5 {
			t.Errorf("%s: %v", action, got)
		}
	}
	if second := urlLines(out); !slices.Equal(first, second) {
		t.Errorf("the URLs changed:\n%v\n%v", first, second)
	}
}

// A run that fails half-way is finished by the next, with nothing made twice.
func TestResumeAfterAFailure(t *testing.T) {
	f, url := fake(t, 1)
	env := deployEnv(url)
	f.FailNext("CreateTrigger", "cosgate-presign", "InternalError", "a transient failure")
	out, errs, code := run(t, env)
	if code == 0 || !strings.Contains(errs, "presign (cosgate-presign): CreateTrigger:") ||
		!strings.Contains(errs, "InternalError") {
		t.Fatalf("first run: %d\n%s%s", code, out, errs)
	}
	if _, _, ok := f.Function("cosgate-download"); ok {
		t.Error("the run went on after presign failed")
	}
	// And one stopped while a function was still being created.
	f.StayBusy("cosgate-download")
	if _, errs, code := run(t, env, "-wait", "20ms"); code == 0 || !strings.Contains(errs, "download (cosgate-download): still Creating") {
		t.Fatalf("second run: %d %s", code, errs)
	}
	f.Unstick("cosgate-download")
	out, errs, code = run(t, env)
	if code != 0 {
		t.Fatalf("third run: %d\n%s%s", code, out, errs)
	}
	calls := f.Calls()
	for _, action := range []string{"CreateFunction", "CreateTrigger"} {
		if got := count(calls, action); slices.ContainsFunc(names, func(n string) bool { return got[n] != 1 }) {
			t.Errorf("%s over the runs: %v", action, got)
		}
	}
	if len(urlLines(out)) != 6 {
		t.Errorf("URLs:\n%s", out)
	}
}

// clock is a virtual clock: Sleep moves it on.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }
func (c *clock) Sleep(_ context.Context, d time.Duration) error {
	c.now = c.now.Add(d)
	return nil
}

func deployer(t *testing.T, f *scffake.Server, url string) (*scfdeploy.Deployer, *clock, *bytes.Buffer) {
	t.Helper()
	api, err := scfapi.New(scfapi.Options{Region: "ap-guangzhou", Endpoint: url, RegionEndpoint: url,
		Key: scfapi.Key{SecretID: deployID, SecretKey: deployKey}})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	var out bytes.Buffer
	return &scfdeploy.Deployer{API: api, Out: &out, Poll: 2 * time.Second, Wait: 3 * time.Minute,
		Now: c.Now, Sleep: c.Sleep}, c, &out
}

func plan(t *testing.T, fns ...string) scfdeploy.Plan {
	t.Helper()
	env := deployEnv("")
	p := scfdeploy.Plan{Region: "ap-guangzhou", Memory: 128, Timeout: 10}
	for _, fn := range fns {
		zip, err := os.ReadFile(filepath.Join(dist(t), "scf-web", fn+".zip"))
		if err != nil {
			t.Fatal(err)
		}
		p.Functions = append(p.Functions, scfdeploy.Function{Key: fn, Name: scfdeploy.FunctionName("cosgate-", fn),
			Zip: zip, Env: scfdeploy.EnvFor(fn, func(k string) string { return env[k] })})
	}
	return p
}

// A function SCF keeps Creating fails the deploy after the bounded wait,
// on the injected clock, naming the function and its status.
func TestStuckCreating(t *testing.T) {
	f, url := fake(t, 1)
	f.StayBusy("cosgate-sts")
	d, c, _ := deployer(t, f, url)
	start := c.now
	_, err := d.Deploy(context.Background(), plan(t, "sts"))
	if err == nil || !strings.Contains(err.Error(), "sts (cosgate-sts): still Creating after 3m0s") {
		t.Fatalf("got %v", err)
	}
	if waited := c.now.Sub(start); waited < 3*time.Minute || waited > 3*time.Minute+2*time.Second {
		t.Errorf("waited %s on the clock", waited)
	}
	if n := len(slices.DeleteFunc(f.Calls(), func(c scffake.Call) bool { return c.Action != "GetFunction" })); n != 92 {
		t.Errorf("%d GetFunction calls, want 92 (one look, then every 2 s for 3 min)", n)
	}
}

// CreateFailed stops the deploy with the platform's reasons.
func TestCreateFailed(t *testing.T) {
	f, url := fake(t, 2)
	f.FailCreate("cosgate-presign", scfapi.StatusReason{ErrorCode: "InternalError.Image", ErrorMessage: "bootstrap not executable"})
	d, _, _ := deployer(t, f, url)
	_, err := d.Deploy(context.Background(), plan(t, "presign"))
	if err == nil || !strings.Contains(err.Error(), "presign (cosgate-presign): SCF reports CreateFailed: InternalError.Image bootstrap not executable") {
		t.Fatalf("got %v", err)
	}
}

// A zip whose scf_bootstrap lost its exec bit is refused before any upload.
func TestNonExecutableBootstrapRefused(t *testing.T) {
	f, url := fake(t, 1)
	bad := t.TempDir()
	os.MkdirAll(filepath.Join(bad, "scf-web"), 0o755)
	for _, fn := range []string{"sts", "presign", "download", "sign", "login"} {
		zip, _ := os.ReadFile(filepath.Join(dist(t), "scf-web", fn+".zip"))
		if fn == "download" {
			zip = rezip(t, zip, "scf_bootstrap", 0o644)
		}
		os.WriteFile(filepath.Join(bad, "scf-web", fn+".zip"), zip, 0o644)
	}
	out, errs, code := run(t, deployEnv(url), "-dist", bad)
	if code == 0 || !strings.Contains(errs, "download: the zip is not a web function SCF can start: scf_bootstrap has mode 0644") {
		t.Fatalf("%d\n%s%s", code, out, errs)
	}
	for _, c := range f.Calls() {
		if c.Action != "DescribeRegions" {
			t.Errorf("called %s before refusing", c.Action)
		}
	}
}

// rezip copies a zip with one entry's mode changed.
func rezip(t *testing.T, data []byte, name string, mode os.FileMode) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		h := f.FileHeader
		if f.Name == name {
			h.SetMode(mode)
		}
		w, _ := zw.CreateHeader(&h)
		rc, _ := f.Open()
		io.Copy(w, rc)
		rc.Close()
	}
	zw.Close()
	return buf.Bytes()
}

// The region is checked against SCF's list; a key that may not list
// regions only gets a warning.
func TestRegion(t *testing.T) {
	f, url := fake(t, 0)
	env := deployEnv(url)
	env["FUNCTION_REGION"] = "ap-mars"
	_, errs, code := run(t, env)
	if code == 0 || !strings.Contains(errs, "SCF is not offered in ap-mars; set FUNCTION_REGION to one of: ap-guangzhou ap-shanghai") {
		t.Fatalf("%d %s", code, errs)
	}
	if calls := f.Calls(); len(calls) != 1 || calls[0].Action != "DescribeRegions" || calls[0].Params["Product"] != "scf" {
		t.Errorf("calls: %+v", calls)
	}

	denied := scffake.New(scffake.Config{Keys: map[string]string{deployID: deployKey}, RegionsError: "UnauthorizedOperation"})
	srv := httptest.NewServer(denied)
	defer srv.Close()
	out, errs, code := run(t, deployEnv(srv.URL), "-check")
	if code != 0 || !strings.Contains(out, "warning: could not list SCF's regions (UnauthorizedOperation)") {
		t.Errorf("%d\n%s%s", code, out, errs)
	}

	// An empty list refuses nothing: it cannot tell a region SCF lacks.
	empty := httptest.NewServer(scffake.New(scffake.Config{Keys: map[string]string{deployID: deployKey}}))
	defer empty.Close()
	out, errs, code = run(t, deployEnv(empty.URL), "-check")
	if code != 0 || !strings.Contains(out, "warning: the region service listed no SCF region") {
		t.Errorf("%d\n%s%s", code, out, errs)
	}
}

// The uploaded zip starts as SCF starts a web function and serves.
func TestUploadedZipRunsAsSCF(t *testing.T) {
	f, url := fake(t, 0)
	if _, errs, code := run(t, deployEnv(url)); code != 0 {
		t.Fatalf("deploy: %s", errs)
	}
	p, _, _ := f.Function("cosgate-sts")
	vars := map[string]string{}
	for _, v := range p.Environment.Variables {
		vars[v.Key] = v.Value
	}
	proc, base := scfwebtest.Run(t, f.Zip("cosgate-sts"), scfweb.Function{Name: "cosgate-sts", Region: "ap-guangzhou",
		AppID: "1250000000"}, vars)
	resp, err := http.Post(base+"/sts", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(string(body), `"code":"Unauthorized"`) {
		t.Errorf("/sts: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(proc.Logs.String(), `"platform":"scf-web"`) {
		t.Errorf("not started as a web function:\n%s", proc.Logs)
	}
}

// make deploy-scf refuses AUTH_JWT_SECRET beside the key pair, naming both,
// before any API call, -check or not; AUTH_JWT_ALLOW_HS256=true says both
// are meant and gives every function the flag with them.
func TestRefusesHS256BesideAKeyPair(t *testing.T) {
	f, url := fake(t, 0)
	env := deployEnv(url)
	env["AUTH_JWT_SECRET"] = "hs256-secret-VALUE-0123456789abcdef"
	for _, args := range [][]string{{"-check"}, nil} {
		out, errs, code := run(t, env, args...)
		if code == 0 || !strings.Contains(errs, "AUTH_JWT_SECRET is set together with AUTH_JWT_PUBLIC_KEY and LOGIN_JWT_PRIVATE_KEY") ||
			!strings.Contains(errs, "AUTH_JWT_ALLOW_HS256=true") || strings.Contains(out+errs, "VALUE") {
			t.Errorf("%v: %d\n%s%s", args, code, out, errs)
		}
	}
	if calls := f.Calls(); len(calls) != 0 {
		t.Errorf("refused, yet %d API calls were made", len(calls))
	}
	env["AUTH_JWT_ALLOW_HS256"] = "true"
	if out, errs, code := run(t, env, "-check"); code != 0 {
		t.Errorf("with AUTH_JWT_ALLOW_HS256=true: %d\n%s%s", code, out, errs)
	}
	s, err := scfdeploy.Read(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range s.Functions {
		if !slices.ContainsFunc(s.Env[fn], func(v scfapi.Variable) bool { return v.Key == "AUTH_JWT_ALLOW_HS256" && v.Value == "true" }) {
			t.Errorf("%s is not given AUTH_JWT_ALLOW_HS256", fn)
		}
	}
}
