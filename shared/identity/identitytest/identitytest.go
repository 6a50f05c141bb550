// Package identitytest mints JWTs for tests.
package identitytest

import (
	"strconv"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Token is an HS256 JWT for sub, valid for an hour.
func Token(t testing.TB, secret, sub string) string {
	t.Helper()
	claims := jwt.MapClaims{"sub": sub, "exp": time.Now().Add(time.Hour).Unix()}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).
		SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Bearers are n distinct Authorization header values for sub (the tokens
// differ in jti), as the slices a request's Header holds, so a benchmark can
// swap them in for free. n above the authenticator's verified-token cache
// (4096 entries) means cycling through them never meets a token it still
// remembers: each use pays the whole JWT check.
func Bearers(t testing.TB, secret, sub string, n int) [][]string {
	t.Helper()
	exp := time.Now().Add(time.Hour).Unix()
	out := make([][]string, n)
	for i := range out {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": sub, "exp": exp, "jti": strconv.Itoa(i)}).
			SignedString([]byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = []string{"Bearer " + s}
	}
	return out
}
