package presignapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"cosgate/shared/identity"
	"cosgate/shared/limits"
	"cosgate/shared/limits/limitstest"
	"cosgate/shared/platform"
)

func stores(t *testing.T) map[string]func() limits.Store {
	return map[string]func() limits.Store{
		"memory": func() limits.Store { return limits.NewMemory(nil) },
		"redis": func() limits.Store {
			s, err := limits.NewRedis(limitstest.Start(t).URL, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	}
}

func postFrom(h http.Handler, addr, bearer string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/presign", strings.NewReader(`{"ext":"jpg","size":3}`))
	r.Header.Set("Content-Type", "application/json")
	r.RemoteAddr = addr + ":4321"
	if bearer != "" {
		r.Header.Set("Authorization", "Bearer "+bearer)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// Issue 22 (4): with AUTH_MODE=none and LIMIT_UPLOADS_PER_DAY=2, eight
// presigns got eight 200s. Now the quota holds per address: 2 × 200, then
// 429 QuotaExceeded, audited; another address has its own two.
func TestAnonymousUploadQuota(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			h, logs := handler(t, func(h *Handler) {
				h.Auth, h.Prefix = identity.Anonymous{}, "uploads/anon/"
				h.Guard = &limits.Guard{Store: open(), Limits: limits.Limits{UploadsPerDay: 2},
					FailClosed: limits.FailPolicy(nil), Timeout: time.Second, Now: time.Now}
			})
			h = limits.ByAddress(h)
			for i := range 8 {
				w := postFrom(h, "203.0.113.7", "")
				want := http.StatusOK
				if i >= 2 {
					want = http.StatusTooManyRequests
				}
				if w.Code != want || want == 429 && !strings.Contains(w.Body.String(), `"QuotaExceeded"`) {
					t.Fatalf("presign %d: %d %s, want %d", i+1, w.Code, w.Body, want)
				}
			}
			if n := strings.Count(logs.String(), `"client_ip":"203.0.113.7","function":"presign","uid":"","action":"presign:put"`); n != 8 {
				t.Errorf("%d audit lines for the address, want 8 (2 grants, 6 refusals):\n%s", n, logs)
			}
			if w := postFrom(h, "198.51.100.1", ""); w.Code != http.StatusOK {
				t.Fatalf("another address: %d %s", w.Code, w.Body)
			}
		})
	}
}

// Issue 22 (6b): with revocation on, a token without iat was let back in
// after restore-user. Now it is refused with 401 (audited), and so is one
// dated ahead; a fresh token passes.
func TestTokenWithoutIssuedAt(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			store := open()
			ctx := context.Background()
			if err := limits.RevokeUser(ctx, store, "u1", time.Now().Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := limits.RestoreUser(ctx, store, "u1"); err != nil {
				t.Fatal(err)
			}
			h, logs := handler(t, func(h *Handler) {
				h.Now = time.Now
				h.Guard = &limits.Guard{Store: store, FailClosed: limits.FailPolicy(nil), Timeout: time.Second,
					Now: time.Now, RequireIssued: true}
			})
			for _, tc := range []struct {
				name   string
				claims map[string]any
				want   int
			}{
				{"no iat", map[string]any{"sub": "u1"}, http.StatusUnauthorized},
				{"iat an hour ahead", map[string]any{"sub": "u1", "iat": time.Now().Add(time.Hour).Unix()},
					http.StatusUnauthorized},
				{"iat now", map[string]any{"sub": "u1", "iat": time.Now().Unix()}, http.StatusOK},
			} {
				w := postFrom(h, "203.0.113.7", hs256(t, tc.claims))
				if w.Code != tc.want {
					t.Errorf("%s: %d %s, want %d", tc.name, w.Code, w.Body, tc.want)
				}
			}
			if n := strings.Count(logs.String(), `"uid":"u1","action":"presign","decision":"deny","reason":"Unauthorized"`); n != 2 {
				t.Errorf("%d Unauthorized audit lines, want 2:\n%s", n, logs)
			}
		})
	}
}

// The wiring: Build with AUTH_MODE=none and LIMIT_UPLOADS_PER_DAY starts,
// and refuses a variable of the login function's.
func TestBuildLimits(t *testing.T) {
	env := map[string]string{
		"COS_SECRET_ID": "AKIDpresignTest00001", "COS_SECRET_KEY": keySecret, "COS_BUCKET": bucket,
		"COS_REGION": "ap-guangzhou", "AUTH_MODE": "none", "UPLOAD_PREFIX": "uploads/anon/",
		"LIMIT_UPLOADS_PER_DAY": "2",
	}
	if _, err := Build(platform.Env{Function: "presign", Environ: env}); err != nil {
		t.Fatalf("AUTH_MODE=none with LIMIT_UPLOADS_PER_DAY: %v", err)
	}
	env["LIMIT_LOGINS_PER_MINUTE"] = "10"
	if _, err := Build(platform.Env{Function: "presign", Environ: env}); err == nil ||
		!strings.Contains(err.Error(), "LIMIT_LOGINS_PER_MINUTE") {
		t.Fatalf("LIMIT_LOGINS_PER_MINUTE on presign: %v", err)
	}
}

// hs256 signs claims, plus an exp an hour ahead, with the test secret.
func hs256(t *testing.T, claims map[string]any) string {
	t.Helper()
	c := jwt.MapClaims{"exp": time.Now().Add(time.Hour).Unix()}
	for k, v := range claims {
		c[k] = v
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(jwtSecret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
