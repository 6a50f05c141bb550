package e2e_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cosgate/shared/cossign"
)

// TestConsoleInBrowser opens the local console in headless Chromium
// (Debian's package, driven by puppeteer-core as in TestBrowser): a token is
// minted and a file uploaded through the page's /presign form and
// downloaded over a hundred times, then cos-js-sdk-v5 in the page uploads
// outside the caller's prefix with her /sts key; the console must show
// COS's 403 with the action and prefix that did not match, linked to the
// /sts call. A download URL used for a PUT is shown against what /download
// minted ("signed for GET, sent as PUT"); a public-read upload and a read
// outside the prefix get the fix for their own case. Row numbers past 100, statuses
// and the bucket's ACL must show whole. The "why 403?" box lists the
// causes of a GET URL used as PUT from COS's answer (not a wrong key) and
// explains an expired URL. The screenshot is kept in artifacts/console.png.
func TestConsoleInBrowser(t *testing.T) {
	chromium, node, jsclients := browserTools(t)
	e := startStack(t, nil)
	now := time.Now()
	expired := cossign.PresignURL(
		cossign.Credentials{SecretID: e.Env["COS_SECRET_ID"], SecretKey: e.Env["COS_SECRET_KEY"]},
		cossign.DefaultEndpoint(e.Env["COS_BUCKET"], e.Env["COS_REGION"]),
		cossign.Presign{Method: "GET", Key: "uploads/alice/cat.jpg",
			Window: cossign.Window{Start: now.Add(-2 * time.Hour).Unix(), End: now.Add(-time.Hour).Unix()}})
	artifacts, _ := filepath.Abs("../../artifacts")
	os.MkdirAll(artifacts, 0o755)
	shot := filepath.Join(artifacts, "console.png")

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, node, "console.js")
	cmd.Dir = jsclients
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium, "SCREENSHOT="+shot, "CONSOLE_URL="+e.ConsoleURL,
		"COS_URL="+e.COSURL, "BUCKET="+e.Env["COS_BUCKET"], "REGION="+e.Env["COS_REGION"], "EXPIRED_URL="+expired)
	out, err := cmd.CombinedOutput()
	t.Logf("console.js (%v):\n%s", time.Since(start).Round(time.Millisecond), out)
	if err != nil {
		t.Errorf("console.js failed: %v", err)
	}
	for _, step := range []string{
		"the console is live (server-sent events)",
		"a development token is minted for alice",
		"the upload form goes through /presign to COS",
		"an object downloads from the bucket list through /download",
		"a hundred and more requests are numbered past 100",
		"cos-js-sdk-v5 with alice's /sts key is refused outside her prefix (403)",
		"the console explains the 403: PutObject outside the granted prefix",
		"the 403 links back to the /sts call that handed out the key",
		"a public-read upload inside the prefix gets the ACL fix",
		"a read outside the prefix gets the read fix",
		"a download URL used for a PUT is compared with what /download minted",
		"row numbers, statuses and the ACL fit their columns",
		`"why 403?" lists causes for a GET URL used as PUT, never a wrong key, and judges time by COS's`,
		`"why 403?" explains an expired URL`,
		"charts and refusal counts are drawn",
	} {
		if !strings.Contains(string(out), "ok "+step+"\n") {
			t.Errorf("step %q did not pass", step)
		}
	}
	if st, err := os.Stat(shot); err != nil || st.Size() < 1000 {
		t.Errorf("no screenshot at %s: %v", shot, err)
	} else {
		t.Logf("screenshot: %s", shot)
	}
	e.noSecrets(t)
}
