package identity

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"cosgate/shared/apierr"
	"cosgate/shared/httpapi"
)

var (
	now    = time.Unix(1795353600, 0)
	secret = []byte("identity-test-secret-0123456789abcdef")
)

func sign(t *testing.T, m jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func claims(extra map[string]any) jwt.MapClaims {
	c := jwt.MapClaims{"sub": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func pemOf(t *testing.T, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func request(authz string) *http.Request {
	r := httptest.NewRequest("POST", "/sts", nil)
	if authz != "" {
		r.Header.Set("Authorization", authz)
	}
	return r
}

// refused asserts a 401 with the given code, written in the error shape
// with a Bearer challenge.
func refused(t *testing.T, name string, err error, code string) {
	t.Helper()
	var e *apierr.Error
	if !errors.As(err, &e) || e.Code != code || httpapi.StatusOf(e.Code) != 401 {
		t.Errorf("%s: got %v, want 401 %s", name, err, code)
		return
	}
	w := httptest.NewRecorder()
	httpapi.WriteError(w, request(""), err)
	var body struct{ Error struct{ Code string } }
	if w.Code != 401 || json.Unmarshal(w.Body.Bytes(), &body) != nil || body.Error.Code != code ||
		!strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer ") {
		t.Errorf("%s: response %d %v %s", name, w.Code, w.Header(), w.Body)
	}
}

func TestJWTRefusals(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	otherRSA, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaPEM := pemOf(t, &rsaKey.PublicKey)

	hs, err := NewJWT(JWTConfig{Secret: secret, Now: func() time.Time { return now }, Issuer: "https://login.example", Audience: "cosgate"})
	if err != nil {
		t.Fatal(err)
	}
	ok := claims(map[string]any{"iss": "https://login.example", "aud": "cosgate"})
	c, err := hs.Authenticate(request("Bearer " + sign(t, jwt.SigningMethodHS256, secret, ok)))
	if err != nil || c.UID != "o6_bmjrPTlm6_2sgVt7hMZOPfL2M" {
		t.Fatalf("valid HS256: %v %v", c, err)
	}

	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"u1","exp":9999999999,"iss":"https://login.example","aud":"cosgate"}`)) + "."
	cases := []struct {
		name, authz, code string
	}{
		{"no header", "", apierr.Unauthorized},
		{"basic auth", "Basic dTpw", apierr.Unauthorized},
		{"bearer without token", "Bearer ", apierr.Unauthorized},
		{"garbage", "Bearer not.a.jwt", apierr.Unauthorized},
		{"huge", "Bearer " + strings.Repeat("a", 9000), apierr.Unauthorized},
		{"alg none", "Bearer " + none, apierr.Unauthorized},
		{"HS512 not accepted", "Bearer " + sign(t, jwt.SigningMethodHS512, secret, ok), apierr.Unauthorized},
		{"RS256 without a key", "Bearer " + sign(t, jwt.SigningMethodRS256, rsaKey, ok), apierr.Unauthorized},
		{"wrong secret", "Bearer " + sign(t, jwt.SigningMethodHS256, []byte("another-secret-0123456789abcdef0"), ok), apierr.Unauthorized},
		{"tampered payload", "Bearer " + tamper(sign(t, jwt.SigningMethodHS256, secret, ok)), apierr.Unauthorized},
		{"expired", "Bearer " + sign(t, jwt.SigningMethodHS256, secret, claims(map[string]any{"exp": now.Add(-time.Minute).Unix(), "iss": "https://login.example", "aud": "cosgate"})), apierr.TokenExpired},
		{"not yet valid", "Bearer " + sign(t, jwt.SigningMethodHS256, secret, claims(map[string]any{"nbf": now.Add(time.Minute).Unix(), "iss": "https://login.example", "aud": "cosgate"})), apierr.Unauthorized},
		{"no exp", "Bearer " + sign(t, jwt.SigningMethodHS256, secret, claims(map[string]any{"exp": nil, "iss": "https://login.example", "aud": "cosgate"})), apierr.Unauthorized},
		{"wrong issuer", "Bearer " + sign(t, jwt.SigningMethodHS256, secret, claims(map[string]any{"iss": "https://evil.example", "aud": "cosgate"})), apierr.Unauthorized},
		{"wrong audience", "Bearer " + sign(t, jwt.SigningMethodHS256, secret, claims(map[string]any{"iss": "https://login.example", "aud": "other"})), apierr.Unauthorized},
		{"no sub", "Bearer " + sign(t, jwt.SigningMethodHS256, secret, claims(map[string]any{"sub": nil, "iss": "https://login.example", "aud": "cosgate"})), apierr.Unauthorized},
		{"sub with a slash", "Bearer " + sign(t, jwt.SigningMethodHS256, secret, claims(map[string]any{"sub": "u1/../u2", "iss": "https://login.example", "aud": "cosgate"})), apierr.Unauthorized},
		{"sub with a star", "Bearer " + sign(t, jwt.SigningMethodHS256, secret, claims(map[string]any{"sub": "*", "iss": "https://login.example", "aud": "cosgate"})), apierr.Unauthorized},
		{"sub dot-dot", "Bearer " + sign(t, jwt.SigningMethodHS256, secret, claims(map[string]any{"sub": "..", "iss": "https://login.example", "aud": "cosgate"})), apierr.Unauthorized},
	}
	for _, c := range cases {
		_, err := hs.Authenticate(request(c.authz))
		refused(t, c.name, err, c.code)
	}

	// Public keys: RS256 and ES256 verify; an HS256 token "signed" with the
	// public key as its secret (the key-confusion attack) does not.
	rs, err := NewJWT(JWTConfig{Secret: secret, PublicKeyPEM: rsaPEM, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := rs.Authenticate(request("Bearer " + sign(t, jwt.SigningMethodRS256, rsaKey, claims(nil)))); err != nil || c.UID == "" {
		t.Errorf("RS256: %v", err)
	}
	_, err = rs.Authenticate(request("Bearer " + sign(t, jwt.SigningMethodHS256, []byte(rsaPEM), claims(nil))))
	refused(t, "key confusion", err, apierr.Unauthorized)
	_, err = rs.Authenticate(request("Bearer " + sign(t, jwt.SigningMethodRS256, otherRSA, claims(nil))))
	refused(t, "RS256 with another key", err, apierr.Unauthorized)
	es, err := NewJWT(JWTConfig{PublicKeyPEM: pemOf(t, &ecKey.PublicKey), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := es.Authenticate(request("Bearer " + sign(t, jwt.SigningMethodES256, ecKey, claims(nil)))); err != nil || c.UID == "" {
		t.Errorf("ES256: %v", err)
	}
	_, err = es.Authenticate(request("Bearer " + sign(t, jwt.SigningMethodHS256, secret, claims(nil))))
	refused(t, "HS256 when only ES256 is configured", err, apierr.Unauthorized)

	for _, bad := range []JWTConfig{{}, {PublicKeyPEM: "not pem"}, {PublicKeyPEM: pemOf(t, &rsaKey.PublicKey)[:40]}} {
		if _, err := NewJWT(bad); err == nil {
			t.Errorf("NewJWT accepted %+v", bad)
		}
	}
}

func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	payload = []byte(strings.Replace(string(payload), "o6_bmjr", "attackr", 1))
	parts[1] = base64.RawURLEncoding.EncodeToString(payload)
	return strings.Join(parts, ".")
}

func TestWXCloud(t *testing.T) {
	r := request("")
	_, err := WXCloud{}.Authenticate(r)
	refused(t, "no headers", err, apierr.Unauthorized)
	r.Header.Set("X-WX-SOURCE", "wx_devtools")
	_, err = WXCloud{}.Authenticate(r)
	refused(t, "no openid", err, apierr.Unauthorized)
	r.Header.Set("X-WX-OPENID", "../evil")
	_, err = WXCloud{}.Authenticate(r)
	refused(t, "bad openid", err, apierr.Unauthorized)
	r.Header.Set("X-WX-OPENID", "oXzN05Cq2nT_u1-9Hl7dkTr8NQ0k")
	if c, err := (WXCloud{}).Authenticate(r); err != nil || c.UID != "oXzN05Cq2nT_u1-9Hl7dkTr8NQ0k" {
		t.Errorf("%v %v", c, err)
	}
	r.Header.Del("X-WX-SOURCE") // openid alone is not the gateway
	_, err = WXCloud{}.Authenticate(r)
	refused(t, "openid without source", err, apierr.Unauthorized)
}

func TestValidateUID(t *testing.T) {
	for _, ok := range []string{"u1", "o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "a.b@example.com", "x+y=z", "550e8400-e29b-41d4-a716-446655440000", "a.b"} {
		if err := ValidateUID(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "a..b", "a/b", "a\\b", "*", "a*", "u\x00", "u\n", "%2e%2e", "a b", "{uid}", "报", strings.Repeat("a", 129), "a?b", "a#b", "a;b"} {
		if err := ValidateUID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestTemplate(t *testing.T) {
	tpl, err := ParseTemplate("uploads/{uid}/")
	if err != nil || !tpl.HasUID() || tpl.For(Caller{UID: "u1"}) != "uploads/u1/" {
		t.Errorf("%v %v", tpl, err)
	}
	for _, bad := range []string{"uploads/{user}/", "a{uid", "x}"} {
		if _, err := ParseTemplate(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if tpl, _ := ParseTemplate("public/"); tpl.HasUID() {
		t.Error("HasUID without {uid}")
	}
}

// Prefixes render per caller, and a key is held only under one of that
// caller's prefixes.
func TestPrefixes(t *testing.T) {
	p := Prefixes{"uploads/{uid}/", "public/"}
	u1 := Caller{UID: "u1"}
	if got := p.For(u1); len(got) != 2 || got[0] != "uploads/u1/" || got[1] != "public/" {
		t.Errorf("For: %q", got)
	}
	for key, want := range map[string]bool{
		"uploads/u1/a.jpg": true, "public/x.png": true, "uploads/u10/a.jpg": false,
		"uploads/u2/a.jpg": false, "uploads/u1": false, "": false,
	} {
		if p.Hold(u1, key) != want {
			t.Errorf("Hold(u1, %q) = %v", key, !want)
		}
	}
}

// A token verified once is remembered, but its exp still counts: the same
// token is refused once it expires, and a cached token never outlives a
// bad signature (other bytes are a different token).
func TestVerifiedTokenCache(t *testing.T) {
	clock := now
	a, _ := NewJWT(JWTConfig{Secret: secret, Now: func() time.Time { return clock }})
	tok := sign(t, jwt.SigningMethodHS256, secret, claims(map[string]any{"exp": now.Add(time.Minute).Unix()}))
	for range 2 {
		if c, err := a.Authenticate(request("Bearer " + tok)); err != nil || c.UID == "" {
			t.Fatalf("%v %v", c, err)
		}
	}
	if len(a.verified) != 1 {
		t.Errorf("%d cached", len(a.verified))
	}
	clock = now.Add(2 * time.Minute)
	_, err := a.Authenticate(request("Bearer " + tok))
	refused(t, "cached but expired", err, apierr.TokenExpired)
	_, err = a.Authenticate(request("Bearer " + tamper(tok)))
	refused(t, "tampered after caching", err, apierr.Unauthorized)
	nbfTok := sign(t, jwt.SigningMethodHS256, secret, claims(map[string]any{"nbf": now.Add(10 * time.Minute).Unix(), "exp": now.Add(time.Hour).Unix()}))
	clock = now.Add(11 * time.Minute)
	if _, err := a.Authenticate(request("Bearer " + nbfTok)); err != nil {
		t.Fatal(err)
	}
	clock = now
	_, err = a.Authenticate(request("Bearer " + nbfTok))
	refused(t, "cached but not yet valid", err, apierr.Unauthorized)
}

func TestWXCloudRefusesRepeatedHeaders(t *testing.T) {
	for _, h := range [][2]string{{"X-WX-OPENID", "victim_openid"}, {"X-WX-SOURCE", "wx_client"}} {
		r := request("")
		r.Header.Set("X-WX-SOURCE", "wx_devtools")
		r.Header.Set("X-WX-OPENID", "attacker_openid")
		r.Header.Add(h[0], h[1])
		_, err := WXCloud{}.Authenticate(r)
		refused(t, "two "+h[0], err, apierr.Unauthorized)
	}
}

// What golang-jwt leaves open is closed: exp, nbf and iat are JSON numbers
// in range, and no header may mark an extension critical.
func TestJWTNumericDatesAndCrit(t *testing.T) {
	a, err := NewJWT(JWTConfig{Secret: secret, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	good := sign(t, jwt.SigningMethodHS256, secret, claims(nil))
	if _, err := a.Authenticate(request("Bearer " + good)); err != nil {
		t.Fatalf("a plain token: %v", err)
	}
	for name, extra := range map[string]map[string]any{
		"exp as a string":    {"exp": strconv.FormatInt(now.Add(time.Hour).Unix(), 10)},
		"nbf 1e300":          {"nbf": 1e300},
		"exp 1e300":          {"exp": 1e300},
		"iat negative":       {"iat": -1},
		"nbf as a string":    {"nbf": "0"},
		"iat as a boolean":   {"iat": true},
		"exp past year 5138": {"exp": 2e11},
	} {
		tok := sign(t, jwt.SigningMethodHS256, secret, claims(extra))
		_, err := a.Authenticate(request("Bearer " + tok))
		refused(t, name, err, apierr.Unauthorized)
	}
	crit := jwt.NewWithClaims(jwt.SigningMethodHS256, claims(nil))
	crit.Header["crit"] = []string{"exp"}
	tok, err := crit.SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Authenticate(request("Bearer " + tok))
	refused(t, "a crit header", err, apierr.Unauthorized)
}

// A public key verifies the same whichever way the variable holds it: PEM,
// PEM with its line breaks written \n, or the base64 body on one line.
func TestPublicKeyForms(t *testing.T) {
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p := pemOf(t, &ecKey.PublicKey)
	der, _ := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	token := sign(t, jwt.SigningMethodES256, ecKey, jwt.MapClaims{"sub": "u1", "exp": time.Now().Add(time.Hour).Unix()})
	for name, form := range map[string]string{
		"pem":         p,
		"escaped":     strings.ReplaceAll(strings.TrimSpace(p), "\n", `\n`),
		"base64":      base64.StdEncoding.EncodeToString(der),
		"base64 wrap": "  " + base64.StdEncoding.EncodeToString(der)[:40] + "\n" + base64.StdEncoding.EncodeToString(der)[40:],
	} {
		a, err := NewJWT(JWTConfig{PublicKeyPEM: form})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if c, err := a.Authenticate(request("Bearer " + token)); err != nil || c.UID != "u1" {
			t.Errorf("%s: %v %v", name, c, err)
		}
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	for name, bad := range map[string]string{
		"truncated pem": p[:60], "not base64": "%%%", "empty base64": "  ", "P-384": pemOf(t, &p384.PublicKey),
		"private key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: mustPKCS8(t, ecKey)})),
	} {
		if _, err := ParsePublicKey(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func mustPKCS8(t *testing.T, k any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}
