package loginapi

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"cosgate/devstack/wxemu"
	"cosgate/shared/identity"
	"cosgate/shared/logging"
	"cosgate/shared/platform"
)

const (
	appID     = "wx0123456789abcdef"
	appSecret = "0123456789abcdef0123456789SECRET"
	uidSecret = "login-test-uid-secret-0123456789abcdef"
	hsSecret  = "login-test-hs256-secret-0123456789abcdef"
)

// keyPair is a fresh P-256 pair: the private key as PEM, the public key as
// the one-line base64 DER `make login-key` prints.
func keyPair(t testing.TB) (private, public string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	pub, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), base64.StdEncoding.EncodeToString(pub)
}

// world is a login function built from env, against a WeChat emulator on
// loopback, with everything both of them log.
type world struct {
	h    http.Handler
	emu  *wxemu.Server
	logs *syncBuffer
	env  map[string]string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newWorld(t testing.TB, unionID bool, change map[string]string) *world {
	t.Helper()
	logs := &syncBuffer{}
	logger := logging.New(logs, slog.LevelDebug)
	if _, bench := t.(*testing.B); bench {
		logger = logging.New(io.Discard, slog.LevelInfo)
	}
	emu, err := wxemu.New(wxemu.Config{AppID: appID, AppSecret: appSecret, UnionID: unionID, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	priv, pub := keyPair(t)
	env := map[string]string{
		"WX_APPID": appID, "WX_APPSECRET": appSecret, "WX_API_ENDPOINT": srv.URL,
		"LOGIN_JWT_PRIVATE_KEY": priv, "AUTH_JWT_PUBLIC_KEY": pub, "LOGIN_UID_SECRET": uidSecret,
		"AUTH_JWT_ISSUER": "cosgate-login", "AUTH_JWT_AUDIENCE": "cosgate", "LOGIN_TOKEN_TTL": "2h",
	}
	maps.Copy(env, change)
	for k, v := range change {
		if v == "" {
			delete(env, k)
		}
	}
	h, err := platform.Handler(platform.Env{Function: "login", Platform: platform.HTTP, Logger: logger, Environ: env}, Build)
	if err != nil {
		t.Fatal(err)
	}
	return &world{h: h, emu: emu, logs: logs, env: env}
}

func (w *world) login(t testing.TB, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("POST", "/login", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, r)
	return rec
}

func errorCode(t testing.TB, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatalf("not a JSON error: %d %s", rec.Code, rec.Body)
	}
	return e.Error.Code
}

// verifier is what sts, presign and download build from the same
// variables: the public key only.
func verifier(t testing.TB, env map[string]string) *identity.JWT {
	t.Helper()
	a, err := identity.NewJWT(identity.JWTConfig{
		Secret:       []byte(env["AUTH_JWT_SECRET"]),
		PublicKeyPEM: env["AUTH_JWT_PUBLIC_KEY"],
		Issuer:       env["AUTH_JWT_ISSUER"],
		Audience:     env["AUTH_JWT_AUDIENCE"],
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func bearer(token string) *http.Request {
	r := httptest.NewRequest("POST", "/sts", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

// A code signs its openid in: the token is ES256, verifies with the public
// key alone, carries the pseudonym as sub, the configured iss and aud and a
// 2 h lifetime; the answer is not cacheable.
func TestSignIn(t *testing.T) {
	w := newWorld(t, false, nil)
	start := time.Now().Truncate(time.Second)
	rec := w.login(t, `{"code":"dev-oAlice_01"}`)
	if rec.Code != 200 || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %s %v", rec.Code, rec.Body, rec.Header())
	}
	var resp Response
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	want := Pseudonym([]byte(uidSecret), "oAlice_01")
	if resp.UID != want || len(want) != 32 || identity.ValidateUID(want) != nil {
		t.Errorf("uid %q, want the pseudonym %q", resp.UID, want)
	}
	c, err := verifier(t, w.env).Authenticate(bearer(resp.Token))
	if err != nil || c.UID != want {
		t.Fatalf("the public key does not accept the token: %v %v", c, err)
	}
	var claims jwt.RegisteredClaims
	tok, _, err := jwt.NewParser().ParseUnverified(resp.Token, &claims)
	if err != nil || tok.Method.Alg() != "ES256" {
		t.Fatalf("%v %v", tok, err)
	}
	if claims.Issuer != "cosgate-login" || len(claims.Audience) != 1 || claims.Audience[0] != "cosgate" ||
		claims.ExpiresAt.Sub(claims.IssuedAt.Time) != 2*time.Hour || claims.IssuedAt.Before(start) ||
		resp.ExpiresAt != claims.ExpiresAt.Unix() {
		t.Errorf("claims %+v, expiresAt %d", claims, resp.ExpiresAt)
	}
	if strings.Contains(rec.Body.String(), "oAlice_01") || strings.Contains(w.logs.String(), "oAlice_01") {
		t.Errorf("the raw openid escaped: %s\n%s", rec.Body, w.logs)
	}
	// The same code again is refused: WeChat answers 40163.
	if again := w.login(t, `{"code":"dev-oAlice_01"}`); again.Code != 400 || errorCode(t, again) != "LoginCodeUsed" {
		t.Errorf("a reused code: %d %s", again.Code, again.Body)
	}
	// A second sign-in of the same user gets the same uid.
	var second Response
	json.Unmarshal(w.login(t, `{"code":"dev-oAlice_01-"}`).Body.Bytes(), &second)
	json.Unmarshal(w.login(t, `{"code":"dev-oAlice_01"}`).Body.Bytes(), &second)
	third := w.login(t, `{"code":"busy-once-oAlice_01"}`)
	json.Unmarshal(third.Body.Bytes(), &second)
	if third.Code != 200 || second.UID != want {
		t.Errorf("the uid is not stable: %d %s", third.Code, third.Body)
	}
	leaks(t, w, rec.Body.String(), third.Body.String())
}

// leaks fails when the AppSecret or a session_key reached a body or a log.
func leaks(t *testing.T, w *world, bodies ...string) {
	t.Helper()
	secrets := append([]string{appSecret, uidSecret, w.env["LOGIN_JWT_PRIVATE_KEY"][30:60]}, w.emu.SessionKeys()...)
	for _, s := range secrets {
		for _, out := range append(bodies, w.logs.String()) {
			if strings.Contains(out, s) {
				t.Errorf("a secret (%.6s…) reached a body or the log", s)
			}
		}
	}
}

// Each WeChat failure becomes its own JSON error, with Retry-After where
// waiting helps, and the busy answer is retried once.
func TestWeChatErrors(t *testing.T) {
	// More codes than LIMIT_LOGINS_PER_MINUTE's default lets one address
	// try: that limit has tests of its own (limits_test.go).
	w := newWorld(t, false, map[string]string{"WX_TIMEOUT": "300ms", "LIMIT_LOGINS_PER_MINUTE": "0"})
	var bodies []string
	for _, tc := range []struct {
		code, want string
		status     int
		retryAfter string
		attempts   string
	}{
		{"fail-40029", "InvalidLoginCode", 400, "", `"wx_attempts":1`},
		{"not-a-code-WeChat-knows", "InvalidLoginCode", 400, "", `"wx_attempts":1`},
		{"fail-40163", "LoginCodeUsed", 400, "", `"wx_attempts":1`},
		{"fail-45011", "RateLimited", 429, "60", `"wx_attempts":1`},
		{"fail-40226", "HighRiskUser", 403, "", `"wx_attempts":1`},
		{"fail-busy", "UpstreamUnavailable", 503, "1", `"wx_attempts":2`},
		{"busy-once-oBob", "", 200, "", `"wx_attempts":2`},
		{"fail-slow", "UpstreamTimeout", 504, "", `"wx_attempts":1`},
		{"fail-garbage", "UpstreamError", 502, "", `"wx_attempts":1`},
		{"fail-http-502", "UpstreamError", 502, "", `"wx_attempts":1`},
		{"fail-41008", "UpstreamError", 502, "", `"wx_attempts":1`},
	} {
		before := len(w.logs.String())
		start := time.Now()
		rec := w.login(t, `{"code":"`+tc.code+`"}`)
		bodies = append(bodies, rec.Body.String())
		if rec.Code != tc.status || tc.want != "" && errorCode(t, rec) != tc.want {
			t.Errorf("%s: %d %s, want %d %s", tc.code, rec.Code, rec.Body, tc.status, tc.want)
		}
		if got := rec.Header().Get("Retry-After"); got != tc.retryAfter {
			t.Errorf("%s: Retry-After %q, want %q", tc.code, got, tc.retryAfter)
		}
		if line := w.logs.String()[before:]; !strings.Contains(line, tc.attempts) {
			t.Errorf("%s: the access log lacks %s: %s", tc.code, tc.attempts, line)
		}
		if tc.code == "fail-slow" && time.Since(start) > 5*time.Second {
			t.Errorf("fail-slow took %v with WX_TIMEOUT=300ms", time.Since(start))
		}
	}
	leaks(t, w, bodies...)
}

// Codes that cannot be wx.login codes are refused before WeChat is asked.
func TestBadRequests(t *testing.T) {
	w := newWorld(t, false, nil)
	for _, body := range []string{
		``, `{}`, `{"code":""}`, `{"code":null}`, `{"code":12}`, `{"code":"` + strings.Repeat("a", 129) + `"}`,
		`{"code":"a b"}`, `{"code":"dev-x/y"}`, `{"code":"dev-\u00e9"}`, `{"code":"dev-a","extra":1}`, `[]`,
		`{"code":"dev-a"} {"code":"dev-b"}`,
	} {
		rec := w.login(t, body)
		if rec.Code != 400 || errorCode(t, rec) != "InvalidRequest" {
			t.Errorf("%q: %d %s", body, rec.Code, rec.Body)
		}
	}
	if strings.Contains(w.logs.String(), "jscode2session") {
		t.Error("WeChat was asked about a code that could not be one")
	}
	r := httptest.NewRequest("GET", "/login", nil)
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, r)
	if rec.Code != 405 || errorCode(t, rec) != "MethodNotAllowed" {
		t.Errorf("GET: %d %s", rec.Code, rec.Body)
	}
}

// A deployment whose AppID or AppSecret WeChat refuses is a 500 that says
// which, and an unreachable WeChat a 502; neither reveals the AppSecret.
func TestDeploymentFailures(t *testing.T) {
	for _, tc := range []struct {
		change map[string]string
		status int
		want   string
	}{
		{map[string]string{"WX_APPSECRET": "ffffffffffffffffffffffffWRONGKEY"}, 500, "WX_APPSECRET"},
		{map[string]string{"WX_APPID": "wxffffffffffffffff"}, 500, "WX_APPID"},
		{map[string]string{"WX_API_ENDPOINT": "http://" + closedPort(t)}, 502, "could not reach WeChat"},
	} {
		w := newWorld(t, false, tc.change)
		rec := w.login(t, `{"code":"dev-oCarol"}`)
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("%v: %d %s", tc.change, rec.Code, rec.Body)
		}
		for _, s := range []string{appSecret, "WRONGKEY"} {
			if strings.Contains(w.logs.String(), s) || strings.Contains(rec.Body.String(), s) {
				t.Errorf("%v: the AppSecret reached the log or the body:\n%s", tc.change, w.logs)
			}
		}
		if !strings.Contains(w.logs.String(), `"level":"ERROR"`) {
			t.Errorf("%v: a 5xx is not logged as an error: %s", tc.change, w.logs)
		}
	}
}

func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// LOGIN_UID: the openid itself, or the unionid when WeChat sends one and
// the pseudonym when it does not (noted in the access log).
func TestUIDModes(t *testing.T) {
	pseudonym := Pseudonym([]byte(uidSecret), "oDave")
	for _, tc := range []struct {
		mode    string
		unionID bool
		want    string
		noted   bool
	}{
		{"openid", false, "oDave", false},
		{"unionid", true, "union-oDave", false},
		{"unionid", false, pseudonym, true},
		{"pseudonym", true, pseudonym, false},
	} {
		w := newWorld(t, tc.unionID, map[string]string{"LOGIN_UID": tc.mode})
		rec := w.login(t, `{"code":"dev-oDave"}`)
		var resp Response
		json.Unmarshal(rec.Body.Bytes(), &resp)
		if rec.Code != 200 || resp.UID != tc.want {
			t.Errorf("%s (unionid %v): %d %s, want uid %s", tc.mode, tc.unionID, rec.Code, rec.Body, tc.want)
		}
		if c, err := verifier(t, w.env).Authenticate(bearer(resp.Token)); err != nil || c.UID != tc.want {
			t.Errorf("%s: %v %v", tc.mode, c, err)
		}
		if noted := strings.Contains(w.logs.String(), `"unionid_missing":true`); noted != tc.noted {
			t.Errorf("%s (unionid %v): unionid_missing logged = %v", tc.mode, tc.unionID, noted)
		}
	}
}

// With only AUTH_JWT_SECRET, tokens are HS256 and verify with the secret.
func TestHS256(t *testing.T) {
	w := newWorld(t, false, map[string]string{
		"LOGIN_JWT_PRIVATE_KEY": "", "AUTH_JWT_PUBLIC_KEY": "", "AUTH_JWT_SECRET": hsSecret,
	})
	var resp Response
	rec := w.login(t, `{"code":"dev-oErin"}`)
	json.Unmarshal(rec.Body.Bytes(), &resp)
	tok, _, _ := jwt.NewParser().ParseUnverified(resp.Token, &jwt.RegisteredClaims{})
	if tok == nil || tok.Method.Alg() != "HS256" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if c, err := verifier(t, w.env).Authenticate(bearer(resp.Token)); err != nil || c.UID != resp.UID {
		t.Errorf("%v %v", c, err)
	}
}

// Keys are checked at start-up: a private key that is not P-256, or a
// public key that is not its half, stops the function with a message that
// names the variable and not its value.
func TestKeyProblems(t *testing.T) {
	priv, _ := keyPair(t)
	_, otherPub := keyPair(t)
	rsaLike := base64.StdEncoding.EncodeToString([]byte("not a key at all, VISIBLE"))
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"LOGIN_JWT_PRIVATE_KEY": priv, "AUTH_JWT_PUBLIC_KEY": otherPub},
			"AUTH_JWT_PUBLIC_KEY is not the public half of LOGIN_JWT_PRIVATE_KEY"},
		{map[string]string{"LOGIN_JWT_PRIVATE_KEY": rsaLike}, "LOGIN_JWT_PRIVATE_KEY is not usable"},
		{map[string]string{"LOGIN_JWT_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nVISIBLE"}, "LOGIN_JWT_PRIVATE_KEY is not usable"},
		{map[string]string{"LOGIN_JWT_PRIVATE_KEY": priv, "AUTH_JWT_PUBLIC_KEY": "VISIBLE"}, "AUTH_JWT_PUBLIC_KEY is not usable"},
	} {
		env := map[string]string{"WX_APPID": appID, "WX_APPSECRET": appSecret, "LOGIN_UID_SECRET": uidSecret}
		maps.Copy(env, tc.env)
		_, err := Build(platform.Env{Function: "login", Environ: env})
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "VISIBLE") {
			t.Errorf("%v", err)
		}
	}
}
