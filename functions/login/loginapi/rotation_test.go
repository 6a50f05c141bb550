package loginapi

import (
	"crypto/ecdsa"
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"cosgate/shared/config"
	"cosgate/shared/identity"
	"cosgate/shared/logging"
	"cosgate/shared/platform"
)

// rotationVerifier is what sts, presign and download build from env.
func rotationVerifier(t *testing.T, env map[string]string) identity.Authenticator {
	t.Helper()
	a, err := identity.FromConfig(config.Auth{
		Mode: "jwt", JWTSecret: logging.Secret(env["AUTH_JWT_SECRET"]), JWTPublicKey: env["AUTH_JWT_PUBLIC_KEY"],
		JWTIssuer: env["AUTH_JWT_ISSUER"], JWTAudience: env["AUTH_JWT_AUDIENCE"],
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// signIn signs a user in through w and returns the token and its kid.
func signIn(t *testing.T, w *world, code string) (token, kid string) {
	t.Helper()
	rec := w.login(t, `{"code":"`+code+`"}`)
	var resp Response
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &resp) != nil {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	tok, _, err := jwt.NewParser().ParseUnverified(resp.Token, &jwt.RegisteredClaims{})
	if err != nil {
		t.Fatal(err)
	}
	kid, _ = tok.Header["kid"].(string)
	return resp.Token, kid
}

func publicOf(t *testing.T, public string) *ecdsa.PublicKey {
	t.Helper()
	k, err := identity.ParsePublicKey(public)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*ecdsa.PublicKey)
}

// An ES256 rotation as the README runs it: (1) every function lists the
// new public key beside the old, login still signs with the old; (2) login
// signs with the new key, under its kid; (3) the old key is removed, and
// tokens it signed are refused.
func TestRotateES256(t *testing.T) {
	oldPriv, oldPub := keyPair(t)
	newPriv, newPub := keyPair(t)
	newKID, _ := identity.KeyID(publicOf(t, newPub))
	oldKID, _ := identity.KeyID(publicOf(t, oldPub))
	both := newPub + "," + oldPub

	phase1 := newWorld(t, false, map[string]string{"LOGIN_JWT_PRIVATE_KEY": oldPriv, "AUTH_JWT_PUBLIC_KEY": both})
	oldTok, kid := signIn(t, phase1, "dev-oFrank")
	if kid != oldKID {
		t.Errorf("phase 1 kid %q, want the old key's %q", kid, oldKID)
	}
	phase2 := newWorld(t, false, map[string]string{"LOGIN_JWT_PRIVATE_KEY": newPriv, "AUTH_JWT_PUBLIC_KEY": both})
	newTok, kid := signIn(t, phase2, "dev-oFrank")
	if kid != newKID {
		t.Errorf("phase 2 kid %q, want the new key's %q", kid, newKID)
	}
	during := rotationVerifier(t, phase2.env)
	for name, tok := range map[string]string{"old": oldTok, "new": newTok} {
		if _, err := during.Authenticate(bearer(tok)); err != nil {
			t.Errorf("during the rotation, the %s token: %v", name, err)
		}
	}
	after := maps.Clone(phase2.env)
	after["AUTH_JWT_PUBLIC_KEY"] = newPub
	if _, err := rotationVerifier(t, after).Authenticate(bearer(newTok)); err != nil {
		t.Errorf("after the rotation, the new token: %v", err)
	}
	if _, err := rotationVerifier(t, after).Authenticate(bearer(oldTok)); err == nil || !strings.Contains(err.Error(), "signature") {
		t.Errorf("after the rotation, the old token: %v", err)
	}
}

// HS256: AUTH_JWT_SECRET lists the new secret first; login signs with it,
// under its kid, and the old secret alone no longer verifies its tokens.
func TestRotateHS256(t *testing.T) {
	const newSecret = "login-test-hs256-NEW-0123456789abcdef"
	w := newWorld(t, false, map[string]string{
		"LOGIN_JWT_PRIVATE_KEY": "", "AUTH_JWT_PUBLIC_KEY": "", "AUTH_JWT_SECRET": newSecret + "," + hsSecret,
	})
	tok, kid := signIn(t, w, "dev-oGrace")
	if kid != identity.SecretKeyID([]byte(newSecret)) {
		t.Errorf("kid %q is not the first secret's", kid)
	}
	for value, ok := range map[string]bool{newSecret + "," + hsSecret: true, newSecret: true, hsSecret: false} {
		env := maps.Clone(w.env)
		env["AUTH_JWT_SECRET"] = value
		if _, err := rotationVerifier(t, env).Authenticate(bearer(tok)); (err == nil) != ok {
			t.Errorf("verified with %d secret(s): %v", strings.Count(value, ",")+1, err)
		}
	}
}

// Login refuses to start when AUTH_JWT_PUBLIC_KEY, one key or several,
// lacks its private key's public half, or lists a key it cannot read; the
// message names the variable and not the value.
func TestRotationKeyProblems(t *testing.T) {
	priv, pub := keyPair(t)
	_, other := keyPair(t)
	_, third := keyPair(t)
	for _, tc := range []struct{ public, want string }{
		{other + "," + third, "AUTH_JWT_PUBLIC_KEY does not list the public half of LOGIN_JWT_PRIVATE_KEY (kid "},
		{pub + ",VISIBLE", "AUTH_JWT_PUBLIC_KEY is not usable: key 2"},
		{other + "," + pub, ""},
	} {
		env := map[string]string{"WX_APPID": appID, "WX_APPSECRET": appSecret, "LOGIN_UID_SECRET": uidSecret,
			"LOGIN_JWT_PRIVATE_KEY": priv, "AUTH_JWT_PUBLIC_KEY": tc.public}
		_, err := Build(platform.Env{Function: "login", Environ: env})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("the pair listed second: %v", err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "VISIBLE")):
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}

// Minting stays pure: the same key, uid and time give the same claims and
// kid, and the kid is the key's.
func TestMinterKID(t *testing.T) {
	priv, pub := keyPair(t)
	m, err := NewES256(priv)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := identity.KeyID(publicOf(t, pub))
	if m.KeyID() != want {
		t.Errorf("%s, want %s", m.KeyID(), want)
	}
	m.TTL = time.Hour
	tok, _, _ := m.Mint("u1", time.Unix(1795353600, 0))
	parsed, _, _ := jwt.NewParser().ParseUnverified(tok, &jwt.RegisteredClaims{})
	if parsed == nil || parsed.Header["kid"] != want || parsed.Header["alg"] != "ES256" {
		t.Errorf("header %v", parsed)
	}
}
