package cossign

import (
	"crypto/hmac"
	"crypto/sha1"
	"math/rand/v2"
	"testing"
)

func stdHMAC(key, msg []byte) [sha1.Size]byte {
	m := hmac.New(sha1.New, key)
	m.Write(msg)
	var out [sha1.Size]byte
	m.Sum(out[:0])
	return out
}

// hmacSHA1 must equal crypto/hmac on both sides of its fast-path limits.
func TestHMACMatchesStdlib(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, kl := range []int{0, 1, 20, 32, 40, 63, 64, 65, 100, 200} {
		for _, ml := range []int{0, 1, 21, 68, 159, 160, 161, 500, 4096} {
			key, msg := make([]byte, kl), make([]byte, ml)
			for i := range key {
				key[i] = byte(r.Uint32())
			}
			for i := range msg {
				msg[i] = byte(r.Uint32())
			}
			if hmacSHA1(key, msg) != stdHMAC(key, msg) {
				t.Errorf("key %d bytes, msg %d bytes: differs from crypto/hmac", kl, ml)
			}
		}
	}
}

func FuzzHMAC(f *testing.F) {
	f.Add([]byte("key"), []byte("1700000000;1700003600"))
	f.Add(make([]byte, 64), make([]byte, 160))
	f.Fuzz(func(t *testing.T, key, msg []byte) {
		if hmacSHA1(key, msg) != stdHMAC(key, msg) {
			t.Fatalf("differs from crypto/hmac for key %x msg %x", key, msg)
		}
	})
}

func TestPresignAllocations(t *testing.T) {
	p := Presign{Method: "PUT", Key: "uploads/u1/2026/11/22/abcdef.jpg", Window: Window{1, 2},
		Headers: []Pair{{"Content-Type", "image/jpeg"}, {"Content-Length", "10"}, {"x-cos-forbid-overwrite", "true"}}}
	n := testing.AllocsPerRun(100, func() { _ = PresignURL(Credentials{SecretID: "id", SecretKey: "key"}, vecEndpoint, p) })
	if n > 20 {
		t.Errorf("PresignURL allocates %.0f times; the budget is 20", n)
	}
}
