package signapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cosgate/shared/campolicy"
	"cosgate/shared/config"
	"cosgate/shared/contenttype"
	"cosgate/shared/credcache"
	"cosgate/shared/httpapi"
	"cosgate/shared/identity"
	"cosgate/shared/identity/identitytest"
	"cosgate/shared/limits"
	"cosgate/shared/logging"
	"cosgate/shared/stsclient"
)

const benchSecret = "sign-bench-jwt-secret-0123456789abcdef"

// fixedIssuer stands for STS: one key, as a warm instance's cache holds.
type fixedIssuer struct{}

func (fixedIssuer) Issue(context.Context, stsclient.Request) (stsclient.Credentials, error) {
	return stsclient.Credentials{TmpSecretID: "AKIDsignBench0001", TmpSecretKey: "signBenchSecretKey0123456789abcd",
		Token: "sign-bench-session-token", ExpiredTime: time.Now().Add(time.Hour).Unix()}, nil
}

func benchHandler(b testing.TB) http.Handler {
	h, _ := handlerWithGuard(b)
	return h
}

// handlerWithGuard is the handler the tests and benchmarks share, with its
// in-process limits Guard.
func handlerWithGuard(b testing.TB) (http.Handler, *limits.Guard) {
	auth, _ := identity.NewJWT(identity.JWTConfig{Secret: []byte(benchSecret)})
	guard, err := limits.FromConfig(config.Limits{Timeout: config.Duration(time.Second)}, limits.Use{Function: "sign", AuthMode: "jwt"})
	if err != nil {
		b.Fatal(err)
	}
	actions, _ := campolicy.ExpandActions([]string{"upload", "multipart", "read"})
	h := &Handler{
		Auth:          auth,
		Prefix:        "uploads/{uid}/",
		Reads:         []identity.Template{"uploads/{uid}/"},
		Actions:       actions,
		Types:         contenttype.Table{"jpg": "image/jpeg"},
		MaxBytes:      20 << 20,
		Expires:       2 * time.Minute,
		MultipartLife: 24 * time.Hour,
		Bucket:        "examplebucket-1250000000",
		Region:        "ap-guangzhou",
		Keys: &SignKeys{
			STS:    fixedIssuer{},
			Cache:  credcache.New[stsclient.Credentials](16, nil),
			Bucket: campolicy.Bucket{Region: "ap-guangzhou", Name: "examplebucket-1250000000", AppID: "1250000000"},
			Life:   time.Hour,
		},
		Guard: guard,
		Now:   time.Now,
	}
	return httpapi.Middleware(h, httpapi.Options{Function: "sign", Logger: logging.New(io.Discard, slog.LevelInfo),
		Methods: []string{"POST"}, MaxBodyBytes: 65536}), guard
}

// BenchmarkHandler signs what cos-nodejs-sdk-v5's putObject hands
// getAuthorization, with a token seen before (token=cached) and a new one
// each time (token=fresh). Run beside presign's:
// go test -run '^$' -bench Handler -benchmem ./functions/presign/presignapi ./functions/sign/signapi
func BenchmarkHandler(b *testing.B) {
	const uid = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
	body := `{"Bucket":"examplebucket-1250000000","Region":"ap-guangzhou","Method":"put",` +
		`"Key":"uploads/` + uid + `/photo.jpg","Pathname":"/uploads/` + uid + `/photo.jpg","Query":{},` +
		`"Headers":{"Content-Type":"image/jpeg","Content-Length":1048576,` +
		`"Host":"examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"},"Scope":[],"SystemClockOffset":0}`
	fresh := identitytest.Bearers(b, benchSecret, uid, 5000)
	for _, tc := range []struct {
		name    string
		bearers [][]string
	}{{"token=cached", fresh[:1]}, {"token=fresh", fresh}} {
		b.Run("PUT/"+tc.name, func(b *testing.B) {
			h := benchHandler(b)
			r := httptest.NewRequest("POST", "/sign", nil)
			r.Header.Set("Content-Type", "application/json")
			w := &httpapi.DiscardWriter{}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				r.Header["Authorization"] = tc.bearers[i%len(tc.bearers)]
				r.Body = io.NopCloser(strings.NewReader(body))
				r.ContentLength = int64(len(body))
				w.Reset()
				h.ServeHTTP(w, r)
				if w.Status != http.StatusOK {
					b.Fatalf("status %d", w.Status)
				}
			}
		})
	}
}
