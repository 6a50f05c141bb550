package httpapi

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func BenchmarkDecodeJSON(b *testing.B) {
	type req struct {
		Ext, Filename, ContentType, Method, Key string
		Size                                    *int64
	}
	body := `{"filename":"IMG_0001.JPG","size":1048576,"method":"POST"}`
	r := httptest.NewRequest("POST", "/", nil)
	r.Header.Set("Content-Type", "application/json")
	b.ReportAllocs()
	for b.Loop() {
		r.Body = readCloser{strings.NewReader(body)}
		var v req
		if _, err := DecodeJSON(r, &v); err != nil {
			b.Fatal(err)
		}
	}
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }
