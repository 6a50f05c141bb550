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
	"cosgate/shared/identity/identitytest"
	"cosgate/shared/logging"
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
	// The logger production builds, formatting every line; only the write
	// is dropped.
	logger := logging.New(io.Discard, slog.LevelInfo)
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

// BenchmarkHandler runs with no cached key (cache-miss: the STS call is
// made, against cannedSTS) and with one (cache-hit), each with the same
// token every time (token=cached: the authenticator remembers it after the
// first) and with a token it has never seen (token=fresh: every first use
// of a token pays the whole JWT check).
func BenchmarkHandler(b *testing.B) {
	const uid = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
	cached := [][]string{{"Bearer " + token(b, uid)}}
	fresh := identitytest.Bearers(b, jwtSecret, uid, 5000)
	for _, kc := range []struct {
		name string
		size int
	}{{"cache-miss", 0}, {"cache-hit", 16}} {
		for _, tc := range []struct {
			name    string
			bearers [][]string
		}{{"token=cached", cached}, {"token=fresh", fresh}} {
			b.Run(kc.name+"/"+tc.name, func(b *testing.B) {
				h := benchHandler(b, kc.size)
				// The request is built once: parsing it is not the handler's
				// work, and swapping the header's slice costs nothing.
				r := httptest.NewRequest("POST", "/sts", nil)
				w := &httpapi.DiscardWriter{}
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					r.Header["Authorization"] = tc.bearers[i%len(tc.bearers)]
					w.Reset()
					h.ServeHTTP(w, r)
					if w.Status != 200 {
						b.Fatalf("status %d", w.Status)
					}
				}
			})
		}
	}
}
