package e2e_test

import (
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

// signCap is UPLOAD_MAX_BYTES for the /sign tests: above the 12 MiB
// uploads, below an 8 MiB part plus a 6 MiB one.
const signCap = 13 * 1024 * 1024

// startSignStack starts the stack for /sign with reads granted, the cap
// above, and uploads/u2/secret.txt seeded with the account's key; it
// returns the stack and a token for u2.
func startSignStack(t *testing.T, extra map[string]string) (*env, string) {
	t.Helper()
	overrides := map[string]string{
		"STS_ALLOW_ACTIONS": "upload,multipart,read", "UPLOAD_MAX_BYTES": strconv.Itoa(signCap),
	}
	for k, v := range extra {
		overrides[k] = v
	}
	e := startStack(t, overrides)
	tok2, err := e.Token("u2", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.root().Object.Put(t.Context(), "uploads/u2/secret.txt", strings.NewReader("u2's secret"), nil); err != nil {
		t.Fatalf("seeding uploads/u2/secret.txt: %v", err)
	}
	return e, tok2
}

// storedSize is the size of key in the COS emulator, or -1.
func storedSize(e *env, key string) int {
	_, rc, err := e.Store.Open(key)
	if err != nil {
		return -1
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return len(b)
}

// signLogged fails unless the access log shows /sign answering.
func signLogged(t *testing.T, e *env) {
	t.Helper()
	if !regexp.MustCompile(`"function":"sign"[^\n]*"status":200`).MatchString(e.logs.String()) {
		t.Errorf("the access log has no /sign call answered 200")
	}
}

// TestSignNode runs the stock cos-nodejs-sdk-v5 with a getAuthorization
// that POSTs its options to /sign (../jsclients/sign.js): a single upload
// read back and headed, a 12 MiB sliceUploadFile read back, uploadFile
// paused and resumed, a copy within the prefix; and refused by /sign with
// nothing stored: a key outside the prefix, a public ACL, a grant header,
// a Content-Type other than the extension's, another caller's read,
// a copy from another caller's prefix, parts, lists and completes of
// another caller's upload, and a part past UPLOAD_MAX_BYTES.
func TestSignNode(t *testing.T) {
	dir, _ := filepath.Abs("../jsclients")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "cos-nodejs-sdk-v5")); err != nil {
		t.Fatalf("the npm SDKs are not installed: run `npm ci --prefix devstack/jsclients` (make test does): %v", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is required for the JavaScript client tests: %v", err)
	}
	e, tok2 := startSignStack(t, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "sign.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"FUNCTIONS_URL="+e.FunctionsURL, "COS_HOST="+strings.TrimPrefix(e.COSURL, "http://"),
		"BUCKET="+e.Env["COS_BUCKET"], "REGION="+e.Env["COS_REGION"], "TOKEN="+e.token, "TOKEN2="+tok2)
	out, err := cmd.CombinedOutput()
	t.Logf("sign.js:\n%s", out)
	if err != nil {
		t.Errorf("sign.js failed: %v", err)
	}
	for _, step := range []string{
		"sign putObject under the prefix", "sign getObject", "sign headObject",
		"sign sliceUploadFile of 12 MB (multipart)", "sign the 12 MB upload reads back byte-equal",
		"sign uploadFile paused and resumed reads back byte-equal", "sign putObjectCopy within the prefix",
		"sign putObject outside the prefix is refused", "sign putObject with ACL public-read is refused",
		"sign putObject with x-cos-grant-read is refused",
		"sign putObject with another Content-Type than the extension's is refused",
		"sign another caller's getObject of u1's key is refused",
		"sign putObjectCopy from another caller's prefix is refused",
		"sign multipartInit under the prefix",
		"sign another caller's uploadPart with u1's uploadId and key is refused",
		"sign another caller's multipartListPart with u1's uploadId and key is refused",
		"sign another caller's uploadPart with u1's uploadId and its own key is refused",
		"sign another caller's multipartListPart with u1's uploadId and its own key is refused",
		"sign another caller's multipartComplete of u1's upload is refused",
		"sign u1's uploadId under u2's own started key fails (by /sign or by COS)",
		"sign multipartAbort of its own upload",
		"sign uploadPart within the size cap", "sign uploadPart past the size cap is refused",
		"sign multipartComplete of the parts within the cap",
		"sign putObject of a disallowed extension is refused",
		"sign getAuthorization called /sign",
		"sign README sign-node block uploads and reads",
		"sign README sign-node block passes on a refusal",
	} {
		if !strings.Contains(string(out), "ok "+step+"\n") {
			t.Errorf("step %q did not pass", step)
		}
	}
	const MiB = 1024 * 1024
	for key, size := range map[string]int{
		"uploads/u1/sign.txt": -2, "uploads/u1/copy-ok.txt": -2, "uploads/u1/big.jpg": 12*MiB + 333,
		"uploads/u1/resumed.png": 4*MiB + 77, "uploads/u1/cap.jpg": 8 * MiB,
	} {
		if got := storedSize(e, key); got < 0 || size >= 0 && got != size {
			t.Errorf("%s: stored %d bytes, want %d", key, got, size)
		}
	}
	for _, key := range []string{"uploads/u2/sign.txt", "uploads/u1/public.txt", "uploads/u1/grant.txt", "uploads/u1/wrong.jpg",
		"uploads/u1/copied.txt", "uploads/u1/owned.jpg", "uploads/u2/owned.jpg", "uploads/u1/tool.exe"} {
		if e.Store.Exists(key) {
			t.Errorf("%s was stored, though /sign refused it", key)
		}
	}
	signLogged(t, e)
	e.noSecrets(t, tok2)
}

// TestSignBrowser runs the stock cos-js-sdk-v5 in headless Chromium
// (browser/sign.html, sign.js there) with a getAuthorization that POSTs its
// options to /sign from a page on its own origin: putObject of a Blob read
// back, uploadFile of 12 MiB (multipart) read back byte-equal, the same
// paused and resumed, and refused by /sign: a key outside the prefix, a public ACL.
func TestSignBrowser(t *testing.T) {
	chromium, node, jsclients := browserTools(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	origin := "http://127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	mux := http.NewServeMux()
	serveFile := func(path, file string) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, file) })
	}
	serveFile("/{$}", filepath.Join(jsclients, "browser", "sign.html"))
	serveFile("/sign.js", filepath.Join(jsclients, "browser", "sign.js"))
	serveFile("/steps.js", filepath.Join(jsclients, "browser", "steps.js"))
	serveFile("/cos-js-sdk-v5.min.js", filepath.Join(jsclients, "node_modules", "cos-js-sdk-v5", "dist", "cos-js-sdk-v5.min.js"))
	serveFile("/snippet.js", filepath.Join(jsclients, "snippet.js"))
	serveFile("/README.md", filepath.Join(jsclients, "..", "..", "README.md"))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	e, tok2 := startSignStack(t, map[string]string{"CORS_ALLOW_ORIGINS": origin})
	q := url.Values{
		"api": {e.FunctionsURL}, "cos": {strings.TrimPrefix(e.COSURL, "http://")}, "bucket": {e.Env["COS_BUCKET"]},
		"region": {e.Env["COS_REGION"]}, "token": {e.token},
	}
	artifacts, _ := filepath.Abs("../../artifacts")
	os.MkdirAll(artifacts, 0o755)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "browser.js")
	cmd.Dir = jsclients
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium, "SCREENSHOT="+filepath.Join(artifacts, "sign-browser.png"),
		"PAGE_URL="+origin+"/?"+q.Encode(), "FOREIGN_URL="+origin+"/?mode=none")
	out, err := cmd.CombinedOutput()
	t.Logf("browser.js (sign.html):\n%s", out)
	if err != nil {
		t.Errorf("browser.js failed: %v", err)
	}
	for _, step := range []string{
		"sign browser putObject of a Blob", "sign browser getObject reads the Blob back",
		"sign browser uploadFile of 12 MB (multipart)", "sign browser the 12 MB upload reads back byte-equal",
		"sign browser uploadFile of 12 MB paused and resumed", "sign browser the resumed upload reads back byte-equal",
		"sign browser putObject outside the prefix is refused", "sign browser putObject with ACL public-read is refused",
		"sign browser getAuthorization called /sign",
		"sign browser README sign-browser block uploads the chosen file",
		"sign browser the README upload reads back byte-equal",
	} {
		if !strings.Contains(string(out), "ok "+step+"\n") {
			t.Errorf("step %q did not pass", step)
		}
	}
	for key, size := range map[string]int{"uploads/u1/browser-big.jpg": 12*1024*1024 + 101, "uploads/u1/browser-resumed.jpg": 12*1024*1024 + 202} {
		if got := storedSize(e, key); got != size {
			t.Errorf("%s: stored %d bytes, want %d", key, got, size)
		}
	}
	if got := storedSize(e, "uploads/u1/readme-photo.jpg"); got != 1536*1024+9 {
		t.Errorf("README's sign-browser block stored %d bytes, want %d", got, 1536*1024+9)
	}
	if !e.Store.Exists("uploads/u1/browser.txt") {
		t.Errorf("uploads/u1/browser.txt was not stored")
	}
	for _, key := range []string{"uploads/u2/browser.txt", "uploads/u1/browser-public.txt"} {
		if e.Store.Exists(key) {
			t.Errorf("%s was stored, though /sign refused it", key)
		}
	}
	signLogged(t, e)
	if !regexp.MustCompile(`"function":"sign"[^\n]*"method":"OPTIONS"[^\n]*"status":204`).MatchString(e.logs.String()) {
		t.Errorf("no CORS preflight of /sign was answered 204")
	}
	e.noSecrets(t, tok2)
}
