package stack

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"cosgate/shared/apierr"
	"cosgate/shared/httpapi"
)

// LoopbackHost reports whether host (a Host header: name or address, and
// port) names this machine's loopback on port. A page on another site can
// make its own name resolve to 127.0.0.1 (DNS rebinding) and then reach a
// local server as same-origin; its requests still carry that name in Host,
// which is what this refuses.
func LoopbackHost(host, port string) bool {
	name, p, err := net.SplitHostPort(host)
	if err != nil {
		// No port: the scheme's default, which only a listener on port 80 has.
		name, p = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"), "80"
	}
	if p != port {
		return false
	}
	if strings.EqualFold(name, "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(name)
	return err == nil && addr.Zone() == "" && addr.IsLoopback()
}

// LoopbackOrigin reports whether origin is a page served from this
// machine's loopback (http://localhost, 127.0.0.0/8 or [::1], any port).
func LoopbackOrigin(origin string) bool {
	rest, ok := strings.CutPrefix(origin, "http://")
	if !ok || strings.ContainsAny(rest, "/?#@") {
		return false
	}
	if _, p, err := net.SplitHostPort(rest); err == nil {
		return LoopbackHost(rest, p)
	}
	return LoopbackHost(rest, "80")
}

// loopbackOnly answers 403 to a request whose Host is not this machine's
// loopback on the listener's own port, before h sees it.
func loopbackOnly(port string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !LoopbackHost(r.Host, port) {
			httpapi.WriteError(w, r, apierr.New(apierr.Forbidden,
				"the local stack answers only requests to localhost, 127.0.0.1 or [::1] on port %s, not %.100q",
				port, r.Host))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// anyPort is the suffix of a CORS_ALLOW_ORIGINS entry that admits an origin
// on any port (http://localhost:*). Only the local stack reads it: a
// deployment's middleware compares origins exactly.
const anyPort = ":*"

// portPatterns maps each origin a port pattern in list admits to the
// pattern itself, so the functions' exact-match CORS admits it: the
// request reaches them with the pattern as its Origin, and the answer's
// Access-Control-Allow-Origin goes back to the browser as the real origin.
// The functions' middleware then stays the one a deployment runs.
func portPatterns(list []string, h http.Handler) http.Handler {
	var patterns []string
	for _, o := range list {
		if o = strings.TrimSpace(o); strings.HasSuffix(o, anyPort) {
			patterns = append(patterns, o)
		}
	}
	if len(patterns) == 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		p := matchPattern(patterns, origin)
		if p == "" {
			h.ServeHTTP(w, r)
			return
		}
		r = r.Clone(r.Context())
		r.Header.Set("Origin", p)
		h.ServeHTTP(&originWriter{ResponseWriter: w, pattern: p, origin: origin}, r)
	})
}

// matchPattern returns the pattern in patterns admitting origin, if any.
func matchPattern(patterns []string, origin string) string {
	for _, p := range patterns {
		if strings.EqualFold(origin, strings.TrimSuffix(p, anyPort)) {
			return p // the scheme's default port
		}
	}
	i := strings.LastIndexByte(origin, ':')
	if i < 0 || strings.HasPrefix(origin[i:], "://") {
		return ""
	}
	for _, p := range patterns {
		port := origin[i+1:]
		if strings.EqualFold(origin[:i]+anyPort, p) && port != "" && strings.Trim(port, "0123456789") == "" {
			return p
		}
	}
	return ""
}

// originWriter puts the browser's origin back where the functions wrote
// the pattern it was admitted by.
type originWriter struct {
	http.ResponseWriter
	pattern, origin string
	done            bool
}

func (o *originWriter) fix() {
	if o.done {
		return
	}
	o.done = true
	h := o.ResponseWriter.Header()
	if strings.EqualFold(h.Get("Access-Control-Allow-Origin"), o.pattern) {
		h.Set("Access-Control-Allow-Origin", o.origin)
	}
}

func (o *originWriter) WriteHeader(code int) {
	o.fix()
	o.ResponseWriter.WriteHeader(code)
}

func (o *originWriter) Write(b []byte) (int, error) {
	o.fix()
	return o.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (o *originWriter) Unwrap() http.ResponseWriter { return o.ResponseWriter }

// LoopbackOnly is the same Host check for a handler served on ln by
// others (make dev-cloud).
func LoopbackOnly(ln net.Listener, h http.Handler) http.Handler {
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return loopbackOnly(port, h)
}
