package presignapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"cosgate/shared/httpapi"
)

// BenchmarkHandler runs each request with the same token every time
// (token=cached: the authenticator remembers it after the first) and with
// a token it has never seen (token=fresh: every first use of a token, which
// is most requests of a cold instance, pays the whole JWT check).
func BenchmarkHandler(b *testing.B) {
	const uid = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
	cached := [][]string{{"Bearer " + token(b, uid)}}
	fresh := freshBearers(b, uid, 5000)
	for _, c := range []struct{ name, body string }{
		{"PUT", `{"ext":"jpg","size":1048576,"contentType":"image/jpeg"}`},
		{"POST", `{"filename":"IMG_0001.JPG","size":1048576,"method":"POST"}`},
	} {
		for _, tc := range []struct {
			name    string
			bearers [][]string
		}{{"token=cached", cached}, {"token=fresh", fresh}} {
			b.Run(c.name+"/"+tc.name, func(b *testing.B) {
				h, _ := handler(b, nil)
				r := httptest.NewRequest("POST", "/presign", nil)
				r.Header.Set("Content-Type", "application/json")
				w := &httpapi.DiscardWriter{}
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					// Swapping the header's slice costs nothing, so both
					// runs measure the handler alone.
					r.Header["Authorization"] = tc.bearers[i%len(tc.bearers)]
					r.Body = io.NopCloser(strings.NewReader(c.body))
					r.ContentLength = int64(len(c.body))
					w.Reset()
					h.ServeHTTP(w, r)
					if w.Status != http.StatusOK {
						b.Fatalf("status %d", w.Status)
					}
				}
			})
		}
	}
}

// freshBearers are n distinct Authorization values for sub (the tokens
// differ in jti), minted before the timer starts. n above the
// authenticator's verified-token cache (4096 entries) means cycling
// through them never meets a token it still remembers.
func freshBearers(b *testing.B, sub string, n int) [][]string {
	b.Helper()
	exp := time.Now().Add(time.Hour).Unix()
	out := make([][]string, n)
	for i := range out {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": sub, "exp": exp, "jti": strconv.Itoa(i)}).
			SignedString([]byte(jwtSecret))
		if err != nil {
			b.Fatal(err)
		}
		out[i] = []string{"Bearer " + s}
	}
	return out
}
