package devstack_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestFunctionsNeverLinkDevstack: no function binary contains emulator
// code, the server-side verifier (shared/cosverify), or the SDKs the tests
// use as oracles.
func TestFunctionsNeverLinkDevstack(t *testing.T) {
	for _, tags := range []string{"", "lambda.norpc"} {
		out, err := exec.Command("go", "list", "-deps", "-tags", tags,
			"cosgate/functions/sts", "cosgate/functions/presign", "cosgate/functions/download",
			"cosgate/functions/login").CombinedOutput()
		if err != nil {
			t.Fatalf("go list: %v\n%s", err, out)
		}
		deps := strings.Fields(string(out))
		var sawSigner bool
		for _, d := range deps {
			sawSigner = sawSigner || d == "cosgate/shared/cossign"
			for _, banned := range []string{
				"cosgate/devstack",
				"cosgate/shared/cosverify",
				"github.com/tencentyun/cos-go-sdk-v5",
				"github.com/tencentcloud/tencentcloud-sdk-go",
				"testing",
			} {
				if d == banned || strings.HasPrefix(d, banned+"/") {
					t.Errorf("tags %q: a function links %s", tags, d)
				}
			}
		}
		if !sawSigner || len(deps) < 50 {
			t.Fatalf("go list answered %d packages without the signer; the check would prove nothing", len(deps))
		}
	}
}
