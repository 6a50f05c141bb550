package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"cosgate/devstack/stack"
	"cosgate/shared/cossign"
	"cosgate/shared/platform/platformtest"
)

// devBinary builds cosgate-dev once per test.
func devBinary(t *testing.T) string {
	t.Helper()
	bin, err := platformtest.Build(t.TempDir(), "cosgate/devstack/cmd/cosgate-dev")
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// proc is a running cosgate-dev with its output.
type proc struct {
	cmd    *exec.Cmd
	out    *bufio.Reader
	stderr *bytes.Buffer
}

func launch(t *testing.T, bin string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, out: bufio.NewReader(stdout), stderr: &bytes.Buffer{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return p
}

// until reads stdout up to and including the line containing marker.
func (p *proc) until(t *testing.T, marker string) string {
	t.Helper()
	var b strings.Builder
	done := make(chan error, 1)
	go func() {
		for {
			line, err := p.out.ReadString('\n')
			b.WriteString(line)
			if err != nil || strings.Contains(line, marker) {
				done <- err
				return
			}
		}
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("output ended before %q: %v\n%s\nstderr:\n%s", marker, err, b.String(), p.stderr)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("no %q in time", marker)
	}
	return b.String()
}

// interrupt sends Ctrl-C and expects a clean exit.
func (p *proc) interrupt(t *testing.T) string {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGINT)
	rest, _ := io.ReadAll(p.out)
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("exit after Ctrl-C: %v\n%s", err, p.stderr)
	}
	return string(rest)
}

// TestMakeDev runs what make dev runs, then the walkthrough it prints,
// exactly as printed, with sh, curl and sed, pasted twice into one shell
// (each paste signs in with a new code, as the same uid); the COS root key
// the banner prints, with its explain commands, is the emulator's; Ctrl-C
// stops it cleanly.
func TestMakeDev(t *testing.T) {
	for _, tool := range []string{"sh", "curl", "sed", "date"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the walkthrough needs %s (make test's .ci/run installs it): %v", tool, err)
		}
	}
	data := t.TempDir()
	p := launch(t, devBinary(t), nil, "-addr", "127.0.0.1:0", "-cos-addr", "127.0.0.1:0", "-sts-addr", "127.0.0.1:0",
		"-wx-addr", "127.0.0.1:0", "-console-addr", "127.0.0.1:0", "-data", data)
	banner := p.until(t, "Ctrl-C stops everything.")
	dev := stack.Defaults()
	for _, want := range []string{"/login", "/sts", "/presign", "/download", "/sign", "bucket devbucket-1250000000",
		"WeChat     http://127.0.0.1:", "development JWT for uid dev-user",
		"limits     count in memory (set LIMITS_REDIS_URL to count in a Redis)",
		"development values, valid only in these emulators, not secrets",
		"SecretId   " + dev["COS_SECRET_ID"] + "\n", "SecretKey  " + dev["COS_SECRET_KEY"] + "\n",
		"printf %s '" + dev["COS_SECRET_KEY"] + "' > /tmp/devkey\n", " explain -secret-key-file /tmp/devkey '"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	script := banner[strings.Index(banner, "F=http://"):strings.Index(banner, "A development JWT")]
	// One shell, so the same $$, and the walkthrough pasted twice.
	const between = "echo '=== pasted again ==='"
	sh := exec.Command("sh")
	sh.Stdin = strings.NewReader(script + "\n" + between + "\n" + script)
	out, err := sh.CombinedOutput()
	if err != nil {
		t.Fatalf("walkthrough: %v\n%s", err, out)
	}
	pastes := strings.Split(string(out), "=== pasted again ===\n")
	if len(pastes) != 2 {
		t.Fatalf("walkthrough output, pasted twice:\n%s", out)
	}
	uid := regexp.MustCompile(`"uid":"([0-9a-f]{32})"`)
	for i, paste := range pastes {
		for _, want := range []*regexp.Regexp{
			regexp.MustCompile(`"token":"[^"]+","expiresAt":\d+,"uid":"[0-9a-f]{32}"`),
			regexp.MustCompile(`"tmpSecretId":"AKID`),
			regexp.MustCompile(`"method":"PUT","url":"http://127\.0\.0\.1:\d+/uploads/[0-9a-f]{32}/`),
			regexp.MustCompile(`HTTP/1\.1 200 OK`),
			regexp.MustCompile(`<Code>FileAlreadyExists</Code>`),
			regexp.MustCompile(`\nhello, cosgate\n?$`),
		} {
			if !want.MatchString(paste) {
				t.Errorf("paste %d: walkthrough output lacks %s:\n%s", i+1, want, paste)
			}
		}
		if strings.Contains(paste, "LoginCodeUsed") {
			t.Errorf("paste %d reused a code:\n%s", i+1, paste)
		}
	}
	// The same openid, walker, so the same uid.
	if a, b := uid.FindStringSubmatch(pastes[0]), uid.FindStringSubmatch(pastes[1]); a == nil || b == nil || a[1] != b[1] {
		t.Errorf("the uid changed between pastes: %q, %q", a, b)
	}
	if objs, _ := os.ReadDir(filepath.Join(data, "objects")); len(objs) != 2 {
		t.Errorf("data folder holds %d objects, want 2", len(objs))
	}
	// The key the banner prints is the emulator's root key: it reads the
	// object the walkthrough uploaded, and the printed commands explain a URL
	// it signed.
	cosURL := regexp.MustCompile(`COS        http://(127\.0\.0\.1:\d+) `).FindStringSubmatch(banner)
	key := regexp.MustCompile(`"key":"([^"]+)"`).FindStringSubmatch(pastes[1])
	if cosURL == nil || key == nil {
		t.Fatalf("no COS address in the banner or no key in the walkthrough:\n%s\n%s", banner, pastes[1])
	}
	get := cossign.PresignURL(
		cossign.Credentials{SecretID: dev["COS_SECRET_ID"], SecretKey: dev["COS_SECRET_KEY"]},
		cossign.Endpoint{Scheme: "http", Host: cosURL[1]},
		cossign.Presign{Method: "GET", Key: key[1], Window: cossign.NewWindow(time.Now(), time.Minute, 10*time.Minute)},
	)
	if resp, err := http.Get(get); err != nil {
		t.Fatal(err)
	} else {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "hello, cosgate" {
			t.Errorf("GET signed with the printed key: %d %s", resp.StatusCode, body)
		}
	}
	var explain []string
	keyFile := filepath.Join(t.TempDir(), "devkey")
	for _, line := range strings.Split(banner, "\n") {
		if strings.Contains(line, "/tmp/devkey") {
			line = strings.ReplaceAll(line, "/tmp/devkey", keyFile)
			explain = append(explain, strings.Replace(line, "'<signed URL or Authorization>'", "'"+get+"'", 1))
		}
	}
	if len(explain) != 2 {
		t.Fatalf("want the two explain lines:\n%s", banner)
	}
	if out, err := exec.Command("sh", "-c", strings.Join(explain, "\n")).CombinedOutput(); err != nil ||
		!strings.Contains(string(out), "verdict: valid") {
		t.Errorf("the banner's explain commands: %v\n%s", err, out)
	}
	// POST /sign answers on the functions' port: the banner's development
	// token gets a signature for an SDK's upload under its uid's prefix.
	fns := regexp.MustCompile(`F=(\S+)`).FindStringSubmatch(banner)
	devTok := regexp.MustCompile(`for tools that skip the sign-in:\n  (\S+)\n`).FindStringSubmatch(banner)
	if fns == nil || devTok == nil {
		t.Fatalf("no functions URL or development token in the banner:\n%s", banner)
	}
	signReq, _ := http.NewRequest("POST", fns[1]+"/sign", strings.NewReader(`{"Method":"put",`+
		`"Key":"uploads/dev-user/a.jpg","Headers":{"Content-Type":"image/jpeg","Content-Length":3}}`))
	signReq.Header.Set("Authorization", "Bearer "+devTok[1])
	signReq.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(signReq); err != nil {
		t.Fatal(err)
	} else {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"Authorization":"q-sign-algorithm=sha1&`) {
			t.Errorf("POST /sign: %d %s", resp.StatusCode, body)
		}
	}
	// The console, on the line starting "console", saw the walkthrough:
	// the sign-in, the upload and the refused second upload, explained.
	m := regexp.MustCompile(`(?m)^console (http://127\.0\.0\.1:\d+) `).FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("no line starting with console:\n%s", banner)
	}
	resp, err := http.Get(m[1] + "/api/exchanges")
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`"service":"login"`, `"service":"wechat"`, `"service":"presign"`,
		`"code":"FileAlreadyExists"`, `"cause":"The key is taken`} {
		if !strings.Contains(string(rows), want) {
			t.Errorf("the console's requests lack %s:\n%.3000s", want, rows)
		}
	}
	if rest := p.interrupt(t); !strings.Contains(rest, "stopped") {
		t.Errorf("no clean stop: %q", rest)
	}
	// The development keys never reach the log.
	for _, secret := range []string{stack.Defaults()["COS_SECRET_KEY"], stack.Defaults()["AUTH_JWT_SECRET"],
		stack.Defaults()["WX_APPSECRET"], stack.Defaults()["LOGIN_UID_SECRET"], "q-signature", "session_key"} {
		if strings.Contains(p.stderr.String(), secret) {
			t.Errorf("log holds a secret (%.10s…)", secret)
		}
	}
}

// TestDevOverrides: production variables override the defaults, the COS
// key becoming the emulated account's root key; with COSGATE_DEV_SECRETS=env
// the environment's AUTH_JWT_SECRET signs and verifies tokens, as tools
// minting their own expect.
func TestDevOverrides(t *testing.T) {
	p := launch(t, devBinary(t), []string{"COS_BUCKET=mine-1300000000", "COS_REGION=ap-shanghai", "COS_SECRET_ID=AKIDmine", "COS_SECRET_KEY=mykey",
		"AUTH_JWT_SECRET=an-override-secret-of-at-least-32-bytes!", "UPLOAD_PREFIX=in/{uid}/", "COSGATE_DEV_SECRETS=env"},
		"-addr", "127.0.0.1:0", "-cos-addr", "127.0.0.1:0", "-sts-addr", "127.0.0.1:0",
		"-wx-addr", "127.0.0.1:0", "-console-addr", "127.0.0.1:0", "-data", "")
	banner := p.until(t, "Ctrl-C stops everything.")
	if !strings.Contains(banner, "bucket mine-1300000000, region ap-shanghai") {
		t.Fatalf("overrides ignored:\n%s", banner)
	}
	// The environment's key may be real: not shown, the SecretId cut short.
	if strings.Contains(banner, "mykey") || strings.Contains(banner, "AKIDmine") ||
		strings.Contains(banner, stack.Defaults()["COS_SECRET_KEY"]) ||
		!strings.Contains(banner, "came from your environment") || !strings.Contains(banner, "SecretId AKID…") {
		t.Errorf("the banner shows the environment's key, or does not say it came from there:\n%s", banner)
	}
	fn := regexp.MustCompile(`F=(\S+)`).FindStringSubmatch(banner)[1]
	tok, err := stack.Token(map[string]string{"AUTH_JWT_SECRET": "an-override-secret-of-at-least-32-bytes!"}, "u9", time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", fn+"/presign", strings.NewReader(`{"ext":"jpg","size":3}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// Signed with a temporary key that the emulated STS issued against the
	// override key.
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"key":"in/u9/`) ||
		!strings.Contains(string(body), "x-cos-security-token=") {
		t.Fatalf("presign with overrides: %d %s", resp.StatusCode, body)
	}
	// The override key is the emulator's root: the URL uploads.
	url := regexp.MustCompile(`"url":"([^"]+)"`).FindStringSubmatch(string(body))[1]
	put, _ := http.NewRequest("PUT", url, strings.NewReader("abc"))
	for k, v := range map[string]string{"Content-Type": "image/jpeg", "x-cos-forbid-overwrite": "true", "x-cos-acl": "private",
		"Cache-Control": "private", "Content-Disposition": "attachment"} {
		put.Header.Set(k, v)
	}
	if resp, err := http.DefaultClient.Do(put); err != nil || resp.StatusCode != 200 {
		t.Fatalf("upload with the override key: %v %v", err, resp)
	}
	p.interrupt(t)
}

// TestDevBannerRedis: with LIMITS_REDIS_URL the banner says limits count in
// that Redis, by host and port, never its password (the stack dials Redis
// only when a limit is checked, so none need run). A COS_SECRET_KEY from the
// environment alone is not shown either.
func TestDevBannerRedis(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	const password, key = "redisPASSWORDnotToBeShown", "aKeyFromTheEnvironmentOnly0000"
	p := launch(t, devBinary(t), []string{"LIMITS_REDIS_URL=redis://:" + password + "@" + addr + "/0", "COS_SECRET_KEY=" + key},
		"-addr", "127.0.0.1:0", "-cos-addr", "127.0.0.1:0", "-sts-addr", "127.0.0.1:0",
		"-wx-addr", "127.0.0.1:0", "-console-addr", "127.0.0.1:0", "-data", "")
	banner := p.until(t, "Ctrl-C stops everything.")
	if !strings.Contains(banner, "  limits     count in Redis at "+addr+" (LIMITS_REDIS_URL)\n") {
		t.Errorf("the banner does not name the Redis:\n%s", banner)
	}
	if !strings.Contains(banner, "came from your environment") || !strings.Contains(banner, "SecretId AKIDcosg…") {
		t.Errorf("the banner does not say the key came from the environment:\n%s", banner)
	}
	for _, secret := range []string{password, ":pw", key, stack.Defaults()["COS_SECRET_KEY"]} {
		if strings.Contains(banner, secret) {
			t.Errorf("the banner shows %q:\n%s", secret, banner)
		}
	}
	if rest := p.interrupt(t); strings.Contains(rest+p.stderr.String(), password) {
		t.Errorf("the output shows the password")
	}
}

// TestDevCloud: -cloud serves the functions against the COS and STS the
// environment names (here, emulators standing in for the cloud), and
// refuses to start without a configuration.
func TestDevCloud(t *testing.T) {
	bin := devBinary(t)
	p := launch(t, bin, nil, "-cloud", "-addr", "127.0.0.1:0")
	if err := p.cmd.Wait(); err == nil || !strings.Contains(p.stderr.String(), "COS_BUCKET") {
		t.Fatalf("-cloud without configuration: %v\n%s", err, p.stderr)
	}

	cloud, err := stack.Start(stack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cloud.Close()
	env := []string{"STS_ENDPOINT=" + cloud.STSURL, "COS_ENDPOINT=" + cloud.COSURL}
	for _, k := range []string{"COS_BUCKET", "COS_REGION", "COS_SECRET_ID", "COS_SECRET_KEY", "AUTH_JWT_SECRET"} {
		env = append(env, k+"="+cloud.Env[k])
	}
	p = launch(t, bin, env, "-cloud", "-addr", "127.0.0.1:0")
	banner := p.until(t, "Ctrl-C stops.")
	if !strings.Contains(banner, "Tokens are signed and verified with your environment's secrets") {
		t.Errorf("the -cloud banner does not say whose secrets it uses:\n%s", banner)
	}
	fn := regexp.MustCompile(`(http://127\.0\.0\.1:\d+)/sts`).FindStringSubmatch(banner)[1]
	// As the local stack's, its functions answer only a loopback Host.
	foreign, _ := http.NewRequest("POST", fn+"/sts", nil)
	foreign.Host = "rebound.example:" + fn[strings.LastIndex(fn, ":")+1:]
	if resp, err := http.DefaultClient.Do(foreign); err != nil || resp.StatusCode != 403 {
		t.Errorf("-cloud with a foreign Host: %v %v", err, resp)
	}
	tok, _ := cloud.Token("u1", time.Hour)
	req, _ := http.NewRequest("POST", fn+"/sts", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "sessionToken") {
		t.Fatalf("/sts in cloud mode: %d %s", resp.StatusCode, body)
	}
	if rest := p.interrupt(t); !strings.Contains(rest, "stopped") {
		t.Errorf("no clean stop: %q", rest)
	}
}

// TestREADMEShowsTheWalkthrough: the session README.md shows is the one
// make dev prints.
func TestREADMEShowsTheWalkthrough(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := stack.Walkthrough("http://127.0.0.1:8080")
	for _, line := range strings.Split(want, "\n") {
		if line == "" {
			continue
		}
		if !strings.Contains(string(readme), "\n"+line+"\n") {
			t.Errorf("README.md lacks the walkthrough line:\n%s", line)
		}
	}
}
