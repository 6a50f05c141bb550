package httpapi

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"cosgate/shared/apierr"
	"cosgate/shared/logging"
	"cosgate/shared/reqlog"
)

// Options configure the middleware every function runs behind.
type Options struct {
	Function string // "sts", "presign", "download"
	Platform string // where the binary runs, for the access log
	Logger   *slog.Logger
	// Methods the handler serves; others get 405. OPTIONS (preflight) is
	// always answered, and HEAD whenever GET is served.
	Methods []string
	// AllowOrigins are the browser origins CORS admits ("*" for any). Empty
	// means no cross-origin browser access; mini programs do not need CORS.
	AllowOrigins []string
	// MaxBodyBytes caps request bodies (413 TooLarge beyond).
	MaxBodyBytes int64
	// PeerIsProxy says the direct peer is the platform's own proxy (an SCF
	// web function), whose X-Forwarded-For entry ClientAddr believes.
	PeerIsProxy bool
	// TrustedProxies are the peers (TRUSTED_PROXIES) whose X-Forwarded-For
	// entries ClientAddr believes; see ClientAddr.
	TrustedProxies []netip.Prefix
}

// Middleware puts h behind the shared middleware, outermost first: request id,
// access log, panic recovery, CORS, method check, body limit.
func Middleware(h http.Handler, o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	// Attributes fixed for the process are rendered once, not per line.
	accessLog := o.Logger.With(slog.String("function", o.Function), slog.String("platform", o.Platform))
	allow := allowHeader(o.Methods)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := RequestID(r.Context())
		if id == "" {
			id = newRequestID()
		}
		acc := &reqlog.Record{ID: id, Function: o.Function, Logger: o.Logger,
			ClientAddr: clientAddr(r, o.PeerIsProxy, o.TrustedProxies)}
		ctx := reqlog.With(r.Context(), acc)
		r = r.WithContext(ctx)
		stampID(w, id)
		rec := &StatusRecorder{ResponseWriter: w}

		defer func() {
			if p := recover(); p != nil {
				// The stack goes to the log; the caller learns only the id.
				o.Logger.LogAttrs(ctx, slog.LevelError, "handler panicked", slog.String("request_id", id),
					slog.String("panic", fmt.Sprint(p)), slog.String("stack", string(debug.Stack())))
				if !rec.wrote {
					WriteError(rec, r, apierr.New(apierr.Internal, "internal error"))
				}
			}
			line := [...]slog.Attr{
				slog.String("request_id", id), slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", rec.Status()), slog.Float64("latency_ms", float64(time.Since(start).Microseconds())/1000),
				slog.String("subject", acc.Subject),
			}
			logging.Write(ctx, accessLog, slog.LevelInfo, "access", line[:], acc.Attrs)
		}()

		if !cors(rec, r, o, allow) {
			return
		}
		if !slices.Contains(o.Methods, r.Method) &&
			!(r.Method == http.MethodHead && slices.Contains(o.Methods, http.MethodGet)) {
			rec.Header().Set("Allow", allow)
			WriteError(rec, r, apierr.New(apierr.MethodNotAllowed, "%s is not allowed here; use %s", r.Method, allow))
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = bodyReader{r.Body} // read errors answer 400, whoever reads
		}
		if o.MaxBodyBytes > 0 {
			if r.ContentLength > o.MaxBodyBytes {
				WriteError(rec, r, apierr.New(apierr.TooLarge, "the request body is larger than %d bytes", o.MaxBodyBytes))
				return
			}
			r.Body = http.MaxBytesReader(rec, r.Body, o.MaxBodyBytes)
		}
		h.ServeHTTP(rec, r)
	})
}

func allowHeader(methods []string) string {
	m := slices.Clone(methods)
	if slices.Contains(m, http.MethodGet) && !slices.Contains(m, http.MethodHead) {
		m = append(m, http.MethodHead)
	}
	return strings.Join(append(m, http.MethodOptions), ", ")
}

// cors applies the origin allow-list and answers preflights and bare
// OPTIONS. It reports whether the request should go on to the handler.
func cors(w http.ResponseWriter, r *http.Request, o Options, allow string) bool {
	origin := r.Header.Get("Origin")
	allowed := origin != "" && originAllowed(o.AllowOrigins, origin)
	if allowed {
		h := w.Header()
		if slices.Contains(o.AllowOrigins, "*") {
			h.Set("Access-Control-Allow-Origin", "*")
		} else {
			h.Set("Access-Control-Allow-Origin", origin)
		}
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Expose-Headers", "X-Request-Id")
	}
	if r.Method != http.MethodOptions {
		return true
	}
	want := r.Header.Get("Access-Control-Request-Method")
	if origin == "" || want == "" {
		w.Header().Set("Allow", allow)
		w.WriteHeader(http.StatusNoContent)
		return false
	}
	if !allowed {
		WriteError(w, r, apierr.New(apierr.Forbidden, "origin %.100q may not call this function from a browser", origin))
		return false
	}
	if !strings.Contains(", "+allow+",", ", "+want+",") {
		w.Header().Set("Allow", allow)
		WriteError(w, r, apierr.New(apierr.MethodNotAllowed, "%.20s is not allowed here; use %s", want, allow))
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", allow)
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-Id")
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
	return false
}

func originAllowed(list []string, origin string) bool {
	for _, o := range list {
		if o == "*" || strings.EqualFold(strings.TrimSuffix(o, "/"), origin) {
			return true
		}
	}
	return false
}

// StatusRecorder notes the status a handler answered, for an access log.
type StatusRecorder struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (s *StatusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.code, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *StatusRecorder) Write(b []byte) (int, error) {
	if !s.wrote {
		s.code, s.wrote = http.StatusOK, true
	}
	return s.ResponseWriter.Write(b)
}

// Status is the status answered: 200 when the handler wrote nothing.
func (s *StatusRecorder) Status() int {
	if !s.wrote {
		return http.StatusOK
	}
	return s.code
}
