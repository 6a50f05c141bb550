package explain_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"cosgate/devstack/explain"
	"cosgate/devstack/trace"
)

// codePatterns find the codes the emulators can answer in their sources:
// COS's apiError and PolicyViolation literals, STS's apiError literals and
// tc3's code constants, WeChat's errcode table.
var codePatterns = map[string]*regexp.Regexp{
	"../cosemu/*.go":              regexp.MustCompile(`Code:\s*"([A-Za-z.]+)"`),
	"../../shared/cosverify/*.go": regexp.MustCompile(`PolicyViolation\{\s*\d+,\s*"([A-Za-z]+)"`),
	"../stsemu/*.go":              regexp.MustCompile(`apiError\{\s*"([A-Za-z.]+)"`),
	"../../shared/tc3/tc3.go":     regexp.MustCompile(`Code[A-Za-z]+\s*=\s*"([A-Za-z.]+)"`),
	"../wxemu/wxemu.go":           regexp.MustCompile(`(?m)^\t(-?\d+):\s+"`),
}

// TestEveryCodeIsExplained: every error code in the emulators' sources has
// a cause and a fix, and so has every kind of reason they record.
func TestEveryCodeIsExplained(t *testing.T) {
	seen := map[string]bool{}
	for glob, re := range codePatterns {
		files, _ := filepath.Glob(glob)
		if len(files) == 0 {
			t.Fatalf("no files at %s", glob)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range re.FindAllStringSubmatch(string(src), -1) {
				seen[m[1]] = true
			}
		}
	}
	// A broken pattern would prove nothing: these must be among them.
	for _, c := range []string{"AccessDenied", "SignatureDoesNotMatch", "NoSuchKey", "EntityTooLarge",
		"InvalidParameter.GrantOtherResource", "AuthFailure.SignatureExpire", "40163", "InvalidPolicyDocument"} {
		if !seen[c] {
			t.Fatalf("the source scan missed %s; found %d codes", c, len(seen))
		}
	}
	for code := range seen {
		if code == "InternalError" || code == "NotImplemented" {
			continue // 5xx, still explained below
		}
		a, ok := explain.ForCode(code, "")
		if !ok || a.Cause == "" || a.Fix == "" {
			t.Errorf("code %s has no explanation", code)
		}
	}
	for _, code := range []string{"InternalError", "NotImplemented"} {
		if _, ok := explain.ForCode(code, ""); !ok {
			t.Errorf("code %s has no explanation", code)
		}
	}
	t.Logf("%d codes explained", len(seen))

	for _, k := range []string{trace.KindMissing, trace.KindMalformed, trace.KindUnknownKey, trace.KindExpired,
		trace.KindSkewed, trace.KindMismatch, trace.KindTokenMissing, trace.KindTokenMismatch, trace.KindTokenExpired,
		trace.KindDenied, trace.KindPolicy} {
		a, ok := explain.ForReason("AccessDenied", &trace.Reason{Kind: k})
		if !ok || a.Kind != k || a.Cause == "" || a.Fix == "" {
			t.Errorf("kind %s has no explanation: %+v", k, a)
		}
	}
}

// TestAccessDeniedMessages: COS answers AccessDenied and InvalidAccessKeyId
// for several causes; the message, as COS and the emulator word it, tells
// them apart.
func TestAccessDeniedMessages(t *testing.T) {
	for _, c := range []struct{ code, msg, kind string }{
		{"AccessDenied", "Request has expired", trace.KindExpired},
		{"AccessDenied", "Check auth failure because signature empty.", trace.KindMissing},
		{"AccessDenied", "Access Denied.", trace.KindDenied},
		{"AccessDenied", "The Authorization is not valid: field q-ak is missing", trace.KindMalformed},
		{"AccessDenied", "Condition key key doesn't match the value users/u1/a.jpg", trace.KindPolicy},
		{"InvalidAccessKeyId", "SecretID does not exist", trace.KindUnknownKey},
		{"InvalidAccessKeyId", "A temporary SecretId must come with its x-cos-security-token", trace.KindTokenMissing},
		{"InvalidAccessKeyId", "The x-cos-security-token does not belong to this SecretId", trace.KindTokenMismatch},
		{"ExpiredToken", "The provided token has expired.", trace.KindTokenExpired},
		{"RequestTimeTooSkewed", "", trace.KindSkewed},
	} {
		if a, _ := explain.ForCode(c.code, c.msg); a.Kind != c.kind {
			t.Errorf("%s %q: kind %s, want %s", c.code, c.msg, a.Kind, c.kind)
		}
	}
}
