package e2e_test

import (
	"encoding/json"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"cosgate/devstack/stack"
	"cosgate/shared/limits/limitstest"
	"cosgate/shared/platform/platformtest"

	"github.com/golang-jwt/jwt/v5"
)

// Two stacks, as two sets of function instances, sharing one redis-server:
// 16 concurrent /presign calls for one caller against LIMIT_UPLOADS_PER_DAY=5
// get exactly 5 URLs, and against a byte quota exactly what fits.
func TestSharedUploadQuota(t *testing.T) {
	r := limitstest.Start(t)
	limits := map[string]string{"LIMITS_REDIS_URL": r.URL, "LIMIT_UPLOADS_PER_DAY": "5",
		"LIMIT_UPLOAD_BYTES_PER_DAY": "1000"}
	a, b := startStack(t, limits), startStack(t, limits)
	for _, tc := range []struct {
		uid  string
		size int
		want int
	}{{"u1", 10, 5}, {"u2", 300, 3}} {
		tok, _ := stack.Token(a.Env, tc.uid, time.Now(), time.Hour)
		var mu sync.Mutex
		statuses := map[int]int{}
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Go(func() {
				e := []*env{a, b}[i%2]
				var out struct {
					Error struct{ Code string }
				}
				s := e.call(t, "POST", "/presign", tok, map[string]any{"ext": "jpg", "size": tc.size}, &out)
				if s == 429 && out.Error.Code != "QuotaExceeded" {
					s = -s
				}
				mu.Lock()
				statuses[s]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if statuses[200] != tc.want || statuses[429] != 16-tc.want {
			t.Errorf("%s: %v, want %d × 200 and the rest 429 QuotaExceeded", tc.uid, statuses, tc.want)
		}
	}
}

// Revocation end to end, with the admin command: a revoked uid is refused
// by /sts, /presign and /download, another uid is not; after a restore the
// old token stays refused and a new one works; a revoked key is refused.
func TestRevocation(t *testing.T) {
	r := limitstest.Start(t)
	e := startStack(t, map[string]string{"LIMITS_REDIS_URL": r.URL})
	admin, err := platformtest.Build(t.TempDir(), "cosgate/cmd/cosgate-admin")
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		cmd := exec.Command(admin, args...)
		cmd.Env = []string{"LIMITS_REDIS_URL=" + r.URL}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("cosgate-admin %v: %v %s", args, err, out)
		}
		return string(out)
	}
	old, _ := stack.Token(e.Env, "u1", time.Now().Add(-time.Minute), time.Hour)
	other, _ := stack.Token(e.Env, "u2", time.Now().Add(-time.Minute), time.Hour)
	calls := func(tok string) []int {
		var out struct {
			Error struct{ Code string }
		}
		return []int{
			e.call(t, "POST", "/sts", tok, nil, nil),
			e.call(t, "POST", "/presign", tok, map[string]any{"ext": "jpg", "size": 3}, nil),
			e.call(t, "GET", "/download?key=uploads/"+uidOf(t, tok)+"/a.jpg", tok, nil, &out),
		}
	}
	if got := calls(old); got[0] != 200 || got[1] != 200 || got[2] != 302 {
		t.Fatalf("before: %v", got)
	}
	run("revoke-user", "u1")
	if got := calls(old); got[0] != 403 || got[1] != 403 || got[2] != 403 {
		t.Errorf("revoked: %v", got)
	}
	var out struct{ Error struct{ Code string } }
	if e.call(t, "POST", "/sts", old, nil, &out); out.Error.Code != "Revoked" {
		t.Errorf("code %q", out.Error.Code)
	}
	if got := calls(other); got[0] != 200 || got[2] != 302 {
		t.Errorf("u2 while u1 is revoked: %v", got)
	}
	var u struct {
		Revoked            bool
		TokensRefusedUntil string
	}
	if json.Unmarshal([]byte(run("usage", "u1")), &u); !u.Revoked || u.TokensRefusedUntil == "" {
		t.Errorf("usage: %+v", u)
	}
	run("restore-user", "u1")
	if got := calls(old); got[0] != 403 {
		t.Errorf("the old token after the restore: %v", got)
	}
	fresh, _ := stack.Token(e.Env, "u1", time.Now().Add(2*time.Second), time.Hour)
	if got := calls(fresh); got[0] != 200 || got[1] != 200 || got[2] != 302 {
		t.Errorf("a new token after the restore: %v", got)
	}
	run("revoke-key", "uploads/u2/a.jpg")
	if s := e.call(t, "GET", "/download?key=uploads/u2/a.jpg", other, nil, nil); s != 403 {
		t.Errorf("a revoked key: %d", s)
	}
	if s := e.call(t, "GET", "/download?key=uploads/u2/b.jpg", other, nil, nil); s != 302 {
		t.Errorf("another key: %d", s)
	}
	// Every grant and refusal has its audit line.
	logs := e.logs.String()
	for _, want := range []string{
		`"msg":"audit"[^\n]*"function":"sts"[^\n]*"uid":"u1","action":"sts"[^\n]*"decision":"allow"`,
		`"msg":"audit"[^\n]*"function":"presign"[^\n]*"uid":"u1","action":"presign:put","key":"uploads/u1/[^"]+","bytes":3,"expires":"[^"]+","decision":"allow"`,
		`"msg":"audit"[^\n]*"function":"download"[^\n]*"uid":"u1","action":"download","key":"uploads/u1/a.jpg"`,
		`"msg":"audit"[^\n]*"uid":"u1","action":"sts","decision":"deny","reason":"Revoked"`,
		`"msg":"audit"[^\n]*"uid":"u2","action":"download","decision":"deny","reason":"Revoked","key":"uploads/u2/a.jpg"`,
	} {
		if !matches(want, logs) {
			t.Errorf("no audit line like %s", want)
		}
	}
	e.noSecrets(t, old, other, fresh, r.URL)
}

// Redis stopped mid-run: uploads (closed by default) are a 503 with
// Retry-After within LIMITS_TIMEOUT; requests and revocation (open) let
// /download through with a warning; nothing is a 500.
func TestRedisDown(t *testing.T) {
	r := limitstest.Start(t)
	e := startStack(t, map[string]string{"LIMITS_REDIS_URL": r.URL, "LIMITS_TIMEOUT": "150ms",
		"LIMIT_UPLOADS_PER_DAY": "100", "LIMIT_REQUESTS_PER_MINUTE": "100"})
	if s := e.call(t, "POST", "/presign", e.token, map[string]any{"ext": "jpg", "size": 3}, nil); s != 200 {
		t.Fatalf("with redis: %d", s)
	}
	r.Stop()
	start := time.Now()
	req, _ := http.NewRequest("POST", e.FunctionsURL+"/presign", strings.NewReader(`{"ext":"jpg","size":3}`))
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" || time.Since(start) > 2*time.Second {
		t.Errorf("presign without redis: %d %v after %v", resp.StatusCode, resp.Header, time.Since(start))
	}
	if s := e.call(t, "GET", "/download?key=uploads/u1/a.jpg", e.token, nil, nil); s != 302 {
		t.Errorf("download without redis: %d", s)
	}
	if !strings.Contains(e.logs.String(), "the limits store did not answer; the request was let through") {
		t.Error("no warning for the request let through")
	}
	if strings.Contains(e.logs.String(), `"status":500`) {
		t.Error("a 500")
	}
}

func matches(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }

// uidOf reads a development token's sub.
func uidOf(t *testing.T, token string) string {
	t.Helper()
	var c jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &c); err != nil {
		t.Fatal(err)
	}
	return c.Subject
}

// One audit line per grant of every kind, and per refusal, with the
// documented fields and no secret.
func TestAuditLines(t *testing.T) {
	e := startStack(t, map[string]string{"LIMIT_UPLOADS_PER_DAY": "3"})
	var login struct{ Token, UID string }
	e.call(t, "POST", "/login", "", map[string]string{"code": "dev-auditor"}, &login)
	k := e.tempKey(t, login.Token)
	e.call(t, "POST", "/presign", login.Token, map[string]any{"ext": "jpg", "size": 3, "method": "POST"}, nil)
	e.call(t, "POST", "/presign", login.Token, map[string]any{"ext": "jpg", "size": 3}, nil)
	e.call(t, "POST", "/presign", login.Token, map[string]any{"ext": "jpg", "size": 3}, nil)
	// The fourth is over the quota: the in-process store counts per function
	// instance, so /sts's charge is its own.
	e.call(t, "POST", "/presign", login.Token, map[string]any{"ext": "jpg", "size": 3}, nil)
	e.call(t, "GET", "/download?key=uploads/"+login.UID+"/a.jpg", login.Token, nil, nil)
	logs := e.logs.String()
	common := `"msg":"audit","request_id":"[0-9a-f]{32}","client_ip":"127.0.0.1","function":"%s","uid":"` + login.UID + `"`
	for fn, rest := range map[string][]string{
		"login":    {`,"action":"login","expires":"[^"]+","decision":"allow"`},
		"sts":      {`,"action":"sts","prefixes":\["uploads/` + login.UID + `/\*"\],"actions":\[[^]]+\],"expires":"[^"]+","cached":false,"decision":"allow"`},
		"presign":  {`,"action":"presign:post","key":"uploads/` + login.UID + `/[^"]+","bytes":3,"expires":"[^"]+","decision":"allow"`, `,"action":"presign:put",[^\n]*"decision":"allow"`, `,"action":"presign:put","decision":"deny","reason":"QuotaExceeded","key":"[^"]+","bytes":3`},
		"download": {`,"action":"download","key":"uploads/` + login.UID + `/a.jpg","expires":"[^"]+","decision":"allow"`},
	} {
		for _, r := range rest {
			if !matches(strings.Replace(common, "%s", fn, 1)+r, logs) {
				t.Errorf("%s: no audit line ending %s", fn, r)
			}
		}
	}
	e.noSecrets(t, login.Token, k.Credentials.TmpSecretKey, k.Credentials.SessionToken, e.Env["WX_APPSECRET"])
}
