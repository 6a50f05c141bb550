package stsemu_test

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	sdkerrors "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	sts "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/sts/v20180813"

	"cosgate/devstack/cam"
	"cosgate/devstack/stsemu"
	"cosgate/devstack/tempkeys"
)

const (
	appID   = "1250000000"
	rootID  = "AKIDrootEXAMPLE0123456789abcdef"
	rootKey = "rootSecretKeyEXAMPLE0123456789ab"
)

func start(t *testing.T) (*httptest.Server, *tempkeys.Registry) {
	t.Helper()
	reg := tempkeys.New()
	s, err := stsemu.New(stsemu.Config{AppID: appID, Keys: map[string]string{rootID: rootKey}, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv, reg
}

// client is the official tencentcloud-sdk-go STS client pointed at srv.
func client(t *testing.T, srv *httptest.Server, cred common.CredentialIface) *sts.Client {
	t.Helper()
	cp := profile.NewClientProfile()
	cp.HttpProfile.Endpoint = srv.Listener.Addr().String()
	cp.HttpProfile.Scheme = "HTTP"
	c, err := sts.NewClientWithSecretId("x", "y", "ap-guangzhou")
	if err != nil {
		t.Fatal(err)
	}
	c.Init("ap-guangzhou").WithCredential(cred).WithProfile(cp)
	return c
}

const uploadPolicy = `{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:PutObject"],"resource":["qcs::cos:ap-guangzhou:uid/1250000000:devbucket-1250000000/uploads/u1/*"]}]}`

func federation(c *sts.Client, policy string, secs uint64) (*sts.GetFederationTokenResponse, error) {
	req := sts.NewGetFederationTokenRequest()
	req.Name = common.StringPtr("cosgate")
	req.Policy = common.StringPtr(url.QueryEscape(policy))
	req.DurationSeconds = common.Uint64Ptr(secs)
	return c.GetFederationToken(req)
}

func code(err error) string {
	var e *sdkerrors.TencentCloudSDKError
	if errors.As(err, &e) {
		return e.GetCode()
	}
	return "not an SDK error: " + err.Error()
}

// TestGetFederationToken: the official SDK gets a key whose token is
// URL-safe and whose policy the registry holds for the COS emulator.
func TestGetFederationToken(t *testing.T) {
	srv, reg := start(t)
	before := time.Now()
	resp, err := federation(client(t, srv, common.NewCredential(rootID, rootKey)), uploadPolicy, 900)
	if err != nil {
		t.Fatal(err)
	}
	r := resp.Response
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{64,}$`).MatchString(*r.Credentials.Token) {
		t.Errorf("token %q is not URL-safe", *r.Credentials.Token)
	}
	if exp := int64(*r.ExpiredTime); exp < before.Unix()+900 || exp > time.Now().Unix()+900 {
		t.Errorf("ExpiredTime %d is not now+900", exp)
	}
	if _, err := time.Parse(time.RFC3339, *r.Expiration); err != nil || *r.RequestId == "" {
		t.Errorf("Expiration %q, RequestId %q", *r.Expiration, *r.RequestId)
	}
	k, ok := reg.Get(*r.Credentials.TmpSecretId)
	if !ok || k.SecretKey != *r.Credentials.TmpSecretKey || k.Token != *r.Credentials.Token {
		t.Fatal("the key is not registered as issued")
	}
	object := func(key string) cam.Request {
		return cam.Request{Action: "name/cos:PutObject", Resource: "qcs::cos:ap-guangzhou:uid/1250000000:devbucket-1250000000/" + key,
			Value: func(string) (string, bool) { return "", false }}
	}
	if !k.Policy.Allows(object("uploads/u1/a.jpg")) || k.Policy.Allows(object("uploads/u2/a.jpg")) {
		t.Error("the registered policy is not the one sent")
	}
}

// TestSTSErrors: each refusal has STS's code, surfaced by the official SDK.
func TestSTSErrors(t *testing.T) {
	srv, _ := start(t)
	root := client(t, srv, common.NewCredential(rootID, rootKey))
	resp, err := federation(root, uploadPolicy, 1800)
	if err != nil {
		t.Fatal(err)
	}
	tmp := resp.Response.Credentials
	temp := client(t, srv, common.NewTokenCredential(*tmp.TmpSecretId, *tmp.TmpSecretKey, *tmp.Token))

	assume := func(c *sts.Client, secs uint64, policy string) error {
		req := sts.NewAssumeRoleRequest()
		req.RoleArn = common.StringPtr("qcs::cam::uin/100000000001:roleName/cosgate")
		req.RoleSessionName = common.StringPtr("cosgate-u1")
		req.DurationSeconds = common.Uint64Ptr(secs)
		if policy != "" {
			req.Policy = common.StringPtr(url.QueryEscape(policy))
		}
		_, err := c.AssumeRole(req)
		return err
	}
	otherAccount := `{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:PutObject"],"resource":["qcs::cos:ap-guangzhou:uid/1300000000:other-1300000000/*"]}]}`
	for _, c := range []struct {
		name string
		err  error
		code string
	}{
		{"another account's resource", func() error { _, err := federation(root, otherAccount, 1800); return err }(), "InvalidParameter.GrantOtherResource"},
		{"federation over 2 h", func() error { _, err := federation(root, uploadPolicy, 7201); return err }(), "InvalidParameter.OverTimeError"},
		{"role over 12 h", assume(root, 43201, ""), "InvalidParameter.OverTimeError"},
		{"not a policy", func() error { _, err := federation(root, `{"version":"2.0"}`, 1800); return err }(), "InvalidParameter.StrategyFormatError"},
		{"federation with a temporary key", func() error { _, err := federation(temp, uploadPolicy, 1800); return err }(), "FailedOperation.TempKeyNotAllowed"},
		{"wrong secret key", func() error {
			_, err := federation(client(t, srv, common.NewCredential(rootID, "not-the-key")), uploadPolicy, 1800)
			return err
		}(), "AuthFailure.SignatureFailure"},
		{"unknown SecretId", func() error {
			_, err := federation(client(t, srv, common.NewCredential("AKIDnobody000", rootKey)), uploadPolicy, 1800)
			return err
		}(), "AuthFailure.SecretIdNotFound"},
		{"temporary key without its token", assume(client(t, srv, common.NewCredential(*tmp.TmpSecretId, *tmp.TmpSecretKey)), 900, ""), "AuthFailure.TokenFailure"},
	} {
		if got := code(c.err); got != c.code {
			t.Errorf("%s: %s, want %s", c.name, got, c.code)
		}
	}
	// AssumeRole accepts a temporary key with its token, and a session policy.
	if err := assume(temp, 900, uploadPolicy); err != nil {
		t.Errorf("AssumeRole with a temporary key: %v", err)
	}
	if err := assume(root, 43200, ""); err != nil {
		t.Errorf("AssumeRole for 12 h: %v", err)
	}
}
