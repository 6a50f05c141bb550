package functions_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"cosgate/devstack/wxemu"
	"cosgate/shared/config"
	"cosgate/shared/identity"
	"cosgate/shared/logging"
	"cosgate/shared/platform/platformtest"
	"cosgate/shared/stsclient/ststest"
)

// The asymmetric split, with the real binaries: login, holding the ES256
// private key, signs callers in on every platform; sts, holding only the
// public key, accepts those tokens and nothing it could have minted itself.
func TestLoginTokensAndTheKeySplit(t *testing.T) {
	emu, err := wxemu.New(wxemu.Config{AppID: "wx0123456789abcdef", AppSecret: "functions-test-appsecret-00000000"})
	if err != nil {
		t.Fatal(err)
	}
	wx := httptest.NewServer(emu)
	defer wx.Close()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	pubDER, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pub := base64.StdEncoding.EncodeToString(pubDER)
	login := map[string]string{
		"WX_APPID": "wx0123456789abcdef", "WX_APPSECRET": "functions-test-appsecret-00000000", "WX_API_ENDPOINT": wx.URL,
		"LOGIN_JWT_PRIVATE_KEY": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"AUTH_JWT_PUBLIC_KEY":   pub, "LOGIN_UID": "openid",
	}
	var tokens []string
	for _, inv := range invokers(t, "login", login) {
		status, h, body := inv.call(t, "POST", "/login", map[string]string{"Content-Type": "application/json"},
			`{"code":"dev-o`+inv.name+`"}`)
		var resp struct {
			Token     string `json:"token"`
			ExpiresAt int64  `json:"expiresAt"`
			UID       string `json:"uid"`
		}
		if status != 200 || json.Unmarshal(body, &resp) != nil || resp.UID != "o"+inv.name ||
			resp.ExpiresAt < time.Now().Add(23*time.Hour).Unix() || h.Get("Cache-Control") != "no-store" {
			t.Errorf("login over %s: %d %s", inv.name, status, body)
		}
		tokens = append(tokens, resp.Token)
		status, _, body = inv.call(t, "POST", "/login", map[string]string{"Content-Type": "application/json"},
			`{"code":"dev-o`+inv.name+`"}`)
		if status != 400 || !strings.Contains(string(body), `"LoginCodeUsed"`) {
			t.Errorf("a reused code over %s: %d %s", inv.name, status, body)
		}
	}

	// sts with the public key and no secret, mid-rotation: it lists login's
	// key first and a retired one after it, whose tokens are still out there.
	retired, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	retiredDER, _ := x509.MarshalPKIXPublicKey(&retired.PublicKey)
	retiredKID, _ := identity.KeyID(&retired.PublicKey)
	fake := ststest.New(t, "AKIDfunctionsTest", "functionsTestSecretKey")
	e := env()
	delete(e, "AUTH_JWT_SECRET")
	e["AUTH_JWT_PUBLIC_KEY"], e["STS_ENDPOINT"] = pub+","+base64.StdEncoding.EncodeToString(retiredDER), fake.URL
	sts := invokers(t, "sts", e)[0]
	old := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"sub": "oold", "exp": time.Now().Add(time.Hour).Unix()})
	old.Header["kid"] = retiredKID
	oldToken, _ := old.SignedString(retired)
	wantKID, _ := identity.KeyID(&key.PublicKey)
	for i, tok := range tokens {
		if parsed, _, _ := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{}); parsed == nil || parsed.Header["kid"] != wantKID {
			t.Errorf("login token %d does not carry its key's kid", i)
		}
	}
	for i, tok := range append(tokens, oldToken) {
		status, _, body := sts.call(t, "POST", "/sts", map[string]string{"Authorization": "Bearer " + tok}, "")
		if status != 200 || !strings.Contains(string(body), `"allowPrefix":["uploads/`) {
			t.Errorf("sts refused login token %d: %d %s", i, status, body)
		}
	}
	// What a holder of sts's configuration could try to mint: an HS256 token
	// keyed with the public key (algorithm confusion), or an ES256 one from
	// a key of its own. Both are refused.
	claims := jwt.MapClaims{"sub": "ovictim", "exp": time.Now().Add(time.Hour).Unix()}
	confused, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(pub))
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	forged, _ := jwt.NewWithClaims(jwt.SigningMethodES256, claims).SignedString(other)
	for name, tok := range map[string]string{"hs256 with the public key": confused, "another ES256 key": forged} {
		status, _, body := sts.call(t, "POST", "/sts", map[string]string{"Authorization": "Bearer " + tok}, "")
		if status != 401 {
			t.Errorf("%s: %d %s", name, status, body)
		}
	}
	// And none of the other functions even links the code that mints.
	for _, fn := range []string{"sts", "presign", "download"} {
		out, err := exec.Command("go", "list", "-deps", "cosgate/functions/"+fn).Output()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(out), "cosgate/functions/login/loginapi") {
			t.Errorf("%s links the login function's minting code", fn)
		}
	}
}

// One kind of token key: each real binary, given AUTH_JWT_SECRET beside
// the key pair, stops at start-up with a message naming both variables and
// the flag; with AUTH_JWT_ALLOW_HS256=true each builds, and a verifier takes
// both kinds of token, as before the refusal.
func TestHS256BesideAKeyPairStopsStartUp(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	pubDER, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	mixed := env()
	mixed["AUTH_JWT_PUBLIC_KEY"] = base64.StdEncoding.EncodeToString(pubDER)
	mixed["LOGIN_JWT_PRIVATE_KEY"] = base64.StdEncoding.EncodeToString(der)
	for _, fn := range names {
		p := platformtest.Start(t, bins[fn], mixed)
		code, exited := p.Wait(5 * time.Second)
		logs := p.Logs.String()
		want := "AUTH_JWT_SECRET and AUTH_JWT_PUBLIC_KEY are both set"
		if fn == "login" {
			want = "AUTH_JWT_SECRET and LOGIN_JWT_PRIVATE_KEY are both set"
		}
		if !exited || code != 1 || !strings.Contains(logs, want) || !strings.Contains(logs, "AUTH_JWT_ALLOW_HS256=true") ||
			strings.Contains(logs, mixed["AUTH_JWT_SECRET"]) {
			t.Errorf("%s: exited=%v code=%d, want %q: %s", fn, exited, code, want, logs)
		}
	}
	mixed["AUTH_JWT_ALLOW_HS256"] = "true"
	for _, fn := range names {
		if _, err := build(t, fn, mixed); err != nil {
			t.Errorf("%s with AUTH_JWT_ALLOW_HS256=true: %v", fn, err)
		}
	}
	a, err := identity.FromConfig(config.Auth{Mode: "jwt", JWTSecret: logging.Secret(mixed["AUTH_JWT_SECRET"]),
		JWTPublicKey: mixed["AUTH_JWT_PUBLIC_KEY"], AllowHS256: true})
	if err != nil {
		t.Fatal(err)
	}
	es, _ := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"sub": "u1", "exp": time.Now().Add(time.Hour).Unix()}).SignedString(key)
	for name, tok := range map[string]string{"HS256": signJWT(t, "u1"), "ES256": es} {
		r := httptest.NewRequest("POST", "/sts", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		if c, err := a.Authenticate(r); err != nil || c.UID != "u1" {
			t.Errorf("%s with both allowed: %+v %v", name, c, err)
		}
	}
	if _, err := identity.FromConfig(config.Auth{Mode: "jwt", JWTSecret: logging.Secret(mixed["AUTH_JWT_SECRET"]),
		JWTPublicKey: mixed["AUTH_JWT_PUBLIC_KEY"]}); err == nil || !strings.Contains(err.Error(), "are both set") {
		t.Errorf("FromConfig took both without the flag: %v", err)
	}
}
