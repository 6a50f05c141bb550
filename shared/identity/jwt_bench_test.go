package identity

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// BenchmarkFirstSeen prices the strict check of a token seen for the first
// time against golang-jwt alone parsing and verifying the same token (the
// floor: the signature and the registered claims, nothing of ours), and
// against the same token once remembered. The ratio identity/golang-jwt is
// what the strict rules cost on top of the library.
func BenchmarkFirstSeen(b *testing.B) {
	ecKey := mustEC(b)
	c := jwt.MapClaims{"sub": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "exp": time.Now().Add(time.Hour).Unix(),
		"iat": time.Now().Unix(), "iss": "cosgate-login", "aud": "cosgate"}
	for _, bc := range []struct {
		name   string
		method jwt.SigningMethod
		sign   any
		verify any
		cfg    JWTConfig
	}{
		{"hs256", jwt.SigningMethodHS256, secret, secret, JWTConfig{Secret: secret}},
		{"es256", jwt.SigningMethodES256, ecKey, &ecKey.PublicKey, JWTConfig{PublicKeyPEM: b64DER(b, &ecKey.PublicKey)}},
	} {
		bc.cfg.Issuer, bc.cfg.Audience = "cosgate-login", "cosgate"
		tok := signKID(b, bc.method, bc.sign, nil, c)
		b.Run(bc.name+"/golang-jwt", func(b *testing.B) {
			p := jwt.NewParser(jwt.WithValidMethods([]string{bc.method.Alg()}), jwt.WithExpirationRequired(),
				jwt.WithLeeway(Leeway), jwt.WithIssuer("cosgate-login"), jwt.WithAudience("cosgate"))
			key := func(*jwt.Token) (any, error) { return bc.verify, nil }
			b.ReportAllocs()
			for b.Loop() {
				var rc jwt.RegisteredClaims
				if _, err := p.ParseWithClaims(tok, &rc, key); err != nil {
					b.Fatal(err)
				}
			}
		})
		a, err := NewJWT(bc.cfg)
		if err != nil {
			b.Fatal(err)
		}
		r := request("Bearer " + tok)
		b.Run(bc.name+"/identity-first-seen", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				clear(a.verified)
				if _, err := a.Authenticate(r); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/identity-remembered", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Authenticate(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
