package stsclient_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"cosgate/shared/stsclient"
	"cosgate/shared/stsclient/ststest"
)

const id, key = "AKIDstsclientTest", "stsclientTestSecretKey0123456789"

func client(t *testing.T, s *ststest.Server, k stsclient.Key, timeout time.Duration) *stsclient.Client {
	t.Helper()
	c, err := stsclient.New(stsclient.Options{
		Endpoint: s.URL, Region: "ap-guangzhou", Key: func() (stsclient.Key, error) { return k, nil },
		Timeout: timeout, Backoff: func(int) time.Duration { return 10 * time.Millisecond },
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var policy = []byte(`{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:PutObject"],"resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/uploads/u1/*"]}]}`)

func TestGetFederationToken(t *testing.T) {
	s := ststest.New(t, id, key)
	cr, err := client(t, s, stsclient.Key{SecretID: id, SecretKey: key}, time.Second).Issue(context.Background(),
		stsclient.Request{Policy: policy, Duration: 1800 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	calls := s.Calls()
	if len(calls) != 1 || calls[0].Action != "GetFederationToken" || calls[0].Policy != string(policy) || calls[0].Region != "ap-guangzhou" ||
		calls[0].Body["DurationSeconds"] != float64(1800) || calls[0].Body["Name"] != "cosgate" || calls[0].Token != "" {
		t.Errorf("call: %+v", calls)
	}
	if cr.TmpSecretID == "" || cr.TmpSecretKey == "" || cr.Token == "" || cr.RequestID == "" ||
		time.Until(cr.ExpiresAt()) < 29*time.Minute || cr.Expiration == "" {
		t.Errorf("credentials: %+v", cr)
	}
}

// AssumeRole works with a role's temporary key: its token travels as
// X-TC-Token.
func TestAssumeRoleWithRoleCredentials(t *testing.T) {
	s := ststest.New(t, id, key)
	_, err := client(t, s, stsclient.Key{SecretID: id, SecretKey: key, Token: "role-token"}, time.Second).Issue(context.Background(),
		stsclient.Request{Policy: policy, Duration: 900 * time.Second, RoleARN: "qcs::cam::uin/100000000001:roleName/cosgate", SessionName: "cosgate-u1"})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Calls()[0]
	if c.Action != "AssumeRole" || c.Token != "role-token" || c.Body["RoleArn"] != "qcs::cam::uin/100000000001:roleName/cosgate" ||
		c.Body["RoleSessionName"] != "cosgate-u1" || c.Policy != string(policy) {
		t.Errorf("%+v", c)
	}
}

func TestErrorClasses(t *testing.T) {
	cases := []struct {
		name     string
		key      stsclient.Key
		script   func(n int) ststest.Reply
		code     string
		attempts int
		calls    int
		ok       bool
	}{
		{"wrong key: not retried", stsclient.Key{SecretID: id, SecretKey: "wrong"}, nil, "AuthFailure.SignatureFailure", 1, 0, false},
		{"unknown SecretId", stsclient.Key{SecretID: "AKIDnobody", SecretKey: key}, nil, "AuthFailure.SecretIdNotFound", 1, 0, false},
		{"refused policy: not retried", stsclient.Key{SecretID: id, SecretKey: key},
			func(int) ststest.Reply { return ststest.Reply{ErrorCode: "InvalidParameter.GrantOtherResource"} }, "InvalidParameter.GrantOtherResource", 1, 1, false},
		{"throttled, then fine", stsclient.Key{SecretID: id, SecretKey: key}, func(n int) ststest.Reply {
			if n < 3 {
				return ststest.Reply{ErrorCode: "RequestLimitExceeded"}
			}
			return ststest.Reply{}
		}, "", 0, 3, true},
		{"internal errors: bounded", stsclient.Key{SecretID: id, SecretKey: key},
			func(int) ststest.Reply { return ststest.Reply{ErrorCode: "InternalError.SystemError"} }, "InternalError.SystemError", 3, 3, false},
		{"5xx: retried", stsclient.Key{SecretID: id, SecretKey: key}, func(n int) ststest.Reply {
			if n == 1 {
				return ststest.Reply{Status: 503}
			}
			return ststest.Reply{}
		}, "", 0, 2, true},
		{"5xx: bounded", stsclient.Key{SecretID: id, SecretKey: key}, func(int) ststest.Reply { return ststest.Reply{Status: 502} }, "HTTP502", 3, 3, false},
		{"malformed JSON: not retried", stsclient.Key{SecretID: id, SecretKey: key}, func(int) ststest.Reply { return ststest.Reply{Raw: `{"Response":`} }, "MalformedResponse", 1, 1, false},
		{"no credentials in the answer", stsclient.Key{SecretID: id, SecretKey: key}, func(int) ststest.Reply { return ststest.Reply{Raw: `{"Response":{"RequestId":"r"}}`} }, "MalformedResponse", 1, 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := ststest.New(t, id, key)
			if c.script != nil {
				s.Script = func(n int, _ ststest.Call) ststest.Reply { return c.script(n) }
			}
			_, err := client(t, s, c.key, time.Second).Issue(context.Background(), stsclient.Request{Policy: policy, Duration: time.Hour})
			if c.ok {
				if err != nil {
					t.Fatal(err)
				}
			} else {
				var e *stsclient.Error
				if !errors.As(err, &e) || e.Code != c.code || e.Attempts != c.attempts || e.Timeout {
					t.Fatalf("got %#v", err)
				}
				if strings.Contains(err.Error(), key) {
					t.Errorf("the error names the secret key: %v", err)
				}
			}
			if got := len(s.Calls()); got != c.calls {
				t.Errorf("%d calls reached STS, want %d", got, c.calls)
			}
		})
	}
}

// A slow STS: each attempt gives up at its timeout, and the whole call
// ends by the caller's deadline, however many attempts remain.
func TestDeadlines(t *testing.T) {
	s := ststest.New(t, id, key)
	s.Script = func(int, ststest.Call) ststest.Reply { return ststest.Reply{Delay: 5 * time.Second} }
	c := client(t, s, stsclient.Key{SecretID: id, SecretKey: key}, 150*time.Millisecond)

	start := time.Now()
	_, err := c.Issue(context.Background(), stsclient.Request{Policy: policy, Duration: time.Hour})
	var e *stsclient.Error
	if !errors.As(err, &e) || !e.Timeout || e.Attempts != 3 || time.Since(start) > 2*time.Second {
		t.Errorf("attempt timeouts: %v after %v", err, time.Since(start))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err = client(t, s, stsclient.Key{SecretID: id, SecretKey: key}, 10*time.Second).Issue(ctx, stsclient.Request{Policy: policy, Duration: time.Hour})
	if !errors.As(err, &e) || !e.Timeout || time.Since(start) > 600*time.Millisecond {
		t.Errorf("caller deadline: %v after %v", err, time.Since(start))
	}
}

func TestJitteredBackoff(t *testing.T) {
	b := stsclient.Jittered(100*time.Millisecond, func() float64 { return 0.999 })
	if b(2) > 100*time.Millisecond || b(3) > 200*time.Millisecond || b(3) < 190*time.Millisecond {
		t.Errorf("%v %v", b(2), b(3))
	}
	if stsclient.Jittered(100*time.Millisecond, func() float64 { return 0 })(3) != 0 {
		t.Error("jitter should reach zero")
	}
}

func TestEndpoints(t *testing.T) {
	k := func() (stsclient.Key, error) { return stsclient.Key{}, nil }
	for _, ok := range []string{"sts.tencentcloudapi.com", "sts.internal.tencentcloudapi.com", "https://sts.intl.tencentcloudapi.com", "http://127.0.0.1:9100"} {
		if _, err := stsclient.New(stsclient.Options{Endpoint: ok, Region: "ap-guangzhou", Key: k}); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "ftp://x", "https://sts.tencentcloudapi.com/v2/index.php", "://x"} {
		if _, err := stsclient.New(stsclient.Options{Endpoint: bad, Region: "ap-guangzhou", Key: k}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
