package signapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cosgate/shared/identity/identitytest"
	"cosgate/shared/limits"
)

// A read of an object withdrawn with cosgate-admin revoke-key is refused,
// as /download refuses it; other keys still read.
func TestReadOfWithdrawnObject(t *testing.T) {
	h, guard := handlerWithGuard(t)
	if err := limits.RevokeObject(t.Context(), guard.Store, "uploads/u1/gone.jpg", time.Now()); err != nil {
		t.Fatal(err)
	}
	read := func(key string) int {
		body := `{"Method":"get","Key":"` + key + `","Headers":{"Host":"examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"}}`
		r := httptest.NewRequest("POST", "/sign", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+identitytest.Token(t, benchSecret, "u1"))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	if c := read("uploads/u1/gone.jpg"); c == http.StatusOK {
		t.Fatalf("a withdrawn object's read was signed: %d", c)
	}
	if c := read("uploads/u1/here.jpg"); c != http.StatusOK {
		t.Fatalf("another object's read: %d", c)
	}
}

// A header or parameter named twice, in two cases, is refused (by the one
// decoder, which refuses a repeated key whatever its case): /sign would
// otherwise check one and sign both.
func TestNameGivenTwice(t *testing.T) {
	h, _ := handlerWithGuard(t)
	for _, body := range []string{
		`{"Method":"put","Key":"uploads/u1/a.jpg","Headers":{"Content-Type":"image/jpeg","content-type":"text/html","Content-Length":5}}`,
		`{"Method":"get","Key":"uploads/u1/a.jpg","Query":{"response-content-type":"image/jpeg","Response-Content-Type":"text/html"}}`,
	} {
		r := httptest.NewRequest("POST", "/sign", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+identitytest.Token(t, benchSecret, "u1"))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "repeats the key") {
			t.Errorf("%s: %d %s", body, w.Code, w.Body)
		}
	}
}
