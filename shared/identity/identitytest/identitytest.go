// Package identitytest mints JWTs for tests.
package identitytest

import (
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
