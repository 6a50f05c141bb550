package trace

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkRecord: the cost the console adds to each emulator request.
func BenchmarkRecord(b *testing.B) {
	r := New(2000)
	ch, stop := r.Subscribe()
	defer stop()
	go func() {
		for range ch {
		}
	}()
	ex := Exchange{Time: time.Now(), Service: "cos", Method: "PUT", Path: "/uploads/u1/a.jpg", Status: 200,
		SecretID: "AKIDexampleKEY0000000000", Keys: []string{"AKIDexampleKEY0000000000"}}
	b.ReportAllocs()
	for b.Loop() {
		r.Record(ex, 0)
	}
}

// BenchmarkFunctions: a function call through the recording wrapper
// against the same handler unwrapped, answering a /presign-sized body.
func BenchmarkFunctions(b *testing.B) {
	body := []byte(`{"method":"PUT","url":"http://127.0.0.1:9000/uploads/u1/a.jpg?q-ak=AKIDexampleKEY0000000000&q-signature=x","key":"uploads/u1/a.jpg"}`)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	req := httptest.NewRequest("POST", "/presign", nil)
	req.Header.Set("Authorization", "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1MSJ9.c2ln")
	for name, handler := range map[string]http.Handler{"bare": h, "recorded": New(2000).Functions(h)} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				handler.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
