package e2e_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestJSClients runs the official npm SDKs (../jsclients/run.js, versions
// pinned in its package-lock.json) against the stack: cos-nodejs-sdk-v5
// (putObject, getObject, getObjectUrl, sliceUploadFile) and cos-wx-sdk-v5
// on a stub wx (postObject through wx.uploadFile, putObject through
// wx.request), each with a getAuthorization that calls /sts, and each
// refused outside the caller's prefix. The wx steps sign in first with
// README.md's wx.login block, and use the login function's token
// throughout: /sts, the SDK uploads, /presign and /download.
func TestJSClients(t *testing.T) {
	dir, _ := filepath.Abs("../jsclients")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "cos-wx-sdk-v5")); err != nil {
		t.Fatalf("the npm SDKs are not installed: run `npm ci --prefix devstack/jsclients` (make test does): %v", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is required for the JavaScript client tests: %v", err)
	}
	// The default grant (upload, multipart) plus read, for the node SDK's
	// getObject; uids are openids, so the wx steps' sign-in as openid u1
	// (README's wx.login block) reaches the same prefix as the Node SDK's u1.
	e := startStack(t, map[string]string{"STS_ALLOW_ACTIONS": "upload,multipart,read", "LOGIN_UID": "openid"})
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "run.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"FUNCTIONS_URL="+e.FunctionsURL, "COS_HOST="+strings.TrimPrefix(e.COSURL, "http://"),
		"BUCKET="+e.Env["COS_BUCKET"], "REGION="+e.Env["COS_REGION"], "TOKEN="+e.token)
	out, err := cmd.CombinedOutput()
	t.Logf("run.js:\n%s", out)
	if err != nil {
		t.Fatalf("run.js failed: %v", err)
	}
	for _, step := range []string{
		"node putObject under the prefix", "node getObject", "node putObject outside the prefix is refused",
		"node getObjectUrl", "node sliceUploadFile", "node multipart object reads back", "node getAuthorization called /sts",
		"README wx.login block signs in", "README wx.login block keeps the token", "login answers the uid and expiresAt",
		"README wx.login block signs in again near expiry", "README wx.login block reports a reused code",
		"wx postObject (wx.uploadFile) under the prefix", "wx postObject outside the prefix is refused",
		"wx putObject (wx.request) under the prefix", "wx putObject outside the prefix is refused", "wx getAuthorization called /sts",
		"wx scope outside the prefix is refused by /sts", "wx uploadFile of 3 MB (multipart)",
		"README mini-program PUT block uploads", "README mini-program POST block uploads",
		"README mini-program download block saves the same bytes",
		"README sign-wx block: putObject under the prefix", "README sign-wx block: sliceUploadFile of 3 MB (multipart)",
		"README sign-wx block: uploadFile of a small file",
		"README sign-wx block: outside the prefix is refused by /sign",
	} {
		if !strings.Contains(string(out), "ok "+step+"\n") {
			t.Errorf("step %q did not pass", step)
		}
	}
	// The objects are where the SDKs said.
	for _, key := range []string{"uploads/u1/node.txt", "uploads/u1/big.bin", "uploads/u1/wx-post.jpg", "uploads/u1/wx-put.txt",
		"uploads/u1/wx-big.bin", "uploads/u1/wx-sign.txt", "uploads/u1/wx-sign-big.jpg",
		"uploads/u1/wx-sign-small.txt"} {
		if !e.Store.Exists(key) {
			t.Errorf("%s was not stored", key)
		}
	}
	for _, key := range []string{"uploads/u2/node.txt", "uploads/u2/wx-post.jpg", "uploads/u2/wx-put.txt", "uploads/u2/wx-sign.txt"} {
		if e.Store.Exists(key) {
			t.Errorf("%s was stored outside the prefix", key)
		}
	}
	e.noSecrets(t)
}
