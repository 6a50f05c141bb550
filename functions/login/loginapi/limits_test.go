package loginapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cosgate/devstack/wxemu"
	"cosgate/shared/limits"
	"cosgate/shared/limits/limitstest"
	"cosgate/shared/platform"
)

// countedWorld is a login world whose WeChat counts the calls it gets,
// with change applied to the environment.
func countedWorld(t *testing.T, change map[string]string) (*world, *atomic.Int64) {
	t.Helper()
	emu, err := wxemu.New(wxemu.Config{AppID: appID, AppSecret: appSecret})
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	env := map[string]string{"WX_API_ENDPOINT": srv.URL}
	for k, v := range change {
		env[k] = v
	}
	return newWorld(t, false, env), &calls
}

func loginFrom(w *world, addr, code string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/login", strings.NewReader(`{"code":"`+code+`"}`))
	r.Header.Set("Content-Type", "application/json")
	r.RemoteAddr = addr + ":4321"
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, r)
	return rec
}

// Issue 22 (4): 400 junk codes made 400 WeChat calls. Now one address gets
// LIMIT_LOGINS_PER_MINUTE (10 by default) tries, then 429 RateLimited
// without WeChat being asked, each refusal audited; another address is
// unaffected. Run on both stores.
func TestLoginsPerAddress(t *testing.T) {
	for _, store := range []string{"memory", "redis"} {
		t.Run(store, func(t *testing.T) {
			change := map[string]string{}
			if store == "redis" {
				change["LIMITS_REDIS_URL"] = limitstest.Start(t).URL
			}
			w, calls := countedWorld(t, change)
			for i := range 40 {
				rec := loginFrom(w, "203.0.113.7", "junk-code")
				want := http.StatusBadRequest // WeChat: 40029
				if i >= 10 {
					want = http.StatusTooManyRequests
				}
				if rec.Code != want {
					t.Fatalf("attempt %d: %d %s, want %d", i+1, rec.Code, rec.Body, want)
				}
				if want == 429 && (errorCode(t, rec) != "RateLimited" || rec.Header().Get("Retry-After") == "") {
					t.Fatalf("attempt %d: %s %q", i+1, rec.Body, rec.Header().Get("Retry-After"))
				}
			}
			if n := calls.Load(); n != 10 {
				t.Fatalf("WeChat was called %d times, want 10", n)
			}
			logs := w.logs.String()
			if n := strings.Count(logs, `"action":"login","decision":"deny","reason":"RateLimited"`); n != 30 {
				t.Errorf("%d RateLimited audit lines, want 30", n)
			}
			// The WeChat failures are audited too, with WeChat's errcode.
			if n := strings.Count(logs, `"action":"login","decision":"deny","reason":"InvalidLoginCode","wx_errcode":40029`); n != 10 {
				t.Errorf("%d InvalidLoginCode audit lines, want 10:\n%s", n, logs)
			}
			if rec := loginFrom(w, "198.51.100.1", "dev-oAlice"); rec.Code != http.StatusOK {
				t.Fatalf("another address: %d %s", rec.Code, rec.Body)
			}
		})
	}
}

// The deployment's ceiling on WeChat calls holds across addresses: past
// it, 503 UpstreamUnavailable with Retry-After, and WeChat is not asked.
func TestWeChatCeiling(t *testing.T) {
	for _, store := range []string{"memory", "redis"} {
		t.Run(store, func(t *testing.T) {
			change := map[string]string{"LIMIT_WECHAT_CALLS_PER_MINUTE": "5"}
			if store == "redis" {
				change["LIMITS_REDIS_URL"] = limitstest.Start(t).URL
			}
			w, calls := countedWorld(t, change)
			for i := range 12 {
				rec := loginFrom(w, fmt.Sprintf("203.0.113.%d", i+1), "junk-code")
				if i < 5 && rec.Code != http.StatusBadRequest || i >= 5 && (rec.Code != 503 ||
					errorCode(t, rec) != "UpstreamUnavailable" || rec.Header().Get("Retry-After") == "") {
					t.Fatalf("call %d: %d %s", i+1, rec.Code, rec.Body)
				}
			}
			if n := calls.Load(); n != 5 {
				t.Fatalf("WeChat was called %d times, want 5", n)
			}
			if !strings.Contains(w.logs.String(), `"action":"login","decision":"deny","reason":"UpstreamUnavailable"`) {
				t.Errorf("the ceiling's refusal is not audited:\n%s", w.logs)
			}
		})
	}
}

// Issue 22 (4): a revoked uid still got a token. Now /login checks the uid
// WeChat names before minting: 403 Revoked, audited with the uid; after
// restore-user it signs in again.
func TestLoginRefusesRevokedUID(t *testing.T) {
	r := limitstest.Start(t)
	w, _ := countedWorld(t, map[string]string{"LIMITS_REDIS_URL": r.URL})
	rec := loginFrom(w, "203.0.113.7", "dev-oCarol.1")
	if rec.Code != http.StatusOK {
		t.Fatalf("first sign-in: %d %s", rec.Code, rec.Body)
	}
	var resp Response
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || resp.UID == "" {
		t.Fatalf("%v: %s", err, rec.Body)
	}
	store, err := limits.NewRedis(r.URL, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	if err := limits.RevokeUser(ctx, store, resp.UID, time.Now()); err != nil {
		t.Fatal(err)
	}
	rec = loginFrom(w, "203.0.113.7", "dev-oCarol.2")
	if rec.Code != http.StatusForbidden || errorCode(t, rec) != "Revoked" {
		t.Fatalf("revoked: %d %s, want 403 Revoked", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), `"token":`) {
		t.Fatalf("a token was handed out: %s", rec.Body)
	}
	want := `"uid":"` + resp.UID + `","action":"login","decision":"deny","reason":"Revoked"`
	if !strings.Contains(w.logs.String(), want) {
		t.Errorf("no audit line with %s:\n%s", want, w.logs)
	}
	if err := limits.RestoreUser(ctx, store, resp.UID); err != nil {
		t.Fatal(err)
	}
	if rec := loginFrom(w, "203.0.113.7", "dev-oCarol.3"); rec.Code != http.StatusOK {
		t.Fatalf("restored: %d %s", rec.Code, rec.Body)
	}
}

// A caller limit set on login stops its start, naming the variable.
func TestLoginRefusesCallerLimits(t *testing.T) {
	priv, pub := keyPair(t)
	env := map[string]string{
		"WX_APPID": appID, "WX_APPSECRET": appSecret, "LOGIN_UID_SECRET": uidSecret,
		"LOGIN_JWT_PRIVATE_KEY": priv, "AUTH_JWT_PUBLIC_KEY": pub, "LIMIT_STS_PER_HOUR": "5",
	}
	_, err := Build(platform.Env{Function: "login", Environ: env})
	if err == nil || !strings.Contains(err.Error(), "LIMIT_STS_PER_HOUR") {
		t.Fatalf("LIMIT_STS_PER_HOUR on login: %v", err)
	}
	env["LIMIT_STS_PER_HOUR"], env["LIMIT_LOGINS_PER_MINUTE"] = "0", "-1"
	if _, err := Build(platform.Env{Function: "login", Environ: env}); err == nil ||
		!strings.Contains(err.Error(), "LIMIT_LOGINS_PER_MINUTE") {
		t.Fatalf("a negative LIMIT_LOGINS_PER_MINUTE: %v", err)
	}
}
