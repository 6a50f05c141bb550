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

// BenchmarkCOS: a presigned COS request through the wrapper that notes its
// signature, against the same handler unwrapped.
func BenchmarkCOS(b *testing.B) {
	r := New(2000)
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("x-cos-request-id", "0123456789abcdef")
		w.WriteHeader(http.StatusOK)
		r.Record(Exchange{Service: "cos", RequestID: "0123456789abcdef"}, 0)
	})
	req := httptest.NewRequest("GET", "/uploads/u1/a.jpg?q-sign-algorithm=sha1&q-ak=AKIDexampleKEY0000000000"+
		"&q-sign-time=1;2&q-key-time=1;2&q-header-list=host&q-url-param-list=&q-signature=0123456789abcdef", nil)
	for name, handler := range map[string]http.Handler{"bare": h, "recorded": r.COS(h)} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				handler.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
