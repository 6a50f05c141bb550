package downloadapi

import (
	"cosgate/shared/httpapi"
	"net/http"
	"net/http/httptest"
	"testing"
)

func BenchmarkHandler(b *testing.B) {
	h, _ := handler(b)
	for _, c := range []struct{ name, target string }{
		{"redirect", "/download?key=uploads/o6_bmjrPTlm6_2sgVt7hMZOPfL2M/2026/11/22/mfrggzdfmztwq2lknnwg23tpobyxe43u.jpg"},
		{"redirect-filename", "/download?key=uploads/o6_bmjrPTlm6_2sgVt7hMZOPfL2M/2026/11/22/mfrggzdfmztwq2lknnwg23tpobyxe43u.jpg&filename=%E6%8A%A5%E5%91%8A.jpg"},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", c.target, nil)
			r.Header.Set("Authorization", "Bearer "+token(b, "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"))
			w := &httpapi.DiscardWriter{}
			b.ReportAllocs()
			for b.Loop() {
				w.Reset()
				h.ServeHTTP(w, r)
				if w.Status != http.StatusFound {
					b.Fatalf("status %d", w.Status)
				}
			}
		})
	}
}
