package e2e_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// browserTools finds what the browser tests drive: Debian's Chromium, node,
// and the npm packages (puppeteer-core, the SDKs) in ../jsclients.
func browserTools(t *testing.T) (chromium, node, jsclients string) {
	t.Helper()
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("Chromium is required (Debian's chromium package; .ci/run installs it): %v", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is required: %v", err)
	}
	jsclients, _ = filepath.Abs("../jsclients")
	if _, err := os.Stat(filepath.Join(jsclients, "node_modules", "puppeteer-core")); err != nil {
		t.Fatalf("the npm packages are not installed: run `npm ci --prefix devstack/jsclients` (make test does): %v", err)
	}
	return chromium, node, jsclients
}

// TestBrowser runs cosgate from a web page in headless Chromium (Debian's
// package, driven by puppeteer-core from ../jsclients/package-lock.json):
// cos-js-sdk-v5 with README.md's fetch getAuthorization, a 3 MB multipart
// uploadFile read back, ScopeLimit, presigned PUT through fetch and XHR, a
// POST form through FormData, /download as JSON and as a followed 302,
// another uid refused, and an origin CORS does not list refused. Then
// README.md's three browser blocks run as written (snippet.js's local edits
// aside) on a file chosen in the page's <input type="file" id="file">: the
// cos-js-sdk-v5 uploadFile (1.5 MB, so multipart), the pre-signed PUT
// through fetch and the POST form through FormData; each object must be in
// the COS emulator under uploads/u1/ with the bytes chosen, and read back
// the same through /download. The page is on its own origin; the stack is
// on others. A screenshot of the result page is kept in
// artifacts/browser.png.
func TestBrowser(t *testing.T) {
	chromium, node, jsclients := browserTools(t)

	// The page's server, on a port of its own: its origin is the one allowed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	origin := "http://127.0.0.1:" + strconv.Itoa(port)
	mux := http.NewServeMux()
	serveFile := func(path, file string) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, file) })
	}
	serveFile("/{$}", filepath.Join(jsclients, "browser", "page.html"))
	serveFile("/page.js", filepath.Join(jsclients, "browser", "page.js"))
	serveFile("/steps.js", filepath.Join(jsclients, "browser", "steps.js"))
	serveFile("/snippet.js", filepath.Join(jsclients, "snippet.js"))
	serveFile("/cos-js-sdk-v5.min.js", filepath.Join(jsclients, "node_modules", "cos-js-sdk-v5", "dist", "cos-js-sdk-v5.min.js"))
	serveFile("/README.md", filepath.Join(jsclients, "..", "..", "README.md"))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	// The default grant (upload, multipart): what the stock SDKs need.
	e := startStack(t, map[string]string{"CORS_ALLOW_ORIGINS": origin})
	u2, err := e.Token("u2", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// What a user chooses for README's browser blocks: bytes the page makes
	// for the SDK's multipart upload, text for the PUT and the POST.
	const sdkName, sdkSize, sdkSeed = "browser-sdk.bin", 1536*1024 + 5, 11
	want := map[string][]byte{
		"browser-sdk":  make([]byte, sdkSize),
		"browser-put":  []byte("a photo chosen in Chromium, sent with PUT: 照片 ✓"),
		"browser-post": []byte("a photo chosen in Chromium, sent with POST: 照片 ✓"),
	}
	for i := range want["browser-sdk"] {
		want["browser-sdk"][i] = byte((i*sdkSeed + 7) & 0xff)
	}
	q := url.Values{
		"api": {e.FunctionsURL}, "cos": {e.COSURL}, "bucket": {e.Env["COS_BUCKET"]}, "region": {e.Env["COS_REGION"]},
		"token": {e.token}, "token2": {u2}, "uid": {"u1"},
		"sdkName": {sdkName}, "sdkSize": {strconv.Itoa(sdkSize)}, "sdkSeed": {strconv.Itoa(sdkSeed)},
		"putBody": {string(want["browser-put"])}, "postBody": {string(want["browser-post"])},
	}
	foreign := url.Values{"api": {e.FunctionsURL}, "token": {e.token}, "mode": {"foreign"}}
	artifacts, _ := filepath.Abs("../../artifacts")
	os.MkdirAll(artifacts, 0o755)
	shot := filepath.Join(artifacts, "browser.png")

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, node, "browser.js")
	cmd.Dir = jsclients
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium, "SCREENSHOT="+shot,
		"PAGE_URL="+origin+"/?"+q.Encode(), "FOREIGN_URL=http://evil.test:"+strconv.Itoa(port)+"/?"+foreign.Encode())
	out, err := cmd.CombinedOutput()
	t.Logf("browser.js (%v):\n%s", time.Since(start).Round(time.Millisecond), out)
	if err != nil {
		t.Errorf("browser.js failed: %v", err)
	}
	for _, step := range []string{
		"cos-js-sdk-v5 putObject with the README getAuthorization",
		"CORS preflights answered (Authorization from another origin)",
		"putObject outside the prefix is refused (403)",
		"uploadFile of a 3 MB Blob (multipart) with the default grant",
		"the 3 MB upload reads back byte-equal through /download",
		"scoped getAuthorization (ScopeLimit) uploads its key",
		"a scope outside the prefix fails the upload (refused by /sts)",
		"presigned PUT through fetch", "the same PUT again is refused (409)", "a body of another size is refused (403)",
		"presigned PUT through XHR", "POST form through FormData",
		"/download as JSON, then the signed URL", "/download as a followed 302",
		"another uid is refused u1's key (403)", "a foreign origin cannot read /sts",
		"README browser-sdk block uploads under uploads/u1/", "README browser-sdk block: /download gives the same bytes",
		"README browser-put block uploads under uploads/u1/", "README browser-put block: /download gives the same bytes",
		"README browser-post block uploads under uploads/u1/", "README browser-post block: /download gives the same bytes",
	} {
		if !strings.Contains(string(out), "ok "+step+"\n") {
			t.Errorf("step %q did not pass", step)
		}
	}
	// What README's browser blocks uploaded is in the COS emulator, under the
	// caller's prefix, with the bytes the user chose.
	stored := regexp.MustCompile(`(?m)^stored (\S+) (\S+)$`).FindAllStringSubmatch(string(out), -1)
	for name, body := range want {
		var key string
		for _, m := range stored {
			if m[1] == name {
				key = m[2]
			}
		}
		if !strings.HasPrefix(key, "uploads/u1/") {
			t.Errorf("README's %s block stored nothing under uploads/u1/ (%q)", name, key)
			continue
		}
		obj, rc, err := e.Store.Open(key)
		if err != nil {
			t.Errorf("README's %s block: %s is not in the COS emulator: %v", name, key, err)
			continue
		}
		if name == "browser-sdk" && !strings.HasSuffix(obj.ETag, `-2"`) {
			t.Errorf("README's cos-js-sdk-v5 block: %s has ETag %s, not a two-part multipart upload's", key, obj.ETag)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, body) {
			t.Errorf("README's %s block: %s holds %d bytes, not the %d chosen (%v)", name, key, len(got), len(body), err)
		}
	}
	// The browser asked before each cross-origin call with Authorization, and
	// the functions answered: the access log has their preflights.
	for _, fn := range []string{"sts", "presign", "download"} {
		if !strings.Contains(e.logs.String(), `"function":"`+fn+`"`) ||
			!regexp.MustCompile(`"function":"`+fn+`"[^\n]*"method":"OPTIONS"[^\n]*"status":204`).MatchString(e.logs.String()) {
			t.Errorf("no CORS preflight of /%s was answered 204", fn)
		}
	}
	if st, err := os.Stat(shot); err != nil || st.Size() < 1000 {
		t.Errorf("no screenshot at %s: %v", shot, err)
	} else {
		t.Logf("screenshot: %s", shot)
	}
}
