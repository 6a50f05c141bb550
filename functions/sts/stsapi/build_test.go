package stsapi

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"testing"

	"cosgate/shared/logging"
	"cosgate/shared/platform"
	"cosgate/shared/stsclient/ststest"
)

// With STS_ROLE_ARN and no permanent key, the function calls AssumeRole
// with the execution role's key that SCF injects, read at each call (so a
// rotated key is picked up), its token sent as X-TC-Token.
func TestRoleKeyFromThePlatform(t *testing.T) {
	fake := ststest.New(t, "AKIDrole1", "roleSecret1")
	fake.Keys["AKIDrole2"] = "roleSecret2"
	environ := map[string]string{
		"COS_BUCKET": "examplebucket-1250000000", "COS_REGION": "ap-guangzhou", "AUTH_JWT_SECRET": jwtSecret,
		"STS_ENDPOINT": fake.URL, "STS_ROLE_ARN": "qcs::cam::uin/100000000001:roleName/cosgate", "STS_CACHE_SIZE": "0",
		"TENCENTCLOUD_SECRETID": "AKIDrole1", "TENCENTCLOUD_SECRETKEY": "roleSecret1", "TENCENTCLOUD_SESSIONTOKEN": "token-1",
	}
	h, err := platform.Handler(platform.Env{Function: "sts", Platform: platform.HTTP, Logger: logging.New(&bytes.Buffer{}, slog.LevelInfo), Environ: environ}, Build)
	if err != nil {
		t.Fatal(err)
	}
	call := func() int {
		r := httptest.NewRequest("POST", "/sts", nil)
		r.Header.Set("Authorization", "Bearer "+token(t, "u1"))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	if code := call(); code != 200 {
		t.Fatalf("%d", code)
	}
	environ["TENCENTCLOUD_SECRETID"], environ["TENCENTCLOUD_SECRETKEY"], environ["TENCENTCLOUD_SESSIONTOKEN"] = "AKIDrole2", "roleSecret2", "token-2"
	if code := call(); code != 200 {
		t.Fatalf("after rotation: %d", code)
	}
	calls := fake.Calls()
	if len(calls) != 2 || calls[0].Action != "AssumeRole" || calls[0].Token != "token-1" || calls[0].SecretID != "AKIDrole1" ||
		calls[1].Token != "token-2" || calls[1].SecretID != "AKIDrole2" || calls[0].Body["RoleSessionName"] != "cosgate-u1" {
		t.Errorf("%+v", calls)
	}
	delete(environ, "TENCENTCLOUD_SECRETID")
	if code := call(); code != 502 {
		t.Errorf("no key at all: %d, want 502", code)
	}
}
