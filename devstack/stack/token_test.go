package stack

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// During a rotation AUTH_JWT_SECRET lists secrets, newest first; the
// development token is signed with the first, as login signs.
func TestTokenSignsWithTheFirstSecret(t *testing.T) {
	newest, old := strings.Repeat("n", 32), strings.Repeat("o", 32)
	tok, err := Token(map[string]string{"AUTH_JWT_SECRET": newest + "," + old}, "u1", time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for secret, want := range map[string]bool{newest: true, old: false, newest + "," + old: false} {
		_, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return []byte(secret), nil },
			jwt.WithValidMethods([]string{"HS256"}))
		if (err == nil) != want {
			t.Errorf("verified with %.8q…: %v, want %v", secret, err == nil, want)
		}
	}
}
