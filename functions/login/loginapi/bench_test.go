package loginapi

import (
	"strconv"
	"testing"
	"time"
)

// The whole sign-in, through the middleware, against the WeChat emulator on
// loopback (one HTTP round trip per sign-in), minting ES256 and, for
// comparison, HS256.
func BenchmarkLogin(b *testing.B) {
	for name, change := range map[string]map[string]string{
		"es256": nil,
		"hs256": {"LOGIN_JWT_PRIVATE_KEY": "", "AUTH_JWT_PUBLIC_KEY": "", "AUTH_JWT_SECRET": hsSecret},
	} {
		b.Run(name, func(b *testing.B) {
			w := newWorld(b, false, change)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if rec := w.login(b, `{"code":"dev-bench`+strconv.Itoa(i)+`"}`); rec.Code != 200 {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// Minting alone: what the signing algorithm costs.
func BenchmarkMint(b *testing.B) {
	priv, _ := keyPair(b)
	es, err := NewES256(priv)
	if err != nil {
		b.Fatal(err)
	}
	for name, m := range map[string]*Minter{"es256": es, "hs256": NewHS256([]byte(hsSecret))} {
		m.TTL = time.Hour
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			now := time.Now()
			for b.Loop() {
				if _, _, err := m.Mint("d37e0ac0af280b98e7ae76106a023e71", now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
