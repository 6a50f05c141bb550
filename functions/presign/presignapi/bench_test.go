package presignapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cosgate/shared/httpapi"
	"cosgate/shared/identity/identitytest"
)

// BenchmarkHandler runs each request with the same token every time
// (token=cached: the authenticator remembers it after the first) and with
// a token it has never seen (token=fresh: every first use of a token, which
// is most requests of a cold instance, pays the whole JWT check).
func BenchmarkHandler(b *testing.B) {
	const uid = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
	cached := [][]string{{"Bearer " + token(b, uid)}}
	fresh := identitytest.Bearers(b, jwtSecret, uid, 5000)
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
