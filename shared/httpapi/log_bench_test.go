package httpapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"cosgate/shared/logging"
)

// BenchmarkLogLines is what a granted request's two lines cost, the access
// line and the audit line, as presign writes them, through the logger
// production uses (logging.New, formatting every line; only the write goes
// to io.Discard), and the middleware around a handler that does nothing
// else. Compare with the handler benchmarks of functions/*.
func BenchmarkLogLines(b *testing.B) {
	const uid = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
	key := "uploads/" + uid + "/2026/11/22/mfrggzdfmztwq2lknnwg23tpobyxe43u.jpg"
	end := time.Date(2026, 11, 22, 0, 10, 0, 0, time.UTC)
	for _, lines := range []string{"access", "access+audit"} {
		b.Run(lines, func(b *testing.B) {
			h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				SetSubject(r.Context(), uid)
				w.WriteHeader(http.StatusOK)
				AddLogAttrs(r.Context(), slog.String("upload_method", "PUT"), slog.String("key", key),
					slog.String("content_type", "image/jpeg"), slog.Int64("max_bytes", 1048576), slog.Int64("expired_time", end.Unix()))
				if lines == "access+audit" {
					Audit(r, slog.String("uid", uid), slog.String("action", "presign:put"), slog.String("key", key),
						slog.Int64("bytes", 1048576), slog.String("expires", end.Format(time.RFC3339)), slog.String("decision", "allow"))
				}
			}), Options{Function: "presign", Platform: "scf-web", Logger: logging.New(io.Discard, slog.LevelInfo), Methods: []string{"POST"}})
			r := httptest.NewRequest("POST", "/presign", nil)
			w := &DiscardWriter{}
			b.ReportAllocs()
			for b.Loop() {
				w.Reset()
				h.ServeHTTP(w, r)
			}
		})
	}
}
