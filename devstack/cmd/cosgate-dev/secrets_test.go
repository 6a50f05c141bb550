package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"cosgate/devstack/stack"
	"cosgate/functions/login/loginapi"
)

// productionLike is a shell after the README's deploy steps: production's
// HS256 secret, ES256 pair, uid secret, issuer and audience exported.
type productionLike struct {
	secret, uidSecret string
	public            *ecdsa.PublicKey
	env               []string
}

func newProductionLike(t *testing.T) productionLike {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := x509.MarshalPKCS8PrivateKey(key)
	pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	p := productionLike{
		secret:    "production-hs256-secret-0123456789abcdef",
		uidSecret: "production-uid-secret-0123456789abcdef00",
		public:    &key.PublicKey,
	}
	p.env = []string{
		"AUTH_JWT_SECRET=" + p.secret,
		"LOGIN_JWT_PRIVATE_KEY=" + base64.StdEncoding.EncodeToString(priv),
		"AUTH_JWT_PUBLIC_KEY=" + base64.StdEncoding.EncodeToString(pub),
		"LOGIN_UID_SECRET=" + p.uidSecret,
		"AUTH_JWT_ISSUER=https://login.example.com",
		"AUTH_JWT_AUDIENCE=app.example.com",
	}
	return p
}

// verifies reports whether tok verifies with production's secret or its
// public key (issuer and audience aside: a key that verifies is the harm).
func (p productionLike) verifies(tok string) bool {
	_, err := jwt.Parse(tok, func(tk *jwt.Token) (any, error) {
		if tk.Method.Alg() == "ES256" {
			return p.public, nil
		}
		return []byte(p.secret), nil
	}, jwt.WithValidMethods([]string{"HS256", "ES256"}))
	return err == nil
}

// tokens collects every token a running make dev hands out: the banner's,
// /login's (for the openid walker) and the console's /api/token's.
func tokens(t *testing.T, banner string) (byName map[string]string, uid string) {
	t.Helper()
	fn := regexp.MustCompile(`F=(\S+)`).FindStringSubmatch(banner)[1]
	con := regexp.MustCompile(`(?m)^console (http://127\.0\.0\.1:\d+) `).FindStringSubmatch(banner)[1]
	byName = map[string]string{}
	if m := regexp.MustCompile(`skip the sign-in:\n  (\S+)`).FindStringSubmatch(banner); m != nil {
		byName["banner"] = m[1]
	} else {
		t.Fatalf("no development JWT in the banner:\n%s", banner)
	}
	post := func(u, body string) map[string]any {
		resp, err := http.Post(u, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		if resp.StatusCode != 200 || json.Unmarshal(raw, &out) != nil {
			t.Fatalf("POST %s: %d %s", u, resp.StatusCode, raw)
		}
		return out
	}
	login := post(fn+"/login", `{"code":"dev-walker"}`)
	byName["/login"], _ = login["token"].(string)
	uid, _ = login["uid"].(string)
	byName["console /api/token"], _ = post(con+"/api/token", `{"uid":"`+uid+`","ttl":"168h"}`)["token"].(string)
	return byName, uid
}

// TestDevIgnoresProductionSecrets: with production's signing variables in
// the environment and no opt-in, make dev signs with its development keys:
// no token it hands out verifies with production's secret or public key,
// /login's uid is not production's for that openid, and the banner names
// what it ignored. With COSGATE_DEV_SECRETS=env it signs with them (as
// tools minting their own tokens need), warns, and stays on loopback.
func TestDevIgnoresProductionSecrets(t *testing.T) {
	prod := newProductionLike(t)
	bin := devBinary(t)
	args := []string{"-addr", "127.0.0.1:0", "-cos-addr", "127.0.0.1:0", "-sts-addr", "127.0.0.1:0",
		"-wx-addr", "127.0.0.1:0", "-console-addr", "127.0.0.1:0", "-data", ""}

	p := launch(t, bin, prod.env, args...)
	banner := p.until(t, "Ctrl-C stops everything.")
	for _, want := range []string{"signed with this stack's development keys and uid secret, valid only here",
		"ignored from your environment: AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY, LOGIN_JWT_PRIVATE_KEY, " +
			"LOGIN_UID_SECRET, AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE (COSGATE_DEV_SECRETS=env takes them)",
		"(24 h, valid only in this stack)"} {
		if !strings.Contains(banner, want) {
			t.Errorf("the banner lacks %q:\n%s", want, banner)
		}
	}
	if strings.Contains(banner, "WARNING") {
		t.Errorf("a warning without the opt-in:\n%s", banner)
	}
	got, uid := tokens(t, banner)
	for name, tok := range got {
		if tok == "" || prod.verifies(tok) {
			t.Errorf("%s's token %q verifies with production's keys", name, tok)
		}
	}
	if uid == loginapi.Pseudonym([]byte(prod.uidSecret), "walker") {
		t.Error("/login answered production's uid for the openid")
	}
	// And a production token is not taken by the local functions either.
	fn := regexp.MustCompile(`F=(\S+)`).FindStringSubmatch(banner)[1]
	prodTok, _ := stack.Token(map[string]string{"AUTH_JWT_SECRET": prod.secret}, "u1", time.Now(), time.Hour)
	req, _ := http.NewRequest("POST", fn+"/sts", nil)
	req.Header.Set("Authorization", "Bearer "+prodTok)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("/sts with a production token: %v %v", err, resp)
	}
	p.interrupt(t)

	// The opt-in: today's behaviour, announced.
	// One HS256 secret: the functions refuse it beside a key pair.
	var hs []string
	for _, kv := range prod.env {
		if !strings.HasPrefix(kv, "LOGIN_JWT_PRIVATE_KEY=") && !strings.HasPrefix(kv, "AUTH_JWT_PUBLIC_KEY=") {
			hs = append(hs, kv)
		}
	}
	p = launch(t, bin, append(hs, "COSGATE_DEV_SECRETS=env"), args...)
	banner = p.until(t, "Ctrl-C stops everything.")
	if !strings.Contains(banner, "WARNING: COSGATE_DEV_SECRETS=env: tokens are signed with the keys and uid secret in your environment") {
		t.Errorf("no warning with the opt-in:\n%s", banner)
	}
	got, uid = tokens(t, banner)
	for name, tok := range got {
		if !prod.verifies(tok) {
			t.Errorf("with the opt-in, %s's token does not verify with the environment's keys", name)
		}
	}
	if uid != loginapi.Pseudonym([]byte(prod.uidSecret), "walker") {
		t.Error("with the opt-in, /login's uid is not keyed by the environment's LOGIN_UID_SECRET")
	}
	p.interrupt(t)

	// Never off loopback with the environment's secrets; a typo is refused.
	for _, tc := range []struct {
		env  []string
		args []string
		want string
	}{
		{append(prod.env, "COSGATE_DEV_SECRETS=env"), append(args, "-addr", "0.0.0.0:0"),
			"COSGATE_DEV_SECRETS=env keeps every listener on loopback"},
		{[]string{"COSGATE_DEV_SECRETS=yes"}, args, `COSGATE_DEV_SECRETS is "yes"`},
	} {
		q := launch(t, bin, tc.env, tc.args...)
		if err := q.cmd.Wait(); err == nil || !strings.Contains(q.stderr.String(), tc.want) {
			t.Errorf("%v %v: %v, want %q in\n%s", tc.env[len(tc.env)-1], tc.args[len(tc.args)-1], err, tc.want, q.stderr)
		}
	}
}
