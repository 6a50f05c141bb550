package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cosgate/shared/logging"
	"cosgate/shared/reqlog"
)

// WriteJSON writes v, a tagged struct, with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b := marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	RequestID string `json:"requestId"`
}

// WriteError answers with the uniform error shape. Server-side failures are
// logged with their cause; the body carries only the code and message.
// Handlers do not call it: they return their failure to Serve.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e := Classify(err)
	status := StatusOf(e.Code)
	if status >= 500 {
		reqlog.Logger(r.Context()).LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("request_id", RequestID(r.Context())), slog.String("code", e.Code), slog.Any("error", err))
	}
	var body errorBody
	body.Error.Code, body.Error.Message, body.RequestID = e.Code, e.Message, RequestID(r.Context())
	if status == http.StatusUnauthorized {
		// RFC 6750: say which scheme to use, and that the token was the problem.
		w.Header().Set("WWW-Authenticate", `Bearer realm="cosgate", error="invalid_token"`)
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(int64((e.RetryAfter+time.Second-1)/time.Second), 10))
	}
	if status == http.StatusMethodNotAllowed && w.Header().Get("Allow") == "" {
		w.Header().Set("Allow", "GET, HEAD, POST, OPTIONS")
	}
	WriteJSON(w, status, body)
}

// Serve runs a handler written as serve, which answers success itself and
// returns any failure unwritten. This is the one place a failure becomes an
// answer: the audit line of a refusal, then the status, the error body and
// its headers, and the error log line of a 5xx. A handler that wrote its
// answer must return nil.
func Serve(w http.ResponseWriter, r *http.Request, serve func(http.ResponseWriter, *http.Request) error) {
	err := serve(w, r)
	if err == nil {
		return
	}
	var d *denial
	if errors.As(err, &d) {
		Audit(r, append([]slog.Attr{slog.String("uid", d.uid), slog.String("action", d.action),
			slog.String("decision", "deny"), slog.String("reason", Classify(d.err).Code)}, d.attrs...)...)
	}
	WriteError(w, r, err)
}

// Refused marks err, a refusal by a limit, a quota or a revocation, as one
// that is audited: Serve writes an audit line saying who (uid) was refused
// what (action, and attrs such as the key) and why (the error's code).
// Other failures (a malformed request, an upstream error) are not decisions
// about the caller, and are not audited.
func Refused(err error, uid, action string, attrs ...slog.Attr) error {
	return &denial{err: err, uid: uid, action: action, attrs: attrs}
}

// denial is a refusal with what its audit line needs.
type denial struct {
	err         error
	uid, action string
	attrs       []slog.Attr
}

func (d *denial) Error() string { return d.err.Error() }
func (d *denial) Unwrap() error { return d.err }

// Unserved answers a request the middleware never saw (the function could
// not be built, the platform's deadline had passed, the event could not be
// read) with err in the uniform shape, and the id the middleware would have
// set.
func Unserved(w http.ResponseWriter, r *http.Request, err error) {
	stampID(w, RequestID(r.Context()))
	WriteError(w, r, err)
}

// stampID is the one place an answer gets its X-Request-Id.
func stampID(w http.ResponseWriter, id string) {
	w.Header().Set("X-Request-Id", id)
}

// Audit writes the audit line of a grant or a refusal: one JSON line with
// msg "audit", the request id and the client's address, and what attrs say.
func Audit(r *http.Request, attrs ...slog.Attr) {
	ctx := r.Context()
	var base [4]slog.Attr // stays on the stack: logging.Write keeps no part
	base[0] = slog.String("request_id", RequestID(ctx))
	base[1] = slog.String("client_ip", clientIP(r))
	n := 2
	if rec := reqlog.From(ctx); rec != nil {
		base[n] = slog.String("function", rec.Function)
		n++
	}
	if f := forwardedFor(r); f != "" {
		base[n] = slog.String("forwarded_for", f)
		n++
	}
	logging.Write(ctx, reqlog.Logger(ctx), slog.LevelInfo, "audit", base[:n], attrs)
}

// clientIP is the address the request came from, as the platform saw it.
func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}
