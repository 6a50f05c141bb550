package trace

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"cosgate/shared/httpapi"
)

// Functions wraps the functions' mux so that each call is recorded: the
// function, the caller's uid (read from the bearer token without checking
// it: the function checks it), the answer's code and message on an error,
// and what its answer hands out, which later COS requests are linked back
// by: signed URLs and forms (kept in memory, see Mint), or SecretIds. The
// answer's body is read, never kept.
func (r *Recorder) Functions(h http.Handler) http.Handler {
	if r == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		start := time.Now()
		name, _, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/")
		seq := r.Begin(start, name)
		tap := &bodyTap{ResponseWriter: w}
		sw := &httpapi.StatusRecorder{ResponseWriter: tap}
		defer func() {
			ex := Exchange{
				Time: start, Service: name, Function: true, Method: req.Method, Path: req.URL.Path,
				Status: sw.Status(), Millis: float64(time.Since(start).Microseconds()) / 1000,
				RequestID: w.Header().Get("X-Request-Id"), UID: subject(req),
			}
			location := w.Header().Get("Location")
			if ex.mints = mintsIn(ex.Status, location, tap.head); len(ex.mints) == 0 && name == "sts" {
				ex.Keys = FindKeys(tap.head) // only /sts hands out keys to sign with
			}
			if ex.Status >= 400 {
				var body struct {
					Error struct{ Code, Message string } `json:"error"`
				}
				if json.Unmarshal(tap.head, &body) == nil && body.Error.Code != "" {
					ex.Code = body.Error.Code
					ex.Reason = &Reason{Kind: KindRequest, Detail: body.Error.Message}
				}
			}
			r.Record(ex, seq)
		}()
		h.ServeHTTP(sw, req)
	})
}

// subject reads the uid from a bearer JWT without verifying it.
func subject(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	claims := jwt.RegisteredClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(strings.TrimSpace(token), &claims); err != nil {
		return ""
	}
	return claims.Subject
}

// bodyTap keeps the first 64 KiB of an answer's body for FindKeys.
type bodyTap struct {
	http.ResponseWriter
	head []byte
}

func (b *bodyTap) Write(p []byte) (int, error) {
	if room := 64<<10 - len(b.head); room > 0 {
		b.head = append(b.head, p[:min(room, len(p))]...)
	}
	return b.ResponseWriter.Write(p)
}
