package stsapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"cosgate/shared/campolicy"
	"cosgate/shared/credcache"
	"cosgate/shared/httpapi"
	"cosgate/shared/identity"
	"cosgate/shared/stsclient"
)

// cannedSTS answers every call at once, in process: the benchmark measures
// everything but the network.
type cannedSTS struct{}

func (cannedSTS) RoundTrip(r *http.Request) (*http.Response, error) {
	io.Copy(io.Discard, r.Body)
	exp := time.Now().Add(30 * time.Minute).Unix()
	body := `{"Response":{"Credentials":{"Token":"` + strings.Repeat("t", 1200) + `","TmpSecretId":"AKIDtmp0123456789","TmpSecretKey":"tmpsecretkey0123456789abcdef"},"ExpiredTime":` +
		itoa(exp) + `,"Expiration":"2026-11-22T12:30:00Z","RequestId":"bench"}}`
	return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func benchHandler(b *testing.B, cacheSize int) http.Handler {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	client, err := stsclient.New(stsclient.Options{Endpoint: "sts.tencentcloudapi.com", Region: "ap-guangzhou",
		Key:  func() (stsclient.Key, error) { return stsclient.Key{SecretID: keyID, SecretKey: keySecret}, nil },
		HTTP: &http.Client{Transport: cannedSTS{}}, Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	auth, _ := identity.NewJWT(identity.JWTConfig{Secret: []byte(jwtSecret)})
	h := &Handler{Auth: auth, Prefix: "uploads/{uid}/*", Actions: []string{"name/cos:PutObject", "name/cos:PostObject"},
		Bucket: bucket, Cond: campolicy.Conditions{MaxBytes: 20971520}, STS: client, Cache: credcache.New[stsclient.Credentials](cacheSize, nil),
		Scopes:   &ScopeLimiter{Max: 1 << 20, Window: time.Minute},
		Duration: 1800 * time.Second, Now: time.Now}
	return httpapi.Middleware(h, httpapi.Options{Function: "sts", Logger: logger, Methods: []string{"GET", "POST"}, MaxBodyBytes: 65536})
}

func BenchmarkHandler(b *testing.B) {
	bearer := "Bearer " + token(b, "o6_bmjrPTlm6_2sgVt7hMZOPfL2M")
	run := func(b *testing.B, h http.Handler) {
		// The request is built once: parsing it is not the handler's work.
		r := httptest.NewRequest("POST", "/sts", nil)
		r.Header.Set("Authorization", bearer)
		w := &httpapi.DiscardWriter{}
		b.ReportAllocs()
		for b.Loop() {
			w.Reset()
			h.ServeHTTP(w, r)
			if w.Status != 200 {
				b.Fatalf("status %d", w.Status)
			}
		}
	}
	b.Run("cache-miss", func(b *testing.B) { run(b, benchHandler(b, 0)) })
	b.Run("cache-hit", func(b *testing.B) { run(b, benchHandler(b, 16)) })
	// The worst case: no cached key and a token never seen before, so the
	// JWT is decoded and verified too. 5,000 distinct tokens outrun the
	// verified-token cache.
	b.Run("cache-miss-new-token", func(b *testing.B) {
		reqs := make([]*http.Request, 5000)
		for i := range reqs {
			reqs[i] = httptest.NewRequest("POST", "/sts", nil)
			reqs[i].Header.Set("Authorization", "Bearer "+token(b, "u"+strconv.Itoa(i)))
		}
		h := benchHandler(b, 0)
		w := &httpapi.DiscardWriter{}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			w.Reset()
			h.ServeHTTP(w, reqs[i%len(reqs)])
			if w.Status != 200 {
				b.Fatalf("status %d", w.Status)
			}
			i++
		}
	})
}
