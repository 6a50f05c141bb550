package config

import (
	"strings"
	"testing"
)

// The four caller limits are the sign function's too (it signs uploads,
// multipart ones included); login's are not, and sign's are not login's.
func TestLimitsOfSign(t *testing.T) {
	callers := []string{"LIMIT_REQUESTS_PER_MINUTE", "LIMIT_UPLOADS_PER_DAY", "LIMIT_UPLOAD_BYTES_PER_DAY",
		"LIMIT_STS_PER_HOUR"}
	for _, v := range callers {
		for _, fn := range []string{"sts", "presign", "download", "sign"} {
			if !LimitApplies(fn, v) {
				t.Errorf("%s does not apply to %s", v, fn)
			}
		}
		if LimitApplies("login", v) {
			t.Errorf("%s applies to login", v)
		}
	}
	for _, v := range []string{"LIMIT_LOGINS_PER_MINUTE", "LIMIT_WECHAT_CALLS_PER_MINUTE"} {
		if LimitApplies("sign", v) {
			t.Errorf("%s applies to sign", v)
		}
	}
	env := map[string]string{"LIMIT_UPLOADS_PER_DAY": "3", "LIMIT_UPLOAD_BYTES_PER_DAY": "1000",
		"LIMIT_LOGINS_PER_MINUTE": "5"}
	err := LimitsApply("sign", func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "LIMIT_LOGINS_PER_MINUTE") ||
		strings.Count(err.Error(), "does not apply") != 1 {
		t.Errorf("sign: %v, want only LIMIT_LOGINS_PER_MINUTE refused", err)
	}
}
