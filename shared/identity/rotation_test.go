package identity

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"math/big"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"cosgate/shared/apierr"
	"cosgate/shared/config"
	"cosgate/shared/logging"
)

// signKID signs claims with key, with kid in the header unless it is nil.
func signKID(t testing.TB, m jwt.SigningMethod, key any, kid any, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != nil {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func b64DER(t testing.TB, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

func mustKID(t testing.TB, pub any) string {
	t.Helper()
	kid, err := KeyID(pub)
	if err != nil {
		t.Fatal(err)
	}
	return kid
}

func at(now time.Time) func() time.Time { return func() time.Time { return now } }

// RFC 7638 §3.1's example: the thumbprint of its RSA key.
func TestKeyIDRFC7638Vector(t *testing.T) {
	n, _ := base64.RawURLEncoding.DecodeString("0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw")
	key := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537}
	if kid := mustKID(t, key); kid != "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" {
		t.Errorf("RSA thumbprint %s", kid)
	}
	// The P-256 key of RFC 7515 §A.3, as base64 DER. Its thumbprint was
	// computed with node's crypto (createPublicKey(...).export({format:
	// 'jwk'}), then SHA-256 over {"crv","kty","x","y"}), independently of
	// this code.
	ec, err := ParsePublicKey("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEXH8UTNG72bfocs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==")
	if err != nil {
		t.Fatal(err)
	}
	if kid := mustKID(t, ec); kid != "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U" {
		t.Errorf("EC thumbprint %s", kid)
	}
}

// Fresh keys, whose coordinates may start with zero bytes, get the
// thumbprint node computes from the JWK it exports.
func TestKeyIDAgainstNode(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	const script = `const c = require('crypto');
for (const der of process.argv.slice(1)) {
  const j = c.createPublicKey({key: Buffer.from(der, 'base64'), format: 'der', type: 'spki'}).export({format: 'jwk'});
  const canon = j.kty === 'EC' ? {crv: j.crv, kty: j.kty, x: j.x, y: j.y} : {e: j.e, kty: j.kty, n: j.n};
  console.log(c.createHash('sha256').update(JSON.stringify(canon)).digest('base64url'));
}`
	args := []string{"-e", script}
	var want []string
	for range 16 {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		args = append(args, b64DER(t, &k.PublicKey))
		want = append(want, mustKID(t, &k.PublicKey))
	}
	r, _ := rsa.GenerateKey(rand.Reader, 2048)
	args = append(args, b64DER(t, &r.PublicKey))
	want = append(want, mustKID(t, &r.PublicKey))
	out, err := exec.Command("node", args...).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(string(out)); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("node says\n%v\nKeyID says\n%v", got, want)
	}
}

// The HS256 kid is stable, 16 characters, different per secret, and not a
// plain hash of the secret.
func TestSecretKeyID(t *testing.T) {
	a, b := SecretKeyID(secret), SecretKeyID([]byte("another-secret-0123456789abcdef0"))
	if a != SecretKeyID(secret) || len(a) != 16 || a == b {
		t.Errorf("%s %s", a, b)
	}
}

// An ES256 rotation: login switches from the old key to the new while the
// verifiers list both; old tokens, with or without a kid, verify until the
// old key is taken out; a kid picks exactly its key.
func TestRotationES256(t *testing.T) {
	oldKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	newKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	oldKID, newKID := mustKID(t, &oldKey.PublicKey), mustKID(t, &newKey.PublicKey)
	oldPub, newPub := b64DER(t, &oldKey.PublicKey), b64DER(t, &newKey.PublicKey)
	c := claims(nil)
	oldTok := signKID(t, jwt.SigningMethodES256, oldKey, oldKID, c)
	legacyTok := signKID(t, jwt.SigningMethodES256, oldKey, nil, c) // minted before kids
	newTok := signKID(t, jwt.SigningMethodES256, newKey, newKID, c)
	newLegacy := signKID(t, jwt.SigningMethodES256, newKey, nil, c)
	escaped := func(p string) string { return strings.ReplaceAll(strings.TrimSpace(p), "\n", `\n`) }

	for name, both := range map[string]string{
		"base64 list":               newPub + "," + oldPub,
		"old first, spaced":         " " + oldPub + " ,\n" + newPub + ",",
		"concatenated PEM":          pemOf(t, &newKey.PublicKey) + pemOf(t, &oldKey.PublicKey),
		"escaped PEM, concatenated": escaped(pemOf(t, &newKey.PublicKey)) + `\n` + escaped(pemOf(t, &oldKey.PublicKey)),
		"PEM and base64":            pemOf(t, &newKey.PublicKey) + "," + oldPub,
	} {
		a, err := NewJWT(JWTConfig{PublicKeyPEM: both, Now: at(now)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for tname, tok := range map[string]string{"old": oldTok, "old without kid": legacyTok, "new": newTok, "new without kid": newLegacy} {
			if got, err := a.Authenticate(request("Bearer " + tok)); err != nil || got.UID == "" {
				t.Errorf("%s: the %s token: %v", name, tname, err)
			}
		}
		for tname, tok := range map[string]string{
			"a kid that names no key":       signKID(t, jwt.SigningMethodES256, newKey, "no-such-kid", c),
			"a kid that is not a string":    signKID(t, jwt.SigningMethodES256, newKey, 7, c),
			"the new key under the old kid": signKID(t, jwt.SigningMethodES256, newKey, oldKID, c),
			"the old key under the new kid": signKID(t, jwt.SigningMethodES256, oldKey, newKID, c),
			"HS256 keyed with a public key": signKID(t, jwt.SigningMethodHS256, []byte(newPub), newKID, c),
			"an unlisted key, no kid":       signKID(t, jwt.SigningMethodES256, mustEC(t), nil, c),
			"an unlisted key, its own kid":  signKIDOwn(t, c),
		} {
			_, err := a.Authenticate(request("Bearer " + tok))
			refused(t, name+": "+tname, err, apierr.Unauthorized)
		}
	}

	// The old key is taken out: its tokens stop working, kid or not.
	after, err := NewJWT(JWTConfig{PublicKeyPEM: newPub, Now: at(now)})
	if err != nil {
		t.Fatal(err)
	}
	for tname, tok := range map[string]string{"old": oldTok, "old without kid": legacyTok} {
		_, err := after.Authenticate(request("Bearer " + tok))
		refused(t, "after the rotation: "+tname, err, apierr.Unauthorized)
	}
	if _, err := after.Authenticate(request("Bearer " + newTok)); err != nil {
		t.Errorf("after the rotation, the new token: %v", err)
	}
}

func mustEC(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signKIDOwn signs with a key no verifier lists, under that key's own kid.
func signKIDOwn(t testing.TB, c jwt.MapClaims) string {
	k := mustEC(t)
	return signKID(t, jwt.SigningMethodES256, k, mustKID(t, &k.PublicKey), c)
}

// With one key, as before rotation existed, the kid is not what decides:
// an issuer's own name for its key still verifies, and the signature alone
// refuses everything else.
func TestOneKeyIgnoresForeignKIDs(t *testing.T) {
	k := mustEC(t)
	a, err := NewJWT(JWTConfig{PublicKeyPEM: pemOf(t, &k.PublicKey), Secret: secret, Now: at(now)})
	if err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{
		"ES256, an issuer's kid": signKID(t, jwt.SigningMethodES256, k, "2024-signing-key", claims(nil)),
		"ES256, a numeric kid":   signKID(t, jwt.SigningMethodES256, k, 3, claims(nil)),
		"HS256, an issuer's kid": signKID(t, jwt.SigningMethodHS256, secret, "hs-1", claims(nil)),
	} {
		if _, err := a.Authenticate(request("Bearer " + tok)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err = a.Authenticate(request("Bearer " + signKID(t, jwt.SigningMethodES256, mustEC(t), "2024-signing-key", claims(nil))))
	refused(t, "another key under an issuer's kid", err, apierr.Unauthorized)
}

// An HS256 rotation through the configuration: AUTH_JWT_SECRET lists the
// new secret and the old; the kid picks one, a token without a kid may be
// either, and once the old secret is gone its tokens are refused.
func TestRotationHS256(t *testing.T) {
	oldSecret, newSecret := "old-hs256-secret-0123456789abcdef", "new-hs256-secret-0123456789abcdef"
	oldKID, newKID := SecretKeyID([]byte(oldSecret)), SecretKeyID([]byte(newSecret))
	// FromConfig's authenticator reads the real clock.
	c := jwt.MapClaims{"sub": "u1", "exp": time.Now().Add(time.Hour).Unix()}
	oldTok := signKID(t, jwt.SigningMethodHS256, []byte(oldSecret), oldKID, c)
	legacyTok := signKID(t, jwt.SigningMethodHS256, []byte(oldSecret), nil, c)
	newTok := signKID(t, jwt.SigningMethodHS256, []byte(newSecret), newKID, c)
	build := func(v string) *JWT {
		t.Helper()
		a, err := FromConfig(config.Auth{Mode: "jwt", JWTSecret: logging.Secret(v)})
		if err != nil {
			t.Fatal(err)
		}
		return a.(*JWT)
	}
	both := build(newSecret + ", " + oldSecret)
	for name, tok := range map[string]string{"old": oldTok, "old without kid": legacyTok, "new": newTok} {
		if _, err := both.Authenticate(request("Bearer " + tok)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, tok := range map[string]string{
		"a kid that names no secret":  signKID(t, jwt.SigningMethodHS256, []byte(newSecret), "nope", c),
		"the new secret, the old kid": signKID(t, jwt.SigningMethodHS256, []byte(newSecret), oldKID, c),
		"an unlisted secret, no kid":  signKID(t, jwt.SigningMethodHS256, []byte("third-hs256-secret-0123456789abcd"), nil, c),
		"the list itself as a secret": signKID(t, jwt.SigningMethodHS256, []byte(newSecret+", "+oldSecret), nil, c),
	} {
		_, err := both.Authenticate(request("Bearer " + tok))
		refused(t, name, err, apierr.Unauthorized)
	}
	after := build(newSecret)
	for name, tok := range map[string]string{"old": oldTok, "old without kid": legacyTok} {
		_, err := after.Authenticate(request("Bearer " + tok))
		refused(t, "after the rotation: "+name, err, apierr.Unauthorized)
	}
	if _, err := after.Authenticate(request("Bearer " + newTok)); err != nil {
		t.Errorf("after the rotation, the new token: %v", err)
	}
}

// A malformed list stops start-up with a message that names
// AUTH_JWT_PUBLIC_KEY and the entry, never a value.
func TestPublicKeyListProblems(t *testing.T) {
	k, other := mustEC(t), mustEC(t)
	good, second := b64DER(t, &k.PublicKey), b64DER(t, &other.PublicKey)
	for name, tc := range map[string]struct{ value, want string }{
		"a bad second entry": {good + ",VISIBLE%%", "key 2: the key is neither PEM nor base64 DER"},
		"a truncated PEM":    {pemOf(t, &k.PublicKey) + pemOf(t, &other.PublicKey)[:70] + "VISIBLE", "key 2: the key is not a complete PEM block"},
		"the same key twice": {good + "," + pemOf(t, &k.PublicKey), "key 2: the same key is listed twice"},
		"too many":           {strings.Repeat(good+",", 4) + second, "holds 5 keys; at most 4"},
		"only commas":        {" , ,", "no key is set"},
		"a P-384 key second": {good + "," + b64DER(t, &mustP384(t).PublicKey), "key 2: an EC key must be on P-256"},
	} {
		_, err := FromConfig(config.Auth{Mode: "jwt", JWTPublicKey: tc.value})
		if err == nil || !strings.Contains(err.Error(), "AUTH_JWT_PUBLIC_KEY is not usable: "+tc.want) ||
			strings.Contains(err.Error(), "VISIBLE") || strings.Contains(err.Error(), good[20:40]) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func mustP384(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Verification cost with one key and with two, through Authenticate with
// its cache emptied each time (a cold token, as every first use is).
func BenchmarkVerify(b *testing.B) {
	oldKey, newKey := mustEC(b), mustEC(b)
	oldPub, newPub := b64DER(b, &oldKey.PublicKey), b64DER(b, &newKey.PublicKey)
	oldSecret, newSecret := []byte("old-hs256-secret-0123456789abcdef"), []byte("new-hs256-secret-0123456789abcdef")
	c := jwt.MapClaims{"sub": "u1", "exp": time.Now().Add(time.Hour).Unix()}
	es := func(k *ecdsa.PrivateKey, withKID bool) string {
		if !withKID {
			return signKID(b, jwt.SigningMethodES256, k, nil, c)
		}
		return signKID(b, jwt.SigningMethodES256, k, mustKID(b, &k.PublicKey), c)
	}
	hs := func(s []byte, withKID bool) string {
		if !withKID {
			return signKID(b, jwt.SigningMethodHS256, s, nil, c)
		}
		return signKID(b, jwt.SigningMethodHS256, s, SecretKeyID(s), c)
	}
	for _, bc := range []struct {
		name  string
		cfg   JWTConfig
		token string
	}{
		{"es256/1key/kid", JWTConfig{PublicKeyPEM: newPub}, es(newKey, true)},
		{"es256/1key/nokid", JWTConfig{PublicKeyPEM: newPub}, es(newKey, false)},
		{"es256/2keys/kid=new", JWTConfig{PublicKeyPEM: newPub + "," + oldPub}, es(newKey, true)},
		{"es256/2keys/kid=old", JWTConfig{PublicKeyPEM: newPub + "," + oldPub}, es(oldKey, true)},
		{"es256/2keys/nokid-old", JWTConfig{PublicKeyPEM: newPub + "," + oldPub}, es(oldKey, false)},
		{"hs256/1key/kid", JWTConfig{Secrets: [][]byte{newSecret}}, hs(newSecret, true)},
		{"hs256/2keys/kid=old", JWTConfig{Secrets: [][]byte{newSecret, oldSecret}}, hs(oldSecret, true)},
		{"hs256/2keys/nokid-old", JWTConfig{Secrets: [][]byte{newSecret, oldSecret}}, hs(oldSecret, false)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			a, err := NewJWT(bc.cfg)
			if err != nil {
				b.Fatal(err)
			}
			r := request("Bearer " + bc.token)
			b.ReportAllocs()
			for b.Loop() {
				clear(a.verified)
				if _, err := a.Authenticate(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The strict rules hold on the single decoding: a registered claim or a
// header parameter spelt in another letter case is refused (encoding/json
// would have read "EXP" as exp), registered claims have their RFC types,
// and a token has one spelling (no trailing JSON, no stray base64 bits).
func TestJWTOneDecodingStrictRules(t *testing.T) {
	a, err := NewJWT(JWTConfig{Secret: secret, Issuer: "iss-1", Audience: "cosgate", Now: at(now)})
	if err != nil {
		t.Fatal(err)
	}
	base := func(extra map[string]any) jwt.MapClaims {
		return claims(mergeClaims(map[string]any{"iss": "iss-1", "aud": "cosgate"}, extra))
	}
	hs := func(c jwt.MapClaims) string { return signKID(t, jwt.SigningMethodHS256, secret, nil, c) }
	if c, err := a.Authenticate(request("Bearer " + hs(base(map[string]any{"aud": []string{"x", "cosgate"}, "jti": "j1"})))); err != nil || c.Issued != now {
		t.Fatalf("a plain token: %v %v", c, err)
	}
	raw := func(header, payload string) string {
		h := base64.RawURLEncoding.EncodeToString([]byte(header))
		p := base64.RawURLEncoding.EncodeToString([]byte(payload))
		s, err := jwt.SigningMethodHS256.Sign(h+"."+p, secret)
		if err != nil {
			t.Fatal(err)
		}
		return h + "." + p + "." + base64.RawURLEncoding.EncodeToString(s)
	}
	exp := strconv.FormatInt(now.Add(time.Hour).Unix(), 10)
	body := `"sub":"u1","iss":"iss-1","aud":"cosgate","exp":` + exp
	if _, err := a.Authenticate(request("Bearer " + raw(`{"alg":"HS256"}`, `{`+body+`}`))); err != nil {
		t.Fatalf("a hand-made token: %v", err)
	}
	good := raw(`{"alg":"HS256"}`, `{`+body+`}`)
	// The signature's last character carries 4 bits and 2 unused ones; set
	// the lowest unused bit: a lenient decoder reads the same bytes.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	stray := good[:len(good)-1] + string(alphabet[strings.IndexByte(alphabet, good[len(good)-1])|1])
	for name, tok := range map[string]string{
		"EXP beside exp":            raw(`{"alg":"HS256"}`, `{`+body+`,"EXP":1e300}`),
		"Sub beside sub":            raw(`{"alg":"HS256"}`, `{`+body+`,"Sub":"victim"}`),
		"sub spelt with a long s":   raw(`{"alg":"HS256"}`, `{"ſub":"u1","iss":"iss-1","aud":"cosgate","exp":`+exp+`}`),
		"only Exp":                  raw(`{"alg":"HS256"}`, `{"sub":"u1","iss":"iss-1","aud":"cosgate","Exp":`+exp+`}`),
		"ALG in the header":         raw(`{"alg":"HS256","ALG":"none"}`, `{`+body+`}`),
		"Crit in the header":        raw(`{"alg":"HS256","Crit":["exp"]}`, `{`+body+`}`),
		"alg not a string":          raw(`{"alg":["HS256"]}`, `{`+body+`}`),
		"header not an object":      raw(`["HS256"]`, `{`+body+`}`),
		"claims null":               raw(`{"alg":"HS256"}`, `null`),
		"trailing JSON":             raw(`{"alg":"HS256"}`, `{`+body+`} {}`),
		"sub a number":              raw(`{"alg":"HS256"}`, `{"sub":7,"iss":"iss-1","aud":"cosgate","exp":`+exp+`}`),
		"iss an array":              raw(`{"alg":"HS256"}`, `{"sub":"u1","iss":["iss-1"],"aud":"cosgate","exp":`+exp+`}`),
		"jti an object":             raw(`{"alg":"HS256"}`, `{`+body+`,"jti":{}}`),
		"aud with a null":           raw(`{"alg":"HS256"}`, `{"sub":"u1","iss":"iss-1","aud":["cosgate",null],"exp":`+exp+`}`),
		"aud a number":              raw(`{"alg":"HS256"}`, `{"sub":"u1","iss":"iss-1","aud":1,"exp":`+exp+`}`),
		"no iss":                    hs(base(map[string]any{"iss": nil})),
		"no aud":                    hs(base(map[string]any{"aud": nil})),
		"empty aud list":            hs(base(map[string]any{"aud": []string{}})),
		"no exp, nbf ahead":         hs(base(map[string]any{"exp": nil, "nbf": now.Add(time.Hour).Unix()})),
		"four segments":             good + ".x",
		"padded signature":          good + "=",
		"stray bits in the sig":     stray,
		"exp null, no other exp":    raw(`{"alg":"HS256"}`, `{"sub":"u1","iss":"iss-1","aud":"cosgate","exp":null}`),
		"exp with an exponent sign": raw(`{"alg":"HS256"}`, `{"sub":"u1","iss":"iss-1","aud":"cosgate","exp":-`+exp+`}`),
	} {
		_, err := a.Authenticate(request("Bearer " + tok))
		refused(t, name, err, apierr.Unauthorized)
	}
	// What golang-jwt took for absent still is: a null nbf, iat or jti.
	if _, err := a.Authenticate(request("Bearer " + raw(`{"alg":"HS256","typ":"JWT"}`, `{`+body+`,"nbf":null,"iat":null,"jti":null}`))); err != nil {
		t.Errorf("null optional claims: %v", err)
	}
	// Fractional seconds are truncated, as golang-jwt does.
	if c, err := a.Authenticate(request("Bearer " + raw(`{"alg":"HS256"}`, `{`+body+`,"iat":`+strconv.FormatInt(now.Unix(), 10)+`.75}`))); err != nil || !c.Issued.Equal(now) {
		t.Errorf("fractional iat: %v %v", c, err)
	}
}

func mergeClaims(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
