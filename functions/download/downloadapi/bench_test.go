package downloadapi

import (
	"net/http"
	"net/http/httptest"
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
	h, _ := handler(b)
	cached := [][]string{{"Bearer " + token(b, uid)}}
	fresh := identitytest.Bearers(b, jwtSecret, uid, 5000)
	for _, c := range []struct{ name, target string }{
		{"redirect", "/download?key=uploads/o6_bmjrPTlm6_2sgVt7hMZOPfL2M/2026/11/22/mfrggzdfmztwq2lknnwg23tpobyxe43u.jpg"},
		{"redirect-filename", "/download?key=uploads/o6_bmjrPTlm6_2sgVt7hMZOPfL2M/2026/11/22/mfrggzdfmztwq2lknnwg23tpobyxe43u.jpg&filename=%E6%8A%A5%E5%91%8A.jpg"},
	} {
		for _, tc := range []struct {
			name    string
			bearers [][]string
		}{{"token=cached", cached}, {"token=fresh", fresh}} {
			b.Run(c.name+"/"+tc.name, func(b *testing.B) {
				r := httptest.NewRequest("GET", c.target, nil)
				w := &httpapi.DiscardWriter{}
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					// Swapping the header's slice costs nothing, so both
					// runs measure the handler alone.
					r.Header["Authorization"] = tc.bearers[i%len(tc.bearers)]
					w.Reset()
					h.ServeHTTP(w, r)
					if w.Status != http.StatusFound {
						b.Fatalf("status %d", w.Status)
					}
				}
			})
		}
	}
}
