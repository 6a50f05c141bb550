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

// runEmulatorJS runs one module of ../jsclients/emulator.js (cos-nodejs-sdk-v5
// against the COS emulator) on a fresh stack and checks that each of steps
// printed "ok" and none failed. The stack grants /sts keys the default
// actions plus read, under uploads/<uid>/.
func runEmulatorJS(t *testing.T, module string, steps ...string) *env {
	t.Helper()
	dir, _ := filepath.Abs("../jsclients")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "cos-nodejs-sdk-v5")); err != nil {
		t.Fatalf("the npm SDKs are not installed: run `npm ci --prefix devstack/jsclients` (make test does): %v", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is required for the JavaScript client tests: %v", err)
	}
	e := startStack(t, map[string]string{"STS_ALLOW_ACTIONS": "upload,multipart,read"})
	tok2, err := e.Token("u2", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	rootID, rootKey, ok := e.DevelopmentKey()
	if !ok {
		t.Fatal("the stack runs without its development key")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "emulator.js", module)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"FUNCTIONS_URL="+e.FunctionsURL, "COS_HOST="+strings.TrimPrefix(e.COSURL, "http://"),
		"BUCKET="+e.Env["COS_BUCKET"], "REGION="+e.Env["COS_REGION"], "TOKEN="+e.token, "TOKEN2="+tok2,
		"ROOT_ID="+rootID, "ROOT_KEY="+rootKey)
	out, err := cmd.CombinedOutput()
	t.Logf("emulator.js %s:\n%s", module, out)
	if err != nil {
		t.Errorf("emulator.js %s failed: %v", module, err)
	}
	for _, step := range steps {
		if !strings.Contains(string(out), "ok "+step+"\n") {
			t.Errorf("step %q did not pass", step)
		}
	}
	return e
}
