package presignapi

import (
	"cosgate/shared/httpapi"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func BenchmarkHandler(b *testing.B) {
	for _, c := range []struct{ name, body string }{
		{"PUT", `{"ext":"jpg","size":1048576,"contentType":"image/jpeg"}`},
		{"POST", `{"filename":"IMG_0001.JPG","size":1048576,"method":"POST"}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			h, _ := handler(b, nil)
			r := httptest.NewRequest("POST", "/presign", nil)
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+token(b, "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"))
			w := &httpapi.DiscardWriter{}
			b.ReportAllocs()
			for b.Loop() {
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
