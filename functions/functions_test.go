package functions_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cosgate/shared/identity/identitytest"
	"cosgate/shared/platform/platformtest"
	"cosgate/shared/stsclient/ststest"
)

// The real function binaries, built as the Makefile builds them but with
// every platform adapter (no flavour tags), in binDir.
var (
	bins   = map[string]string{}
	binDir string
)

var names = []string{"sts", "presign", "download", "sign", "login"}

func TestMain(m *testing.M) {
	var err error
	if binDir, err = os.MkdirTemp("", "cosgate-functions"); err != nil {
		panic(err)
	}
	for _, fn := range names {
		if bins[fn], err = platformtest.Build(binDir, "cosgate/functions/"+fn); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(binDir)
	os.Exit(code)
}

func env() map[string]string {
	return map[string]string{
		"COS_SECRET_ID": "AKIDfunctionsTest", "COS_SECRET_KEY": "functionsTestSecretKey", "COS_BUCKET": "examplebucket-1250000000",
		"COS_REGION": "ap-guangzhou", "AUTH_JWT_SECRET": "functions-test-jwt-secret-0123456789",
		// The login function's; the others ignore them.
		"WX_APPID": "wx0123456789abcdef", "WX_APPSECRET": "functions-test-appsecret-00000000",
		"LOGIN_UID_SECRET": "functions-test-uid-secret-0123456789",
	}
}

// presign and download, configured only through their environment, do
// their job on every platform; the download's 302 and Location survive SCF's
// integrated response and Lambda's reply.
func TestUploadAndDownloadOnEveryPlatform(t *testing.T) {
	bearer := map[string]string{"Authorization": "Bearer " + signJWT(t, "u1"), "Content-Type": "application/json"}
	// presign signs with keys from STS: a fake one on loopback.
	sts := ststest.New(t, env()["COS_SECRET_ID"], env()["COS_SECRET_KEY"])
	presignEnv := env()
	presignEnv["STS_ENDPOINT"] = sts.URL
	for _, inv := range invokers(t, "presign", presignEnv) {
		status, _, body := inv.call(t, "POST", "/presign", bearer, `{"ext":"jpg","size":10}`)
		var put struct{ URL, Key string }
		if status != 200 || json.Unmarshal(body, &put) != nil || !strings.HasPrefix(put.URL, "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/uploads/u1/") {
			t.Errorf("presign over %s: %d %s", inv.name, status, body)
		}
		status, _, body = inv.call(t, "POST", "/presign", bearer, `{"ext":"exe","size":10}`)
		if status != 400 || !strings.Contains(string(body), `"ExtensionNotAllowed"`) {
			t.Errorf("presign refusal over %s: %d %s", inv.name, status, body)
		}
	}
	for _, inv := range invokers(t, "download", presignEnv) { // downloads too are signed with keys from STS
		status, h, _ := inv.call(t, "GET", "/download/uploads/u1/a%20b.jpg", bearer, "")
		if status != 302 || !strings.HasPrefix(h.Get("Location"), "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/uploads/u1/a%20b.jpg?response-content-type=image%2Fjpeg&") ||
			h.Get("Cache-Control") != "no-store" {
			t.Errorf("download over %s: %d %v", inv.name, status, h)
		}
		status, _, body := inv.call(t, "GET", "/download/uploads/u2/a.jpg", bearer, "")
		if status != 403 || !strings.Contains(string(body), `"Forbidden"`) {
			t.Errorf("download refusal over %s: %d %s", inv.name, status, body)
		}
	}
}

// The sign binary, configured only through its environment, signs an SDK's
// upload under the caller's prefix with a key from STS, and refuses one
// outside it, on every platform.
func TestSignOnEveryPlatform(t *testing.T) {
	fake := ststest.New(t, env()["COS_SECRET_ID"], env()["COS_SECRET_KEY"])
	e := env()
	e["STS_ENDPOINT"] = fake.URL
	bearer := map[string]string{"Authorization": "Bearer " + signJWT(t, "u1"), "Content-Type": "application/json"}
	put := func(key string) string {
		return `{"Method":"put","Key":"` + key + `","Pathname":"/` + key + `",` +
			`"Headers":{"Content-Type":"image/jpeg","Content-Length":10}}`
	}
	for _, inv := range invokers(t, "sign", e) {
		status, _, body := inv.call(t, "POST", "/sign", bearer, put("uploads/u1/a.jpg"))
		var out struct{ Authorization, SecurityToken string }
		if status != 200 || json.Unmarshal(body, &out) != nil || !strings.HasPrefix(out.Authorization, "q-sign-algorithm=sha1&") ||
			out.SecurityToken == "" {
			t.Errorf("sign over %s: %d %s", inv.name, status, body)
		}
		status, _, body = inv.call(t, "POST", "/sign", bearer, put("uploads/u2/a.jpg"))
		if status != 403 || !strings.Contains(string(body), `"Forbidden"`) {
			t.Errorf("sign refusal over %s: %d %s", inv.name, status, body)
		}
	}
}

// The sts binary, configured only through its environment, issues a
// temporary key on every platform.
func TestSTSOnEveryPlatform(t *testing.T) {
	fake := ststest.New(t, "AKIDfunctionsTest", "functionsTestSecretKey")
	e := env()
	e["STS_ENDPOINT"] = fake.URL
	bearer := signJWT(t, "u1")
	for _, inv := range invokers(t, "sts", e) {
		status, _, body := inv.call(t, "POST", "/sts", map[string]string{"Authorization": "Bearer " + bearer}, "")
		var resp struct {
			Credentials struct{ TmpSecretID, TmpSecretKey, SessionToken string } `json:"credentials"`
			AllowPrefix []string                                                 `json:"allowPrefix"`
		}
		if status != 200 || json.Unmarshal(body, &resp) != nil || resp.Credentials.SessionToken == "" || resp.AllowPrefix[0] != "uploads/u1/*" {
			t.Errorf("%s: %d %s", inv.name, status, body)
		}
		status, _, body = inv.call(t, "POST", "/sts", nil, "")
		if status != 401 || !strings.Contains(string(body), `"Unauthorized"`) {
			t.Errorf("%s without a token: %d %s", inv.name, status, body)
		}
	}
	if n := len(fake.Calls()); n != 3 {
		t.Errorf("%d STS calls for three platforms", n)
	}
}

func signJWT(t *testing.T, sub string) string {
	return identitytest.Token(t, env()["AUTH_JWT_SECRET"], sub)
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// invoker runs one request against a function binary on one platform.
type invoker struct {
	name string
	call func(t *testing.T, method, path string, headers map[string]string, body string) (int, http.Header, []byte)
}

// invokers starts fn on plain HTTP, as an SCF event function and on a fake
// Lambda Runtime API, and returns a way to call each.
func invokers(t *testing.T, fn string, e map[string]string) []invoker {
	_, base := platformtest.StartHTTP(t, bins[fn], e)
	s := platformtest.StartSCF(t, bins[fn], e)
	l := platformtest.NewLambda(t)
	platformtest.Start(t, bins[fn], l.Env(e))
	return []invoker{
		{"http", func(t *testing.T, method, path string, headers map[string]string, body string) (int, http.Header, []byte) {
			req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
			for k, v := range headers {
				req.Header.Set(k, v)
			}
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header, b
		}},
		{"scf", func(t *testing.T, method, path string, headers map[string]string, body string) (int, http.Header, []byte) {
			h := map[string]string{"host": "x"}
			for k, v := range headers {
				h[k] = v
			}
			out := s.Invoke(t, map[string]any{"httpMethod": method, "path": path, "headers": h, "body": body}, time.Now().Add(5*time.Second), nil)
			var r platformtest.SCFReply
			if out.Error != nil || json.Unmarshal(out.Payload, &r) != nil {
				t.Fatalf("scf: %+v %s", out.Error, out.Payload)
			}
			rh := http.Header{}
			for k, v := range r.Headers {
				if s, ok := v.(string); ok {
					rh.Add(k, s)
				}
			}
			return r.StatusCode, rh, []byte(r.Body)
		}},
		{"lambda", func(t *testing.T, method, path string, headers map[string]string, body string) (int, http.Header, []byte) {
			h := map[string]string{"host": "x"}
			for k, v := range headers {
				h[k] = v
			}
			rep := l.Invoke(t, map[string]any{"version": "2.0", "rawPath": path, "headers": h, "body": body,
				"requestContext": map[string]any{"requestId": "r", "http": map[string]any{"method": method}}}, time.Now().Add(5*time.Second))
			var v2 struct {
				StatusCode int               `json:"statusCode"`
				Headers    map[string]string `json:"headers"`
				Body       string            `json:"body"`
			}
			if json.Unmarshal(rep.Body, &v2) != nil {
				t.Fatalf("lambda: %s", rep.Body)
			}
			rh := http.Header{}
			for k, v := range v2.Headers {
				rh.Set(k, v)
			}
			return v2.StatusCode, rh, []byte(v2.Body)
		}},
	}
}

func TestMissingConfigurationStopsStartUp(t *testing.T) {
	for _, fn := range names {
		p := platformtest.Start(t, bins[fn], map[string]string{"COS_SECRET_KEY": "VISIBLE-secret-value",
			"UPLOAD_MAX_BYTES": "VISIBLE-lots", "STS_TIMEOUT": "VISIBLE", "WX_TIMEOUT": "VISIBLE", "LOGIN_UID": "VISIBLE"})
		code, exited := p.Wait(5 * time.Second)
		logs := p.Logs.String()
		if !exited || code != 1 {
			t.Errorf("%s: exited=%v code=%d", fn, exited, code)
		}
		wants := []string{"COS_SECRET_ID is not set", "COS_BUCKET is not set", "COS_REGION is not set", "AUTH_JWT_SECRET is required"}
		if fn == "login" {
			wants = []string{"WX_APPID is not set", "WX_APPSECRET is not set", "WX_TIMEOUT is not a duration",
				"LOGIN_JWT_PRIVATE_KEY or AUTH_JWT_SECRET is required", "LOGIN_UID must be pseudonym, openid or unionid"}
		}
		for _, want := range wants {
			if !strings.Contains(logs, want) {
				t.Errorf("%s: the message lacks %q: %s", fn, want, logs)
			}
		}
		if strings.Contains(logs, "VISIBLE") {
			t.Errorf("%s: a value leaked: %s", fn, logs)
		}
	}
}

// Size guards: the binaries stay static and stripped, and the zips within
// the platforms' comfortable range. These are the plain builds, with every
// adapter (10 MiB is the alarm); what ships is lighter: each zip's binary
// has only its platform's adapter, 7.7 MB at most for the web-function and
// AWS ones (TestFlavourBinaries, README.md's table from make sizes).
func TestBinarySizes(t *testing.T) {
	for _, fn := range names {
		st, err := os.Stat(bins[fn])
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes", fn, st.Size())
		if st.Size() > 10<<20 {
			t.Errorf("%s is %d bytes", fn, st.Size())
		}
		if out, _ := exec.Command("go", "version", "-m", bins[fn]).Output(); !strings.Contains(string(out), "CGO_ENABLED=0") ||
			!strings.Contains(string(out), "-tags=lambda.norpc") || !strings.Contains(string(out), "-trimpath=true") {
			t.Errorf("%s was not built static, trimmed, with lambda.norpc:\n%s", fn, out)
		}
	}
}

// make package twice, at different times into different folders: the same
// bytes, and every zip holds its executable at the root.
func TestPackageIsReproducible(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for i, dir := range []string{a, b} {
		if i == 1 {
			time.Sleep(1100 * time.Millisecond) // a different second for any timestamp to leak
		}
		cmd := exec.Command("make", "package", "DIST="+dir)
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make package: %v\n%s", err, out)
		}
	}
	want := map[string][]string{"scf": {"main"}, "scf-web": {"scf_bootstrap", "main"}, "aws": {"bootstrap"}}
	for kind, entries := range want {
		for _, fn := range names {
			za, err1 := os.ReadFile(filepath.Join(a, kind, fn+".zip"))
			zb, err2 := os.ReadFile(filepath.Join(b, kind, fn+".zip"))
			if err1 != nil || err2 != nil {
				t.Fatalf("%s/%s.zip: %v %v", kind, fn, err1, err2)
			}
			if sha256.Sum256(za) != sha256.Sum256(zb) {
				t.Errorf("%s/%s.zip differs between two builds", kind, fn)
			}
			t.Logf("%s/%s.zip: %d bytes", kind, fn, len(za))
			if len(za) > 4<<20 {
				t.Errorf("%s/%s.zip is %d bytes; the target is under 4 MB", kind, fn, len(za))
			}
			checkZip(t, kind+"/"+fn+".zip", za, entries)
		}
	}
}

func checkZip(t *testing.T, name string, data []byte, entries []string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(zr.File) != len(entries) {
		t.Errorf("%s: %d entries, want %v", name, len(zr.File), entries)
	}
	for i, f := range zr.File {
		if i < len(entries) && f.Name != entries[i] {
			t.Errorf("%s: entry %d is %q, want %q at the zip root", name, i, f.Name, entries[i])
		}
		if f.Mode()&0o111 == 0 {
			t.Errorf("%s: %s lost its exec bit (%v)", name, f.Name, f.Mode())
		}
		if f.Name == "main" || f.Name == "bootstrap" {
			rc, _ := f.Open()
			head := make([]byte, 4)
			io.ReadFull(rc, head)
			rc.Close()
			if !bytes.Equal(head, []byte("\x7fELF")) {
				t.Errorf("%s: %s is not an ELF binary", name, f.Name)
			}
		}
	}
}
