package tc3_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	sts "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/sts/v20180813"

	"cosgate/shared/tc3"
)

// TestMatchesOfficialSDK captures what tencentcloud-sdk-go/sts v1.1.11 sends
// to a loopback server and checks that our signer produces the same
// Authorization for the same timestamp, host and body, and that our verifier
// accepts the SDK's request.
func TestMatchesOfficialSDK(t *testing.T) {
	const id, key = "AKIDsdkprobe0123456789", "sdkSecretKey0123456789abcdef"
	type capture struct {
		header http.Header
		host   string
		body   []byte
	}
	got := make(chan capture, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- capture{r.Header.Clone(), r.Host, b}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"Response":{"Credentials":{"Token":"t","TmpSecretId":"i","TmpSecretKey":"k"},"ExpiredTime":1,"Expiration":"x","RequestId":"r"}}`)
	}))
	defer srv.Close()

	for _, action := range []string{"GetFederationToken", "AssumeRole"} {
		cp := profile.NewClientProfile()
		cp.HttpProfile.Endpoint = srv.Listener.Addr().String()
		cp.HttpProfile.Scheme = "HTTP"
		client, err := sts.NewClient(common.NewCredential(id, key), "ap-guangzhou", cp)
		if err != nil {
			t.Fatal(err)
		}
		switch action {
		case "GetFederationToken":
			req := sts.NewGetFederationTokenRequest()
			req.Name = common.StringPtr("cosgate")
			req.Policy = common.StringPtr("%7B%22version%22%3A%222.0%22%7D")
			req.DurationSeconds = common.Uint64Ptr(1800)
			_, err = client.GetFederationToken(req)
		case "AssumeRole":
			req := sts.NewAssumeRoleRequest()
			req.RoleArn = common.StringPtr("qcs::cam::uin/100000000001:roleName/cosgate")
			req.RoleSessionName = common.StringPtr("cosgate-u1")
			_, err = client.AssumeRole(req)
		}
		if err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		c := <-got
		ts, _ := strconv.ParseInt(c.header.Get("X-TC-Timestamp"), 10, 64)
		ours := tc3.Sign(id, key, tc3.Request{
			Method:    "POST",
			Headers:   http.Header{"Content-Type": {c.header.Get("Content-Type")}, "Host": {c.host}},
			Payload:   c.body,
			Service:   "sts",
			Timestamp: ts,
		})
		if ours != c.header.Get("Authorization") {
			t.Errorf("%s:\n ours %s\n sdk  %s", action, ours, c.header.Get("Authorization"))
		}
		lookup := func(s string) (string, bool) { return key, s == id }
		if _, err := tc3.Verify(tc3.Incoming{Method: "POST", Header: c.header, Host: c.host, Body: c.body}, lookup, "sts", time.Unix(ts, 0)); err != nil {
			t.Errorf("%s: verifier refused the SDK's request: %v", action, err)
		}
	}
}
