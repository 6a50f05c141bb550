// Command probe is a test-only function for the platform tests: it runs on
// the same platform layer as the real functions, with one route per
// behaviour an adapter must carry (redirects, errors, panics, deadlines,
// binary bodies, repeated headers).
package main

import (
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"time"

	"cosgate/shared/apierr"
	"cosgate/shared/config"
	"cosgate/shared/httpapi"
	"cosgate/shared/platform"
)

func main() {
	platform.Run("probe", func(env platform.Env) (platform.Service, error) {
		// Reading a real configuration exercises the misconfiguration paths.
		if _, err := config.Load[config.Auth](env.Environ); err != nil {
			return platform.Service{}, err
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/echo/", func(w http.ResponseWriter, r *http.Request) {
			body := make([]byte, 0, 64)
			buf := make([]byte, 512)
			for {
				n, err := r.Body.Read(buf)
				body = append(body, buf[:n]...)
				if err != nil {
					break
				}
			}
			httpapi.WriteJSON(w, http.StatusOK, map[string]any{
				"method":      r.Method,
				"path":        r.URL.Path,
				"escapedPath": r.URL.EscapedPath(),
				"rawQuery":    r.URL.RawQuery,
				"query":       r.URL.Query(),
				"header":      r.Header,
				"host":        r.Host,
				"body":        base64.StdEncoding.EncodeToString(body),
				"requestId":   httpapi.RequestID(r.Context()),
			})
		})
		mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
			w.Header().
				Set("Location", "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/a%20b.jpg?q-sign-algorithm=sha1")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusFound)
		})
		mux.HandleFunc("/bad", func(w http.ResponseWriter, r *http.Request) {
			httpapi.WriteError(w, r, apierr.New(apierr.InvalidRequest, "the probe refuses this"))
		})
		mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) { panic("probe panic") })
		mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
				httpapi.WriteError(w, r, r.Context().Err())
			case <-time.After(5 * time.Second):
				w.WriteHeader(http.StatusOK)
			}
		})
		mux.HandleFunc("/pause", func(w http.ResponseWriter, r *http.Request) {
			slog.Info("pausing") // the test signals the process once it reads this
			time.Sleep(700 * time.Millisecond)
			io.WriteString(w, "paused")
		})
		mux.HandleFunc("/binary", func(w http.ResponseWriter, r *http.Request) {
			b := make([]byte, 256)
			for i := range b {
				b[i] = byte(i)
			}
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(b)
		})
		mux.HandleFunc("/cookies", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Set-Cookie", "a=1; Path=/")
			w.Header().Add("Set-Cookie", "b=2; Path=/")
			w.Header().Add("X-Multi", "one")
			w.Header().Add("X-Multi", "two")
			w.WriteHeader(http.StatusNoContent)
		})
		return platform.Service{
			Handler: mux,
			Methods: []string{http.MethodGet, http.MethodPost, http.MethodPut},
			HTTP:    config.HTTP{MaxBodyBytes: 1 << 20},
		}, nil
	})
}
