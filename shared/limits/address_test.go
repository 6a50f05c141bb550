package limits

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cosgate/shared/apierr"
	"cosgate/shared/config"
)

func from(addr string) context.Context { return WithClient(context.Background(), addr) }

// Issue 22 (4): without a uid (AUTH_MODE=none), every limit returned
// early. Now each counts by address: two addresses have a quota each, and
// a caller with a uid is still counted by uid.
func testAnonymousByAddress(t *testing.T, s Store) {
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	g := guard(s, Limits{RequestsPerMinute: 3, UploadsPerDay: 2, STSPerHour: 1}, &now)
	a, b := from("203.0.113.7"), from("198.51.100.1")
	for i := range 2 {
		if err := g.Upload(a, "", 10); err != nil {
			t.Fatalf("upload %d from a: %v", i+1, err)
		}
	}
	if err := g.Upload(a, "", 10); code(err) != apierr.QuotaExceeded {
		t.Fatalf("third upload from a: %v, want QuotaExceeded", err)
	}
	if err := g.Upload(b, "", 10); err != nil {
		t.Fatalf("b has its own quota: %v", err)
	}
	if err := g.Upload(a, "u1", 10); err != nil {
		t.Fatalf("a uid is counted by uid, not by address: %v", err)
	}
	if err := g.Grant(a, ""); err != nil {
		t.Fatal(err)
	}
	if err := g.Grant(a, ""); code(err) != apierr.RateLimited {
		t.Fatalf("second grant from a: %v, want RateLimited", err)
	}
	for i := range 3 {
		if err := g.Admit(a, "presign", "", time.Time{}); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	if err := g.Admit(a, "presign", "", time.Time{}); code(err) != apierr.RateLimited {
		t.Fatalf("fourth request: %v, want RateLimited", err)
	}
	// An IPv6 caller is counted by its /64: another address in it is the
	// same caller.
	if err := g.Grant(from("2001:db8:1:2::1"), ""); err != nil {
		t.Fatal(err)
	}
	if err := g.Grant(from("2001:db8:1:2:ffff::9"), ""); code(err) != apierr.RateLimited {
		t.Fatalf("same /64: %v, want RateLimited", err)
	}
	if err := g.Grant(from("2001:db8:1:3::1"), ""); err != nil {
		t.Fatalf("another /64: %v", err)
	}
}

// /login: per address, then the deployment's WeChat ceiling, a 503 that is
// not the caller's fault.
func testLoginLimits(t *testing.T, s Store) {
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	g := guard(s, Limits{LoginsPerMinute: 2, WeChatCallsPerMinute: 3}, &now)
	a := from("203.0.113.7")
	for i := range 2 {
		if err := g.Login(a); err != nil {
			t.Fatalf("sign-in %d: %v", i+1, err)
		}
	}
	err := g.Login(a)
	if code(err) != apierr.RateLimited || err.(*apierr.Error).RetryAfter != time.Minute {
		t.Fatalf("third from one address: %v, want RateLimited with Retry-After 60s", err)
	}
	if err := g.Login(from("198.51.100.1")); err != nil {
		t.Fatalf("third call for the deployment: %v", err)
	}
	err = g.Login(from("192.0.2.9"))
	if code(err) != apierr.UpstreamUnavailable || err.(*apierr.Error).RetryAfter <= 0 {
		t.Fatalf("fourth call for the deployment: %v, want UpstreamUnavailable with Retry-After", err)
	}
	now = now.Add(2 * time.Minute)
	if err := g.Login(a); err != nil {
		t.Fatalf("two minutes later: %v", err)
	}
}

// A revoked uid gets no new token; once restored it signs in again.
func testSignInRevoked(t *testing.T, s Store) {
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	g := guard(s, Limits{}, &now)
	ctx := context.Background()
	if err := g.SignIn(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	if err := RevokeUser(ctx, s, "u1", now); err != nil {
		t.Fatal(err)
	}
	if err := g.SignIn(ctx, "u1"); code(err) != apierr.Revoked {
		t.Fatalf("revoked: %v, want Revoked", err)
	}
	if err := RestoreUser(ctx, s, "u1"); err != nil {
		t.Fatal(err)
	}
	if err := g.SignIn(ctx, "u1"); err != nil {
		t.Fatalf("restored: %v", err)
	}
}

// Issue 22 (6b): with revocation on, a token without iat was let back in
// after restore-user, and one dated ahead outlived a revocation. Both are
// refused with 401, before the store is read.
func testRequireIssued(t *testing.T, s Store) {
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	g := guard(s, Limits{}, &now)
	g.RequireIssued = true
	ctx := context.Background()
	if err := RevokeUser(ctx, s, "u1", now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := RestoreUser(ctx, s, "u1"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		issued time.Time
		want   string
	}{
		{"no iat", time.Time{}, apierr.Unauthorized},
		{"iat beyond the skew", now.Add(MaxIssuedSkew + time.Second), apierr.Unauthorized},
		{"iat within the skew", now.Add(MaxIssuedSkew), ""},
		{"issued before the revocation", now.Add(-2 * time.Hour), apierr.Revoked},
		{"issued after the restore", now.Add(-time.Minute), ""},
	} {
		if err := g.Admit(ctx, "sts", "u1", tc.issued); code(err) != tc.want {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	// Without a uid there is no token to ask an iat of.
	if err := g.Admit(from("203.0.113.7"), "sts", "", time.Time{}); err != nil {
		t.Errorf("anonymous: %v", err)
	}
	// Without RequireIssued (AUTH_MODE=wxcloud: no token, no iat) the uid
	// alone decides.
	g.RequireIssued = false
	if err := g.Admit(ctx, "sts", "u1", time.Time{}); err != nil {
		t.Errorf("no iat, not required: %v", err)
	}
}

func TestAddressSubject(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":          "addr:203.0.113.7",
		"::ffff:203.0.113.7":   "addr:203.0.113.7",
		"2001:db8:1:2:3:4:5:6": "addr:2001:db8:1:2::/64",
		"fe80::1%eth0":         "addr:fe80::/64",
		"":                     "addr:unknown",
		"not an address":       "addr:unknown",
	} {
		if got := addressSubject(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// ByAddress hands the handler the host of RemoteAddr, which every adapter
// sets from what its platform reports.
func TestByAddress(t *testing.T) {
	var got string
	h := ByAddress(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = subject(r.Context(), "") }))
	for addr, want := range map[string]string{
		"203.0.113.7:0":      "addr:203.0.113.7",
		"[2001:db8::1]:1234": "addr:2001:db8::/64",
		"":                   "addr:unknown",
	} {
		r := httptest.NewRequest("POST", "/login", nil)
		r.RemoteAddr = addr
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != want {
			t.Errorf("%q: %q, want %q", addr, got, want)
		}
	}
}

// FromConfig: login gets only its own limits (on by default), the others
// only theirs; iat is required with a shared store and AUTH_MODE=jwt only.
func TestFromConfigUse(t *testing.T) {
	c, err := config.Load[config.Limits](map[string]string{"LIMIT_UPLOADS_PER_DAY": "2"})
	if err != nil {
		t.Fatal(err)
	}
	login, _ := FromConfig(c, Use{Function: "login"})
	if login == nil || login.Limits != (Limits{LoginsPerMinute: 10, WeChatCallsPerMinute: 300}) {
		t.Fatalf("login: %+v", login)
	}
	presign, _ := FromConfig(c, Use{Function: "presign", AuthMode: "none"})
	if presign == nil || presign.Limits != (Limits{UploadsPerDay: 2}) || presign.RequireIssued {
		t.Fatalf("presign: %+v", presign)
	}
	if g, _ := FromConfig(config.Limits{LoginsPerMinute: 10}, Use{Function: "sts", AuthMode: "jwt"}); g != nil {
		t.Fatalf("sts with only login's limits: %+v, want nil", g)
	}
	for mode, want := range map[string]bool{"jwt": true, "wxcloud": false, "none": false} {
		g, err := FromConfig(config.Limits{RedisURL: "redis://127.0.0.1:1"}, Use{Function: "sts", AuthMode: mode})
		if err != nil || g.RequireIssued != want {
			t.Errorf("%s: RequireIssued %v (%v), want %v", mode, g.RequireIssued, err, want)
		}
	}
}

// A LIMIT_* set on a function it cannot apply to stops the start, naming
// the variable; 0, "" and "undefined" are unset.
func TestLimitsApply(t *testing.T) {
	env := map[string]string{"LIMIT_LOGINS_PER_MINUTE": "5", "LIMIT_WECHAT_CALLS_PER_MINUTE": "0",
		"LIMIT_UPLOADS_PER_DAY": "3", "LIMIT_STS_PER_HOUR": config.Unset}
	get := func(k string) string { return env[k] }
	for fn, want := range map[string][]string{
		"sts": {"LIMIT_LOGINS_PER_MINUTE"}, "presign": {"LIMIT_LOGINS_PER_MINUTE"},
		"download": {"LIMIT_LOGINS_PER_MINUTE"}, "login": {"LIMIT_UPLOADS_PER_DAY"},
	} {
		err := config.LimitsApply(fn, get)
		if err == nil {
			t.Fatalf("%s: accepted", fn)
		}
		for _, v := range want {
			if !strings.Contains(err.Error(), v) {
				t.Errorf("%s: %v does not name %s", fn, err, v)
			}
		}
		if strings.Count(err.Error(), "does not apply") != len(want) {
			t.Errorf("%s: %v names more than %v", fn, err, want)
		}
	}
}
